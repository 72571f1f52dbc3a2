from django.apps import AppConfig


class ConveningConfig(AppConfig):
    name = "melior.convening"
    label = "convening"
    verbose_name = "Convening pack"
