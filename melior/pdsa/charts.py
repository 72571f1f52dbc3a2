"""Ramps as a chart: each school's cycles on one change idea over time, climbing in scale, the
decision of each cycle marked."""

import altair as alt
import pandas as pd
from django.urls import reverse

from .models import Scale

DECISION_COLOURS = {
    "adopt": "#1a7f37",
    "adapt": "#b26a00",
    "abandon": "#c62828",
    "in progress": "#8a96a6",
}


def ramp_chart(ramps) -> dict:
    rows = []
    for project, cycles in ramps:
        first = _first_cycles(cycles)
        for cycle in cycles:
            start = cycle.started_on or cycle.planned_start
            if start is None or cycle.scale is None:
                continue
            rows.append(
                {
                    "school": project.site.name,
                    "ramp": first[cycle.pk],
                    "start": start.isoformat(),
                    "scale": int(cycle.scale),
                    "scale_label": Scale(cycle.scale).label,
                    "decision": cycle.decision or "in progress",
                    "title": cycle.title,
                    "status": cycle.get_status_display(),
                    "url": reverse(
                        "pdsa-detail", kwargs={"network": cycle.network.slug, "pk": cycle.pk}
                    ),
                }
            )
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(
        x=alt.X("start:T", title=None),
        y=alt.Y(
            "scale:Q",
            title="Scale of the test",
            scale=alt.Scale(domain=[1, 6]),
            axis=alt.Axis(values=list(Scale.values), labelExpr=_label_expr()),
        ),
        detail="ramp:N",
    )
    lines = base.mark_line(interpolate="step-after", opacity=0.5, color="#6b7785")
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "decision:N",
            title="Decision",
            scale=alt.Scale(domain=list(DECISION_COLOURS), range=list(DECISION_COLOURS.values())),
        ),
        href="url:N",
        tooltip=[
            "school",
            "title",
            "scale_label",
            "status",
            "decision",
            alt.Tooltip("start:T", format="%b %-d, %Y"),
        ],
    )
    return alt.layer(lines, points).properties(width="container", height=260).to_dict()


def _first_cycles(cycles) -> dict[int, int]:
    """cycle id -> the id of the first cycle of its ramp (among these cycles)."""
    by_pk = {c.pk: c for c in cycles}
    first = {}
    for cycle in cycles:
        current, seen = cycle, {cycle.pk}
        while current.previous_id in by_pk and current.previous_id not in seen:
            current = by_pk[current.previous_id]
            seen.add(current.pk)
        first[cycle.pk] = current.pk
    return first


def _label_expr() -> str:
    cases = " : ".join(f"datum.value == {v} ? '{Scale(v).label}'" for v in Scale.values)
    return f"{cases} : ''"
