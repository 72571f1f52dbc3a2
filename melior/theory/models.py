"""Theories of improvement: driver diagrams (aim → primary drivers → secondary drivers →
change ideas), kept as versions so the history of a team's thinking is part of its learning."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.networks.models import Network
from melior.projects.models import ImprovementProject


class DriverDiagram(models.Model):
    """The network's theory (no project), or a site project's adaptation of it."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="diagrams")
    project = models.OneToOneField(
        ImprovementProject, null=True, blank=True, on_delete=models.CASCADE, related_name="diagram"
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="adaptations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network"], condition=Q(project__isnull=True), name="one_network_diagram"
            ),
        ]

    def __str__(self):
        return f"Driver diagram of {self.project or self.network}"


class Node(models.Model):
    class Kind(models.TextChoices):
        AIM = "aim", "Aim"
        PRIMARY = "primary", "Primary driver"
        SECONDARY = "secondary", "Secondary driver"
        TERTIARY = "tertiary", "Tertiary driver"
        CHANGE_IDEA = "change_idea", "Change idea"

    diagram = models.ForeignKey(DriverDiagram, on_delete=models.CASCADE, related_name="nodes")
    key = models.UUIDField(default=uuid.uuid4, editable=False, help_text="Stable across versions.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    operational_note = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(
        default=False, help_text="A site's adaptation hides this node of the network's theory."
    )
    measures = models.ManyToManyField(
        "measures.Measure",
        blank=True,
        related_name="theory_nodes",
        help_text="Outcome measures on the aim, driver measures on drivers, process measures on "
        "change ideas; balancing measures anywhere.",
    )
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
        help_text="The network diagram's node this one was copied from.",
    )  # fmt: skip

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"


class Link(models.Model):
    """A parent feeds a child one level down (a secondary driver may feed several primaries)."""

    parent = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="child_links")
    child = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="parent_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="link_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("child")), name="link_not_self"),
        ]

    def __str__(self):
        return f"{self.child} under {self.parent}"


class DiagramVersion(models.Model):
    """The whole diagram after one saved change, with who made it and what changed."""

    diagram = models.ForeignKey(DriverDiagram, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField()
    summary = models.CharField(max_length=300)

    class Meta:
        ordering = ["diagram", "number"]
        constraints = [
            models.UniqueConstraint(fields=["diagram", "number"], name="version_unique_number"),
        ]

    def __str__(self):
        return f"Version {self.number}: {self.summary}"


class ChangeIdeaProposal(models.Model):
    """A member's proposed change idea under a driver of the network's theory, for the hub to
    accept (it becomes a change idea), merge into an existing idea, or decline with a reason."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the hub"
        ACCEPTED = "accepted", "Accepted"
        MERGED = "merged", "Merged into an existing idea"
        DECLINED = "declined", "Declined"

    diagram = models.ForeignKey(DriverDiagram, on_delete=models.CASCADE, related_name="proposals")
    driver = models.ForeignKey(
        Node, null=True, on_delete=models.SET_NULL, related_name="proposals",
        help_text="The driver the idea would act on.",
    )  # fmt: skip
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(blank=True)
    result = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The change idea it became or was merged into.",
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Proposed change idea: {self.name}"
