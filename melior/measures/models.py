"""Measures (operational definitions shared across a network) and what sites record against them."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.networks.models import DataVersioned, Network, Organization, random_version_start


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (periods start on Monday)"
    MONTHLY = "monthly", "Monthly (periods start on the 1st)"
    QUARTERLY = "quarterly", "Quarterly (periods start in Jan, Apr, Jul, Oct)"


def period_start(frequency: str, day: datetime.date) -> datetime.date:
    """The start of the period that contains `day` on the frequency's grid."""
    if frequency == Frequency.WEEKLY:
        return day - datetime.timedelta(days=day.weekday())
    if frequency == Frequency.MONTHLY:
        return day.replace(day=1)
    if frequency == Frequency.QUARTERLY:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day


class Measure(DataVersioned):
    """An operational definition of a measure, shared at network level and used by many sites.
    Its data_version moves on with every change to it or to its observations, annotations or
    chart settings at any site (receivers.py): the views across sites are cached under it."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "Outcome"
        DRIVER = "driver", "Driver"
        PROCESS = "process", "Process"
        BALANCING = "balancing", "Balancing"

    class ValueType(models.TextChoices):
        PROPORTION = "proportion", "Proportion (numerator / denominator, shown as %)"
        RATE = "rate", "Rate (events / exposure)"
        COUNT = "count", "Count of events"
        CONTINUOUS = "continuous", "Measured value"
        TIME_BETWEEN = "time_between", "Time between events (e.g. days between incidents)"

    class Direction(models.TextChoices):
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    class Chart(models.TextChoices):
        RUN = "run", "Run chart"
        I = "i", "I chart (individuals)"  # noqa: E741 — the field's own name for the chart
        P = "p", "P chart"
        U = "u", "U chart"
        C = "c", "C chart"
        P_PRIME = "p_prime", "Laney P′ chart"
        U_PRIME = "u_prime", "Laney U′ chart"
        T = "t", "T chart (time between events)"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField("operational definition", blank=True)
    value_type = models.CharField(max_length=20, choices=ValueType.choices)
    unit = models.CharField(max_length=60, blank=True, help_text="e.g. %, students, minutes")
    rate_multiplier = models.PositiveIntegerField(
        default=1, help_text="Rates are shown per this many units of exposure (e.g. 100 students)."
    )
    numerator_definition = models.TextField(blank=True)
    denominator_definition = models.TextField(blank=True)
    data_source = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY)
    desired_direction = models.CharField(
        max_length=4, choices=Direction.choices, default=Direction.UP
    )
    target = models.FloatField(
        null=True, blank=True, help_text="In display units: a percentage for proportions."
    )
    default_chart = models.CharField(max_length=20, choices=Chart.choices, default=Chart.RUN)
    created_at = models.DateTimeField(auto_now_add=True)
    # The status engine (across_sites/stored.py ENGINE) that computed all its SeriesStatus rows;
    # NULL when a change to the definition or a bulk write left the whole column to compute.
    statuses_engine = models.PositiveSmallIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["network", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "slug"], name="measure_unique_slug"),
        ]

    def __str__(self):
        return self.name

    @property
    def has_denominator(self) -> bool:
        return self.value_type in {self.ValueType.PROPORTION, self.ValueType.RATE}

    @property
    def display_scale(self) -> float:
        """Multiplier from numerator/denominator to the unit people read (% or per N)."""
        if self.value_type == self.ValueType.PROPORTION:
            return 100.0
        if self.value_type == self.ValueType.RATE:
            return float(self.rate_multiplier)
        return 1.0


class Observation(models.Model):
    """One period's value of a measure at one site."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="observations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="observations"
    )
    period_start = models.DateField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure", "organization", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "organization", "period_start"], name="observation_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                name="observation_numerator_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="observation_denominator_positive",
            ),
        ]
        indexes = [models.Index(fields=["organization", "measure", "period_start"])]

    def __str__(self):
        return f"{self.measure} at {self.organization}, {self.period_start}"


class SeriesStatus(models.Model):
    """The status and target assurance of a measure at one site as the status table shows
    them: derived data, kept so that a view with an empty cache reads one row a series instead
    of every observation. A write to the series' observations marks it stale and moves its
    version on, in the write's transaction; the next view computes it again and writes it back
    only if the version is still the one it read. Never archived: a restore computes it again."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, blank=True)
    assurance = models.CharField(max_length=20, blank=True)
    stale = models.BooleanField(default=True)
    version = models.PositiveBigIntegerField(default=random_version_start)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measure", "organization"], name="series_status_unique")
        ]

    def __str__(self):
        return f"{self.measure_id} at {self.organization_id}: {self.status}"


class Annotation(models.Model):
    """A dated event on a site's measure (e.g. "started exit tickets"), shown on its chart."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="annotations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="annotations"
    )
    date = models.DateField()
    text = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date}: {self.text}"


class ChartSetting(models.Model):
    """A site's remembered choices for one measure's chart: the change dates that split it into
    parts and the number of baseline points to freeze."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="chart_settings")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="chart_settings"
    )
    chart = models.CharField(max_length=20, choices=Measure.Chart.choices, blank=True)
    split_dates = models.JSONField(default=list, blank=True)
    freeze_points = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measure", "organization"], name="chartsetting_unique"),
        ]

    def __str__(self):
        return f"Chart of {self.measure} at {self.organization}"


class ImportMapping(models.Model):
    """The columns a file from one source puts each field in, remembered for next time."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="import_mappings")
    source = models.CharField(max_length=120, help_text="e.g. 'SIS weekly attendance export'")
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]
        constraints = [
            models.UniqueConstraint(fields=["network", "source"], name="import_mapping_unique")
        ]

    def __str__(self):
        return self.source
