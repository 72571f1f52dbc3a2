from django.apps import AppConfig


class TheoryConfig(AppConfig):
    name = "melior.theory"
    verbose_name = "Theories of improvement"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        auditlog.register(models.DriverDiagram)
        auditlog.register(models.Node)
        auditlog.register(models.ChangeIdeaProposal)
