"""Networked improvement communities, the organizations in them and who belongs where."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Organization(models.Model):
    """A district, a school (site) or a hub organization."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "District"
        SCHOOL = "school", "School"
        HUB = "hub", "Hub organization"

    class Level(models.TextChoices):
        ELEMENTARY = "elementary", "Elementary"
        MIDDLE = "middle", "Middle"
        HIGH = "high", "High"
        K8 = "k8", "K-8"
        K12 = "k12", "K-12"
        OTHER = "other", "Other"

    class Locale(models.TextChoices):
        CITY = "city", "City"
        SUBURB = "suburb", "Suburb"
        TOWN = "town", "Town"
        RURAL = "rural", "Rural"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The district a school belongs to.",
    )
    # A district's (or school's) real identifiers: imports match organisations by these, never
    # by display name, which two districts may share.
    nces_id = models.CharField(
        "NCES id",
        max_length=12,
        blank=True,
        help_text="The NCES LEAID of a district (7 digits) or NCES school id (12 digits).",
    )
    state_id = models.CharField(
        "state id",
        max_length=60,
        blank=True,
        help_text="The state's id for the organization, with the state's code, e.g. TX-101912.",
    )
    # Context attributes: used to ask "what works where".
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    enrolment = models.PositiveIntegerField(null=True, blank=True)
    locale = models.CharField(max_length=20, choices=Locale.choices, blank=True)
    poverty_share = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of students in poverty, from 0 to 1.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(poverty_share__isnull=True)
                | Q(poverty_share__gte=0, poverty_share__lte=1),
                name="organization_poverty_share_0_1",
            ),
            models.UniqueConstraint(
                fields=["nces_id"], condition=~Q(nces_id=""), name="organization_unique_nces_id"
            ),
            models.UniqueConstraint(
                fields=["state_id"], condition=~Q(state_id=""), name="organization_unique_state_id"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.nces_id:
            return
        digits = {self.Kind.DISTRICT: 7, self.Kind.SCHOOL: 12}.get(self.kind)
        if digits is None:
            raise ValidationError({"nces_id": "Only districts and schools have an NCES id."})
        if not self.nces_id.isdigit() or len(self.nces_id) != digits:
            kind = self.get_kind_display().lower()
            raise ValidationError({"nces_id": f"An NCES id of a {kind} is {digits} digits."})


def random_version_start() -> int:
    """Where a data version starts: at random, so a database rebuilt or restored while a shared
    cache keeps its entries never meets a version it had before."""
    return secrets.randbits(48)


class DataVersioned(models.Model):
    """A record whose computed views are cached under its `data_version`: a counter that goes
    up by one in the same transaction as every change to the data those views show."""

    data_version = models.PositiveBigIntegerField(default=random_version_start, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # An edit of a record read before a data change must not wind its version back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "data_version"
            ]
        super().save(*args, **kwargs)


class Network(DataVersioned):
    """A networked improvement community: sites working on one shared aim, led by a hub."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    aim = models.TextField("shared aim", blank=True)
    problem_statement = models.TextField(blank=True)
    why_it_matters = models.TextField(blank=True)
    hub = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hub_of",
    )
    sites = models.ManyToManyField(Organization, through="NetworkSite", related_name="networks")
    created_at = models.DateTimeField(auto_now_add=True)
    # data_version (DataVersioned) moves on with every change to the network's measures,
    # observations, annotations or chart settings.

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class NetworkSite(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="site_links")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="network_links"
    )
    joined_on = models.DateField(null=True, blank=True)
    # A retired school leaves the network's lists and pickers but keeps its history: its
    # observations, projects and pages stay (a school with data is never deleted).
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "organization"], name="networksite_unique"),
        ]

    def __str__(self):
        return f"{self.organization} in {self.network}"


class Role(models.TextChoices):
    NETWORK_LEAD = "network_lead", "Network lead (hub)"
    IMPROVEMENT_COACH = "improvement_coach", "Improvement coach"
    SITE_LEAD = "site_lead", "Site lead"
    TEAM_MEMBER = "team_member", "Team member"
    DATA_STEWARD = "data_steward", "Data steward"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role, either across a whole network or at one organization (district or school)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(network__isnull=False) & Q(organization__isnull=True))
                | (Q(network__isnull=True) & Q(organization__isnull=False)),
                name="membership_network_xor_organization",
            ),
            models.UniqueConstraint(
                fields=["user", "network", "role"],
                condition=Q(network__isnull=False),
                name="membership_unique_network_role",
            ),
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=Q(organization__isnull=False),
                name="membership_unique_organization_role",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.network or self.organization}"
