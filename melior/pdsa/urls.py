from django.urls import path

from . import views

urlpatterns = [
    path("", views.cycle_list, name="pdsa-list"),
    path("new/<int:project>/", views.new_cycle, name="pdsa-new"),
    path("calibration/", views.calibration_page, name="pdsa-calibration"),
    path("ideas/<uuid:key>/", views.idea_page, name="pdsa-idea"),
    path("<int:pk>/", views.cycle_detail, name="pdsa-detail"),
    path("<int:pk>/clone/", views.clone, name="pdsa-clone"),
    path("<int:pk>/print/", views.print_view, name="pdsa-print"),
    path("<int:pk>/files/<int:file>/", views.attachment, name="pdsa-attachment"),
]
