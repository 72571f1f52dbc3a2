from django.urls import path

from . import views

urlpatterns = [
    path("progress/", views.network_progress, name="network-progress"),
    path("projects/<int:project>/progress/", views.project_progress, name="project-progress"),
]
