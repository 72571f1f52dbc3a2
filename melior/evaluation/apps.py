from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "melior.evaluation"
    verbose_name = "EdTech pilots and their evaluation"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 (registers the rules)

        for model in (models.Pilot, models.PilotOutcome, models.Amendment):
            auditlog.register(model)
