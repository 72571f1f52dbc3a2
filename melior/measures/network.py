"""Every site × measure of a network at once: the status table behind the network page.

The whole table is computed in one pass of the batch SPC engine per chart kind and cached under
the network's data version (a counter moved on by every write to its data), so a repeat view is
a cache read until someone enters or corrects data.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Sum
from django.utils.html import json_script

from melior.analysis import spc
from melior.networks.models import Network

from .charts import usable_kind
from .models import Measure, Observation
from .selectors import measures_for

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


def data_version(network_id: int) -> int:
    """The network's data version, read fresh: it moves on with every change to the network's
    measures, observations, annotations or chart settings (see receivers.py)."""
    return Network.objects.values_list("data_version", flat=True).get(pk=network_id)


def status_table(network: Network) -> StatusTable:
    """Status of every site × measure of the network (cached per data version)."""
    key = f"melior:status-table:{network.pk}:{data_version(network.pk)}"  # before the data
    measures = list(measures_for(network))
    computed = cache.get(key)
    if computed is None:
        computed = _compute_statuses(network, measures)
        cache.set(key, computed, timeout=24 * 3600)
    return StatusTable(measures, computed)


def _chart_target(measure: Measure) -> float:
    """The measure's target in the units the engine computes in (fractions, per unit)."""
    if measure.target is None:
        return np.nan
    return measure.target / measure.display_scale


def _compute_statuses(network: Network, measures: list[Measure]) -> ComputedStatuses:
    summary = summarise_measures(
        _observations_frame(network), measures, by=["measure_id", "organization_id"]
    )
    measure_ids = tuple(m.pk for m in measures)
    position = {pk: k for k, pk in enumerate(measure_ids)}
    words = {}  # one string object per word: the pickle stores each once
    cells: dict[int, list[tuple[str, str]]] = {}
    for row in summary.itertuples(index=False):
        site = int(row.organization_id)  # plain ints: NumPy scalars are slow to unpickle
        status = words.setdefault(row.status, row.status)
        assurance = words.setdefault(row.assurance or "", row.assurance or "")
        cells.setdefault(site, [NO_DATA] * len(measure_ids))[position[row.measure_id]] = (
            status,
            assurance,
        )
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
        columns=[
            "measure_id",
            "organization_id",
            "period_start",
            "value",
            "numerator",
            "denominator",
        ],
    )


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
    periods, with an allowance for over-dispersion between sites. Cached under the data version
    and the set of sites the user may see."""
    key = f"melior:network-measure:{measure.pk}:{data_version(measure.network_id)}:" + _sites_key(
        sites, window
    )
    view = cache.get(key)
    if view is None:
        view = _network_measure_view(measure, sites, window=window)
        cache.set(key, view, timeout=24 * 3600)
    return view


def _sites_key(sites: list, *extra) -> str:
    """A short key for a set of sites (the cached views differ by what a user may see)."""
    site_ids = tuple(sorted(site.pk for site in sites))
    return hashlib.sha1(repr((site_ids, *extra)).encode()).hexdigest()


def _network_measure_view(measure: Measure, sites: list, *, window: int) -> NetworkMeasureView:
    from melior.analysis import funnel

    from .charts import chart_units, draw, series_chart

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
    view = dict(
        chart_spec=spec,
        chart_script=json_script(spec, "network-chart-spec"),
        sentences=result.describe(higher),
        status=result.status(higher),
        funnel_script=None,
        funnel_window=x[-window:],
        funnel_outliers=[],
    )
    if not ratio:
        return NetworkMeasureView(**view, funnel_note="Funnel plots compare proportions and rates.")
    totals = list(
        observations.filter(period_start__in=x[-window:])
        .values("organization__name")
        .annotate(numerator=Sum("numerator"), denominator=Sum("denominator"))
        .order_by("organization__name")
    )
    if len(totals) < 2:
        return NetworkMeasureView(**view, funnel_note="A funnel plot needs at least two sites.")
    kind = "p" if measure.value_type == Measure.ValueType.PROPORTION else "u"
    try:
        plot = funnel.funnel_plot(
            [t["numerator"] for t in totals],
            [t["denominator"] for t in totals],
            labels=[t["organization__name"] for t in totals],
            kind=kind,
            overdispersion=True,
        )
    except ValueError as error:
        return NetworkMeasureView(**view, funnel_note=str(error))
    multiply, percent = chart_units(measure)
    size_title = f"{measure.denominator_definition or 'Number counted'} (log scale)"
    chart = plot.chart(percent=percent, width="container", unit_name="Site", size_title=size_title)
    view["funnel_script"] = json_script(chart.to_dict(validate=False), "funnel-spec")

    def rate(value: float) -> str:
        return f"{value * 100:.1f}%" if percent else f"{value * multiply:.3g}"

    view["funnel_outliers"] = [
        {"site": row["label"], "rate": rate(row["rate"]), "above": row["outside_99.8%"] > 0}
        for row in plot.outliers().to_dict("records")
    ]
    view["funnel_units"] = [
        {
            "site": row["label"],
            "rate": rate(row["rate"]),
            "size": f"{row['n']:,.0f}",
            "where": _funnel_place(row["outside_95%"], row["outside_99.8%"]),
        }
        for row in plot.data.sort_values("rate", ascending=False).to_dict("records")
    ]
    view["funnel_detail"] = (
        f"Over-dispersion factor φ = {plot.phi:.2f}; between-site variance τ² = {plot.tau2:.3g} "
        "(Spiegelhalter's additive random effect, with z-scores winsorised at 10%)."
    )
    return NetworkMeasureView(**view, funnel_note=plot.reading("site"))


def _funnel_place(outside_95: int, outside_998: int) -> str:
    """Where a site falls against the funnel, in words."""
    if outside_998:
        return "above the 99.8% limit" if outside_998 > 0 else "below the 99.8% limit"
    if outside_95:
        return "above the 95% limit" if outside_95 > 0 else "below the 95% limit"
    return "within the limits"


SORTS = {
    "status": "Latest signal",
    "name": "Name",
    "size": "Size (enrollment)",
    "improvement": "Improvement (last quarter against the first)",
}
STATUS_ORDER = {"worsening": 0, "improving": 1, "no change": 2, "no data": 3}
SCALES = {
    "own": "Each site's own scale (shapes)",
    "shared": "One scale for all sites (levels)",
}


@dataclass(frozen=True)
class Sparkline:
    """A site's chart drawn small, as SVG coordinates (viewBox 0 0 WIDTH HEIGHT)."""

    site: object
    status: str
    line: str  # polyline points of the data
    centre: str  # polyline points of the centre line
    lower: str
    upper: str
    signals: list[tuple[float, float]]  # dots for points with a sigma signal
    last_value: str
    change: float = float("nan")  # mean of the last quarter minus the first, in plotted units
    high_label: str = ""  # the values at the top and bottom of the drawing: its y axis
    low_label: str = ""
    first_period: object = None  # the first and last periods drawn: its x axis
    last_period: object = None


SPARK_WIDTH, SPARK_HEIGHT = 240, 70


def small_multiples(
    measure: Measure, sites: list, *, sort: str = "status", scale: str = "own"
) -> "Multiples":
    """One small chart per visible site, in the chosen order. The order comes from every
    site's status and change, computed in one batch call and cached under the data version and
    the set of sites; the charts themselves are drawn (and cached) only for the slice shown, so
    a page of them costs the same at 50 schools or 5,000. On the shared scale every chart spans
    the lowest to the highest value of all the sites, so levels compare; on its own scale each
    fills its height, so shapes compare."""
    version = data_version(measure.network_id)
    key = f"melior:multiples:{measure.pk}:{version}:{_sites_key(sites)}"
    cached = cache.get(key)
    if cached is None:
        cached = _site_standing(measure, [site.pk for site in sites])
        cache.set(key, cached, timeout=24 * 3600)
    standing, shared_range = cached

    def status(site) -> str:
        return standing.get(site.pk, ("no data", NAN))[0]

    def change(site) -> float:
        return standing.get(site.pk, ("no data", NAN))[1]

    ordered = list(sites)
    if sort == "name":
        ordered.sort(key=lambda site: site.name)
    elif sort == "size":
        ordered.sort(key=lambda site: -(site.enrolment or 0))
    elif sort == "improvement":  # biggest move in the better direction first; no data last
        better = 1 if measure.desired_direction == Measure.Direction.UP else -1
        ordered.sort(key=lambda site: (np.isnan(change(site)), -better * change(site)))
    else:
        ordered.sort(key=lambda site: (STATUS_ORDER[status(site)], site.name))
    return Multiples(measure, version, ordered, shared_range if scale == "shared" else None)


NAN = float("nan")


class Multiples(Sequence):
    """Sites in order, each drawn as a Sparkline when read; a slice is drawn in one batch."""

    def __init__(self, measure: Measure, version: int, sites: list, y_range=None):
        self.measure, self.version, self.sites = measure, version, sites
        self.y_range = y_range  # (low, high) shared by every chart, or None for their own

    def __len__(self) -> int:
        return len(self.sites)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._draw(self.sites[index])
        return self._draw([self.sites[index]])[0]

    def _draw(self, sites: list) -> list[Sparkline]:
        drawn = _sites_key(sites, self.y_range)
        key = f"melior:multiples-drawn:{self.measure.pk}:{self.version}:{drawn}"
        lines = cache.get(key)
        if lines is None:
            lines = _sparklines(self.measure, sites, self.y_range)
            cache.set(key, lines, timeout=24 * 3600)
        by_site = {line.site.pk: line for line in lines}
        return [by_site[site.pk] for site in sites]


def _site_charts(measure: Measure, site_ids: list[int]):
    """The batch SPC result of the measure at these sites on its default chart (None without
    data) and whether its values read as percentages."""
    from .charts import chart_units

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


def _statuses(measure: Measure, charts) -> dict[int, str]:
    higher = measure.desired_direction == Measure.Direction.UP
    summary = charts.summary(higher_is_better=higher)["status"]
    return {int(site): status for site, status in zip(charts.series["site"], summary, strict=True)}


def _site_standing(
    measure: Measure, site_ids: list[int]
) -> tuple[dict[int, tuple[str, float]], tuple[float, float] | None]:
    """(site id -> (latest status, change) for the sites with data: what the order needs;
    the lowest and highest value drawn at any of them: the shared scale)."""
    charts, _ = _site_charts(measure, site_ids)
    if charts is None:
        return {}, None
    status = _statuses(measure, charts)
    standing = {
        int(site_id): (status[site_id], _change(points["y"].to_numpy(float)))
        for site_id, points in charts.data.groupby("site", sort=False)
    }
    return standing, _value_range(charts.data)


def _value_range(points: pd.DataFrame) -> tuple[float, float] | None:
    values = points[["y", "lcl", "ucl"]].to_numpy(float).ravel()
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if len(values) else None


def _sparklines(measure: Measure, sites: list, y_range=None) -> list[Sparkline]:
    charts, percent = _site_charts(measure, [site.pk for site in sites])
    lines: list[Sparkline] = []
    if charts is not None:
        sites_by_id = {site.pk: site for site in sites}
        status = _statuses(measure, charts)
        for site_id, points in charts.data.groupby("site", sort=False):
            drawn = _sparkline(sites_by_id[site_id], status[site_id], points, percent, y_range)
            lines.append(drawn)
    drawn = {line.site.pk for line in lines}
    lines += [
        Sparkline(site, "no data", "", "", "", "", [], "—")
        for site in sites
        if site.pk not in drawn
    ]
    return lines


def _sparkline(site, status: str, points: pd.DataFrame, percent: bool, y_range=None) -> Sparkline:
    y = points["y"].to_numpy(float)
    low, high = y_range or _value_range(points) or (0.0, 1.0)
    span = (high - low) or 1.0
    xs = np.linspace(2, SPARK_WIDTH - 2, len(points)) if len(points) > 1 else np.array([2.0])

    def scale(v):
        return SPARK_HEIGHT - 3 - (v - low) / span * (SPARK_HEIGHT - 6)

    def polyline(v) -> str:
        keep = np.isfinite(v)
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs[keep], scale(v[keep]), strict=True))

    signal = points["sigma_signal"].to_numpy()
    last = y[np.isfinite(y)][-1] if np.isfinite(y).any() else np.nan
    return Sparkline(
        site=site,
        status=status,
        line=polyline(y),
        centre=polyline(points["cl"].to_numpy(float)),
        lower=polyline(points["lcl"].to_numpy(float)),
        upper=polyline(points["ucl"].to_numpy(float)),
        signals=[(float(a), float(b)) for a, b in zip(xs[signal], scale(y[signal]), strict=True)],
        last_value="—" if not np.isfinite(last) else _shown(last, percent),
        change=_change(y),
        high_label=_shown(high, percent),
        low_label=_shown(low, percent),
        first_period=points["x"].iloc[0],
        last_period=points["x"].iloc[-1],
    )


def _shown(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:.3g}"


def _change(y: np.ndarray) -> float:
    """How far the series moved: the mean of its last quarter minus the mean of its first."""
    y = y[np.isfinite(y)]
    if len(y) < 4:
        return float("nan")
    quarter = len(y) // 4
    return float(y[-quarter:].mean() - y[:quarter].mean())


def signal_onsets(measure: Measure, site_ids) -> dict[int, object]:
    """For each site: when its measure's most recent signal began (the first period of the
    unbroken stretch on that side of the centre line that ends at the signal), on the
    measure's default chart; sites without a signal are left out."""
    charts, _ = _site_charts(measure, list(site_ids))  # scaling to display units moves no signal
    if charts is None:
        return {}
    onsets = charts.signal_onsets()
    found = onsets[onsets["direction"] != 0]
    return dict(zip(found["site"], found["onset_x"], strict=True))
