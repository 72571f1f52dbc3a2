"""Pareto charts: which few causes account for most of a problem.

    from melior.analysis import pareto
    p = pareto.pareto_chart(counts, labels=causes, vital=0.8)
    p.data, p.vital_few, p.summary(), p.chart()

Causes are sorted by count, largest first (ties by label, so the order is repeatable); each
bar's share is count / total and the line is the cumulative share. The "vital few" are the
causes needed to reach the `vital` share of the total (80% by default, Juran's rule of thumb):
every cause whose cumulative share *before* it is still below `vital`. Causes with a count of 0
are kept (they were looked for and not found) but are never vital.
"""

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class ParetoChart:
    data: pd.DataFrame  # one row per cause: label, count, share, cumulative_share, vital
    vital: float

    @property
    def total(self) -> int:
        return int(self.data["count"].sum())

    @property
    def vital_few(self) -> list[str]:
        return self.data.loc[self.data["vital"], "label"].tolist()

    def summary(self) -> dict:
        few = self.data[self.data["vital"]]
        return {
            "total": self.total,
            "n_causes": len(self.data),
            "n_vital": len(few),
            "vital_share": float(few["count"].sum() / self.total) if self.total else 0.0,
            "vital_threshold": self.vital,
        }

    def describe(self) -> str:
        s = self.summary()
        if not s["total"]:
            return "No tallies yet."
        return (
            f"{s['n_vital']} of {s['n_causes']} causes account for {s['vital_share']:.0%} of "
            f"{s['total']} tallied occurrences."
        )

    def chart(self, *, title: str = "", width: int = 560, height: int = 280) -> alt.LayerChart:
        """Sorted bars (the vital few darker) with the cumulative share as a line."""
        data = self.data.assign(group=np.where(self.data["vital"], "vital few", "useful many"))
        base = alt.Chart(data).encode(
            x=alt.X("label:N", sort=data["label"].tolist(), title=None,
                    axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        )  # fmt: skip
        bars = base.mark_bar().encode(
            y=alt.Y("count:Q", title="Count"),
            color=alt.Color("group:N", title=None,
                            scale=alt.Scale(domain=["vital few", "useful many"],
                                            range=["#2f5d8a", "#b8c7d9"])),
            tooltip=["label", "count", alt.Tooltip("share:Q", format=".0%")],
        )  # fmt: skip
        line = base.mark_line(point=True, color="#c25b12").encode(
            y=alt.Y("cumulative_share:Q", title="Cumulative share",
                    axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=["label", alt.Tooltip("cumulative_share:Q", format=".0%")],
        )  # fmt: skip
        rule = (
            alt.Chart(pd.DataFrame({"y": [self.vital]}))
            .mark_rule(strokeDash=[4, 4], color="#c25b12", opacity=0.6)
            .encode(y="y:Q")
        )
        chart = alt.layer(bars, alt.layer(line, rule)).resolve_scale(y="independent")
        return chart.properties(width=width, height=height, title=title)


def pareto_chart(counts, labels, *, vital: float = 0.8) -> ParetoChart:
    """counts and labels: one per cause (repeated labels are added together)."""
    if not 0 < vital <= 1:
        raise ValueError(f"vital must be a share between 0 and 1, not {vital}.")
    counts = np.asarray(counts, dtype=float)
    labels = [str(x) for x in labels]
    if counts.ndim != 1 or len(counts) != len(labels):
        raise ValueError("Give one label per count.")
    frame = pd.DataFrame({"label": labels, "count": counts})
    if frame["count"].isna().any():
        raise ValueError("Every count must be a number.")
    if (frame["count"] < 0).any():
        raise ValueError("Counts cannot be negative.")
    frame = frame.groupby("label", as_index=False, sort=False)["count"].sum()
    frame = frame.sort_values(["count", "label"], ascending=[False, True], ignore_index=True)
    total = frame["count"].sum()
    share = frame["count"] / total if total else frame["count"] * 0.0
    cumulative = share.cumsum()
    before = cumulative - share
    frame = frame.assign(
        share=share,
        cumulative_share=cumulative,
        vital=(before < vital - 1e-12) & (frame["count"] > 0),
    )
    return ParetoChart(data=frame, vital=vital)
