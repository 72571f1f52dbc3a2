"""Consent decisions in bulk (issue #18), on the import pipeline (melior.core.imports): a CSV
with one row per student — student_id (the district's id), decision (opt-in / refused /
revoked), date (YYYY-MM-DD), source (e.g. "paper form, spring 2026") and optionally given_by
(student or guardian). Each row is the same decision `services.record_consent` records one at
a time, so a revocation is purged by the same rules (`services.purge`).

Scoped: a data steward records decisions only for students enrolled at the schools they are
the data steward for. An id found nowhere there is a refused row, worded the same whether or
not the id exists in another district, so a file cannot be used to ask which ids exist."""

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone

from melior.core.imports import Column, Importer, Problems, Report, cells, normal, run

from . import services
from .import_rows import STUDENT_ID
from .models import AccessLog, Consent, Enrollment, Student
from .services import pseudonym_of

DECISIONS = {
    Consent.Status.GRANTED: ("granted", "opt_in", "optin", "yes", "given", "consented"),
    Consent.Status.REFUSED: ("refused", "refusal", "opt_out", "optout", "no", "declined"),
    Consent.Status.REVOKED: ("revoked", "revocation", "withdrawn", "withdrew", "revoke"),
}
DECISION_OF = {word: status for status, words in DECISIONS.items() for word in words}
GIVEN_BY_OF = {
    "student": Consent.GivenBy.STUDENT,
    "guardian": Consent.GivenBy.GUARDIAN,
    "parent": Consent.GivenBy.GUARDIAN,
    "parent_or_guardian": Consent.GivenBy.GUARDIAN,
}
COLUMNS = (
    STUDENT_ID,
    Column("decision", aliases=("status", "consent"), help="opt-in, refused or revoked"),
    Column("date", aliases=("decision_date", "signed_on"), help="when it was given, YYYY-MM-DD"),
    Column("source", aliases=("form", "how"), help="where it came from, e.g. the paper form"),
    Column("given_by", required=False, aliases=("by",), help="student or guardian"),
)
FIELDS = ("status", "given_by", "date", "source")
NOT_HERE = "no student with id “{value}” is enrolled at a school you are the data steward for."


@dataclass
class ConsentReport(Report):
    granted: int = 0
    refused_decisions: int = 0
    revoked: int = 0


class ConsentImporter(Importer):
    columns = COLUMNS

    def __init__(self, *, purpose, site_ids, given_by, user, today, request=None):
        self.purpose, self.site_ids, self.given_by = purpose, site_ids, given_by
        self.user, self.today, self.request = user, today, request

    def check(self, frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        decisions = frame["decision"].map(lambda text: DECISION_OF.get(normal(text)))
        problems.flag(frame, decisions.isna(), "decision",
                      "“{value}” is not a decision: opt-in, refused or revoked.")  # fmt: skip
        dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
        problems.flag(frame, dates.isna(), "date", "“{value}” is not a date (YYYY-MM-DD).")
        future = (dates > pd.Timestamp(self.today)).to_numpy()
        problems.flag(frame, future, "date", "{value} is in the future.")
        problems.flag(frame, frame["source"] == "", "source",
                      "say where it came from, e.g. the paper form.")  # fmt: skip
        given = cells(frame, "given_by")
        given_by = given.map(lambda text: GIVEN_BY_OF.get(normal(text)) if text else self.given_by)
        problems.flag(frame.assign(given_by=given), given_by.isna(), "given_by",
                      "“{value}” is not student or guardian.")  # fmt: skip
        problems.flag(frame, frame["student_id"] == "", "student_id", "no student id.")
        students = self._students(frame, problems)
        twice = students.duplicated(keep="first").to_numpy() & students.notna().to_numpy()
        problems.flag(frame, twice, "student_id", "a second decision for “{value}” in the file.")
        return pd.DataFrame(
            {
                "student": students,
                "status": decisions,
                "given_by": given_by,
                "date": dates.dt.date,
                "source": frame["source"].str.slice(0, 160),
            }
        )

    def _students(self, frame: pd.DataFrame, problems: Problems) -> pd.Series:
        """Each row's student among those enrolled at the steward's schools (one of their
        districts' ids); anything else is the same refused row."""
        enrolled = Enrollment.objects.filter(site_id__in=self.site_ids)
        districts = set()
        for site_id, parent_id in enrolled.values_list("site_id", "site__parent_id").distinct():
            districts.add(parent_id or site_id)
        ids = frame["student_id"]
        keys = {(d, i): pseudonym_of(d, i) for d in districts for i in ids.unique() if i}
        found = dict(
            Student.objects.filter(key__in=list(keys.values()), enrollments__in=enrolled)
            .values_list("key", "pk")
            .distinct()
        )
        students, ambiguous = [], []
        for student_id in ids:
            matches = {found[k] for d in districts if (k := keys.get((d, student_id))) in found}
            students.append(next(iter(matches)) if len(matches) == 1 else None)
            ambiguous.append(len(matches) > 1)
        students = pd.Series(students, index=frame.index, dtype=object)
        missing = (students.isna() & (ids != "")).to_numpy()
        ambiguous = np.array(ambiguous, dtype=bool)
        problems.flag(frame, missing & ~ambiguous, "student_id", NOT_HERE)
        problems.flag(frame, ambiguous, "student_id", "“{value}” names students in two of your "
                      "districts; import each district's decisions in its own file.")  # fmt: skip
        return students

    def compare(self, table: pd.DataFrame) -> ConsentReport:
        existing = {
            c.student_id: c
            for c in Consent.objects.filter(purpose=self.purpose, student_id__in=table["student"])
        }
        now = timezone.now()
        self.new, self.changed = [], []
        for row in table.itertuples(index=False):
            values = {name: getattr(row, name) for name in FIELDS}
            current = existing.get(row.student)
            if current is None:
                consent = Consent(student_id=row.student, purpose=self.purpose, **values)
                consent.recorded_by, consent.changed_at = self.user, now
                self.new.append(consent)
            elif any(getattr(current, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(current, name, value)
                current.recorded_by, current.changed_at = self.user, now
                self.changed.append(current)
        counts = table["status"].value_counts()
        return ConsentReport(
            added=len(self.new),
            changed=len(self.changed),
            unchanged=len(table) - len(self.new) - len(self.changed),
            granted=int(counts.get(Consent.Status.GRANTED, 0)),
            refused_decisions=int(counts.get(Consent.Status.REFUSED, 0)),
            revoked=int(counts.get(Consent.Status.REVOKED, 0)),
        )

    def write(self, table: pd.DataFrame) -> None:
        Consent.objects.bulk_create(self.new, batch_size=2000)
        Consent.objects.bulk_update(
            self.changed, [*FIELDS, "recorded_by", "changed_at"], batch_size=2000
        )
        counts = table["status"].value_counts()
        summary = ", ".join(f"{int(n)} {status}" for status, n in counts.items())
        services.log(
            user=self.user,
            network=self.purpose.network,
            action=AccessLog.Action.CONSENT,
            request=self.request,
            what=f"Imported consent decisions for “{self.purpose.name}”: {summary}",
            records=len(self.new) + len(self.changed),
        )


def import_consents(
    *,
    network,
    purpose,
    data: bytes,
    site_ids: set[int] | None = None,
    given_by: str = Consent.GivenBy.GUARDIAN,
    user=None,
    dry_run: bool = False,
    today: datetime.date | None = None,
    request=None,
) -> ConsentReport:
    """Record many consent decisions at once, all or nothing. `site_ids`: the schools the
    importing data steward stewards (None: every school of the network, at the command line).
    The import is written to the access log (not a dry run)."""
    if purpose.network_id != network.pk:
        raise ValidationError({"purpose": "Choose a purpose of this network."})
    if given_by not in Consent.GivenBy.values:
        raise ValidationError({"given_by": "Say who gave it: the student or a guardian."})
    if site_ids is None:
        site_ids = set(network.sites.values_list("pk", flat=True))
    importer = ConsentImporter(
        purpose=purpose,
        site_ids=site_ids,
        given_by=given_by,
        user=user if user is not None and user.is_authenticated else None,
        today=today or timezone.localdate(),
        request=request,
    )
    return run(importer, data, name="consent.csv", dry_run=dry_run)
