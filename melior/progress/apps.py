from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "melior.progress"
    label = "progress"
    verbose_name = "Project progress"

    def ready(self):
        from auditlog.registry import auditlog

        from . import permissions  # noqa: F401  (registers the rules)
        from .models import ProgressAssessment

        auditlog.register(ProgressAssessment)
