from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "melior.api"
    verbose_name = "JSON API"
