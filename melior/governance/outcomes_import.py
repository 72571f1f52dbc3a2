"""Student-level outcomes from a CSV keyed by the district's student id, pseudonymised on the
way in: columns student_id, school (slug or name), name (e.g. "Algebra I end-of-course"),
value, date (YYYY-MM-DD), and optionally kind (assessment / attendance / course_mark). Checked
whole — every problem named by row and column — and saved all or nothing; importing the same
file again changes nothing (one value per student, outcome, date and purpose)."""

import contextlib
import csv
import datetime
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from .models import Student, StudentOutcome
from .services import pseudonym_of

COLUMNS = ["student_id", "school", "name", "value", "date"]
MAX_LISTED = 200
BULK_ROWS = 100_000  # from here on, foreign keys are checked once for the whole batch


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
        students = dict(_select_in(cursor, Student, ["key", "id"], "key", keys))
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
        existing = _select_in(
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
    """Add many outcomes at once: COPY on PostgreSQL, one prepared INSERT on SQLite (building
    a million model objects would take longer than writing them)."""
    if rows.empty:
        return
    table = StudentOutcome._meta.db_table
    columns = ["student_id", "site_id", "purpose_id", "kind", "name", "value", "date"]
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = frame.to_csv(index=False, header=False)  # written in C, streamed to COPY
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            with (
                _foreign_keys_checked_once(cursor, table, len(frame)),
                cursor.copy(sql) as copy,
            ):
                for start in range(0, len(text), 8 << 20):
                    copy.write(text[start : start + (8 << 20)])
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                frame.itertuples(index=False, name=None),
            )


@contextlib.contextmanager
def _foreign_keys_checked_once(cursor, table: str, rows: int):
    """PostgreSQL checks each new row's foreign keys one by one (three lookups a row, ~16 s for
    a million rows); for a large batch, drop the keys inside the import's transaction and add
    them back, which checks the whole table in one join (< 1 s) — the bulk-loading advice of
    the PostgreSQL manual. A failed check or import rolls the drop back with everything else.
    The table is locked against readers for the length of the import."""
    if rows < BULK_ROWS:
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    keys = cursor.fetchall()
    quote = connection.ops.quote_name
    if not keys:
        yield
        return
    # checks still pending from earlier in the transaction block a table change: run them now
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    drops = ", ".join(f"DROP CONSTRAINT {quote(name)}" for name, _ in keys)
    cursor.execute(f"ALTER TABLE {table} {drops}")
    yield
    adds = ", ".join(f"ADD CONSTRAINT {quote(name)} {definition}" for name, definition in keys)
    cursor.execute(f"ALTER TABLE {table} {adds}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are deferred


def _select_in(cursor, model, columns: list[str], column: str, values: list, **equal) -> list:
    """Rows of a model's table whose `column` is one of many values, as plain tuples, in
    slices (databases cap the values in one query); PostgreSQL takes each slice as one array."""
    table = model._meta.db_table
    where = "".join(f" AND {name} = %s" for name in equal)
    rows = []
    size = 100_000 if connection.vendor == "postgresql" else 20_000
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        if connection.vendor == "postgresql":
            test, params = f"{column} = ANY(%s)", [chunk]
        else:
            test, params = f"{column} IN ({', '.join(['%s'] * len(chunk))})", chunk
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE {test}{where}",
            [*params, *equal.values()],
        )
        rows += cursor.fetchall()
    return rows


def _capped(problems: list[str]) -> list[str]:
    if len(problems) > MAX_LISTED:
        return [*problems[:MAX_LISTED], f"… and {len(problems) - MAX_LISTED} more problems."]
    return problems
