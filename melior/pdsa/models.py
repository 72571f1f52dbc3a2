"""Plan-Do-Study-Act cycles: small tests of a change idea with predictions written before the
test, compared with what happened, and a decision. Cycles chain into ramps (each one's
`previous`), and every cycle on a change idea is evidence about it across the network."""

from django.conf import settings
from django.db import models

from melior.measures.models import Measure
from melior.networks.models import Network
from melior.projects.models import ImprovementProject
from melior.theory.models import Node


class Scale(models.IntegerChoices):
    """How big the test is; a ramp climbs these."""

    ONE_STUDENT = 1, "1 student"
    FEW_STUDENTS = 2, "a few students"
    ONE_CLASS = 3, "1 class"
    SEVERAL_CLASSES = 4, "several classes"
    ONE_GRADE = 5, "1 grade"
    WHOLE_SCHOOL = 6, "whole school"


class Cycle(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running (Do)"
        STUDYING = "studying", "Studying"
        DONE = "done", "Done"

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt"
        ADAPT = "adapt", "Adapt"
        ABANDON = "abandon", "Abandon"

    class Format(models.TextChoices):
        GUIDED = "guided", "Guided, step by step"
        CLASSIC = "classic", "Classic one-page form"
        FREEFORM = "freeform", "Freeform notes"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="cycles")
    project = models.ForeignKey(ImprovementProject, on_delete=models.CASCADE, related_name="cycles")
    change_idea = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        related_name="cycles",
        help_text="A change idea of the network's theory or of the project's adaptation.",
    )
    network_idea = models.ForeignKey(
        Node,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_cycles",
        help_text="The network theory's change idea this tests (none for a local idea).",
    )
    title = models.CharField(max_length=160)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.CLASSIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Plan
    objective = models.TextField(blank=True)
    who = models.CharField(max_length=200, blank=True)
    what = models.TextField(blank=True)
    where = models.CharField(max_length=200, blank=True)
    scale = models.PositiveSmallIntegerField(choices=Scale.choices, null=True, blank=True)
    scale_detail = models.CharField(max_length=200, blank=True, help_text="e.g. Ms. R's 3rd period")
    planned_start = models.DateField(null=True, blank=True)
    due = models.DateField(null=True, blank=True, help_text="When the cycle should be done.")
    measures = models.ManyToManyField(Measure, blank=True, related_name="pdsa_cycles")
    notes = models.TextField(blank=True, help_text="Freeform notes (the freeform format).")
    # Do
    started_on = models.DateField(null=True, blank=True)
    predictions_locked_at = models.DateTimeField(null=True, blank=True)
    what_happened = models.TextField(blank=True, help_text="What happened, compared with the plan")
    surprises = models.TextField(blank=True)
    # Study
    study_summary = models.TextField(blank=True)
    # Act
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    # People and lineage
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="pdsa_cycles"
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_cycles",
        help_text="The cycle this one follows in a ramp.",
    )
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones"
    )
    # Sharing with the network's other schools (when it tests a network change idea)
    shared = models.BooleanField(
        default=True,
        help_text="Other schools in the network see the summary: plan, predictions, what "
        "happened, study and decision.",
    )
    shares_details = models.BooleanField(
        default=False, help_text="They also see its files and comments."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-planned_start", "-pk"]
        indexes = [models.Index(fields=["network", "status"])]

    def __str__(self):
        return self.title


class LearningQuestion(models.Model):
    class Kind(models.TextChoices):
        QUANTITATIVE = "quantitative", "Quantitative (a number or a direction)"
        QUALITATIVE = "qualitative", "Qualitative (a sentence)"

    class Direction(models.TextChoices):
        UP = "up", "goes up"
        DOWN = "down", "goes down"
        SAME = "same", "stays the same"

    class Held(models.TextChoices):
        YES = "yes", "Held"
        PARTLY = "partly", "Partly held"
        NO = "no", "Did not hold"

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.QUALITATIVE)
    prediction = models.TextField(blank=True)
    predicted_value = models.FloatField(null=True, blank=True)
    predicted_direction = models.CharField(max_length=4, choices=Direction.choices, blank=True)
    data_to_collect = models.TextField(blank=True)
    locked_prediction = models.TextField(
        blank=True, help_text="The prediction as it stood when the Do phase started."
    )
    # Study
    result = models.TextField(blank=True)
    result_value = models.FloatField(null=True, blank=True)
    held = models.CharField(max_length=6, choices=Held.choices, blank=True)
    learned = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.question

    @property
    def prediction_text(self) -> str:
        """The prediction in words, whichever way it was written."""
        parts = [self.prediction.strip()]
        if self.predicted_value is not None:
            parts.append(f"{self.predicted_value:g}")
        if self.predicted_direction:
            parts.append(self.get_predicted_direction_display())
        return "; ".join(p for p in parts if p)

    @property
    def has_prediction(self) -> bool:
        return bool(self.prediction_text)

    @property
    def edited_after_lock(self) -> bool:
        return bool(self.locked_prediction) and self.locked_prediction != self.prediction_text


class CycleObservation(models.Model):
    """Something noticed during the Do phase, on a date; a value may feed a linked measure."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="observations")
    date = models.DateField()
    note = models.TextField()
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    observation = models.ForeignKey(
        "measures.Observation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The measure's observation this value was recorded as.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.date}: {self.note[:60]}"


def attachment_path(instance, filename):
    return f"pdsa/{instance.cycle.network_id}/{instance.cycle_id}/{filename}"


class Attachment(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name


class Comment(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment on {self.cycle}"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cycle = models.ForeignKey(
        Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)  # mention, comment, overdue, ...
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text


class CycleSharing(models.Model):
    """The network's choice: whether schools see each other's cycles on its change ideas (no
    row: they do, the summary only, as each cycle's team allows)."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(
        default=True,
        help_text="Members see the cycles other schools run on the network's change ideas "
        "(the summary; files and comments only where a team shares them).",
    )

    def __str__(self):
        return f"Cycle sharing in {self.network}: {'on' if self.enabled else 'off'}"
