"""A vendor's EdTech usage export, on the import pipeline (melior.core.imports): one row per
student and day — student_id (the district's id), school, date, minutes, and optionally
sessions and completions. Checked whole (every problem by row and column, format and roster
problems at once), saved all or nothing; the file's figures replace what is recorded for that
student, product and day, so importing it again changes nothing. Students not counted under
the purpose (no consent) are left out and counted."""

import datetime
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError

from melior.core.imports import Column, Importer, Problems, Report, cells, run

from .import_rows import SCHOOL, STUDENT_ID, match_sites, match_students
from .models import Student, UsageRecord
from .selectors import counted_students

COUNTS = ("minutes", "sessions", "completions")
COLUMNS = (
    STUDENT_ID,
    SCHOOL,
    Column("date", aliases=("day", "usage_date"), help="the day, YYYY-MM-DD"),
    Column("minutes", aliases=("time_minutes", "minutes_used"), help="minutes used that day"),
    Column("sessions", required=False, help="sessions that day (0 if left out)"),
    Column("completions", required=False, aliases=("completed",), help="activities completed"),
)
SLICE = 20_000  # SQLite caps the values in one query


@dataclass
class UsageReport(Report):
    ignored_without_consent: int = 0


class UsageImporter(Importer):
    columns = COLUMNS

    def __init__(self, *, network, purpose, product, allowed_site_ids, today):
        self.network, self.purpose, self.product = network, purpose, product
        self.allowed_site_ids, self.today = allowed_site_ids, today

    def check(self, frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
        site_of = match_sites(frame, problems, self.network, self.allowed_site_ids)
        dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
        problems.flag(frame, dates.isna(), "date", "“{value}” is not a date (YYYY-MM-DD).")
        future = (dates > pd.Timestamp(self.today)).to_numpy()
        problems.flag(frame, future, "date", "{value} is in the future.")
        table = pd.DataFrame({"site": site_of, "date": dates.dt.date})
        for name in COUNTS:
            given = cells(frame, name).replace("", "0")
            numbers = pd.to_numeric(given, errors="coerce")
            problems.flag(frame.assign(**{name: given}), numbers.isna(), name,
                          "“{value}” is not a number.")  # fmt: skip
            problems.flag(frame, (numbers < 0).to_numpy(), name, "{value} is negative.")
            table[name] = numbers.round()
        table["student"] = match_students(frame, problems, self.network, site_of)
        known = table["student"].notna().to_numpy()
        twice = table.duplicated(["student", "date"], keep="first").to_numpy() & known
        for row, student_id, day in zip(
            frame["_row"][twice], frame["student_id"][twice], table["date"][twice], strict=True
        ):
            problems.add(row, "student_id", f"a second row for “{student_id}” on {day}.",
                         student_id)  # fmt: skip
        return table

    def compare(self, table: pd.DataFrame) -> UsageReport:
        ids = sorted(set(table["student"].astype(int)))
        allowed, existing = set(), {}
        first, last = table["date"].min(), table["date"].max()
        for start in range(0, len(ids), SLICE):
            chunk = ids[start : start + SLICE]
            allowed |= set(
                Student.objects.filter(pk__in=chunk)
                .filter(counted_students(self.purpose))
                .values_list("pk", flat=True)
            )
            existing |= {
                (r.student_id, r.date): r
                for r in UsageRecord.objects.filter(
                    purpose=self.purpose, product=self.product, student_id__in=chunk,
                    date__gte=first, date__lte=last,
                )
            }  # fmt: skip
        report = UsageReport()
        self.new, self.changed = [], []
        for row in table.itertuples(index=False):
            student, counts = int(row.student), {name: int(getattr(row, name)) for name in COUNTS}
            if student not in allowed:
                report.ignored_without_consent += 1
                continue
            record = existing.get((student, row.date))
            if record is None:
                self.new.append(UsageRecord(student_id=student, site=row.site,
                                            purpose=self.purpose, product=self.product,
                                            date=row.date, **counts))  # fmt: skip
            elif record.site_id != row.site.pk or any(
                getattr(record, k) != v for k, v in counts.items()
            ):
                for name, value in counts.items():
                    setattr(record, name, value)
                record.site = row.site
                self.changed.append(record)
        report.added, report.changed = len(self.new), len(self.changed)
        report.unchanged = len(table) - report.added - report.changed
        report.unchanged -= report.ignored_without_consent
        return report

    def write(self, table: pd.DataFrame) -> None:
        UsageRecord.objects.bulk_create(self.new, batch_size=5000)
        UsageRecord.objects.bulk_update(self.changed, [*COUNTS, "site"], batch_size=5000)


def import_usage(
    *,
    network,
    purpose,
    product: str,
    data: bytes,
    allowed_site_ids: set[int] | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
    progress=None,
) -> UsageReport:
    """Import a vendor's usage export (see the module's docstring)."""
    product = (product or "").strip()
    if not product:
        raise ValidationError({"product": "Name the product the usage is of."})
    if purpose.network_id != network.pk:
        raise ValidationError({"purpose": "Choose a purpose of this network."})
    importer = UsageImporter(
        network=network,
        purpose=purpose,
        product=product,
        allowed_site_ids=allowed_site_ids,
        today=today or datetime.date.today(),
    )
    return run(importer, data, name="usage.csv", dry_run=dry_run, progress=progress)
