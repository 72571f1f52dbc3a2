"""Seeing the problem and the system that produces it: a fishbone of causes (with evidence and
the drivers that address them), tallies for a Pareto chart, the process as steps, and what
empathy interviews heard. One analysis for the network (the hub's) and one per project."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.networks.models import Network
from melior.projects.models import ImprovementProject


class ProblemAnalysis(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="analyses")
    project = models.OneToOneField(
        ImprovementProject, null=True, blank=True, on_delete=models.CASCADE,
        related_name="analysis",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network"], condition=Q(project__isnull=True), name="one_network_analysis"
            ),
        ]

    def __str__(self):
        return f"Problem analysis of {self.project or self.network}"


class CauseCategory(models.Model):
    """A bone of the fishbone, e.g. People, Methods, Materials, Environment, Policies."""

    analysis = models.ForeignKey(
        ProblemAnalysis, on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "name"], name="category_unique_name"),
        ]

    def __str__(self):
        return self.name


class Cause(models.Model):
    class Control(models.TextChoices):
        OURS = "yes", "In our control"
        NOT_OURS = "no", "Not in our control"
        UNSURE = "", "Not decided"

    analysis = models.ForeignKey(ProblemAnalysis, on_delete=models.CASCADE, related_name="causes")
    category = models.ForeignKey(CauseCategory, on_delete=models.CASCADE, related_name="causes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="sub_causes",
        help_text="A sub-cause hangs under a cause of the same category.",
    )  # fmt: skip
    name = models.CharField(max_length=160)
    in_control = models.CharField(max_length=3, choices=Control.choices, blank=True, default="")
    evidence = models.TextField(blank=True, help_text="What tells us this is a cause.")
    links = models.TextField(blank=True, help_text="Documents or data, one web address a line.")
    drivers = models.ManyToManyField(
        "theory.Node", blank=True, related_name="causes",
        help_text="The drivers of the theory that address this cause.",
    )  # fmt: skip
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["category__position", "position", "pk"]

    def __str__(self):
        return self.name

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


class CauseTally(models.Model):
    """How often a cause was seen (e.g. reasons for absence over a week), for the Pareto chart."""

    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="tallies")
    count = models.PositiveIntegerField()
    observed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-observed_on", "-pk"]

    def __str__(self):
        return f"{self.cause}: {self.count}"


class ProcessStep(models.Model):
    analysis = models.ForeignKey(ProblemAnalysis, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120)
    owner = models.CharField(max_length=120, blank=True, help_text="A role, e.g. attendance clerk.")
    pain_point = models.TextField(
        blank=True, help_text="What goes wrong at this step, if anything."
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class EmpathyNote(models.Model):
    """What an empathy interview heard. Who is a role, never a name."""

    analysis = models.ForeignKey(
        ProblemAnalysis, on_delete=models.CASCADE, related_name="interviews"
    )
    role = models.CharField(max_length=120, help_text="e.g. 9th-grade student, parent, counselor")
    interviewed_on = models.DateField()
    heard = models.TextField("what we heard")
    causes = models.ManyToManyField(Cause, blank=True, related_name="interviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-interviewed_on", "-pk"]

    def __str__(self):
        return f"Interview with a {self.role} on {self.interviewed_on}"
