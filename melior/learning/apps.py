from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "melior.learning"
    verbose_name = "Learning across the network"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        for model in (
            models.Group,
            models.Activity,
            models.ActivityStatus,
            models.Announcement,
            models.Resource,
            models.Synthesis,
            models.NetworkPhase,
            models.SpreadOverride,
        ):
            auditlog.register(model)
