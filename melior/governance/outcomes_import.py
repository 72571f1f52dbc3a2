"""Student-level outcomes from a CSV keyed by the district's student id, pseudonymised on the
way in: columns student_id, school (slug or name), name (e.g. "Algebra I end-of-course"),
value, date (YYYY-MM-DD), and optionally kind (assessment / attendance / course_mark). Checked
whole — every problem named by row and column — and saved all or nothing; importing the same
file again changes nothing (one value per student, outcome, date and purpose)."""

import csv
import datetime
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from melior import files
from melior.bulk import insert_rows, select_in

from .models import Student, StudentOutcome
from .services import pseudonym_of

COLUMNS = ["student_id", "school", "name", "value", "date"]
MAX_LISTED = 200


@dataclass
class OutcomeReport:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0


def import_outcomes(
    *,
    network,
    purpose,
    data: bytes,
    kind: str = "assessment",
    allowed_site_ids: set[int] | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> OutcomeReport:
    today = today or datetime.date.today()
    if purpose.network_id != network.pk:
        raise ValidationError("Choose a purpose of this network.")
    if not data:
        raise ValidationError("The file is empty (0 bytes).")
    first_line = data[:4096].decode("utf-8-sig", errors="replace").splitlines()[0]
    try:
        sep = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    try:  # size, lines and header width before pandas reads it (it refuses longer rows)
        files.decode_text(data)
        files.check_row(1, len(next(csv.reader([first_line], delimiter=sep))))
    except (files.FileRefused, csv.Error) as refused:
        raise ValidationError(str(refused)) from None
    try:
        frame = pd.read_csv(
            io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep
        )
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text; save it as CSV (UTF-8).") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValidationError(f"The file could not be read as CSV: {error}") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"Missing column(s): {', '.join(missing)}; the file has {', '.join(frame.columns)}."
        )
    problems = []
    rows = np.arange(len(frame)) + 2

    def flag(mask, column, message):
        for row, value in zip(
            rows[mask][:MAX_LISTED], frame.loc[mask, column][:MAX_LISTED], strict=False
        ):
            problems.append(f"Row {row}, {column}: {message.format(value=value)}")

    sites = {s.slug: s for s in network.sites.select_related("parent")}
    sites.update({s.name.lower(): s for s in list(sites.values())})
    school = frame["school"].str.strip()
    site_of = school.map({v: sites.get(v) or sites.get(v.lower()) for v in school.unique()})
    flag(site_of.isna().to_numpy(), "school", "no school “{value}” in this network.")
    if allowed_site_ids is not None:  # a school's data steward imports for their schools only
        outside = site_of.map(lambda s: s is not None and s.pk not in allowed_site_ids)
        flag(outside.to_numpy(dtype=bool), "school", "you are not the data steward for “{value}”.")
    values = pd.to_numeric(frame["value"].str.strip(), errors="coerce")
    flag(values.isna().to_numpy(), "value", "“{value}” is not a number.")
    dates = pd.to_datetime(frame["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    flag(dates.isna().to_numpy(), "date", "“{value}” is not a date (YYYY-MM-DD).")
    flag((dates.dt.date > today).fillna(False).to_numpy(), "date", "{value} is in the future.")
    if "kind" not in frame.columns:
        frame["kind"] = kind
    kinds = frame["kind"].str.strip()
    flag(
        ~kinds.isin(StudentOutcome.Kind.values).to_numpy(),
        "kind",
        "“{value}” is not assessment, attendance or course_mark.",
    )
    flag((frame["student_id"].str.strip() == "").to_numpy(), "student_id", "no student id.")
    if problems:
        raise ValidationError(_capped(problems))
    district_ids = site_of.map(lambda s: (s.parent or s).pk)
    # a student has several rows: hash each district's id once
    codes, pairs = pd.factorize(
        district_ids.astype(str) + ":" + frame["student_id"].str.strip(), sort=False
    )
    keys = [pseudonym_of(*pair.split(":", 1)) for pair in pairs]
    with connection.cursor() as cursor:
        students = dict(select_in(cursor, Student, ["key", "id"], "key", keys))
    student_ids = pd.Series(
        np.array([students.get(k) for k in keys], dtype=object)[codes], index=frame.index
    )
    flag(
        student_ids.isna().to_numpy(),
        "student_id",
        "no student with id “{value}” in the roster of that school's district.",
    )
    names = frame["name"].str.strip()
    flag((names == "").to_numpy(), "name", "name the outcome.")
    table = pd.DataFrame(
        {
            "student": student_ids,
            "site": site_of.map(lambda s: s.pk),
            "kind": kinds,
            "name": names,
            "value": values,
            "date": dates.dt.strftime("%Y-%m-%d"),
        }
    )
    duplicated = table.duplicated(["student", "kind", "name", "date"], keep="first")
    flag(duplicated.to_numpy(), "student_id", "a second value for “{value}” on the same date.")
    if problems:
        raise ValidationError(_capped(problems))
    report = OutcomeReport(rows=len(table))
    table["student"] = table["student"].astype(int)
    with connection.cursor() as cursor:  # raw rows: a million model rows would be slow
        existing = select_in(
            cursor,
            StudentOutcome,
            ["id", "student_id", "kind", "name", "date", "value"],
            "student_id",
            sorted(set(table["student"].tolist())),
            purpose_id=purpose.pk,
        )
    keys = ["student", "kind", "name", "date"]
    old = pd.DataFrame(existing, columns=["pk", *keys, "old_value"])
    old["date"] = old["date"].astype(str)
    merged = table.merge(old, on=keys, how="left")
    is_new = merged["pk"].isna()
    is_changed = ~is_new & (merged["old_value"] != merged["value"])
    report.added, report.changed = int(is_new.sum()), int(is_changed.sum())
    report.unchanged = report.rows - report.added - report.changed
    if not dry_run:
        with transaction.atomic():
            _insert(merged[is_new], purpose)
            StudentOutcome.objects.bulk_update(
                [
                    StudentOutcome(pk=int(pk), value=float(v))
                    for pk, v in zip(
                        merged.loc[is_changed, "pk"], merged.loc[is_changed, "value"], strict=True
                    )
                ],
                ["value"],
                batch_size=10_000,
            )
    return report


def _insert(rows: pd.DataFrame, purpose) -> None:
    """Add many outcomes at once (melior.bulk)."""
    if rows.empty:
        return
    frame = pd.DataFrame(
        {
            "student_id": rows["student"].astype(int),
            "site_id": rows["site"].astype(int),
            "purpose_id": purpose.pk,
            "kind": rows["kind"],
            "name": rows["name"],
            "value": rows["value"].astype(float),
            "date": rows["date"],
        }
    )
    insert_rows(StudentOutcome, frame)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) > MAX_LISTED:
        return [*problems[:MAX_LISTED], f"… and {len(problems) - MAX_LISTED} more problems."]
    return problems
