"""Improvement projects: a site team's charter within a network."""

from django.conf import settings
from django.db import models

from melior.measures.models import Measure
from melior.networks.models import Network, Organization


class ImprovementProject(models.Model):
    """A team charter: the problem, a measurable aim, and who is on the team."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="projects")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(blank=True)
    why_it_matters = models.TextField(
        blank=True, help_text="Who is affected and what it costs them: why this problem, now."
    )
    aim_statement = models.TextField(blank=True)
    aim_measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="aimed_by"
    )
    baseline_value = models.FloatField(null=True, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    population = models.CharField(
        max_length=200, blank=True, help_text="Who the aim is for, e.g. all 9th graders."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="improvement_projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network", "site", "title"]

    def __str__(self):
        return self.title
