from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "melior.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        from . import jobs  # noqa: F401 — records failed jobs from the queue's signals
