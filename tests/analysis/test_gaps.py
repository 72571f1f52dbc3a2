"""Subgroup means over time and the gap chart, against hand-worked figures; suppression of
small cells across groups, units and totals, audited with the linear program."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from melior.analysis import gaps
from melior.analysis.suppression import feasible_ranges, possible_values

# 3 / d2 with d2 = 1.128 for moving ranges of two: the "2.66" of XmR charts, unrounded
E2 = 3 / 1.128


def monthly(gap_series, *, unit="School A", base=91.0):
    """Two "Yes" and two "No" students a month. The No students score base − 1 and base + 1
    (mean: base); the Yes students base + g − 1 and base + g + 1 (mean: base + g), so the
    month's gap Yes − No is g exactly."""
    rows = []
    for m, g in enumerate(gap_series):
        day = pd.Timestamp(2024, 9, 1) + pd.DateOffset(months=m) + pd.Timedelta(days=9)
        for k, (group, value) in enumerate(
            [("No", base - 1), ("No", base + 1), ("Yes", base + g - 1), ("Yes", base + g + 1)]
        ):
            rows.append((unit, f"{unit}-{k}", day, group, value))
    return pd.DataFrame(rows, columns=list(gaps.COLUMNS))


def test_monthly_means_gap_centre_line_and_limits_worked_by_hand():
    # gaps: −10 −12 −9 −11 −10 −13 −8 −11 −10 −12 −9 −11 (Yes below No every month)
    # centre line: their mean, −126 / 12 = −10.5
    # moving ranges: 2 3 2 1 3 5 3 1 2 3 2 → sum 27 over 11: MR̄ = 2.4545…
    # screening (qicharts2): none reaches 3.267 × 2.4545 = 8.02, so MR̄ stays 27/11
    # limits: −10.5 ± 2.6596 × 27/11 = −10.5 ± 6.528 → LCL −17.028, UCL −3.972
    # runs: the points alternate about −10.5: 12 useful, 11 crossings (at least 3 needed),
    # longest run 1 (at most round(log2 12) + 3 = 7) → no runs signal; none outside → noise
    series = [-10, -12, -9, -11, -10, -13, -8, -11, -10, -12, -9, -11]
    result = gaps.subgroup_gaps(monthly(series), a="Yes", b="No", min_n=2)
    d = result.data
    assert len(d) == 12
    assert d["period"].iloc[0] == pd.Timestamp(2024, 9, 1)  # dates grouped to the 1st
    assert d["mean_b"].tolist() == [91.0] * 12
    assert d["mean_a"].tolist() == [91.0 + g for g in series]
    assert d["gap"].tolist() == series
    assert d["n_a"].tolist() == [2] * 12
    mr_bar = 27 / 11
    assert d["cl"].iloc[0] == pytest.approx(-10.5)
    assert d["ucl"].iloc[0] == pytest.approx(-10.5 + E2 * mr_bar)
    assert d["lcl"].iloc[0] == pytest.approx(-10.5 - E2 * mr_bar)
    assert d["ucl"].iloc[0] == pytest.approx(-3.972, abs=5e-4)
    assert d["lcl"].iloc[0] == pytest.approx(-17.028, abs=5e-4)
    # the textbook constant 2.66 gives the same limits to within 0.001 × MR̄
    assert abs((d["ucl"].iloc[0] + 10.5) - 2.66 * mr_bar) < 0.001 * mr_bar
    assert result.signals.empty
    assert result.reading("School A") == gaps.NOISE
    assert "No signal" in result.summary("School A")
    # the same numbers as the single-chart engine draws
    single = result.chart_of("School A").data
    assert single["ucl"].iloc[0] == pytest.approx(d["ucl"].iloc[0])
    spec = result.chart("School A").to_dict(validate=False)
    assert "layer" in spec


def test_a_shift_towards_zero_reads_narrowing_by_signal():
    # six months near −10, then eight near −4: the gap closes
    # centre line −92 / 14 = −6.571; moving ranges 1 2 1 1 2 5 1 2 1 1 2 1 0: sum 20, MR̄ 20/13
    # = 1.538; screening keeps the 5 (below 3.267 × 1.538 = 5.03)
    # limits −6.571 ± 2.6596 × 1.538 = −6.571 ± 4.092 → LCL −10.663, UCL −2.480: the two −11s
    # of the first months fall below the LCL (long ago: no signal about now)
    # the last 8 points sit above the centre line: longer than round(log2 14) + 3 = 7 — a shift
    # towards zero reaching the latest month, so the gap narrows by signal
    series = [-10, -11, -9, -10, -11, -9, -4, -5, -3, -4, -5, -3, -4, -4]
    result = gaps.subgroup_gaps(monthly(series), a="Yes", b="No", min_n=2)
    d = result.data
    assert d["cl"].iloc[0] == pytest.approx(-92 / 14)
    assert d["ucl"].iloc[0] == pytest.approx(-92 / 14 + E2 * 20 / 13)
    assert d["lcl"].iloc[0] == pytest.approx(-92 / 14 - E2 * 20 / 13)
    assert d["lcl"].iloc[0] == pytest.approx(-10.663, abs=5e-4)
    assert d["sigma_signal"].tolist() == [False, True, False, False, True] + [False] * 9
    assert result.reading("School A") == gaps.NARROWING
    assert d["runs_signal"].all()
    assert "narrowing by signal" in result.summary("School A")
    # the same move the other way round (No − Yes: the gap is positive and falls) also narrows
    flipped = gaps.subgroup_gaps(monthly(series), a="No", b="Yes", min_n=2)
    assert flipped.reading("School A") == gaps.NARROWING


def test_a_shift_away_from_zero_reads_widening_and_short_series_too_few():
    series = [-4, -5, -3, -4, -5, -3, -10, -11, -9, -10, -11, -9, -10, -10]
    assert gaps.subgroup_gaps(monthly(series), a="Yes", min_n=2).reading("School A") == (
        gaps.WIDENING
    )
    short = gaps.subgroup_gaps(monthly(series[:5]), a="Yes", b="No", min_n=2)
    assert short.reading("School A") == gaps.TOO_FEW
    assert "Too few periods" in short.summary("School A")


def test_a_student_counts_once_a_month_in_the_group_they_ended_it_in():
    # one student: two records in October, EL on the 3rd (80) and not EL on the 20th (90):
    # one October figure, the mean 85, counted with "No" (the group of the latest record)
    rows = pd.DataFrame(
        [
            ("S", "x", pd.Timestamp(2024, 10, 3), "Yes", 80.0),
            ("S", "x", pd.Timestamp(2024, 10, 20), "No", 90.0),
            ("S", "y", pd.Timestamp(2024, 10, 5), "No", 70.0),
        ],
        columns=list(gaps.COLUMNS),
    )
    cells = gaps.subgroup_gaps(rows, a="Yes", b="No", min_n=1).cells.set_index("group")
    assert cells.loc["No", "n"] == 2 and cells.loc["No", "mean"] == pytest.approx(77.5)
    assert cells.loc["Yes", "n"] == 0


def test_weeks_start_on_monday():
    rows = monthly([-1, -2])
    result = gaps.subgroup_gaps(rows, a="Yes", b="No", min_n=2, period="week")
    # Sept 10, 2024 is a Tuesday: its week starts on Monday the 9th
    assert result.data["period"].iloc[0] == pd.Timestamp(2024, 9, 9)
    with pytest.raises(ValueError, match="period"):
        gaps.subgroup_gaps(rows, a="Yes", b="No", period="year")


def test_bad_groups_are_refused_by_name():
    rows = monthly([-1, -2])
    with pytest.raises(ValueError, match="'Maybe' is not one of"):
        gaps.subgroup_gaps(rows, a="Maybe", b="No")
    with pytest.raises(ValueError, match="two different groups"):
        gaps.subgroup_gaps(rows, a="No", b="No")
    with pytest.raises(ValueError, match="Columns not found"):
        gaps.subgroup_gaps(rows.drop(columns="student"), a="Yes")


def school_month(unit, yes, no, month=9, value_yes=80.0, value_no=90.0):
    day = pd.Timestamp(2024, month, 15)
    rows = [(unit, f"{unit}-y{k}", day, "Yes", value_yes + k % 3) for k in range(yes)]
    rows += [(unit, f"{unit}-n{k}", day, "No", value_no + k % 3) for k in range(no)]
    return rows


def frame(rows):
    return pd.DataFrame(rows, columns=list(gaps.COLUMNS))


def test_a_small_cell_hides_its_gap():
    # 3 EL students in October at School A (minimum 10): hidden, and the gap with it
    rows = frame(
        school_month("A", 12, 40, 9)
        + school_month("A", 3, 40, 10)
        + school_month("B", 15, 30, 9)
        + school_month("B", 14, 30, 10)
    )
    result = gaps.subgroup_gaps(rows, a="Yes", b="No", min_n=10)
    g = result.gaps.set_index(["unit", "period"])
    october = pd.Timestamp(2024, 10, 1)
    assert g.loc[("A", october), "hidden"]
    assert math.isnan(g.loc[("A", october), "gap"])
    assert math.isnan(g.loc[("A", october), "n_a"])
    # September: 12 EL students scoring 80, 81, 82 four times each (mean 81); 40 others scoring
    # 90 (14 of them), 91 (13) and 92 (13): mean 90 + 39/40 = 90.975; the gap −9.975 is shown
    assert g.loc[("A", pd.Timestamp(2024, 9, 1)), "gap"] == pytest.approx(81 - 90.975)
    # the chart leaves the hidden month out of its drawing: its spec holds no missing number
    spec = result.chart("A").to_dict(validate=False)
    assert "NaN" not in json.dumps(spec)
    cells = result.cells.set_index(["unit", "period", "group"])
    assert cells.loc[("A", october, "Yes"), "hidden"]
    assert math.isnan(cells.loc[("A", october, "Yes"), "mean"])


def published_and_withheld(result, period):
    """What a reader of the page, CSV and API gets for one period, for the auditor: the cells
    and totals of every unit, the groups' totals over the units shown and "All students", and
    (comparing with REST) each unit's count of every other student."""
    published, withheld = [], {}
    cells = result.cells[result.cells["period"] == period]
    units = list(dict.fromkeys(cells["unit"]))
    groups = list(result.groups)
    totals = result.totals[result.totals["period"] == period].set_index("unit")
    shown_units = [u for u in units if not totals.loc[u, "hidden"]]
    for row in cells.itertuples():
        figure = [(row.unit, row.group)]
        if row.hidden:
            withheld["cell", row.unit, row.group] = figure
        else:
            published.append((figure, row.n))
    for unit in units:
        figure = [(unit, g) for g in groups]
        if totals.loc[unit, "hidden"]:
            withheld["total", unit] = figure
        else:
            published.append((figure, totals.loc[unit, "n"]))
    pooled = result.pooled[result.pooled["period"] == period]
    for row in pooled.itertuples():
        if row.group == gaps.ALL:
            figure = [(u, g) for u in shown_units for g in groups]
        else:
            figure = [(u, row.group) for u in shown_units]
        if row.hidden:
            withheld["pooled", row.group] = figure
        else:
            published.append((figure, row.n))
    if result.b == gaps.REST:
        rest = result.gaps[result.gaps["period"] == period]
        for row in rest.itertuples():
            figure = [(row.unit, g) for g in groups if g != result.a]
            if not row.hidden:
                published.append((figure, row.n_b))
    return published, withheld


@pytest.mark.parametrize("b", ["No", gaps.REST])
def test_no_hidden_figure_can_be_narrowed_down_from_those_shown(b):
    # three schools, three groups; School A has 3 EL students and School C 6 "Not recorded":
    # a school's total and the column totals would give each away without complementary
    # suppression. The auditor solves for every hidden figure's range over everything shown.
    rng = np.random.default_rng(7)
    rows = []
    for unit, (yes, no, unknown) in {"A": (3, 40, 12), "B": (25, 31, 11), "C": (14, 22, 6)}.items():
        for group, count in (("Yes", yes), ("No", no), ("Not recorded", unknown)):
            rows += [
                (unit, f"{unit}{group}{k}", pd.Timestamp(2024, 9, 12), group, rng.normal(90, 5))
                for k in range(count)
            ]
    groups = ["Yes", "No", "Not recorded"]
    result = gaps.subgroup_gaps(frame(rows), a="Yes", b=b, min_n=10, groups=groups)
    period = pd.Timestamp(2024, 9, 1)
    published, withheld = published_and_withheld(result, period)
    assert ("cell", "A", "Yes") in withheld and ("cell", "C", "Not recorded") in withheld
    ranges = feasible_ranges(published, withheld)
    for key, (low, high) in ranges.items():
        assert possible_values(low, high) >= 10 - 1, (key, low, high)
    # and School A's gap, resting on the hidden cell, is not shown
    assert result.gaps.set_index("unit").loc["A", "hidden"]


def test_one_school_hides_both_groups_and_their_totals():
    # one school, 4 EL students of 30: the EL cell is hidden; its total over the schools and
    # the other cell would give it back (30 − 26), so they are hidden too; "All students" is
    # the school's total, already shown
    result = gaps.subgroup_gaps(frame(school_month("A", 4, 26)), a="Yes", b="No", min_n=10)
    pooled = result.pooled.set_index("group")
    assert pooled.loc["Yes", "hidden"] and pooled.loc["No", "hidden"]
    assert pooled.loc[gaps.ALL, "n"] == 30
    assert result.cells["hidden"].all()
    published, withheld = published_and_withheld(result, pd.Timestamp(2024, 9, 1))
    for key, (low, high) in feasible_ranges(published, withheld).items():
        assert possible_values(low, high) >= 9, key


def test_many_schools_at_once_read_one_by_one():
    # each school's reading from the batch equals its reading alone
    narrowing = monthly([-10, -11, -9, -10, -11, -9, -4, -5, -3, -4, -5, -3, -4, -4], unit="N")
    noise = monthly([-10, -12, -9, -11, -10, -13, -8, -11, -10, -12, -9, -11], unit="Q")
    both = gaps.subgroup_gaps(pd.concat([narrowing, noise]), a="Yes", b="No", min_n=2)
    readings = both.readings.set_index("unit")["reading"]
    assert readings.to_dict() == {"N": gaps.NARROWING, "Q": gaps.NOISE}
    assert "1 narrowing by signal" in both.summary()


def test_counts_kept_for_every_unit_give_any_subset_the_figures_of_its_own_records():
    # what the pages do: count every school once, then compute a user's figures from the
    # counts of the schools they see — equal to computing from those schools' records
    rng = np.random.default_rng(7)
    rows = []
    for unit in ("A", "B", "C", "D"):
        for student in range(int(rng.integers(8, 30))):
            group = rng.choice(["Yes", "No", "Not recorded"], p=[0.3, 0.6, 0.1])
            for month in range(int(rng.integers(1, 13))):
                day = pd.Timestamp(2024, 9, 1) + pd.DateOffset(months=month)
                for extra in range(int(rng.integers(1, 3))):  # some months twice
                    when = day + pd.Timedelta(days=int(3 + 7 * extra))
                    rows.append((unit, f"{unit}{student}", when, group, rng.random()))
    records = pd.DataFrame(rows, columns=list(gaps.COLUMNS))
    groups = ["Yes", "No", "Not recorded"]
    counts = gaps.count_students(records, groups=groups)
    assert (
        counts["n"].sum()
        == records.groupby(["unit", "student"])["date"]
        .apply(lambda d: d.dt.to_period("M").nunique())
        .sum()
    )
    for seen in (["A", "B", "C", "D"], ["B", "D"], ["C"]):
        for b in ("No", gaps.REST):
            direct = gaps.subgroup_gaps(
                records[records["unit"].isin(seen)], a="Yes", b=b, min_n=5, groups=groups
            )
            kept = gaps.gaps_from_counts(
                counts[counts["unit"].isin(seen)], a="Yes", b=b, min_n=5, groups=groups
            )
            for name in ("cells", "totals", "pooled", "gaps"):
                pd.testing.assert_frame_equal(getattr(kept, name), getattr(direct, name))
            assert kept.readings.equals(direct.readings)


def test_counts_refuse_what_they_cannot_be_read_as():
    with pytest.raises(ValueError, match="Columns not found in the counts: total"):
        gaps.gaps_from_counts(
            pd.DataFrame(columns=["unit", "period", "group", "n"]), a="Yes", groups=["Yes"]
        )
    counts = pd.DataFrame(
        {"unit": ["A"], "period": [pd.Timestamp(2025, 1, 1)], "group": ["Maybe"], "n": [3],
         "total": [2.0]}
    )  # fmt: skip
    with pytest.raises(ValueError, match="'Maybe' is not in the groups"):
        gaps.gaps_from_counts(counts, a="Yes", b="No", groups=["Yes", "No"])
