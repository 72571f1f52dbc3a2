"""Status and target assurance of many series at once with the batch SPC engine: one pass per
chart kind, each measure on its default chart."""

import operator
from functools import reduce

import numpy as np
import pandas as pd
from django.db.models import Q

from melior.analysis import spc
from melior.bulk import read_frame

from ..charts import usable_kind
from ..models import Measure, Observation

Column = dict[int, tuple[str, str]]  # site id -> (status, assurance) of one measure


def compute_columns(
    measures: list[Measure], sites: dict[int, list[int]] | None = None
) -> dict[int, Column]:
    """Each measure's column from its observations: every site's, or with `sites` (measure id
    -> site ids) those sites' alone. A site without data has no cell."""
    summary = summarise_measures(
        observations_frame(measures, sites), measures, by=["measure_id", "organization_id"]
    )
    words = {}  # one string object per word: the pickle stores each once
    columns: dict[int, Column] = {m.pk: {} for m in measures}
    for row in summary.itertuples(index=False):
        status = words.setdefault(row.status, row.status)
        assurance = words.setdefault(row.assurance or "", row.assurance or "")
        # plain ints: NumPy scalars are slow to unpickle
        columns[int(row.measure_id)][int(row.organization_id)] = (status, assurance)
    return columns


def _chart_target(measure: Measure) -> float:
    """The measure's target in the units the engine computes in (fractions, per unit)."""
    if measure.target is None:
        return np.nan
    return measure.target / measure.display_scale


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


def observations_frame(
    measures: list[Measure], sites: dict[int, list[int]] | None = None
) -> pd.DataFrame:
    """The observations of these measures (of some sites only, given `sites`), read in one
    query straight into a frame (the batch engine orders each series itself)."""
    if sites is None:
        which = Q(measure_id__in=[m.pk for m in measures])
    else:
        which = reduce(
            operator.or_,
            (Q(measure_id=pk, organization_id__in=ids) for pk, ids in sites.items()),
            Q(pk__in=[]),
        )
    query = (
        Observation.objects.filter(which)
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
