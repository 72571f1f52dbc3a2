"""The network's spread chart: how many sites are at each stage with an idea, month by month."""

import altair as alt
import pandas as pd

from .spread import ORDER

LABELS = {
    "not_started": "not started",
    "testing": "testing",
    "implementing": "implementing",
    "spreading": "spreading",
    "sustaining": "sustaining",
}
COLOURS = ["#d5dbe3", "#f0c77a", "#8fc3a1", "#3d9a62", "#1f5f3a"]


def spread_chart(timeline) -> dict | None:
    rows = [
        {
            "month": month.isoformat(),
            "stage": LABELS[stage],
            "order": ORDER.index(stage),
            "sites": count,
        }
        for month, counts in timeline
        for stage, count in counts.items()
    ]
    if not rows:
        return None
    chart = (
        alt.Chart(pd.DataFrame(rows))
        .mark_area()
        .encode(
            x=alt.X("month:T", title=None),
            y=alt.Y("sites:Q", stack="zero", title="Sites"),
            color=alt.Color(
                "stage:N",
                sort=[LABELS[s] for s in ORDER],
                title="Stage",
                scale=alt.Scale(domain=[LABELS[s] for s in ORDER], range=COLOURS),
            ),
            order=alt.Order("order:Q"),
            tooltip=["stage", alt.Tooltip("month:T", format="%b %Y"), "sites"],
        )
        .properties(width="container", height=240)
    )
    return chart.to_dict()
