from django.urls import path

from . import views

urlpatterns = [
    path("projects/<int:project>/", views.project_detail, name="project"),
    path("projects/<int:project>/edit/", views.project_edit, name="project-edit"),
    path("s/<slug:site>/projects/new/", views.project_start, name="project-start"),
]
