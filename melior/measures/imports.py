"""Importing observations from CSV or XLSX files, on the import pipeline (melior.core.imports).

A file has one row per site, measure and period. Its columns are mapped to `site` (the site's
slug or exact name), `measure` (slug or exact name), `period_start` (YYYY-MM-DD, or any date
the day-first/ISO parser understands) and either `value` or `numerator` and `denominator`.
Every problem is reported with its row (as a spreadsheet numbers it: the header is row 1) and
column, and nothing is written while any remains. Importing the same file again changes
nothing; a corrected file updates the periods that differ.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from melior.bulk import insert_rows
from melior.core.imports import Column, Importer, Problem, Problems, Report, cells, run
from melior.core.imports import ImportRefused as ImportRefused
from melior.networks.models import Network

from .models import Observation
from .services import data_changed, validate_observation
from .tasks import refresh_network_status

NUMBERS = ("value", "numerator", "denominator")
COLUMNS = (
    Column("site", aliases=("school", "site_slug"), help="the site's slug or exact name"),
    Column("measure", aliases=("measure_slug",), help="the measure's slug or exact name"),
    Column(
        "period_start",
        aliases=("period", "week", "month", "date"),
        help="the first day of the period, YYYY-MM-DD (or DD/MM/YYYY)",
    ),
    Column("value", required=False, help="the value, for a measured value or a rate"),
    Column("numerator", required=False, help="the count, for a proportion"),
    Column("denominator", required=False, help="out of how many, for a proportion"),
)
FIELDS = tuple(column.name for column in COLUMNS)
ImportReport = Report


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date (use YYYY-MM-DD).")


def _by_slug_and_name(objects) -> dict:
    found = {}
    for each in objects:
        found[each.slug.lower()] = each
        found.setdefault(each.name.lower(), each)
    return found


@dataclass
class Plan:
    cleaned: dict  # (measure id, site id, period) → {value, numerator, denominator}
    new: list | None = None
    changed: list | None = None


class ObservationImporter(Importer):
    columns = COLUMNS

    def __init__(self, network: Network, *, user=None, writable_sites: set[int] | None = None):
        self.network, self.user, self.writable_sites = network, user, writable_sites
        self.sites = _by_slug_and_name(network.sites.all())
        self.measures = _by_slug_and_name(network.measures.all())
        self.today = timezone.localdate()

    def check_header(self, frame: pd.DataFrame) -> list[Problem]:
        if "value" in frame or {"numerator", "denominator"} <= set(frame):
            return []
        return [Problem(1, None, "The file needs a 'value' column, or 'numerator' and "
                        "'denominator'.")]  # fmt: skip

    def check(self, frame: pd.DataFrame, problems: Problems) -> Plan:
        plan, first_row = Plan(cleaned={}), {}
        names = ["_row", "site", "measure", "period_start"]
        columns = [frame[name].tolist() for name in names]  # lists: fast to walk
        columns += [cells(frame, name).tolist() for name in NUMBERS]
        for number, site, measure, period, *numbers in zip(*columns, strict=True):
            key = self._row(problems, number, site, measure, period, numbers)
            if key is None:
                continue
            if key[0] in first_row:
                problems.add(number, None, f"Same site, measure and period as row "
                             f"{first_row[key[0]]}.")  # fmt: skip
                continue
            first_row[key[0]] = number
            plan.cleaned[key[0]] = key[1]
        return plan

    def _row(self, problems, number, site_text, measure_text, period_text, numbers):
        """One row's (key, numbers), or None with its problems added."""
        site = self.sites.get(site_text.lower())
        measure = self.measures.get(measure_text.lower())
        writable = self.writable_sites
        if site is not None and writable is not None and site.pk not in writable:
            problems.add(number, "site", f"You may not enter data for {site.name}.", site_text)
            return None
        if site is None:
            problems.add(number, "site", f"Unknown site “{site_text}” in {self.network.name}.",
                         site_text)  # fmt: skip
        if measure is None:
            problems.add(number, "measure", f"Unknown measure “{measure_text}” in "
                         f"{self.network.name}.", measure_text)  # fmt: skip
        try:
            period = _date(period_text)
        except ValueError as error:
            problems.add(number, "period_start", str(error), period_text)
            return None
        if site is None or measure is None:
            return None
        value, numerator, denominator = (n or None for n in numbers)
        try:
            checked = validate_observation(
                measure, period, value=value, numerator=numerator, denominator=denominator,
                today=self.today,
            )  # fmt: skip
        except ValidationError as error:
            given = dict(zip(NUMBERS, numbers, strict=True))
            for field, messages in error.message_dict.items():
                for message in messages:
                    problems.add(number, field, message, given.get(field, period_text))
            return None
        return (measure.pk, site.pk, period), checked

    def compare(self, plan: Plan) -> Report:
        existing = _existing(plan.cleaned)
        plan.new, plan.changed = [], []
        now = timezone.now()
        for (measure_id, site_id, period), numbers in plan.cleaned.items():
            current = existing.get((measure_id, site_id, period))
            values = tuple(numbers[name] for name in NUMBERS)
            if current is None:
                plan.new.append((measure_id, site_id, period.isoformat(), *values))
            elif current[1:] != values:
                numbers_of = dict(zip(NUMBERS, values, strict=True))
                plan.changed.append(Observation(pk=current[0], updated_at=now, **numbers_of))
        added, changed = len(plan.new), len(plan.changed)
        return Report(added=added, changed=changed, unchanged=len(plan.cleaned) - added - changed)

    def write(self, plan: Plan) -> None:
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = pd.DataFrame(
            plan.new, columns=["measure_id", "organization_id", "period_start", *NUMBERS]
        ).assign(entered_by_id=getattr(self.user, "pk", None), entered_at=stamp, updated_at=stamp)
        insert_rows(Observation, rows)
        Observation.objects.bulk_update(
            plan.changed, ["value", "numerator", "denominator", "updated_at"], batch_size=2000
        )
        if plan.new or plan.changed:
            network_id = self.network.pk
            touched = {row[0] for row in plan.new} | {o.measure_id for o in plan.changed}
            data_changed(network_id, touched)  # bulk writes send no model signals
            # the worker warms the status table so the first visitor does not pay for it
            transaction.on_commit(lambda: refresh_network_status(network_id))


def import_observations(
    network: Network,
    path: Path | str | bytes,
    *,
    user=None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, str], None] | None = None,
    writable_sites: set[int] | None = None,
    name: str = "",
) -> Report:
    """Validate every row; if all are good, add or update them in one transaction.

    writable_sites: the ids of the sites the importing user may enter data for (None: all, for
    administrators at the command line); rows for other sites are refused."""
    importer = ObservationImporter(network, user=user, writable_sites=writable_sites)
    return run(importer, path, name=name, mapping=mapping, dry_run=dry_run, progress=progress)


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
