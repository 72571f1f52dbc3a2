from django.urls import path

from . import shared_views, views

urlpatterns = [
    path("", views.cycle_list, name="pdsa-list"),
    path("new/<int:project>/", views.new_cycle, name="pdsa-new"),
    path("calibration/", views.calibration_page, name="pdsa-calibration"),
    path("ideas/<uuid:key>/", views.idea_page, name="pdsa-idea"),
    path("<int:pk>/", views.cycle_detail, name="pdsa-detail"),
    # one URL per action on a cycle
    path("<int:pk>/plan/", views.plan, name="pdsa-plan"),
    path("<int:pk>/questions/", views.question, name="pdsa-question-add"),
    path("<int:pk>/questions/<int:question>/", views.question, name="pdsa-question"),
    path(
        "<int:pk>/questions/<int:question>/delete/",
        views.delete_question,
        name="pdsa-question-delete",
    ),
    path("<int:pk>/advance/", views.advance, name="pdsa-advance"),
    path("<int:pk>/do/", views.record_do, name="pdsa-do"),
    path("<int:pk>/observations/", views.observation, name="pdsa-observation"),
    path("<int:pk>/files/", views.attach, name="pdsa-attach"),
    path("<int:pk>/study/", views.study, name="pdsa-study"),
    path("<int:pk>/act/", views.act, name="pdsa-act"),
    path("<int:pk>/next/", views.next_cycle, name="pdsa-next"),
    path("<int:pk>/authors/", views.authors, name="pdsa-authors"),
    path("<int:pk>/comments/", views.comment, name="pdsa-comment"),
    path("<int:pk>/clone/", views.clone, name="pdsa-clone"),
    path("<int:pk>/sharing/", views.sharing, name="pdsa-sharing"),
    path("<int:pk>/ask/", shared_views.ask, name="pdsa-ask"),
    path("sharing/", shared_views.network_sharing, name="pdsa-network-sharing"),
    path("<int:pk>/print/", views.print_view, name="pdsa-print"),
    path("<int:pk>/files/<int:file>/", views.attachment, name="pdsa-attachment"),
]
