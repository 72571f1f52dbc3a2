from django.contrib import admin

from .models import FailedJob


@admin.register(FailedJob)
class FailedJobAdmin(admin.ModelAdmin):
    list_display = ["task", "failed_at", "error"]
    list_filter = ["task"]
    readonly_fields = ["task", "task_id", "arguments", "error", "failed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
