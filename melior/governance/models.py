"""Student data done right: students under a pseudonymous key, their enrolments, subgroup
attributes (CEDS element names and option sets), outcomes and EdTech usage; consent per
purpose; what each site shares with the hub; who may see student rows; an append-only access
log; and the network's privacy settings (minimum cell size, retention)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from melior.networks.models import Network, Organization


class PrivacySettings(models.Model):
    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="privacy")
    min_cell_size = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(5), MaxValueValidator(30)],
        help_text="Aggregates of fewer students than this are suppressed (5 to 30).",
    )
    retention_days = models.PositiveIntegerField(
        default=1095,
        validators=[MinValueValidator(30)],
        help_text="Student-level records older than this, and records of revoked consent after "
        "it, are purged by `melior purge`.",
    )

    def __str__(self):
        return f"Privacy settings of {self.network}"


class Purpose(models.Model):
    """Why student data is used, e.g. equity monitoring, or one EdTech pilot's evaluation."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="purposes")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    opt_in = models.BooleanField(
        default=False,
        help_text="Only students with consent count (an evaluation); otherwise every student "
        "counts unless consent was refused or revoked (monitoring).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="purpose_unique")]

    def __str__(self):
        return self.name


# CEDS element names and option sets (codes stored, labels shown)
SEX = [("Female", "Female"), ("Male", "Male"), ("NotSelected", "Not selected")]
RACE_ETHNICITY = [
    ("HispanicOrLatino", "Hispanic or Latino"),
    ("AmericanIndianOrAlaskaNative", "American Indian or Alaska Native"),
    ("Asian", "Asian"),
    ("BlackOrAfricanAmerican", "Black or African American"),
    ("NativeHawaiianOrOtherPacificIslander", "Native Hawaiian or Other Pacific Islander"),
    ("White", "White"),
    ("DemographicRaceTwoOrMoreRaces", "Two or more races"),
]
YES_NO = [("Yes", "Yes"), ("No", "No")]


class Student(models.Model):
    """A student known only by a keyed hash of the district's student id (never stored)."""

    key = models.CharField(max_length=64, unique=True, editable=False)
    district = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    sex = models.CharField("Sex", max_length=12, choices=SEX, blank=True)
    race_ethnicity = models.CharField(
        "Race and ethnicity", max_length=40, choices=RACE_ETHNICITY, blank=True
    )
    economic_disadvantage_status = models.CharField(
        "Economically disadvantaged", max_length=3, choices=YES_NO, blank=True
    )
    english_learner_status = models.CharField(
        "English learner", max_length=3, choices=YES_NO, blank=True
    )
    idea_indicator = models.CharField("Disability (IDEA)", max_length=3, choices=YES_NO, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Student {self.key[:8]}…"


SUBGROUPS = {
    "sex": "Sex",
    "race_ethnicity": "Race and ethnicity",
    "economic_disadvantage_status": "Economically disadvantaged",
    "english_learner_status": "English learner",
    "idea_indicator": "Disability (IDEA)",
}


# What each subgroup key means in CEDS: the element's name and its option set.
CEDS_ELEMENTS = {
    "sex": ("Sex", SEX),
    "race_ethnicity": ("Race and Ethnicity", RACE_ETHNICITY),
    "economic_disadvantage_status": ("Economic Disadvantage Status", YES_NO),
    "english_learner_status": ("English Learner Status", YES_NO),
    "idea_indicator": ("IDEA Indicator", YES_NO),
}


class StudentAttribute(models.Model):
    """One value of a subgroup attribute from a date on: a student's history (a student exits
    English-learner status, becomes economically disadvantaged). The value in force on a date
    is the one with the latest `as_of` on or before it; before the first, the student's own
    field (from the roster) stands. The student's field follows the latest value."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="attributes")
    attribute = models.CharField(max_length=40, choices=list(SUBGROUPS.items()))
    value = models.CharField(max_length=40, help_text="A code of the CEDS option set.")
    as_of = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student", "attribute", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "attribute", "as_of"], name="student_attribute_unique"
            )
        ]

    def __str__(self):
        return f"{self.student} {self.attribute}={self.value} from {self.as_of}"


class Enrollment(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    grade_level = models.CharField(max_length=2, help_text="CEDS grade level code, e.g. 09.")
    school_year = models.PositiveSmallIntegerField(help_text="The year the school year starts.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "site", "school_year"], name="enrollment_unique"
            )
        ]
        indexes = [models.Index(fields=["site", "school_year"])]

    def __str__(self):
        return f"{self.student} at {self.site} ({self.school_year})"


class StudentOutcome(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment score"
        ATTENDANCE = "attendance", "Attendance rate"
        COURSE_MARK = "course_mark", "Course mark"

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="outcomes")
    # no index of their own: the (site, kind, name, purpose) index and the student index serve
    # the lookups, and fewer indexes keep a million-row import fast
    site = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    purpose = models.ForeignKey(
        Purpose,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="What the record was collected for.",
        db_index=False,
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120, help_text="e.g. Algebra I end-of-course")
    value = models.FloatField()
    date = models.DateField()

    class Meta:
        # purpose last: a network's outcomes are counted from the index alone, not the table
        indexes = [
            models.Index(fields=["site", "kind", "name", "purpose"]),
            models.Index(fields=["date"]),
        ]

    def __str__(self):
        return f"{self.name}: {self.value}"


class SubgroupCounts(models.Model):
    """An outcome's students counted per school, period and subgroup (unsuppressed: the raw
    material of the equity views, never shown as it is). Derived from the records, attributes
    and consent, and kept while `source` (a digest of those) still matches them: a cold view
    reads a few thousand counts instead of every record. Removed with the data they came from
    (an import, consent change or purge logs the change, which removes them)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=200)  # kind|name|purpose id
    subgroup = models.CharField(max_length=40)
    period = models.CharField(max_length=5)
    source = models.CharField(max_length=64)
    counted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "outcome", "subgroup", "period"], name="one_count_per_view"
            )
        ]

    def __str__(self):
        return f"{self.outcome} by {self.subgroup} per {self.period}"


class SubgroupCount(models.Model):
    counts = models.ForeignKey(SubgroupCounts, on_delete=models.CASCADE, related_name="rows")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    group = models.CharField(max_length=60)
    students = models.PositiveIntegerField()
    total = models.FloatField()  # the sum of the students' means

    def __str__(self):
        return f"{self.group} at {self.site_id} in {self.period}: {self.students}"


class UsageRecord(models.Model):
    """EdTech use by one student on one day."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="usage")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=120)
    date = models.DateField()
    minutes = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(
        default=0, help_text="Activities the student completed (or passed) that day."
    )

    class Meta:
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.product} on {self.date}"


class UsageAggregation(models.Model):
    """A usage → weekly measure aggregation the worker repeats daily: remembered by
    `melior usage aggregate` the first time it succeeds."""

    measure = models.ForeignKey("measures.Measure", on_delete=models.CASCADE, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="+")
    product = models.CharField(max_length=120)
    statistic = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "purpose", "product"], name="one_aggregation_per_measure_usage"
            )
        ]

    def __str__(self):
        return f"{self.product} → {self.measure}"


class Consent(models.Model):
    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"
        REVOKED = "revoked", "Revoked"

    class GivenBy(models.TextChoices):
        STUDENT = "student", "Student"
        GUARDIAN = "guardian", "Parent or guardian"

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="consents")
    status = models.CharField(max_length=8, choices=Status.choices)
    given_by = models.CharField(max_length=8, choices=GivenBy.choices)
    date = models.DateField()
    source = models.CharField(max_length=160, help_text="e.g. paper form, online form")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "purpose"], name="consent_unique")
        ]

    def __str__(self):
        return f"{self.get_status_display()} for {self.purpose}"


class SharingAgreement(models.Model):
    """What a site shares with the network's hub, and for how long."""

    class Level(models.TextChoices):
        AGGREGATES = "aggregates", "Aggregates only"
        ROWS = "rows", "De-identified student rows"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="agreements")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.AGGREGATES)
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["site__name", "-starts"]

    def __str__(self):
        return f"{self.site}: {self.get_level_display()} from {self.starts}"


class DistrictJoin(models.Model):
    """A district's data steward brought the district into a further network. From then on that
    network's roster imports may add the district's schools, and the district's records are
    shared with that network's hub only as the district's agreement (a SharingAgreement for the
    district itself) says. A district is never brought into a network any other way."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="district_joins")
    district = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "district"], name="district_join_unique")
        ]

    def __str__(self):
        return f"{self.district} joined {self.network}"


class RowAccessGrant(models.Model):
    """A data steward lets someone see student rows at one site."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="row_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} sees student rows at {self.site}"


class AccessLog(models.Model):
    """Append-only: who saw or exported student data, changed permissions or consent."""

    class Action(models.TextChoices):
        VIEW_ROWS = "view_rows", "Viewed student rows"
        EXPORT_ROWS = "export_rows", "Exported student rows"
        VIEW_AGGREGATE = "view_aggregate", "Viewed an aggregate"
        EXPORT_AGGREGATE = "export_aggregate", "Exported an aggregate"
        PERMISSION = "permission", "Changed permissions"
        CONSENT = "consent", "Changed consent"
        PURGE = "purge", "Purged records"
        SETTINGS = "settings", "Changed privacy settings"
        IMPORT = "import", "Imported student data"

    network = models.ForeignKey(Network, null=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the user is deleted
    action = models.CharField(max_length=20, choices=Action.choices)
    what = models.CharField(max_length=500)
    records = models.PositiveIntegerField(default=0)
    address = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}: {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The access log is append-only.")


# the actions that change what student figures are computed from: records replaced or removed,
# consent decided, a roster's fields or the privacy settings changed
DATA_CHANGES = (
    AccessLog.Action.IMPORT,
    AccessLog.Action.PURGE,
    AccessLog.Action.CONSENT,
    AccessLog.Action.SETTINGS,
)


class XapiSource(models.Model):
    """An EdTech product sending xAPI statements for one district's students, with its own key
    (only a hash is stored). Actors' account names are the district's student ids."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="xapi_sources")
    name = models.CharField(max_length=120)
    product = models.CharField(max_length=120, help_text="How its usage is named in reports.")
    district = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose student ids the actors carry.",
    )
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class XapiStatement(models.Model):
    """The id of every statement received, so a resent statement is not counted twice."""

    id = models.UUIDField(primary_key=True)
    source = models.ForeignKey(XapiSource, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.id)


class Section(models.Model):
    """A class at a school (OneRoster's class), for usage and outcomes by class."""

    site = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    sourced_id = models.CharField(max_length=120, help_text="The roster's id for the class.")
    title = models.CharField(max_length=200)
    class_code = models.CharField(max_length=60, blank=True)
    school_year = models.PositiveSmallIntegerField()
    students = models.ManyToManyField(Student, blank=True, related_name="sections")

    class Meta:
        ordering = ["site", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "sourced_id", "school_year"], name="section_unique"
            )
        ]

    def __str__(self):
        return self.title


class ImportJob(models.Model):
    """A student-data import checked or written by the worker, with its progress for the page
    that polls it; only the person who started it sees it."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused: nothing was written"
        FAILED = "failed", "Failed"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12)
    dry_run = models.BooleanField(help_text="Check the file and say what would change.")
    options = models.JSONField(default=dict, help_text="The form's choices: purpose, kind …")
    upload = models.CharField(max_length=80, help_text="The token of the kept upload.")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    percent = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=80, blank=True)
    report = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.kind} import {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DONE, self.State.REFUSED, self.State.FAILED}
