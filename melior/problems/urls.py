from django.urls import path

from . import views

# the network's problem page and its changes; a project's are the same under the project
urlpatterns = [
    path("problem/", views.problem_page, name="problem"),
    *(
        path(f"problem/{address}", getattr(views, view), name=f"problem-{name}")
        for address, view, name in views.ACTIONS
    ),
]
project_urlpatterns = [
    path("", views.problem_page, name="project-problem"),
    *(
        path(address, getattr(views, view), name=f"project-problem-{name}")
        for address, view, name in views.ACTIONS
    ),
]
