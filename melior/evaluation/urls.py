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
    # qualitative evidence: the page, then one URL per change
    path("pilots/<int:pilot>/evidence/", views.evidence_page, name="pilot-evidence"),
    path("pilots/<int:pilot>/evidence/codes/", views.add_code, name="pilot-code-add"),
    path(
        "pilots/<int:pilot>/evidence/codes/<int:code>/remove/",
        views.remove_code,
        name="pilot-code-remove",
    ),
    path("pilots/<int:pilot>/evidence/add/", views.add_evidence, name="pilot-evidence-add"),
    path(
        "pilots/<int:pilot>/evidence/import/", views.import_evidence, name="pilot-evidence-import"
    ),
    path(
        "pilots/<int:pilot>/evidence/<int:item>/code/",
        views.code_evidence,
        name="pilot-evidence-code",
    ),
    path(
        "pilots/<int:pilot>/evidence/<int:item>/remove/",
        views.remove_evidence,
        name="pilot-evidence-remove",
    ),
]
