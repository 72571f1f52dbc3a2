"""The chart a site sees for one measure: the SPC engine applied to its observations."""

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.cache import cache

from melior.analysis import spc

from .models import Annotation, ChartSetting, Measure, Observation


@dataclass(frozen=True)
class SiteChart:
    title: str
    kind: str
    spec: dict | None = None
    sentences: list[spc.Sentence] = field(default_factory=list)
    status: str = "no data"
    parts: list[str] = field(default_factory=list)  # remembered split dates in use
    freeze: int | None = None
    notes: list[str] = field(default_factory=list)  # why a remembered choice was not applied


def split_positions(dates: list, split_dates: list[str]) -> tuple[list[int], list[str]]:
    """1-based positions after which a new part starts, one per remembered change date: the
    first period on or after the date opens the new part. Dates too close to either end of the
    series (fewer than 2 points on a side) are skipped and reported."""
    stamps = pd.to_datetime(pd.Series(dates)).to_numpy()
    positions, skipped = [], []
    for value in split_dates:
        k = int(np.searchsorted(stamps, np.datetime64(value), side="left"))
        if 2 <= k <= len(stamps) - 2:
            if k not in positions:
                positions.append(k)
        else:
            skipped.append(value)
    return sorted(positions), skipped


def chart_units(measure: Measure) -> tuple[float, bool]:
    """(multiplier for the plotted values, whether the axis reads as a percentage)."""
    if measure.value_type == Measure.ValueType.PROPORTION:
        return 1.0, True
    if measure.value_type == Measure.ValueType.RATE:
        return float(measure.rate_multiplier), False
    return 1.0, False


def series_chart(
    measure: Measure, x: list, y: list, n: list | None = None, *, kind: str, part=None, freeze=None
) -> spc.ControlChart:
    """The SPC result for one series of a measure: periods x, values (or numerators) y and,
    for proportions and rates, denominators n."""
    multiply, percent = chart_units(measure)
    target = None
    if measure.target is not None:
        target = measure.target / 100 if percent else measure.target
    direction = "increase" if measure.desired_direction == Measure.Direction.UP else "decrease"
    options = dict(part=part, freeze=freeze, target=target, multiply=multiply, direction=direction)
    if kind == Measure.Chart.RUN:
        return spc.run_chart(y, x=x, n=n, **options)
    return spc.control_chart(y, n=n, x=x, kind=kind, **options)


def site_series(
    measure: Measure, observations: list[Observation]
) -> tuple[list, list, list | None]:
    """(periods, values or numerators, denominators) of a site's observations."""
    x = [o.period_start for o in observations]
    if measure.has_denominator:
        return x, [o.numerator for o in observations], [o.denominator for o in observations]
    return x, [o.value for o in observations], None


def draw(measure: Measure, result: spc.ControlChart, annotations=(), markers=()) -> dict:
    """The Vega-Lite spec of a result, in the measure's units, sized to its container.
    markers: what other apps mark on the chart (`markers.Marker`: date, text, url — a PDSA
    cycle's start, for one), drawn like notes and opening their url."""
    _, percent = chart_units(measure)
    notes = pd.DataFrame(
        {
            "x": [a.date for a in annotations] + [m.date for m in markers],
            "text": [a.text for a in annotations] + [m.text for m in markers],
            "href": [""] * len(annotations) + [m.url for m in markers],
        }
    )
    chart = result.chart(
        annotations=notes,
        y_title=measure.unit if measure.unit and measure.unit != "%" else None,
        percent=percent,
        width="container",
    )
    return chart.to_dict(validate=False)  # the spec's shape is validated in the analysis tests


def chart_kind(measure: Measure, setting: ChartSetting | None) -> str:
    kind = (setting.chart if setting and setting.chart else "") or measure.default_chart
    return usable_kind(measure, kind)


def chart_result(
    measure: Measure, observations: list[Observation], setting: ChartSetting | None
) -> tuple[spc.ControlChart, list[int], int | None, list[str]]:
    """The SPC result of a site's observations with its remembered choices applied, the parts
    and baseline actually used, and why any remembered choice could not apply."""
    x = [o.period_start for o in observations]
    notes = []
    part, skipped = split_positions(x, setting.split_dates if setting else [])
    notes += [
        f"The split at {d} is too close to the start or end of the data to use." for d in skipped
    ]
    freeze = setting.freeze_points if setting and setting.freeze_points else None
    if freeze is not None and part:
        notes.append("The frozen baseline is not used while the chart is split into parts.")
        freeze = None
    if freeze is not None and freeze > len(x):
        notes.append(f"There are fewer than {freeze} points, so no baseline is frozen yet.")
        freeze = None
    result = series_chart(
        measure,
        *site_series(measure, observations),
        kind=chart_kind(measure, setting),
        part=part or None,
        freeze=freeze,
    )
    return result, part, freeze, notes


def site_chart(
    measure: Measure,
    observations: list[Observation],
    annotations: list[Annotation],
    setting: ChartSetting | None,
    markers=(),
) -> SiteChart:
    kind = chart_kind(measure, setting)
    title = Measure.Chart(kind).label
    if not observations:
        return SiteChart(title=title, kind=kind)
    result, part, freeze, notes = chart_result(measure, observations, setting)
    higher_is_better = measure.desired_direction == Measure.Direction.UP
    return SiteChart(
        title=title,
        kind=kind,
        spec=draw(measure, result, annotations, markers),
        sentences=result.describe(higher_is_better),
        status=result.status(higher_is_better),
        parts=[str(observations[k].period_start) for k in part],
        freeze=freeze,
        notes=notes,
    )


def series_fingerprint(
    measure: Measure,
    observations: list[Observation],
    annotations: list[Annotation],
    setting: ChartSetting | None,
    markers=(),
) -> str:
    """A digest of everything a site's chart is drawn from: the measure's definition, the site's
    observations, notes and chart setting, and the markers (PDSA cycles). What is cached under it
    is drawn again only when that school's own series changes, not whenever any school enters a
    figure."""
    records = [_fields(measure), [_fields(o) for o in observations]]
    records += [[_fields(a) for a in annotations], setting and _fields(setting), list(markers)]
    return hashlib.sha1(repr(records).encode()).hexdigest()


def _fields(record) -> tuple:
    # the data version counts writes anywhere in the measure: not part of what is drawn
    return tuple(
        getattr(record, f.attname) for f in record._meta.concrete_fields if f.name != "data_version"
    )


def cached_site_chart(
    fingerprint: str,
    measure: Measure,
    observations: list[Observation],
    annotations: list[Annotation],
    setting: ChartSetting | None,
    markers=(),
) -> SiteChart:
    """site_chart, cached under the series' fingerprint (`series_fingerprint` of the same
    arguments)."""
    key = f"melior:site-chart:{fingerprint}"
    chart = cache.get(key)
    if chart is None:
        chart = site_chart(measure, observations, annotations, setting, markers)
        cache.set(key, chart, timeout=24 * 3600)
    return chart


def usable_kind(measure: Measure, kind: str) -> str:
    """Fall back to a chart the measure's data can feed (a P chart needs a denominator)."""
    ratio_kinds = {"p", "u", "p_prime", "u_prime"}
    if kind in ratio_kinds and not measure.has_denominator:
        return Measure.Chart.I
    if kind == "c" and measure.has_denominator:
        return Measure.Chart.U
    return kind
