from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "melior.workspace"
    verbose_name = "My work"
