from django.urls import path

from . import views

urlpatterns = [
    path("students/", views.students_page, name="students"),
    path("students/rows/", views.rows_page, name="students-rows"),
    path("students/stewardship/", views.steward_page, name="students-stewardship"),
    path("students/access-log/", views.audit_page, name="students-audit"),
    path("students/import/", views.import_page, name="students-import"),
    path("students/import/<int:job>/", views.import_job_page, name="students-import-job"),
    path("students/usage/", views.usage_page, name="students-usage"),
]
