"""Every site × measure of a network at once: the status table behind the network page.

The whole table is computed in one pass of the batch SPC engine per chart kind and cached under
the network's data version (count and latest change of its observations), so a repeat view is a
cache read until someone enters or corrects data.
"""

from dataclasses import dataclass

import pandas as pd
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max

from melior.analysis import spc
from melior.networks.models import Network

from .charts import usable_kind
from .models import Measure, Observation


@dataclass(frozen=True)
class StatusTable:
    measures: list[Measure]
    statuses: dict[tuple[int, int], str]  # (site id, measure id) -> status

    def row(self, site_id: int) -> list[tuple[Measure, str]]:
        return [(m, self.statuses.get((site_id, m.pk), "no data")) for m in self.measures]

    def counts(self, measure: Measure) -> dict[str, int]:
        out = {"improving": 0, "no change": 0, "worsening": 0, "no data": 0}
        for (_, measure_id), status in self.statuses.items():
            if measure_id == measure.pk:
                out[status] += 1
        return out


def data_version(network: Network) -> str:
    summary = Observation.objects.filter(measure__network=network).aggregate(
        count=Count("id"), latest=Max("updated_at")
    )
    latest = summary["latest"].isoformat() if summary["latest"] else "none"
    return f"{summary['count']}:{latest}"


def status_table(network: Network) -> StatusTable:
    """Status of every site × measure of the network (cached per data version)."""
    measures = list(network.measures.order_by("kind", "name"))
    key = f"melior:status-table:{network.pk}:{data_version(network)}"
    statuses = cache.get(key)
    if statuses is None:
        statuses = _compute_statuses(network, measures)
        cache.set(key, statuses, timeout=24 * 3600)
    return StatusTable(measures=measures, statuses=statuses)


def _compute_statuses(network: Network, measures: list[Measure]) -> dict[tuple[int, int], str]:
    frame = _observations_frame(network)
    statuses: dict[tuple[int, int], str] = {}
    if frame.empty:
        return statuses
    groups: dict[tuple[str, bool], list[Measure]] = {}
    for measure in measures:
        key = (usable_kind(measure, measure.default_chart), measure.has_denominator)
        groups.setdefault(key, []).append(measure)
    for (kind, ratio), group in groups.items():
        part = frame[frame["measure_id"].isin([m.pk for m in group])]
        if ratio:
            part = part[part["denominator"].notna()]
        if part.empty:
            continue
        charts = spc.control_charts(
            part,
            by=["measure_id", "organization_id"],
            x="period_start",
            y="numerator" if ratio else "value",
            n="denominator" if ratio else None,
            kind=kind,
        )
        up = {m.pk: m.desired_direction == Measure.Direction.UP for m in group}
        better = charts.series["measure_id"].map(up).to_numpy()
        summary = charts.summary(higher_is_better=better)
        statuses.update(
            zip(
                zip(summary["organization_id"], summary["measure_id"], strict=True),
                summary["status"],
                strict=True,
            )
        )
    return statuses


def _observations_frame(network: Network) -> pd.DataFrame:
    """All observations of the network's measures, read in one query straight into a frame."""
    query = (
        Observation.objects.filter(measure__network=network)
        .order_by("measure_id", "organization_id", "period_start")
        .values_list(
            "measure_id", "organization_id", "period_start", "value", "numerator", "denominator"
        )
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame(
        rows,
        columns=["measure_id", "organization_id", "period_start", "value", "numerator",
                 "denominator"],
    )  # fmt: skip
