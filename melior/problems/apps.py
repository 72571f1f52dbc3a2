from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "melior.problems"
    verbose_name = "Problem analysis"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, permissions  # noqa: F401 — registers the rules

        for model in (models.ProblemAnalysis, models.CauseCategory, models.Cause,
                      models.CauseTally, models.ProcessStep, models.EmpathyNote):  # fmt: skip
            auditlog.register(model)
