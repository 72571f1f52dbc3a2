from django.apps import AppConfig


class FidelityConfig(AppConfig):
    name = "melior.fidelity"
    label = "fidelity"
    verbose_name = "Implementation fidelity"

    def ready(self):
        from auditlog.registry import auditlog

        from . import permissions  # noqa: F401  (registers the rules)
        from .models import Adaptation, Check, Component, FidelityPlan

        for model in (FidelityPlan, Component, Check, Adaptation):
            auditlog.register(model)
