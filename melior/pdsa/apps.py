from django.apps import AppConfig


class PdsaConfig(AppConfig):
    name = "melior.pdsa"
    verbose_name = "PDSA cycles"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        for model in (
            models.Cycle,
            models.LearningQuestion,
            models.CycleObservation,
            models.Attachment,
            models.Comment,
        ):
            auditlog.register(model)
