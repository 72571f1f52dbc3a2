from django.urls import path

from . import views


def diagram_routes(prefix: str) -> list:
    """The same pages for the network's theory and for a project's adaptation of it."""
    return [
        path("", views.theory_page, name=prefix),
        path("edit/", views.edit_node, name=f"{prefix}-edit"),
        path("export.<str:fmt>", views.export, name=f"{prefix}-export"),
        path("versions/<int:number>/", views.version_detail, name=f"{prefix}-version"),
        path("versions/<int:number>/restore/", views.restore, name=f"{prefix}-restore"),
    ]


urlpatterns = [
    *diagram_routes("theory"),
    path("nodes/<uuid:key>/", views.node_detail, name="theory-node"),
    path("proposals/", views.propose, name="theory-propose"),
    path("proposals/<int:pk>/decide/", views.decide, name="theory-decide"),
]

project_urlpatterns = [
    *diagram_routes("project-theory"),
    path("adapt/", views.adapt, name="project-theory-adapt"),
    path("bring-in/", views.bring_in, name="project-theory-bring-in"),
]
