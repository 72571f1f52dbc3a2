from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "melior.projects"
    verbose_name = "Improvement projects"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        auditlog.register(models.ImprovementProject)
