"""Prediction calibration: how often a team's PDSA predictions held, overall and over time.

    from melior.analysis import calibration
    c = calibration.prediction_calibration(df, by="team", date="date", held="held", period="Q")
    c.data, c.summary(), c.describe(), c.chart()

Each prediction scores 1 when it held, ½ when it partly held and 0 when it did not. A group's
calibration is the mean score with a Wilson 95% interval (on the scored count). A team that is
almost always right (≥ 90% over at least `min_n` predictions) may be predicting what it already
knows — bold predictions are how a theory is tested; one that is mostly wrong (≤ 30%) has a
theory that needs work; in between, predictions are teaching the team something.
"""

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

SCORE = {"yes": 1.0, "partly": 0.5, "no": 0.0}
Z = 1.959964


@dataclass(frozen=True, eq=False)
class Calibration:
    data: pd.DataFrame  # one row per group and period: group, period, n, held_share
    overall: pd.DataFrame  # one row per group: group, n, held_share, low, high, verdict
    min_n: int

    def summary(self) -> pd.DataFrame:
        return self.overall

    def describe(self) -> list[str]:
        return [
            f"{row.group}: {row.held_share:.0%} of {row.n} predictions held — {row.verdict}."
            for row in self.overall.itertuples()
        ]

    def chart(self, *, width="container", height=220) -> alt.Chart:
        """Share of predictions that held per period, one line per group, with the 30% and 90%
        marks."""
        lines = (
            alt.Chart(self.data)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:T", title=None),
                y=alt.Y(
                    "held_share:Q",
                    title="Predictions that held",
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                color=alt.Color("group:N", title=None),
                tooltip=[
                    "group",
                    alt.Tooltip("period:T", format="%b %Y"),
                    "n",
                    alt.Tooltip("held_share:Q", format=".0%"),
                ],
            )
        )
        bands = (
            alt.Chart(pd.DataFrame({"y": [0.3, 0.9]}))
            .mark_rule(strokeDash=[4, 4], color="#8a96a6")
            .encode(y="y:Q")
        )
        return alt.layer(bands, lines).properties(width=width, height=height)


def verdict(share: float, n: int, min_n: int) -> str:
    if n < min_n:
        return "too few predictions to tell"
    if share >= 0.9:
        return "almost always right: are the predictions bold enough to learn from?"
    if share <= 0.3:
        return "mostly wrong: the theory behind these tests needs another look"
    return "learning: predictions hold some of the time"


def wilson(score: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(n, dtype=float)
    p = np.divide(score, n, out=np.zeros_like(n), where=n > 0)
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def prediction_calibration(
    frame: pd.DataFrame,
    *,
    by: str = "group",
    date: str = "date",
    held: str = "held",
    period: str = "Q",
    min_n: int = 5,
) -> Calibration:
    """frame: one row per prediction with a group, the date it was studied and whether it
    held ("yes" / "partly" / "no"); `period` is a pandas period alias ("Q", "M"). Rows with
    another `held` value are left out."""
    missing = {by, date, held} - set(frame.columns)
    if missing:
        raise ValueError(f"Missing column(s): {', '.join(sorted(missing))}.")
    d = frame[frame[held].isin(SCORE)].copy()
    d["score"] = d[held].map(SCORE)
    d["period"] = pd.to_datetime(d[date]).dt.to_period(period).dt.start_time
    d = d.rename(columns={by: "group"})
    data = (
        d.groupby(["group", "period"], as_index=False)
        .agg(n=("score", "size"), score=("score", "sum"))
        .assign(held_share=lambda t: t["score"] / t["n"])
        .drop(columns="score")
    )
    totals = d.groupby("group", as_index=False).agg(n=("score", "size"), score=("score", "sum"))
    low, high = wilson(totals["score"].to_numpy(), totals["n"].to_numpy())
    overall = totals.assign(held_share=totals["score"] / totals["n"], low=low, high=high)
    overall["verdict"] = [
        verdict(s, n, min_n) for s, n in zip(overall["held_share"], overall["n"], strict=True)
    ]
    overall = overall.drop(columns="score").sort_values("group", ignore_index=True)
    return Calibration(data=data, overall=overall, min_n=min_n)
