"""Small multiples: one small chart per site a user may see, in the order they choose, on each
site's own scale or on one scale shared by all."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.cache import cache

from ..models import Measure
from .keys import SHAPE, sites_key
from .site_charts import site_charts, site_statuses

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
    site's status and change, computed in one batch call and cached under the measure's data
    version and the set of sites; the charts themselves are drawn (and cached) only for the
    slice shown, so a page of them costs the same at 50 schools or 5,000. On the shared scale
    every chart spans the lowest to the highest value of all the sites, so levels compare; on
    its own scale each fills its height, so shapes compare."""
    version = measure.data_version  # read with the measure, before the data
    key = f"melior:multiples:{measure.pk}:{version}:{sites_key(sites)}"
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
        drawn = sites_key(sites, self.y_range)
        key = f"melior:multiples-drawn:{SHAPE}:{self.measure.pk}:{self.version}:{drawn}"
        lines = cache.get(key)
        if lines is None:
            lines = _sparklines(self.measure, sites, self.y_range)
            cache.set(key, lines, timeout=24 * 3600)
        by_site = {line.site.pk: line for line in lines}
        return [by_site[site.pk] for site in sites]


def _site_standing(
    measure: Measure, site_ids: list[int]
) -> tuple[dict[int, tuple[str, float]], tuple[float, float] | None]:
    """(site id -> (latest status, change) for the sites with data: what the order needs;
    the lowest and highest value drawn at any of them: the shared scale)."""
    charts, _ = site_charts(measure, site_ids)
    if charts is None:
        return {}, None
    status = site_statuses(measure, charts)
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
    charts, percent = site_charts(measure, [site.pk for site in sites])
    lines: list[Sparkline] = []
    if charts is not None:
        sites_by_id = {site.pk: site for site in sites}
        status = site_statuses(measure, charts)
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
