from django.urls import path

from .views import cycle, lists, shared

urlpatterns = [
    path("", lists.cycle_list, name="pdsa-list"),
    path("new/<int:project>/", cycle.new_cycle, name="pdsa-new"),
    path("calibration/", lists.calibration_page, name="pdsa-calibration"),
    path("ideas/<uuid:key>/", lists.idea_page, name="pdsa-idea"),
    path("<int:pk>/", cycle.cycle_detail, name="pdsa-detail"),
    # one URL per action on a cycle
    path("<int:pk>/plan/", cycle.plan, name="pdsa-plan"),
    path("<int:pk>/questions/", cycle.question, name="pdsa-question-add"),
    path("<int:pk>/questions/<int:question>/", cycle.question, name="pdsa-question"),
    path(
        "<int:pk>/questions/<int:question>/delete/",
        cycle.delete_question,
        name="pdsa-question-delete",
    ),
    path("<int:pk>/advance/", cycle.advance, name="pdsa-advance"),
    path("<int:pk>/do/", cycle.record_do, name="pdsa-do"),
    path("<int:pk>/observations/", cycle.observation, name="pdsa-observation"),
    path("<int:pk>/files/", cycle.attach, name="pdsa-attach"),
    path("<int:pk>/study/", cycle.study, name="pdsa-study"),
    path("<int:pk>/act/", cycle.act, name="pdsa-act"),
    path("<int:pk>/next/", cycle.next_cycle, name="pdsa-next"),
    path("<int:pk>/authors/", cycle.authors, name="pdsa-authors"),
    path("<int:pk>/comments/", cycle.comment, name="pdsa-comment"),
    path("<int:pk>/clone/", cycle.clone, name="pdsa-clone"),
    path("<int:pk>/sharing/", cycle.sharing, name="pdsa-sharing"),
    path("<int:pk>/ask/", shared.ask, name="pdsa-ask"),
    path("sharing/", shared.network_sharing, name="pdsa-network-sharing"),
    path("<int:pk>/print/", cycle.print_view, name="pdsa-print"),
    path("<int:pk>/files/<int:file>/", cycle.attachment, name="pdsa-attachment"),
]
