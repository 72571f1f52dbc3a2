from django.contrib import admin

from .models import Cause, CauseCategory, EmpathyNote, ProblemAnalysis, ProcessStep


@admin.register(ProblemAnalysis)
class ProblemAnalysisAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "project"]


@admin.register(CauseCategory, Cause, ProcessStep, EmpathyNote)
class AnalysisPartAdmin(admin.ModelAdmin):
    list_display = ["__str__", "analysis"]
