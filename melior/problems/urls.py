from django.urls import path

from . import views

urlpatterns = [path("problem/", views.problem_page, name="problem")]
project_urlpatterns = [path("", views.problem_page, name="project-problem")]
