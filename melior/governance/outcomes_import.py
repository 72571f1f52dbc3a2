"""Student-level outcomes from a CSV keyed by the district's student id, pseudonymised on the
way in (the import pipeline, melior.core.imports): columns student_id, school (slug or name),
name (e.g. "Algebra I end-of-course"), value, date (YYYY-MM-DD), and optionally kind
(assessment / attendance / course_mark). Checked whole — every problem named by row and column,
format and roster problems at once — and saved all or nothing; importing the same file again
changes nothing (one value per student, outcome, date and purpose)."""

import datetime
from collections.abc import Callable

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection

from melior.bulk import insert_rows, select_in
from melior.core.imports import Column, Importer, Problems, Report, cells, run

from .import_rows import SCHOOL, STUDENT_ID, match_sites, match_students
from .models import StudentOutcome

COLUMNS = (
    STUDENT_ID,
    SCHOOL,
    Column("name", aliases=("outcome", "assessment", "test"), help="e.g. Algebra I end-of-course"),
    Column("value", aliases=("score", "result"), help="a number"),
    Column("date", aliases=("test_date", "taken_on"), help="YYYY-MM-DD"),
    Column("kind", required=False, help="assessment, attendance or course_mark"),
)
KEYS = ["student", "kind", "name", "date"]
OutcomeReport = Report


def _pk_by_text(school: pd.Series, site_of: pd.Series) -> dict:
    """Each school's text → its site's id (None where refused), each text looked at once."""
    first = ~school.duplicated().to_numpy()
    return {
        v: None if s is None else s.pk for v, s in zip(school[first], site_of[first], strict=True)
    }


class OutcomeImporter(Importer):
    columns = COLUMNS

    def __init__(self, *, network, purpose, kind, allowed_site_ids, today):
        self.network, self.purpose, self.kind = network, purpose, kind
        self.allowed_site_ids, self.today = allowed_site_ids, today

    def check(self, frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        site_of = match_sites(frame, problems, self.network, self.allowed_site_ids)
        values = pd.to_numeric(frame["value"], errors="coerce")
        problems.flag(frame, values.isna(), "value", "“{value}” is not a number.")
        dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
        problems.flag(frame, dates.isna(), "date", "“{value}” is not a date (YYYY-MM-DD).")
        future = (dates > pd.Timestamp(self.today)).to_numpy()
        problems.flag(frame, future, "date", "{value} is in the future.")
        kinds = cells(frame, "kind").replace("", self.kind)
        frame = frame.assign(kind=kinds)
        wrong = ~kinds.isin(StudentOutcome.Kind.values)
        problems.flag(
            frame, wrong, "kind", "“{value}” is not assessment, attendance or course_mark."
        )
        problems.flag(frame, frame["name"] == "", "name", "name the outcome.")
        students = match_students(frame, problems, self.network, site_of)
        table = pd.DataFrame(
            {
                "student": students,
                "site": frame["school"].map(_pk_by_text(frame["school"], site_of)),
                "kind": kinds,
                "name": frame["name"],
                "value": values,
                "date": dates.dt.strftime("%Y-%m-%d"),
            }
        )
        known = students.notna().to_numpy()
        twice = table.duplicated(KEYS, keep="first").to_numpy() & known
        problems.flag(frame, twice, "student_id", "a second value for “{value}” on the same date.")
        return table

    def compare(self, table: pd.DataFrame) -> Report:
        table["student"] = table["student"].astype(int)
        with connection.cursor() as cursor:  # raw rows: a million model rows would be slow
            existing = select_in(
                cursor,
                StudentOutcome,
                ["id", "student_id", "kind", "name", "date", "value"],
                "student_id",
                sorted(set(table["student"].tolist())),
                purpose_id=self.purpose.pk,
            )
        old = pd.DataFrame(existing, columns=["pk", *KEYS, "old_value"])
        old["date"] = old["date"].astype(str)
        self.merged = merged = table.merge(old, on=KEYS, how="left")
        self.new = merged["pk"].isna()
        self.changed = ~self.new & (merged["old_value"] != merged["value"])
        added, changed = int(self.new.sum()), int(self.changed.sum())
        return Report(added=added, changed=changed, unchanged=len(table) - added - changed)

    def write(self, table: pd.DataFrame) -> None:
        rows = self.merged[self.new]
        frame = pd.DataFrame(
            {
                "student_id": rows["student"].astype(int),
                "site_id": rows["site"].astype(int),
                "purpose_id": self.purpose.pk,
                "kind": rows["kind"],
                "name": rows["name"],
                "value": rows["value"].astype(float),
                "date": rows["date"],
            }
        )
        insert_rows(StudentOutcome, frame)
        changed = self.merged[self.changed]
        StudentOutcome.objects.bulk_update(
            [
                StudentOutcome(pk=int(pk), value=float(v))
                for pk, v in zip(changed["pk"], changed["value"], strict=True)
            ],
            ["value"],
            batch_size=10_000,
        )


def import_outcomes(
    *,
    network,
    purpose,
    data: bytes,
    kind: str = "assessment",
    allowed_site_ids: set[int] | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> Report:
    """progress(percent, stage) is told as each stage of the work starts."""
    if purpose.network_id != network.pk:
        raise ValidationError({"purpose": "Choose a purpose of this network."})
    importer = OutcomeImporter(
        network=network,
        purpose=purpose,
        kind=kind,
        allowed_site_ids=allowed_site_ids,
        today=today or datetime.date.today(),
    )
    return run(importer, data, name="outcomes.csv", dry_run=dry_run, progress=progress)
