from django.urls import path

from . import views

urlpatterns = [
    path("import/", views.import_observations_page, name="import-observations"),
    path("m/<slug:measure>/", views.measure_page, name="measure"),
    path("m/<slug:measure>/sites/", views.measure_multiples, name="measure-multiples"),
    path("s/<slug:site>/m/<slug:measure>/", views.site_measure, name="site-measure"),
    path(
        "s/<slug:site>/m/<slug:measure>/observation/",
        views.observation_form,
        name="observation-form",
    ),
    path(
        "s/<slug:site>/m/<slug:measure>/export.<str:fmt>",
        views.site_measure_export,
        name="site-measure-export",
    ),
    path(
        "s/<slug:site>/m/<slug:measure>/chart/",
        views.chart_settings,
        name="chart-settings",
    ),
    path(
        "s/<slug:site>/m/<slug:measure>/annotation/",
        views.annotation_form,
        name="annotation-form",
    ),
]
