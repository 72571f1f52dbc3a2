from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "melior.networks"
    verbose_name = "Networks and organizations"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        auditlog.register(models.Network)
        auditlog.register(models.Organization)
        auditlog.register(models.Membership)
