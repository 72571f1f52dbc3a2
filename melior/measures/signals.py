"""The latest signal of many measures at once, for badges on the theory and network pages."""

import pandas as pd
from django.db.models import Avg, Sum

from melior.analysis import spc
from melior.networks.models import Organization

from .charts import usable_kind
from .models import Measure, Observation


def latest_signals(measures, organization: Organization | None = None) -> dict[int, str]:
    """measure id → "improving" | "no change" | "worsening" | "no data", from each measure's
    default chart: at one site, or for the network as a whole (pooled numerators and
    denominators per period; the mean value for single-value measures)."""
    measures = list(measures)
    status = {m.pk: "no data" for m in measures}
    rows = []
    observations = Observation.objects.filter(measure__in=measures)
    if organization is not None:
        rows = list(
            observations.filter(organization=organization).values(
                "measure_id", "period_start", "value", "numerator", "denominator"
            )
        )
    else:
        rows = list(
            observations.values("measure_id", "period_start").annotate(
                value=Avg("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
            )
        )
    if not rows:
        return status
    frame = pd.DataFrame(rows)
    groups: dict[tuple[str, bool], list[Measure]] = {}
    for measure in measures:
        key = (usable_kind(measure, measure.default_chart), measure.has_denominator)
        groups.setdefault(key, []).append(measure)
    for (kind, ratio), group in groups.items():
        ids = [m.pk for m in group]
        part = frame[frame["measure_id"].isin(ids)].sort_values(["measure_id", "period_start"])
        if part.empty:
            continue
        charts = spc.control_charts(
            part, by="measure_id", x="period_start", y="numerator" if ratio else "value",
            n="denominator" if ratio else None, kind=kind,
        )  # fmt: skip
        up = {m.pk: m.desired_direction == Measure.Direction.UP for m in group}
        better = charts.series["measure_id"].map(up).to_numpy()
        summary = charts.summary(higher_is_better=better)
        status.update(dict(zip(summary["measure_id"], summary["status"], strict=True)))
    return status
