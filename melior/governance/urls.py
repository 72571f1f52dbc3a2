from django.urls import path

from .views import access_log, gaps, imports, rows, steward, students, usage

urlpatterns = [
    path("students/", students.students_page, name="students"),
    path("students/by-date/", gaps.by_date_page, name="students-by-date"),
    path("students/gaps/<slug:site>/", gaps.gap_page, name="students-gap"),
    path("students/gaps-panel/", gaps.gaps_panel, name="students-gaps-panel"),
    path("students/rows/", rows.rows_page, name="students-rows"),
    path("students/stewardship/", steward.steward_page, name="students-stewardship"),
    path(
        "students/stewardship/consent/",
        steward.record_consent,
        name="students-stewardship-consent",
    ),
    path(
        "students/stewardship/purposes/",
        steward.add_purpose,
        name="students-stewardship-purpose",
    ),
    path("students/stewardship/grants/", steward.grant_rows, name="students-stewardship-grant"),
    path(
        "students/stewardship/grants/revoke/",
        steward.revoke_grant,
        name="students-stewardship-revoke",
    ),
    path(
        "students/stewardship/agreements/",
        steward.set_agreement,
        name="students-stewardship-agreement",
    ),
    path("students/stewardship/join/", steward.join_network, name="students-stewardship-join"),
    path(
        "students/stewardship/privacy/",
        steward.update_privacy,
        name="students-stewardship-privacy",
    ),
    path("students/access-log/", access_log.audit_page, name="students-audit"),
    path("students/import/", imports.import_page, name="students-import"),
    path("students/import/<int:job>/", imports.import_job_page, name="students-import-job"),
    path("students/usage/", usage.usage_page, name="students-usage"),
]
