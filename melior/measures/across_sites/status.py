"""Every site × measure of a network at once: the status table behind the network page.

The table is computed with the batch SPC engine, one pass per chart kind, and cached under the
network's data version (a counter moved on by every write to its data), so a repeat view is a
cache read until someone enters or corrects data. Each measure's column is cached too, under the
measure's own version: after a figure is entered only that measure's column is computed again.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from django.core.cache import cache

from melior.analysis import spc
from melior.bulk import read_frame
from melior.networks.models import Network

from ..charts import usable_kind
from ..models import Measure, Observation
from ..selectors import measures_for
from .keys import SHAPE, data_version

ASSURANCE = {
    "consistent_pass": ("✓", "will reliably meet the target"),
    "consistent_fail": ("✗", "will reliably miss the target unless the process changes"),
    "inconsistent": ("~", "will meet the target some weeks and miss it others"),
}


NO_DATA = ("no data", "")


class StatusTable:
    """Status and target assurance of every site × measure. Kept per site, a tuple per measure,
    so the cached table of thousands of sites reads back in a few milliseconds."""

    def __init__(self, measures: list[Measure], computed: "ComputedStatuses"):
        self.measures = measures
        self._computed = computed
        position = {pk: k for k, pk in enumerate(computed.measure_ids)}
        self._positions = [position.get(m.pk) for m in measures]

    @property
    def standing(self) -> dict[int, tuple[int, int, int]]:
        """site id -> (measures worsening, targets reliably missed, measures improving), for
        sites with data."""
        return self._computed.standing

    def row(self, site_id: int) -> list[tuple[Measure, str, str]]:
        """(measure, status, assurance) per measure at a site."""
        cells = self._computed.cells.get(site_id, ())
        return [
            (m, *(cells[k] if k is not None and cells else NO_DATA))
            for m, k in zip(self.measures, self._positions, strict=True)
        ]

    @cached_property
    def statuses(self) -> dict[tuple[int, int], str]:
        """(site id, measure id) -> status, for series with data."""
        return {
            (site, m.pk): status
            for site in self._computed.cells
            for m, status, _ in self.row(site)
            if status != "no data"
        }


@dataclass(frozen=True)
class ComputedStatuses:
    """What is cached: site id -> ((status, assurance) per measure of measure_ids), and each
    site's standing."""

    measure_ids: tuple[int, ...]
    cells: dict[int, tuple[tuple[str, str], ...]]
    standing: dict[int, tuple[int, int, int]]


def status_table(network: Network) -> StatusTable:
    """Status of every site × measure of the network (cached per data version)."""
    # the version is read before the data: a write in between makes the next view recompute
    key = f"melior:status-table:{SHAPE}:{network.pk}:{data_version(network.pk)}"
    measures = list(measures_for(network))
    computed = cache.get(key)
    if computed is None:
        computed = _compute_statuses(measures)
        cache.set(key, computed, timeout=24 * 3600)
    return StatusTable(measures, computed)


def _chart_target(measure: Measure) -> float:
    """The measure's target in the units the engine computes in (fractions, per unit)."""
    if measure.target is None:
        return np.nan
    return measure.target / measure.display_scale


Column = dict[int, tuple[str, str]]  # site id -> (status, assurance) of one measure


def _compute_statuses(measures: list[Measure]) -> ComputedStatuses:
    """The table from one column per measure. Each column is cached under its measure's own
    data version, so a figure entered for one measure recomputes that column alone."""
    keys = {m.pk: f"melior:status-column:{SHAPE}:{m.pk}:{m.data_version}" for m in measures}
    cached = cache.get_many(list(keys.values()))
    columns = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [m for m in measures if m.pk not in columns]
    if missing:
        fresh = _compute_columns(missing)
        cache.set_many({keys[pk]: column for pk, column in fresh.items()}, timeout=24 * 3600)
        columns |= fresh
    measure_ids = tuple(m.pk for m in measures)
    cells: dict[int, list[tuple[str, str]]] = {}
    for k, pk in enumerate(measure_ids):
        for site, cell in columns[pk].items():
            cells.setdefault(site, [NO_DATA] * len(measure_ids))[k] = cell
    standing = {
        site: (
            sum(status == "worsening" for status, _ in row),
            sum(assurance == "consistent_fail" for _, assurance in row),
            sum(status == "improving" for status, _ in row),
        )
        for site, row in cells.items()
    }
    return ComputedStatuses(
        measure_ids, {site: tuple(row) for site, row in cells.items()}, standing
    )


def _compute_columns(measures: list[Measure]) -> dict[int, Column]:
    summary = summarise_measures(
        _observations_frame(measures), measures, by=["measure_id", "organization_id"]
    )
    words = {}  # one string object per word: the pickle stores each once
    columns: dict[int, Column] = {m.pk: {} for m in measures}
    for row in summary.itertuples(index=False):
        status = words.setdefault(row.status, row.status)
        assurance = words.setdefault(row.assurance or "", row.assurance or "")
        # plain ints: NumPy scalars are slow to unpickle
        columns[int(row.measure_id)][int(row.organization_id)] = (status, assurance)
    return columns


def summarise_measures(frame: pd.DataFrame, measures: list[Measure], by: list[str]) -> pd.DataFrame:
    """Status and target assurance of every series in `frame` (columns measure_id, the other
    `by` columns, period_start, value, numerator, denominator), each measure on its default
    chart: one batch call per chart kind."""
    columns = [*by, "status", "assurance"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    groups: dict[tuple[str, bool], list[Measure]] = {}
    for measure in measures:
        key = (usable_kind(measure, measure.default_chart), measure.has_denominator)
        groups.setdefault(key, []).append(measure)
    parts = []
    for (kind, ratio), group in groups.items():
        part = frame[frame["measure_id"].isin([m.pk for m in group])]
        if ratio:
            part = part[part["denominator"].notna()]
        if part.empty:
            continue
        charts = spc.control_charts(  # orders the rows itself when they are not in order
            part,
            by=by,
            x="period_start",
            y="numerator" if ratio else "value",
            n="denominator" if ratio else None,
            kind=kind,
        )
        up = {m.pk: m.desired_direction == Measure.Direction.UP for m in group}
        goals = {m.pk: _chart_target(m) for m in group}
        ids = charts.series["measure_id"]
        summary = charts.summary(
            higher_is_better=ids.map(up).to_numpy(), target=ids.map(goals).to_numpy(float)
        )
        parts.append(summary[columns])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _observations_frame(measures: list[Measure]) -> pd.DataFrame:
    """All observations of these measures, read in one query straight into a frame (the batch
    engine orders each series itself)."""
    query = (
        Observation.objects.filter(measure_id__in=[m.pk for m in measures])
        .order_by()
        .values_list(
            "measure_id", "organization_id", "period_start", "value", "numerator", "denominator"
        )
    )
    return read_frame(query, OBSERVATION_COLUMNS)


OBSERVATION_COLUMNS = {
    "measure_id": "int64",
    "organization_id": "int64",
    "period_start": "date",
    "value": "float64",
    "numerator": "float64",
    "denominator": "float64",
}
