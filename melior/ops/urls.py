from django.urls import path

from . import health

urlpatterns = [
    path("", health.everything, name="health"),
    path("live", health.live, name="health-live"),
    path("ready", health.ready, name="health-ready"),
]
