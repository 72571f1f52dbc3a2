"""A measure for the network as a whole: the chart of pooled numerators and denominators per
period (or the mean value), with a funnel plot of the sites beside it (`funnel`)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Avg, Sum
from django.utils.html import json_script

from ..charts import usable_kind
from ..models import Measure, Observation
from .funnel import site_funnel
from .keys import SHAPE, sites_key


@dataclass(frozen=True)
class NetworkMeasureView:
    """A measure across the sites a user may see: the pooled chart and a funnel plot."""

    chart_script: str | None  # the Vega-Lite spec as a <script type="application/json">
    sentences: list
    status: str
    funnel_script: str | None
    funnel_window: list  # the periods the funnel plot pools
    funnel_outliers: list[dict]  # sites outside the 99.8% limits
    funnel_note: str = ""
    funnel_units: list = ()  # every site on the funnel: name, rate, size, where it falls
    funnel_detail: str = ""  # the over-dispersion figures, for those who want them
    chart_spec: dict | None = None  # the pooled chart's spec itself, for exports


def network_measure_view(measure: Measure, sites: list, *, window: int = 12) -> NetworkMeasureView:
    """The network aggregate chart (pooled numerators and denominators per period, or the mean
    value) and, for proportions and rates, a funnel plot of the sites over the latest `window`
    periods, with an allowance for over-dispersion between sites. Cached under the measure's
    data version (read with it, before the data) and the set of sites the user may see."""
    version = measure.data_version
    key = f"melior:network-measure:{SHAPE}:{measure.pk}:{version}:{sites_key(sites, window)}"
    view = cache.get(key)
    if view is None:
        view = _network_measure_view(measure, sites, window=window)
        cache.set(key, view, timeout=24 * 3600)
    return view


def _network_measure_view(measure: Measure, sites: list, *, window: int) -> NetworkMeasureView:
    from ..charts import draw, series_chart

    observations = Observation.objects.filter(
        measure=measure, organization_id__in=[site.pk for site in sites]
    )
    per_period = list(
        observations.values("period_start")
        .annotate(value=Avg("value"), numerator=Sum("numerator"), denominator=Sum("denominator"))
        .order_by("period_start")
    )
    if not per_period:
        return NetworkMeasureView(None, [], "no data", None, [], [])
    x = [row["period_start"] for row in per_period]
    ratio = measure.has_denominator
    y = [row["numerator" if ratio else "value"] for row in per_period]
    n = [row["denominator"] for row in per_period] if ratio else None
    kind = usable_kind(measure, measure.default_chart)
    # Pooled over many sites the denominators are huge and P/U limits shrink to nothing;
    # Laney's P′/U′ allow for the real week-to-week variation (Laney 2002).
    kind = {"p": "p_prime", "u": "u_prime"}.get(kind, kind)
    result = series_chart(measure, x, y, n, kind=kind)
    higher = measure.desired_direction == Measure.Direction.UP
    spec = draw(measure, result)
    chart = dict(
        chart_spec=spec,
        chart_script=json_script(spec, "network-chart-spec"),
        sentences=result.describe(higher),
        status=result.status(higher),
        funnel_script=None,
        funnel_window=x[-window:],
        funnel_outliers=[],
    )
    return NetworkMeasureView(**(chart | site_funnel(measure, observations, x[-window:])))
