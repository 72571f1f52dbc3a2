"""A measure at many sites in one batch call of the SPC engine, each site on the measure's
default chart: their statuses and when their latest signals began."""

import pandas as pd

from melior.analysis import spc

from ..charts import usable_kind
from ..models import Measure, Observation


def site_charts(measure: Measure, site_ids: list[int]):
    """The batch SPC result of the measure at these sites on its default chart (None without
    data) and whether its values read as percentages."""
    from ..charts import chart_units

    rows = list(
        Observation.objects.filter(measure=measure, organization_id__in=site_ids)
        .order_by("organization_id", "period_start")
        .values_list("organization_id", "period_start", "value", "numerator", "denominator")
    )
    multiply, percent = chart_units(measure)
    if not rows:
        return None, percent
    frame = pd.DataFrame(rows, columns=["site", "period", "value", "numerator", "denominator"])
    ratio = measure.has_denominator
    if ratio:
        frame = frame[frame["denominator"].notna()]
    charts = spc.control_charts(
        frame,
        by="site",
        x="period",
        y="numerator" if ratio else "value",
        n="denominator" if ratio else None,
        kind=usable_kind(measure, measure.default_chart),
        multiply=multiply,
    )
    return charts, percent


def site_statuses(measure: Measure, charts) -> dict[int, str]:
    higher = measure.desired_direction == Measure.Direction.UP
    summary = charts.summary(higher_is_better=higher)["status"]
    return {int(site): status for site, status in zip(charts.series["site"], summary, strict=True)}


def signal_onsets(measure: Measure, site_ids) -> dict[int, object]:
    """For each site: when its measure's most recent signal began (the first period of the
    unbroken stretch on that side of the centre line that ends at the signal), on the
    measure's default chart; sites without a signal are left out."""
    charts, _ = site_charts(measure, list(site_ids))  # scaling to display units moves no signal
    if charts is None:
        return {}
    onsets = charts.signal_onsets()
    found = onsets[onsets["direction"] != 0]
    return dict(zip(found["site"], found["onset_x"], strict=True))
