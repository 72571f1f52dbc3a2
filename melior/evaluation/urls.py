from django.urls import path

from . import views

urlpatterns = [
    path("pilots/", views.pilots_page, name="pilots"),
    path("pilots/<int:pilot>/", views.pilot_page, name="pilot"),
    # one URL per change to a pilot
    path("pilots/<int:pilot>/plan/", views.edit_plan, name="pilot-plan"),
    path("pilots/<int:pilot>/outcomes/", views.add_outcome, name="pilot-outcome-add"),
    path(
        "pilots/<int:pilot>/outcomes/<int:outcome>/remove/",
        views.remove_outcome,
        name="pilot-outcome-remove",
    ),
    path("pilots/<int:pilot>/register/", views.register, name="pilot-register"),
    path("pilots/<int:pilot>/assign/", views.assign, name="pilot-assign"),
    path("pilots/<int:pilot>/decision/", views.record_decision, name="pilot-decision"),
    path("pilots/<int:pilot>/report/", views.report_page, name="pilot-report"),
]
