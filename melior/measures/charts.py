"""The chart a site sees for one measure: the SPC engine applied to its observations."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from melior.analysis import spc

from .models import Annotation, ChartSetting, Measure, Observation

RUN_CHART = Measure.Chart.RUN


@dataclass(frozen=True)
class Sentence:
    text: str
    tone: str = ""  # "", "signal", "improving", "worsening"


@dataclass(frozen=True)
class SiteChart:
    title: str
    kind: str
    spec: dict | None = None
    sentences: list[Sentence] = field(default_factory=list)
    summary: pd.DataFrame | None = None


def split_positions(dates: list, split_dates: list[str]) -> list[int]:
    """1-based positions after which a new part starts, one per remembered change date
    (the first period on or after the date opens the new part)."""
    stamps = pd.to_datetime(pd.Series(dates)).to_numpy()
    positions = []
    for value in split_dates:
        k = int(np.searchsorted(stamps, np.datetime64(value), side="left"))
        if 2 <= k <= len(stamps) - 2 and k not in positions:
            positions.append(k)
    return sorted(positions)


def site_chart(
    measure: Measure,
    observations: list[Observation],
    annotations: list[Annotation],
    setting: ChartSetting | None,
) -> SiteChart:
    kind = (setting.chart if setting and setting.chart else "") or measure.default_chart
    title = Measure.Chart(kind).label
    if not observations:
        return SiteChart(title=title, kind=kind)
    x = [o.period_start for o in observations]
    part = split_positions(x, setting.split_dates) if setting else []
    freeze = setting.freeze_points if setting and setting.freeze_points else None
    if freeze is not None and (freeze >= len(x) or part):
        freeze = None
    notes = pd.DataFrame(
        {"x": [a.date for a in annotations], "text": [a.text for a in annotations]}
    )
    target = measure.target / measure.display_scale if measure.target is not None else None

    if measure.has_denominator:
        y = np.array([o.numerator for o in observations], dtype=float)
        n = np.array([o.denominator for o in observations], dtype=float)
    else:
        y = np.array([o.value for o in observations], dtype=float)
        n = None
    if kind == RUN_CHART:
        values = y / n if n is not None else y
        result = spc.run_chart(values, x=x)
    else:
        result = spc.control_chart(
            y, n=n, x=x, kind=kind, part=part or None, freeze=freeze, target=target
        )
    higher_is_better = measure.desired_direction == Measure.Direction.UP
    sentences = [Sentence(text, tone) for text, tone in result.describe(higher_is_better)]
    chart = result.chart(title=f"{measure.name}", annotations=notes)
    return SiteChart(
        title=title,
        kind=kind,
        spec=chart.to_dict(),
        sentences=sentences,
        summary=result.summary(),
    )
