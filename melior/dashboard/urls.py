from django.urls import path

from . import views

urlpatterns = [
    path("", views.network_detail, name="network"),
    path("s/<slug:site>/", views.site_detail, name="site"),
]
