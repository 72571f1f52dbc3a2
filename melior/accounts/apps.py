from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "melior.accounts"
    label = "accounts"
    verbose_name = "Accounts and sign-in"

    def ready(self):
        from . import receivers  # noqa: F401  (failed one-time codes and SSO count as failures)
