from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "melior.dashboard"
    verbose_name = "Network dashboard"
