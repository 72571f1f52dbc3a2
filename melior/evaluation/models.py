"""An EdTech pilot: the plan registered before any outcome is seen, its amendments, who was
assigned to the tool, and the team's decision."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from melior.governance.models import Purpose, Section, Student
from melior.networks.models import Network, Organization


class Pilot(models.Model):
    class Design(models.TextChoices):
        RANDOMIZED = "randomized", "Randomized pilot (schools or classes assigned by lot)"
        MATCHED = "matched", "Matched comparison (users against similar non-users)"

    class Unit(models.TextChoices):
        SCHOOL = "school", "Whole schools"
        CLASS = "class", "Whole classes"

    class Boundary(models.TextChoices):
        CAUTIOUS = "cautious", "Cautious (the tool could affect who stays in the study)"
        OPTIMISTIC = "optimistic", "Optimistic (unlikely to affect who stays)"

    class Decision(models.TextChoices):
        SCALE = "scale", "Scale it up"
        ITERATE = "iterate", "Iterate and test again"
        STOP = "stop", "Stop"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="pilots")
    title = models.CharField(max_length=200)
    tool = models.CharField(
        max_length=120, help_text="The product, as its usage records name it (e.g. Math app)."
    )
    question = models.TextField(help_text="What the pilot should tell you, in one sentence.")
    hypotheses = models.TextField(blank=True, help_text="What you expect, before seeing results.")
    design = models.CharField(max_length=12, choices=Design.choices, default=Design.RANDOMIZED)
    unit = models.CharField(
        max_length=8,
        choices=Unit.choices,
        default=Unit.SCHOOL,
        help_text="What is assigned to the tool in a randomized pilot.",
    )
    classes = models.CharField(
        max_length=120,
        blank=True,
        help_text="For classes: the classes in the pilot are those whose title contains this "
        "(e.g. Algebra I); a student in two such classes is refused.",
    )
    share = models.FloatField(default=0.5, help_text="Share of units assigned to the tool.")
    sites = models.ManyToManyField(Organization, related_name="+", blank=True)
    school_year = models.PositiveSmallIntegerField(help_text="The year the school year starts.")
    grades = models.CharField(
        max_length=60,
        blank=True,
        help_text="Grade levels in the pilot as CEDS codes, e.g. 09 or 06, 07, 08 (blank: all).",
    )
    starts = models.DateField(help_text="When students start using the tool.")
    ends = models.DateField(help_text="The last day outcomes count.")
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The purpose the pilot's data are collected for (consent follows it).",
    )
    baseline = models.CharField(
        max_length=120,
        blank=True,
        help_text="The outcome measured before the pilot (e.g. last spring's test).",
    )
    subgroups = models.JSONField(default=list, blank=True)  # Student subgroup field names
    attrition_boundary = models.CharField(
        max_length=12, choices=Boundary.choices, default=Boundary.CAUTIOUS
    )
    certainty = models.FloatField(
        default=0.75, help_text="How sure the team wants to be before acting (50–99%)."
    )
    analysis_plan = models.TextField(blank=True)
    seed = models.PositiveIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    registration_hash = models.CharField(max_length=64, blank=True)
    registered_plan = models.JSONField(
        null=True, blank=True, help_text="The plan as registered: what the fingerprint is of."
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def registered(self) -> bool:
        return self.registered_at is not None

    @property
    def registered_late(self) -> bool:
        """Registered after students started using the tool: early results may have shaped
        the plan, so the report and the API say so."""
        return self.registered and timezone.localdate(self.registered_at) > self.starts


class PilotOutcome(models.Model):
    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="outcomes")
    name = models.CharField(max_length=120, help_text="As the outcome records name it.")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PRIMARY)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    meaningful_effect = models.FloatField(
        help_text="The smallest change that would matter, on the outcome's own scale."
    )
    pre_registered = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "name"], name="pilot_outcome_unique")
        ]

    def __str__(self):
        return self.name


class Amendment(models.Model):
    """A change to a registered plan, kept in view on the report."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="amendments")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=120)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.what} ({self.at:%Y-%m-%d})"


class Assignment(models.Model):
    """A student's arm, by the school or class that was assigned."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="assignments")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arm = models.PositiveSmallIntegerField(choices=[(1, "Tool"), (0, "Comparison")])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pilot", "student"], name="pilot_assignment_unique")
        ]

    def __str__(self):
        return f"{self.student} → {self.get_arm_display()}"


class EvidenceCode(models.Model):
    """A code the team reads qualitative evidence with (e.g. "confusing at first")."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="codes")
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["pilot", "name"], name="pilot_code_unique")]

    def __str__(self):
        return self.name


class Evidence(models.Model):
    """A teacher's observation, an interview answer or a survey response, beside the numbers.
    Kept without names: the respondent is a role, the place a school and arm."""

    class Kind(models.TextChoices):
        NOTE = "note", "Observation note"
        INTERVIEW = "interview", "Interview response"
        SURVEY = "survey", "Survey response"

    class Respondent(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        STUDENT = "student", "Student"
        STAFF = "staff", "Other staff"
        FAMILY = "family", "Family"

    class Arm(models.TextChoices):
        TOOL = "tool", "Tool"
        COMPARISON = "comparison", "Comparison"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    respondent = models.CharField(max_length=8, choices=Respondent.choices)
    site = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    arm = models.CharField(max_length=10, choices=Arm.choices, blank=True)
    collected_on = models.DateField()
    text = models.TextField()
    source = models.CharField(
        max_length=120, blank=True, help_text="The file or form it came from."
    )
    codes = models.ManyToManyField(EvidenceCode, blank=True, related_name="evidence")
    quoted = models.BooleanField(
        default=False, help_text="Chosen by the team to quote on the report."
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["collected_on", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return f"{self.get_respondent_display()}, {self.collected_on}"
