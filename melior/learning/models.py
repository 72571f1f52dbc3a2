"""The hub's tools for a networked improvement community: groups of sites and people,
activities assigned to sites, announcements, a resource library, learning syntheses linked to
the evidence, the network's phase, and spread stages set by hand where data cannot say."""

from django.conf import settings
from django.db import models

from melior.networks.models import Network, Organization
from melior.pdsa.models import Cycle
from melior.theory.models import Node


class Group(models.Model):
    class Kind(models.TextChoices):
        STRUCTURAL = "structural", "Structural (e.g. a district, a grade band)"
        AFFINITY = "affinity", "Affinity (a shared interest, e.g. early literacy)"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.AFFINITY)
    description = models.TextField(blank=True)
    sites = models.ManyToManyField(Organization, blank=True, related_name="network_groups")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="group_unique")]

    def __str__(self):
        return self.name


class Activity(models.Model):
    """Something the hub asks sites to do (e.g. "run an empathy interview by 1 March")."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    due = models.DateField(null=True, blank=True)
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        help_text="Assigned to this group's sites (every site if none).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self):
        return self.title


class ActivityStatus(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", "Not started"
        DOING = "doing", "Under way"
        DONE = "done", "Done"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="statuses")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.TODO)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "site"], name="activity_status_unique")
        ]

    def __str__(self):
        return f"{self.activity} at {self.site}: {self.get_status_display()}"


class Announcement(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=160)
    body = models.TextField()
    pinned = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pinned", "-created_at"]

    def __str__(self):
        return self.title


class Resource(models.Model):
    class Kind(models.TextChoices):
        GUIDE = "guide", "Guide"
        TOOL = "tool", "Tool or template"
        EXAMPLE = "example", "Example from a site"
        READING = "reading", "Reading"
        VIDEO = "video", "Video"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=160)
    url = models.URLField(max_length=500)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GUIDE)
    description = models.TextField(blank=True)
    change_idea = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class Synthesis(models.Model):
    """What the network has learned, written by the hub and linked to the evidence."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="syntheses")
    title = models.CharField(max_length=160)
    body = models.TextField()
    change_ideas = models.ManyToManyField(Node, blank=True, related_name="syntheses")
    cycles = models.ManyToManyField(Cycle, blank=True, related_name="syntheses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class NetworkPhase(models.Model):
    """The phase of the NIC's life the hub says it is in; the history is kept."""

    class Phase(models.TextChoices):
        INITIATION = "initiation", "Initiation: forming the network and its aim"
        UNDERSTANDING = "understanding", "Understanding the problem and the system"
        THEORY = "theory", "Building a shared theory of improvement"
        TESTING = "testing", "Testing changes and building evidence"
        SPREADING = "spreading", "Spreading and scaling what works"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(max_length=14, choices=Phase.choices)
    started_on = models.DateField()
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-pk"]

    def __str__(self):
        return self.get_phase_display()


class SpreadStage(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    TESTING = "testing", "Testing"
    IMPLEMENTING = "implementing", "Implementing"
    SPREADING = "spreading", "Spreading"
    SUSTAINING = "sustaining", "Sustaining"


class SpreadOverride(models.Model):
    """A site's stage for a change idea set by hand, from a date, where the data cannot say."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    change_idea = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=14, choices=SpreadStage.choices)
    on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.site}: {self.get_stage_display()} from {self.on}"
