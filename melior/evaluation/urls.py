from django.urls import path

from . import views

urlpatterns = [
    path("pilots/", views.pilots_page, name="pilots"),
    path("pilots/<int:pilot>/", views.pilot_page, name="pilot"),
    path("pilots/<int:pilot>/report/", views.report_page, name="pilot-report"),
]
