"""Implementation fidelity of change ideas: what the idea's core components are and what ideal,
acceptable and unacceptable use of each looks like (an innovation configuration map), the
fidelity checks schools record against them, and the adaptations schools make (FRAME)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.measures.models import Measure
from melior.networks.models import Network, Organization
from melior.pdsa.models import Cycle
from melior.theory.models import Node


class Dimension(models.TextChoices):
    """Carroll et al. 2007; Dane & Schneider 1998."""

    ADHERENCE = "adherence", "Adherence (delivered as designed)"
    DOSE = "dose", "Dose (how much, how often)"
    QUALITY = "quality", "Quality of delivery"
    RESPONSIVENESS = "responsiveness", "Participant responsiveness"


class Rhythm(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"


RHYTHM_DAYS = {Rhythm.WEEKLY: 7, Rhythm.FORTNIGHTLY: 14, Rhythm.MONTHLY: 31}


class FidelityPlan(models.Model):
    """How fidelity to one change idea is checked: the dimensions rated, the rhythm of checks,
    and the process measure each school's checks are charted on."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="fidelity_plans")
    idea = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="fidelity_plan")
    dimensions = models.JSONField(default=list, help_text="The dimensions each check rates.")
    rhythm = models.CharField(max_length=12, choices=Rhythm.choices, default=Rhythm.FORTNIGHTLY)
    measure = models.OneToOneField(
        Measure, null=True, on_delete=models.SET_NULL, related_name="fidelity_plan"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network", "idea__position", "pk"]

    def __str__(self):
        return f"Fidelity of {self.idea.name}"

    @property
    def dimension_labels(self) -> list[str]:
        return [Dimension(d).label for d in self.dimensions]


class Component(models.Model):
    """A core component of a change idea, with its innovation configuration map."""

    plan = models.ForeignKey(FidelityPlan, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=160)
    essential = models.BooleanField(
        default=True, help_text="Essential: the idea is not the idea without it. Else adaptable."
    )
    ideal = models.TextField(help_text="What ideal use looks like.")
    acceptable = models.TextField(help_text="What acceptable use looks like.")
    unacceptable = models.TextField(help_text="What unacceptable use looks like.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="component_unique_name"),
        ]

    def __str__(self):
        return self.name


class Check(models.Model):
    """One fidelity check at a school: every component rated on every dimension of the plan."""

    plan = models.ForeignKey(FidelityPlan, on_delete=models.CASCADE, related_name="checks")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    checked_on = models.DateField()
    rated_by = models.CharField(max_length=120, help_text="Who rated (e.g. the coach, a peer).")
    notes = models.TextField(blank=True)
    score = models.FloatField(help_text="0–100, see docs/fidelity.md.")
    capped = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "site", "-checked_on", "-pk"]
        indexes = [models.Index(fields=["plan", "site", "checked_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="check_score_0_to_100"
            ),
        ]

    def __str__(self):
        return f"{self.plan} at {self.site}, {self.checked_on}"


class Rating(models.Model):
    check_record = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="ratings", db_column="check_id"
    )
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="ratings")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    level = models.PositiveSmallIntegerField(
        choices=[(2, "Ideal"), (1, "Acceptable"), (0, "Unacceptable")]
    )

    class Meta:
        ordering = ["check_record", "component__position", "component", "dimension"]
        constraints = [
            models.UniqueConstraint(
                fields=["check_record", "component", "dimension"], name="rating_unique"
            ),
            models.CheckConstraint(condition=Q(level__lte=2), name="rating_level_0_to_2"),
        ]

    def __str__(self):
        return f"{self.component} {self.dimension}: {self.level}"


class Adaptation(models.Model):
    """A change a school made to a component, in the terms of FRAME (Stirman et al. 2019)."""

    class Goal(models.TextChoices):
        FIT_RECIPIENTS = "fit_recipients", "To fit the students or families"
        FIT_CONTEXT = "fit_context", "To fit the school's context (time, staff, schedule)"
        REACH = "reach", "To increase reach or engagement"
        FEASIBILITY = "feasibility", "To make it feasible"
        OUTCOMES = "outcomes", "To improve outcomes"
        COST = "cost", "To reduce cost"
        CULTURE = "culture", "To address cultural factors"

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="adaptations")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    made_on = models.DateField()
    what = models.TextField(help_text="What was changed.")
    goal = models.CharField(max_length=20, choices=Goal.choices)
    reason = models.TextField(blank=True, help_text="Why, in the school's words.")
    decided_by = models.CharField(
        max_length=120, help_text="Who decided (e.g. the 9th-grade team)."
    )
    planned = models.BooleanField(help_text="Planned ahead (proactive), or reactive.")
    essential = models.BooleanField(
        help_text="The component was essential when the adaptation was made."
    )
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The PDSA cycle that tested it.",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "-pk"]

    def __str__(self):
        return f"{self.component} at {self.site}: {self.what[:40]}"

    @property
    def fidelity_consistent(self) -> bool:
        """FRAME: a change to an essential component is fidelity-inconsistent."""
        return not self.essential
