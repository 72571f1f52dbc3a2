from django.urls import path

from . import views

urlpatterns = [
    path("learning/", views.overview, name="learning"),
    path("learning/bright-spots/", views.bright_spots, name="learning-bright-spots"),
    path("learning/what-works-where/", views.what_works_where, name="learning-what-works-where"),
    path("learning/spread/", views.spread_page, name="learning-spread"),
    path("learning/health/", views.health_page, name="learning-health"),
    path("learning/activities/<int:pk>/", views.activity_status, name="learning-activity"),
    path("hub/", views.hub_page, name="hub"),
]
