from django.contrib import admin

from .models import Annotation, Measure, Observation


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "kind", "value_type", "frequency", "default_chart"]
    list_filter = ["network", "kind", "value_type"]
    search_fields = ["name", "slug"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["measure", "organization", "period_start", "value", "numerator", "denominator"]
    list_filter = ["measure__network", "measure"]
    search_fields = ["organization__name", "measure__name"]
    date_hierarchy = "period_start"
    raw_id_fields = ["organization", "entered_by"]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["date", "text", "measure", "organization"]
    search_fields = ["text"]
    raw_id_fields = ["organization", "created_by"]
