from django.contrib import admin

from .models import Cycle, LearningQuestion


class QuestionInline(admin.TabularInline):
    model = LearningQuestion
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "status", "decision", "planned_start", "due"]
    list_filter = ["status", "decision"]
    inlines = [QuestionInline]
