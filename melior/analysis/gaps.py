"""Equity over time: an outcome's mean per subgroup and period, and the gap between two groups
charted as an individuals (XmR) chart, with small cells suppressed.

    from melior.analysis import gaps
    g = gaps.subgroup_gaps(records, a="Yes", b="No", min_n=10)   # records: unit, student, date,
    g.cells, g.pooled, g.data, g.signals, g.readings               # group, value (one row each)
    g.summary("Lincoln High"), g.chart("Lincoln High"), g.means_chart()

1. **Periods**: each record's date falls in a month (the first of the month) or a week (its
   Monday). A student counts once in a unit's period: their value is the mean of their records
   in it, their group the one on their latest record in it (a student who leaves a group
   mid-month counts in the group they ended the month in).
2. **Cells**: per unit × period × group, the number of students and their mean (a proportion
   when the values are 0 and 1); per unit × period, the same for all students.
3. **Suppression**: each period's table of units × groups (its cells, each unit's total and each
   group's total over the units) goes through `suppression.suppress`, so a small cell is hidden
   and so are enough others that none can be worked out from the cells, totals and other
   periods' figures shown. A gap is shown only where both its groups are.
   `b=REST` compares a group with every other student of the unit: its count is the unit's total
   less the group's, shown only where both are (and never from fewer than min_n students).
4. **The gap chart**: mean(a) − mean(b) per unit and period, charted per unit with the SPC batch
   engine (`spc.control_charts`, an I chart: centre line the mean gap, limits ± 3·MR̄/1.128, i.e.
   ± 2.66·MR̄, with the screened moving range and the Anhøj runs rules as the engine applies them).
   A hidden period is a missing point: it breaks the moving ranges around it and no run.
5. **The reading** per unit: "too few periods" with fewer than `MIN_PERIODS` gaps shown;
   otherwise the engine's current signal (one that reaches the latest points) read against the
   sign of the centre line: a gap moving towards zero is "narrowing by signal", away from it
   "widening by signal"; no current signal is "no signal (noise)".
"""

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from . import spc
from .suppression import LABEL, suppress

REST = "All other students"
ALL = "All students"  # the pooled row of every student of a period
MIN_PERIODS = 8  # fewer shown gaps than this give no reading: the runs rules need a series
PERIODS = ("month", "week")
NARROWING = "narrowing by signal"
WIDENING = "widening by signal"
NOISE = "no signal (noise)"
TOO_FEW = "too few periods"
READINGS = (NARROWING, WIDENING, NOISE, TOO_FEW)
COLUMNS = ("unit", "student", "date", "group", "value")


def period_of(dates, period: str = "month") -> pd.Series:
    """The start of each date's period: the first of its month, or the Monday of its week."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}.")
    days = pd.to_datetime(pd.Series(dates)).to_numpy().astype("datetime64[D]")
    if period == "month":
        return pd.Series(days.astype("datetime64[M]").astype("datetime64[ns]"))
    # 1970-01-01 was a Thursday: days since it, shifted by 3, count weeks from a Monday
    monday = days - ((days.astype("int64") + 3) % 7).astype("timedelta64[D]")
    return pd.Series(monday.astype("datetime64[ns]"))


def subgroup_gaps(
    records: pd.DataFrame,
    *,
    a,
    b=REST,
    min_n: int = 10,
    period: str = "month",
    groups=None,
) -> "SubgroupGaps":
    """records: one row per record with columns unit, student, date, group, value (unit may be
    one constant for a single school). a, b: the groups compared (b may be REST). groups: every
    group of the table, in order (default: those in the records); a and b must be among them."""
    missing = [c for c in COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"Columns not found in the records: {', '.join(missing)}.")
    groups = list(pd.unique(records["group"].dropna())) if groups is None else list(groups)
    _check_choice(groups, a, b, min_n)
    return gaps_from_counts(
        count_students(records, period=period, groups=groups),
        a=a,
        b=b,
        min_n=min_n,
        period=period,
        groups=groups,
    )


COUNT_COLUMNS = ("unit", "period", "group", "n", "total")


def count_students(records: pd.DataFrame, *, period: str = "month", groups) -> pd.DataFrame:
    """Step 1 and 2 without suppression: one row per unit × period × group that has students,
    with n (students) and total (the sum of their means). Every figure the gaps publish is a
    sum of these, so they can be kept between imports and the gaps computed from them alone."""
    frame = records.loc[:, list(COLUMNS)].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype(float)
    frame = frame[frame["value"].notna() & frame["date"].notna()]
    frame["period"] = period_of(frame["date"].to_numpy(), period).to_numpy()
    frame = frame.sort_values("date", kind="stable")  # a group's "last" is then its latest
    per_student = frame.groupby(["unit", "period", "student"], sort=True).agg(
        value=("value", "mean"), group=("group", "last")
    )
    per_student = per_student.reset_index()
    outside = ~per_student["group"].isin(list(groups))
    if outside.any():
        raise ValueError(f"Group {per_student['group'][outside].iloc[0]!r} is not in the groups.")
    counted = per_student.groupby(["unit", "period", "group"], sort=True)["value"].agg(
        ["size", "sum"]
    )
    counted = counted.rename(columns={"size": "n", "sum": "total"}).reset_index()
    return counted[list(COUNT_COLUMNS)]


def gaps_from_counts(
    counts: pd.DataFrame, *, a, b=REST, min_n: int = 10, period: str = "month", groups
) -> "SubgroupGaps":
    """The published figures and gap charts from count_students' counts (of the units to
    publish: suppression runs over exactly these)."""
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"Columns not found in the counts: {', '.join(missing)}.")
    groups = list(groups)
    _check_choice(groups, a, b, min_n)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}.")
    outside = ~counts["group"].isin(groups)
    if outside.any():
        raise ValueError(f"Group {counts['group'][outside].iloc[0]!r} is not in the groups.")
    return _build(counts, groups=groups, a=a, b=b, min_n=min_n, period=period)


def _check_choice(groups, a, b, min_n) -> None:
    if not 1 <= min_n <= 1000:
        raise ValueError(f"min_n must be a positive number of students, not {min_n}.")
    for name, chosen in (("a", a), ("b", b)):
        if chosen not in groups and not (name == "b" and chosen == REST):
            raise ValueError(f"Group {chosen!r} is not one of: {', '.join(map(str, groups))}.")
    if a == b:
        raise ValueError("Choose two different groups to compare.")


def _build(counts, *, groups, a, b, min_n, period) -> "SubgroupGaps":
    keys = ["unit", "period", "group"]
    units = pd.unique(counts["unit"])
    periods = np.sort(pd.unique(counts["period"]))
    full = pd.MultiIndex.from_product([units, periods, groups], names=keys)
    cells = _stats(counts, keys).reindex(full)
    cells["n"] = cells["n"].fillna(0).astype(int)
    hidden, row_hidden, column_hidden = _suppress_periods(
        cells["n"].to_numpy().reshape(len(units), len(periods), len(groups)), min_n
    )
    cells["hidden"] = hidden.reshape(-1)
    totals = _stats(counts, keys[:2])
    totals = totals.reindex(pd.MultiIndex.from_product([units, periods], names=keys[:2]))
    totals["n"] = totals["n"].fillna(0).astype(int)
    totals["hidden"] = row_hidden.reshape(-1)
    pooled = _pooled(counts, totals, column_hidden, periods, groups, min_n)
    second = _rest(counts, cells, totals, a, min_n) if b == REST else cells.xs(b, level="group")
    first = cells.xs(a, level="group")
    gap = pd.DataFrame(
        {
            "n_a": first["n"],
            "mean_a": first["mean"],
            "n_b": second["n"],
            "mean_b": second["mean"],
        }
    )
    gap["hidden"] = first["hidden"].to_numpy() | second["hidden"].to_numpy()
    empty = (gap["n_a"] == 0) | (gap["n_b"] == 0)
    gap["gap"] = (gap["mean_a"] - gap["mean_b"]).where(~gap["hidden"] & ~empty)
    for column in ("n_a", "mean_a", "n_b", "mean_b"):
        gap[column] = gap[column].where(~gap["hidden"])
    return SubgroupGaps(
        a=a,
        b=b,
        min_n=min_n,
        period=period,
        groups=tuple(groups),
        cells=_masked(cells).reset_index(),
        totals=_masked(totals).reset_index(),
        pooled=pooled,
        gaps=gap.reset_index(),
    )


def _stats(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """n and mean per key, summed from the counts (the mean of the students' means)."""
    sums = counts.groupby(keys, sort=True)[["n", "total"]].sum()
    return pd.DataFrame({"n": sums["n"], "mean": sums["total"] / sums["n"]})


def _masked(frame: pd.DataFrame) -> pd.DataFrame:
    """n and mean as published: missing where the figure is hidden (and the mean where n is 0)."""
    out = frame.copy()
    out["mean"] = out["mean"].where(~out["hidden"] & (out["n"] > 0))
    out["n"] = out["n"].astype(float).where(~out["hidden"])
    return out


def _suppress_periods(counts: np.ndarray, min_n: int):
    """suppress() on each period's table of units × groups (counts: units × periods × groups):
    (cell hidden, unit total hidden, group total hidden per period × group)."""
    hidden = np.zeros(counts.shape, dtype=bool)
    row_hidden = np.zeros(counts.shape[:2], dtype=bool)
    column_hidden = np.zeros(counts.shape[1:], dtype=bool)

    def small(values):
        return ((values > 0) & (values < min_n)).any()

    for p in range(counts.shape[1]):
        table = counts[:, p, :]
        if not (small(table) or small(table.sum(axis=1)) or small(table.sum(axis=0))):
            continue  # nothing small, so nothing to hide: suppress() would hide nothing
        s = suppress(pd.DataFrame(table), min_n=min_n)
        hidden[:, p, :] = s.hidden.to_numpy()
        row_hidden[:, p] = s.row_total_hidden.to_numpy()
        column_hidden[p] = s.column_total_hidden.to_numpy()
    return hidden, row_hidden, column_hidden


def _pooled(counts, totals, column_hidden, periods, groups, min_n) -> pd.DataFrame:
    """Per period × group over the units whose total is shown (the table's column totals), and
    "All students" per period over the same units."""
    reported = totals.index[~totals["hidden"].to_numpy()]
    rows = counts.set_index(["unit", "period"])
    rows = rows[rows.index.isin(reported)].reset_index()
    full = pd.MultiIndex.from_product([periods, groups], names=["period", "group"])
    pooled = _stats(rows, ["period", "group"]).reindex(full)
    pooled["n"] = pooled["n"].fillna(0).astype(int)
    pooled["hidden"] = column_hidden.reshape(-1)
    everyone = _stats(rows, ["period"]).reindex(pd.Index(periods, name="period"))
    everyone["n"] = everyone["n"].fillna(0).astype(int)
    # the sum of the units' totals shown: it adds nothing, and gives no hidden group total back
    everyone["hidden"] = ((everyone["n"] > 0) & (everyone["n"] < min_n)).to_numpy()
    everyone = everyone.reset_index().assign(group=ALL)
    out = pd.concat([_masked(pooled).reset_index(), _masked(everyone)], ignore_index=True)
    return out[["period", "group", "n", "mean", "hidden"]]


def _rest(counts, cells, totals, a, min_n) -> pd.DataFrame:
    """Every student of a unit's period outside group a. Its count is the unit's total less
    a's, so it is shown only where both are, and never from 1 to min_n − 1 students."""
    others = counts[counts["group"] != a]
    index = totals.index
    rest = _stats(others, ["unit", "period"]).reindex(index)
    rest["n"] = rest["n"].fillna(0).astype(int)
    a_hidden = cells.xs(a, level="group")["hidden"].to_numpy()
    small = ((rest["n"] > 0) & (rest["n"] < min_n)).to_numpy()
    rest["hidden"] = a_hidden | totals["hidden"].to_numpy() | small
    return rest


@dataclass(frozen=True, eq=False)
class SubgroupGaps:
    """The figures as published (hidden ones missing, marked `hidden`) and the gap charts."""

    a: object
    b: object
    min_n: int
    period: str
    groups: tuple
    cells: pd.DataFrame  # unit, period, group, n, mean, hidden
    totals: pd.DataFrame  # unit, period, n, mean, hidden (all students of the unit)
    pooled: pd.DataFrame  # period, group (or ALL), n, mean, hidden: over the units shown
    gaps: pd.DataFrame  # unit, period, n_a, mean_a, n_b, mean_b, hidden, gap

    @cached_property
    def _charts(self) -> spc.BatchCharts | None:
        frame = self.gaps[["unit", "period", "gap"]]
        if not frame["gap"].notna().any():
            return None
        return spc.control_charts(frame, by="unit", x="period", y="gap", kind="i")

    @cached_property
    def data(self) -> pd.DataFrame:
        """One row per unit × period: both groups' n and mean, the gap, and its chart's centre
        line, limits and signals (missing where the gap is hidden or has no chart)."""
        out = self.gaps.copy()
        columns = ["cl", "lcl", "ucl", "sigma_signal", "runs_signal"]
        if self._charts is None:
            for column in columns:
                out[column] = np.nan if column in ("cl", "lcl", "ucl") else False
            return out
        points = self._charts.data.rename(columns={"x": "period"})
        return out.merge(points[["unit", "period", *columns]], on=["unit", "period"], how="left")

    @cached_property
    def readings(self) -> pd.DataFrame:
        """One row per unit: periods with a gap shown, the centre line (the mean gap), the
        latest gap and the reading."""
        shown = self.gaps.groupby("unit", sort=False)["gap"].count()
        out = pd.DataFrame({"unit": shown.index, "periods": shown.to_numpy()})
        out["cl"] = np.nan
        out["latest_gap"] = (
            self.gaps.dropna(subset=["gap"]).groupby("unit")["gap"].last().reindex(out["unit"])
        ).to_numpy()
        direction = np.zeros(len(out), dtype=int)
        if self._charts is not None:
            summary = self._charts.summary().set_index("unit").reindex(out["unit"])
            out["cl"] = summary["cl"].to_numpy()
            direction = summary["signal_direction"].fillna(0).to_numpy(int)
        towards_zero = direction * np.sign(out["cl"].fillna(0).to_numpy()) < 0
        reading = np.where(direction == 0, NOISE, np.where(towards_zero, NARROWING, WIDENING))
        out["reading"] = np.where(out["periods"] < MIN_PERIODS, TOO_FEW, reading)
        return out

    @property
    def signals(self) -> pd.DataFrame:
        """The points of the gap charts that carry a signal."""
        d = self.data
        flagged = d["sigma_signal"].fillna(False).astype(bool) | d["runs_signal"].fillna(
            False
        ).astype(bool)
        return d.loc[flagged & d["gap"].notna()].reset_index(drop=True)

    def reading(self, unit) -> str:
        rows = self.readings.loc[self.readings["unit"] == unit, "reading"]
        return rows.iloc[0] if len(rows) else TOO_FEW

    def summary(self, unit=None) -> str:
        """The reading in plain words: one unit's, or how many units' gaps narrow."""
        r = self.readings
        if unit is None:
            counts = r["reading"].value_counts()
            parts = [f"{counts.get(k, 0)} {k}" for k in READINGS]
            return f"Gap between {self.a} and {self.b}, {len(r)} unit(s): " + "; ".join(parts) + "."
        row = r.loc[r["unit"] == unit]
        if row.empty or row["reading"].iloc[0] == TOO_FEW:
            shown = 0 if row.empty else int(row["periods"].iloc[0])
            return (
                f"Too few periods to read the gap: {shown} shown, at least {MIN_PERIODS} needed "
                f"(a period is missing where a group has fewer than {self.min_n} students, or is "
                "hidden so that such a group cannot be worked out)."
            )
        row = row.iloc[0]
        side = "above" if row["cl"] > 0 else "below"
        text = (
            f"On average {self.a} is {abs(row['cl']):.3g} {side} {self.b} over "
            f"{int(row['periods'])} {self.period}s."
        )
        return (
            text
            + " "
            + {
                NARROWING: "The gap is narrowing by signal: a shift or points beyond the limits "
                "towards zero, unlikely by chance.",
                WIDENING: "The gap is widening by signal: a shift or points beyond the limits away "
                "from zero, unlikely by chance.",
                NOISE: "No signal: the gap moves within what chance gives (noise). A change in "
                "one period is not a narrowing.",
            }[row["reading"]]
        )

    def chart_of(self, unit) -> spc.ControlChart:
        """The gap chart of one unit, from the same engine as the batch (same numbers)."""
        series = self.gaps.loc[self.gaps["unit"] == unit]
        if not series["gap"].notna().any():
            raise ValueError(f"No gap is shown for {unit!r}: nothing to chart.")
        return spc.control_chart(series["gap"], x=series["period"], kind="i")

    def chart(self, unit, *, title=None, width="container", height=300):
        """The gap chart of one unit (Altair; centre line, limits, signals). A hidden period is
        left out of the drawing (the line breaks there); its limits are those of the chart."""
        result = self.chart_of(unit)
        result = replace(result, data=result.data[result.data["y"].notna()])
        return result.chart(title=title, y_title=f"{self.a} − {self.b}", width=width, height=height)

    def means_chart(self, unit=None, *, width="container", height=300):
        """Each group's mean by period (one unit, or over the units shown); suppressed figures
        are missing points, named in the tooltip of the period."""
        import altair as alt

        if unit is None:
            frame = self.pooled[self.pooled["group"] != ALL]
        else:
            frame = self.cells.loc[self.cells["unit"] == unit]
        frame = frame.assign(
            period=pd.to_datetime(frame["period"]).dt.strftime("%Y-%m-%d"),
            shown=np.where(frame["hidden"], LABEL, frame["n"].map(_students)),
        )
        base = alt.Chart(frame).encode(
            x=alt.X("period:T", title=None),
            y=alt.Y("mean:Q", title="Mean", scale=alt.Scale(zero=False)),
            color=alt.Color("group:N", title="Group", sort=list(self.groups)),
            tooltip=[
                alt.Tooltip("period:T", title="Period"),
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("mean:Q", title="Mean", format=",.3~g"),
                alt.Tooltip("shown:N", title="Students"),
            ],
        )
        lines = base.mark_line(point=True, invalid="filter")
        return lines.properties(width=width, height=height)


def _students(n) -> str:
    return "" if pd.isna(n) else f"{int(n)}"
