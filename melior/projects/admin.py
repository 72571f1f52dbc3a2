from django.contrib import admin

from .models import ImprovementProject


@admin.register(ImprovementProject)
class ImprovementProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "site", "status", "target_date"]
    list_filter = ["network", "status"]
    search_fields = ["title", "aim_statement"]
    filter_horizontal = ["team"]
