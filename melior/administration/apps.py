from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "melior.administration"
    label = "administration"
    verbose_name = "Network settings and invitations"

    def ready(self):
        from . import permissions  # noqa: F401 — registers the rules
