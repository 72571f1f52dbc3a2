from django.urls import path

from . import views

urlpatterns = [
    path("learning/", views.overview, name="learning"),
    path("learning/bright-spots/", views.bright_spots, name="learning-bright-spots"),
    path("learning/what-works-where/", views.what_works_where, name="learning-what-works-where"),
    path("learning/spread/", views.spread_page, name="learning-spread"),
    path("learning/spread/stage/", views.set_spread_stage, name="learning-spread-stage"),
    path("learning/health/", views.health_page, name="learning-health"),
    path("learning/activities/<int:pk>/", views.activity_status, name="learning-activity"),
    path("hub/", views.hub_page, name="hub"),
    path("hub/phase/", views.set_phase, name="hub-phase"),
    path("hub/announcements/", views.announce, name="hub-announcement"),
    path(
        "hub/announcements/delete/",
        views.delete_announcement,
        name="hub-announcement-delete",
    ),
    path("hub/groups/", views.create_group, name="hub-group"),
    path("hub/groups/delete/", views.delete_group, name="hub-group-delete"),
    path("hub/activities/", views.create_activity, name="hub-activity"),
    path("hub/activities/delete/", views.delete_activity, name="hub-activity-delete"),
    path("hub/resources/", views.add_resource, name="hub-resource"),
    path("hub/resources/delete/", views.delete_resource, name="hub-resource-delete"),
    path("hub/syntheses/", views.write_synthesis, name="hub-synthesis"),
    path("hub/syntheses/delete/", views.delete_synthesis, name="hub-synthesis-delete"),
]
