from django.urls import path

from . import views

urlpatterns = [
    path("", views.network_theory, name="theory"),
    path("edit/", views.edit_node, name="theory-edit"),
    path("versions/<int:number>/", views.version_detail, name="theory-version"),
    path("versions/<int:number>/restore/", views.restore, name="theory-restore"),
]
