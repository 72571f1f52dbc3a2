from django.contrib import admin

from .models import DiagramVersion, DriverDiagram, Node


class NodeInline(admin.TabularInline):
    model = Node
    extra = 0
    fields = ["kind", "name", "position"]


@admin.register(DriverDiagram)
class DriverDiagramAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "project", "based_on"]
    inlines = [NodeInline]


@admin.register(DiagramVersion)
class DiagramVersionAdmin(admin.ModelAdmin):
    list_display = ["diagram", "number", "summary", "author", "created_at"]
    readonly_fields = ["diagram", "number", "summary", "author", "created_at", "snapshot"]
