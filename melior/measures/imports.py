"""Importing observations from CSV or XLSX files: validated row by row, written all or nothing.

A file has one row per site, measure and period. Its columns are mapped to `site` (the site's
slug or exact name), `measure` (slug or exact name), `period_start` (YYYY-MM-DD, or any date
the day-first/ISO parser understands) and either `value` or `numerator` and `denominator`.
Every problem is reported with its row (as a spreadsheet numbers it: the header is row 1) and
column, and nothing is written while any remains. Importing the same file again changes
nothing; a corrected file updates the periods that differ.
"""

import csv
import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from melior import files
from melior.bulk import insert_rows
from melior.networks.models import Network
from melior.networks.services import bump_data_version

from .models import Observation
from .services import validate_observation
from .tasks import refresh_network_status

NUMBERS = ("value", "numerator", "denominator")

FIELDS = ("site", "measure", "period_start", "value", "numerator", "denominator")
REQUIRED = ("site", "measure", "period_start")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row (header = 1); None for the whole file
    column: str | None
    message: str

    def __str__(self):
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.message


class ImportRefused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was written.")


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def summary(self) -> str:
        if self.dry_run:
            return (
                f"{self.rows:,} rows are valid: importing would add {self.added:,}, change "
                f"{self.changed:,} and leave {self.unchanged:,} as they are. Nothing was written."
            )
        return (
            f"{self.rows:,} rows imported: {self.added:,} added, {self.changed:,} changed, "
            f"{self.unchanged:,} already as in the file."
        )


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV (delimiter and UTF-8/UTF-8-BOM detected) or XLSX file, read
    within the limits of `melior.files`."""
    try:
        if path.suffix.lower() == ".xlsx":
            return _read_xlsx(path)
        return csv_table(files.read_file(path))
    except files.FileRefused as refused:
        raise ImportRefused([Problem(None, None, str(refused))]) from None


def csv_table(raw: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and non-blank rows of CSV bytes: UTF-8 with or without a BOM; comma, semicolon or
    tab, detected; within the size, row and column limits of `melior.files`."""
    try:
        text = files.decode_text(raw)
        try:
            dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [row for row in files.csv_rows(text, dialect) if any(c.strip() for c in row)]
    except (files.FileRefused, csv.Error) as refused:
        raise ImportRefused([Problem(None, None, str(refused))]) from None
    if not rows:
        raise ImportRefused([Problem(None, None, "The file has no rows.")])
    return [h.strip() for h in rows[0]], rows[1:]


def _read_xlsx(path: Path):
    """The first sheet's rows. The zip is checked whole first (`files.open_zip`); openpyxl then
    parses its XML through defusedxml, which refuses entity declarations."""
    files.check_zip(path)
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    rows = []
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # a sheet's declared size can lie: read only its cells
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                files.check_row(number, len(values))
                row = [_xlsx_text(v) for v in values]
                if any(cell.strip() for cell in row):
                    rows.append(row)
        finally:
            book.close()
    except files.FileRefused:
        raise
    except Exception as error:  # whatever a damaged workbook makes openpyxl raise
        if _caused_by(error, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise files.FileRefused(
                "The workbook declares XML entities, which Melior does not read; save it again "
                "from a spreadsheet program."
            ) from None
        logger.info("Unreadable workbook: %r", error)
        raise files.FileRefused(
            "The file is not a readable .xlsx workbook (it is damaged, cut short or another "
            "kind of file); save it again as .xlsx or as CSV UTF-8."
        ) from None
    if not rows:
        raise files.FileRefused("The first sheet has no rows.")
    return [h.strip() for h in rows[0]], rows[1:]


def _caused_by(error: BaseException | None, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value)


def column_map(header: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    """Which file column feeds each field: the mapping given, else a header of the same name."""
    mapping = mapping or {}
    unknown = set(mapping) - set(FIELDS)
    problems = [
        Problem(None, None, f"Unknown field {name!r} in the column mapping.") for name in unknown
    ]
    lowered = {h.lower(): i for i, h in enumerate(header)}
    columns = {}
    for name in FIELDS:
        source = mapping.get(name, name)
        if source.lower() in lowered:
            columns[name] = lowered[source.lower()]
        elif name in mapping:
            problems.append(Problem(1, source, f"No column {source!r} in the file (for {name})."))
    for name in REQUIRED:
        if name not in columns and name not in mapping:
            problems.append(Problem(1, name, f"The file needs a {name!r} column."))
    if "value" not in columns and not {"numerator", "denominator"} <= set(columns):
        problems.append(
            Problem(1, None, "The file needs a 'value' column, or 'numerator' and 'denominator'.")
        )
    if problems:
        raise ImportRefused(problems)
    return columns  # other columns (notes, names) are ignored


def _date(text: str) -> datetime.date:
    text = text.strip()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def import_observations(
    network: Network,
    path: Path,
    *,
    user=None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    writable_sites: set[int] | None = None,
) -> ImportReport:
    """Validate every row; if all are good, add or update them in one transaction.

    writable_sites: the ids of the sites the importing user may enter data for (None: all, for
    administrators at the command line); rows for other sites are refused."""
    header, rows = read_table(Path(path))
    columns = column_map(header, mapping)
    sites = {}
    for site in network.sites.all():
        sites[site.slug.lower()] = site
        sites.setdefault(site.name.lower(), site)
    measures = {}
    for measure in network.measures.all():
        measures[measure.slug.lower()] = measure
        measures.setdefault(measure.name.lower(), measure)

    today = timezone.localdate()
    problems: list[Problem] = []
    cleaned: dict[tuple[int, int, datetime.date], dict] = {}
    first_row: dict[tuple[int, int, datetime.date], int] = {}
    for index, row in enumerate(rows):
        number = index + 2
        if progress and index % 5000 == 0:
            progress(index, len(rows))

        def cell(name, row=row):
            position = columns.get(name)
            return row[position].strip() if position is not None and position < len(row) else ""

        if len(row) > len(header):
            problems.append(
                Problem(number, None, f"{len(row)} cells but only {len(header)} headers.")
            )
            continue
        site = sites.get(cell("site").lower())
        measure = measures.get(cell("measure").lower())
        if site is not None and writable_sites is not None and site.pk not in writable_sites:
            problems.append(Problem(number, "site", f"You may not enter data for {site.name}."))
            continue
        if site is None:
            problems.append(
                Problem(number, "site", f"Unknown site {cell('site')!r} in {network.name}.")
            )
        if measure is None:
            problems.append(
                Problem(
                    number, "measure", f"Unknown measure {cell('measure')!r} in {network.name}."
                )
            )
        try:
            period = _date(cell("period_start"))
        except ValueError as error:
            problems.append(Problem(number, "period_start", str(error)))
            continue
        if site is None or measure is None:
            continue
        try:
            numbers = validate_observation(
                measure, period, value=cell("value") or None,
                numerator=cell("numerator") or None, denominator=cell("denominator") or None,
                today=today,
            )  # fmt: skip
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                problems += [Problem(number, field_name, m) for m in messages]
            continue
        key = (measure.pk, site.pk, period)
        if key in first_row:
            problems.append(
                Problem(number, None, f"Same site, measure and period as row {first_row[key]}.")
            )
            continue
        first_row[key] = number
        cleaned[key] = numbers
    if problems:
        raise ImportRefused(problems)

    report = ImportReport(rows=len(rows), dry_run=dry_run)
    existing = _existing(cleaned)
    new, changed = [], []
    now = timezone.now()
    for (measure_id, site_id, period), numbers in cleaned.items():
        current = existing.get((measure_id, site_id, period))
        values = (numbers["value"], numbers["numerator"], numbers["denominator"])
        if current is None:
            new.append((measure_id, site_id, period.isoformat(), *values))
        elif current[1:] != values:
            numbers_of = dict(zip(NUMBERS, values, strict=True))
            changed.append(Observation(pk=current[0], updated_at=now, **numbers_of))
    report.added, report.changed = len(new), len(changed)
    report.unchanged = len(cleaned) - len(new) - len(changed)
    if not dry_run:
        stamp = connection.ops.adapt_datetimefield_value(now)
        rows = pd.DataFrame(
            new,
            columns=["measure_id", "organization_id", "period_start", *NUMBERS],
        ).assign(entered_by_id=getattr(user, "pk", None), entered_at=stamp, updated_at=stamp)
        with transaction.atomic():
            insert_rows(Observation, rows)
            Observation.objects.bulk_update(
                changed, ["value", "numerator", "denominator", "updated_at"], batch_size=2000
            )
            if new or changed:
                bump_data_version(network.pk)  # bulk writes send no model signals
                # the worker warms the status table so the first visitor does not pay for it
                transaction.on_commit(lambda: refresh_network_status(network.pk))
    if progress:
        progress(len(rows), len(rows))
    return report


def _existing(cleaned) -> dict[tuple[int, int, datetime.date], tuple]:
    """Current values of the observations the file names, read per measure and site."""
    pairs = {(m, s) for m, s, _ in cleaned}
    out = {}
    for measure_id in {m for m, _ in pairs}:
        site_ids = [s for m, s in pairs if m == measure_id]
        for start in range(0, len(site_ids), 500):
            rows = Observation.objects.filter(
                measure_id=measure_id, organization_id__in=site_ids[start : start + 500]
            ).values_list("measure_id", "organization_id", "period_start", "pk", "value",
                          "numerator", "denominator")  # fmt: skip
            for m, s, period, pk, value, numerator, denominator in rows:
                out[(m, s, period)] = (pk, value, numerator, denominator)
    return out
