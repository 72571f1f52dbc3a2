"""Each series' status kept in the database (SeriesStatus), so that the status table with an
empty cache reads one row a site × measure instead of every observation.

Two levels of staleness (see receivers.py and services.py for the writes):

- a series: a write to its observations marks its row stale and moves the row's version on;
  the next view computes that series alone, from its own observations, and writes it back only
  if the row's version is still the one it read — a write meanwhile keeps its mark;
- a whole measure: a change to its definition (target, direction, chart…) or a bulk write
  that does not say which sites it touched sets `Measure.statuses_engine` to NULL; the next
  view computes the whole column and replaces its rows, and marks the measure computed only
  if its data version is still the one read before the observations were.

ENGINE names the status computation: when the same data would give other statuses (a change
to the SPC rules), it goes up and every measure's column is computed again.
"""

import pandas as pd
from django.db import transaction

from melior.bulk import insert_rows
from melior.networks.models import random_version_start

from ..models import Measure, SeriesStatus
from . import summary
from .summary import Column

ENGINE = 1

# Past this many stale series a measure's whole column is computed again (one read of all its
# observations) rather than each series (one guarded write apiece).
MOST_STALE = 300


def stored_columns(measures: list[Measure]) -> dict[int, Column]:
    """Each measure's column (site id -> (status, assurance)): read from its rows, with its
    stale series, or the whole column when the measure is whole-stale, computed and stored.
    The measures' data versions must have been read before this call."""
    kept = [m for m in measures if m.statuses_engine == ENGINE]
    columns, stale = _read_rows(kept)
    whole = [m for m in measures if m.statuses_engine != ENGINE or len(stale[m.pk]) > MOST_STALE]
    series = [m for m in kept if stale[m.pk] and m not in whole]
    if series:
        fresh = summary.compute_columns(series, sites={m.pk: list(stale[m.pk]) for m in series})
        for measure in series:
            columns[measure.pk] |= fresh[measure.pk]
            _write_back(measure.pk, stale[measure.pk], fresh[measure.pk])
    if whole:
        computed = summary.compute_columns(whole)
        for measure in whole:
            _replace_rows(measure, computed[measure.pk])
        columns |= computed
    return {m.pk: columns[m.pk] for m in measures}


def _read_rows(measures: list[Measure]) -> tuple[dict[int, Column], dict[int, dict[int, int]]]:
    """The stored cells of these measures, and their stale series (site id -> row version)."""
    columns: dict[int, Column] = {m.pk: {} for m in measures}
    stale: dict[int, dict[int, int]] = {m.pk: {} for m in measures}
    if not measures:
        return columns, stale
    rows = (
        SeriesStatus.objects.filter(measure_id__in=[m.pk for m in measures])
        .order_by()
        .values_list("measure_id", "organization_id", "status", "assurance", "stale", "version")
    )
    words = {}  # one string object per word: the cached pickle stores each once
    for measure_id, site, status, assurance, is_stale, version in rows:
        if is_stale:
            stale[measure_id][site] = version
        else:
            cell = (words.setdefault(status, status), words.setdefault(assurance, assurance))
            columns[measure_id][site] = words.setdefault(cell, cell)
    return columns, stale


def _write_back(measure_id: int, stale: dict[int, int], column: Column) -> None:
    """Store the series computed again, each only if no write has moved its version on since
    it was read; a series left without observations loses its row ("no data")."""
    for site, version in stale.items():
        row = SeriesStatus.objects.filter(
            measure_id=measure_id, organization_id=site, version=version
        )
        cell = column.get(site)
        if cell is None:
            row.delete()
        else:
            row.update(status=cell[0], assurance=cell[1], stale=False)


def _replace_rows(measure: Measure, column: Column) -> None:
    """Store a whole column and mark the measure computed, unless it was written to since its
    data version was read (then the next view computes it again)."""
    with transaction.atomic():
        # the measure's row first, as every write takes it before a series' row
        computed = Measure.objects.filter(pk=measure.pk, data_version=measure.data_version)
        if not computed.update(statuses_engine=ENGINE):
            return
        SeriesStatus.objects.filter(measure_id=measure.pk).delete()
        # new versions: a view that read an old row cannot match one of these
        rows = pd.DataFrame(
            [
                (measure.pk, site, status, assurance, False, random_version_start())
                for site, (status, assurance) in column.items()
            ],
            columns=["measure_id", "organization_id", "status", "assurance", "stale", "version"],
        )
        insert_rows(SeriesStatus, rows)
