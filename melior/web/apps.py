from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "melior.web"
    verbose_name = "Web layout"
