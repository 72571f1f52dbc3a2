from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "melior.measures"
    verbose_name = "Measures and observations"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, receivers

        auditlog.register(models.Measure)
        auditlog.register(models.Observation)
        auditlog.register(models.Annotation)
        receivers.connect()
