"""Small-cell suppression on worked examples, and the LP auditor: on known answers, on tables
that defeated the old rule (hide the next-smallest cell of a line), and on generated tables."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melior.analysis.suppression import feasible_ranges, possible_values, protected, suppress


def table(rows, index=("site 1", "site 2"), columns=("A", "B", "C")):
    return pd.DataFrame(rows, index=list(index), columns=list(columns))


def hidden_cells(s):
    stacked = s.hidden.stack()
    return set(stacked[stacked].index)


def test_the_auditor_finds_the_range_of_a_hidden_cell():
    # one row, total 68 shown, 25 and 40 shown: the hidden cell is exactly 3
    published = [([("r", "A")], 25), ([("r", "C")], 40), ([("r", c) for c in "ABC"], 68)]
    assert feasible_ranges(published, {"B": [("r", "B")]}) == {"B": (3.0, 3.0)}
    # the rectangle A1 B1 A2 B2 of [[25, 3, 40], [30, 12, 18]] hidden, every total shown:
    # students can only trade round the rectangle, B1 from 3 − 3 to 3 + min(25, 12)
    rows = [[25, 3, 40], [30, 12, 18]]
    cells = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1)}
    published = [([cell], v) for cell, v in cells.items() if cell not in hidden]
    published += [([(r, c) for c in range(3)], sum(cells[r, c] for c in range(3))) for r in (0, 1)]
    published += [([(r, c) for r in (0, 1)], cells[0, c] + cells[1, c]) for c in range(3)]
    ranges = feasible_ranges(published, {cell: [cell] for cell in hidden})
    assert ranges == {(0, 0): (13, 28), (0, 1): (0, 15), (1, 0): (27, 42), (1, 1): (0, 15)}
    # a hidden cell nothing caps can be anything
    assert feasible_ranges([], {"x": ["x"]}) == {"x": (0.0, math.inf)}
    assert possible_values(0, 8) == 9 and protected(0, 8, 10) and not protected(0.5, 8, 10)


def test_two_small_cells_of_a_row_no_longer_give_each_other_away():
    # Lincoln: 1, 1 and 22 students. The old rule hid the two small cells and called the row
    # safe, but its total 24 − 22 left them 0 to 2 each. Now a rectangle with the other row
    # (or the column totals) lets each take at least 9 values.
    counts = table([[31, 1, 32], [1, 1, 22]], index=("Washington", "Lincoln"))
    s = suppress(counts, min_n=10)
    assert {("Lincoln", "A"), ("Lincoln", "B")} <= hidden_cells(s)
    assert s.unprotected() == {}
    for figure, (low, high) in s.ranges.items():
        assert possible_values(low, high) >= 9, figure
    low, high = s.ranges["cell", "Lincoln", "A"]
    assert low <= 1 <= high and high - low >= 8


def test_one_small_cell_is_protected_by_the_cheapest_rectangle():
    #          A   B   C | total
    # site 1  25   3  40 |  68     B1 = 3 < 10
    # site 2  30  12  18 |  60
    # Rectangles through B1 whose corners can trade 8 or more students: A1 B2 A2 (hides 67
    # students), C1 B2 C2 (70), or a column-total rectangle (95): the first is chosen.
    s = suppress(table([[25, 3, 40], [30, 12, 18]]), min_n=10)
    assert hidden_cells(s) == {("site 1", "A"), ("site 1", "B"), ("site 2", "A"), ("site 2", "B")}
    assert s.row_totals.tolist() == [68, 60] and s.column_totals.tolist() == [55, 15, 58]
    assert s.ranges["cell", "site 1", "B"] == (0, 15)
    # one label for every hidden figure: none says which was small
    assert s.describe() == (
        "A suppressed figure has fewer than 10 students, or is hidden so that one that has "
        "cannot be worked out from the others."
    )


def test_a_small_row_is_hidden_whole_and_left_out_of_the_totals():
    # site 2 has 8 students in all: its total and cells are hidden, and the column totals add
    # up site 1 only, so nothing published constrains site 2
    s = suppress(table([[40, 35, 30], [3, 3, 2]]), min_n=10)
    assert s.row_total_hidden.tolist() == [False, True]
    assert not s.shown.loc["site 2"].any() and s.shown.loc["site 1"].all()
    assert s.column_totals.tolist() == [40, 35, 30]
    assert s.ranges["row", "site 2"] == (0, math.inf)
    assert "1 row with fewer than 10 students in all is hidden whole" in s.describe()


def test_a_single_school_hides_its_column_totals_with_its_cells():
    # one school, 9 and 3: the column totals equal the cells, so they go with them
    s = suppress(table([[9, 3]], index=("Lincoln",), columns=("Yes", "No")), min_n=10)
    assert s.hidden.loc["Lincoln"].all() and s.column_total_hidden.all()
    assert s.row_totals["Lincoln"] == 12
    assert s.ranges["cell", "Lincoln", "Yes"] == (0, 12)


def test_nothing_small_nothing_hidden_and_the_threshold_is_a_setting():
    counts = table([[25, 15, 40], [30, 12, 18]])
    assert suppress(counts, min_n=10).describe() == "No figure is suppressed."
    assert suppress(counts, min_n=13).hidden.loc["site 2", "B"]
    values = table([[0.91, 0.88, 0.93], [0.90, 0.85, 0.92]])
    masked = suppress(counts, min_n=13).mask(values)
    # B2 (12) and a rectangle through it are hidden: A1 B1 A2 B2, 25 + 15 + 30 students
    assert pd.isna(masked.loc["site 2", "B"]) and pd.isna(masked.loc["site 1", "A"])
    assert masked["C"].tolist() == [0.93, 0.92]
    with pytest.raises(ValueError, match="negative"):
        suppress(table([[-1, 2, 3], [1, 2, 3]]))


counts_tables = st.integers(1, 6).flatmap(
    lambda rows: st.integers(2, 6).flatmap(
        lambda columns: st.lists(
            st.lists(
                st.one_of(st.integers(0, 12), st.integers(0, 80)),
                min_size=columns,
                max_size=columns,
            ),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=80, deadline=None)
@given(rows=counts_tables, min_n=st.integers(5, 30))
def test_no_hidden_figure_of_any_table_can_be_narrowed_below_the_minimum(rows, min_n):
    counts = pd.DataFrame(
        rows,
        index=[f"s{i}" for i in range(len(rows))],
        columns=[f"g{j}" for j in range(len(rows[0]))],
    )
    s = suppress(counts, min_n=min_n)
    c = counts.to_numpy()
    reported = ~s.row_total_hidden.to_numpy()
    # every small cell, total and column total of the reported rows is hidden
    assert not (s.shown.to_numpy() & (c > 0) & (c < min_n)).any()
    totals = counts.sum(axis=1)
    assert (s.row_total_hidden == ((totals > 0) & (totals < min_n))).all()
    column_totals = c[reported].sum(axis=0)
    small_totals = (column_totals > 0) & (column_totals < min_n)
    assert not (~s.column_total_hidden.to_numpy() & small_totals).any()
    # what is shown is true
    shown = s.shown.to_numpy()
    assert (s.mask(counts).to_numpy()[shown] == c[shown]).all()
    # the auditor: each hidden figure keeps min_n − 1 possible values, its true value among them
    for figure, (low, high) in s.ranges.items():
        assert possible_values(low, high) >= min_n - 1, (figure, low, high)
        if figure[0] == "cell":
            truth = counts.loc[figure[1], figure[2]]
        elif figure[0] == "row":
            truth = counts.loc[figure[1]].sum()
        else:
            truth = c[reported, list(counts.columns).index(figure[1])].sum()
        assert low - 1e-6 <= truth <= high + 1e-6


def test_the_auditor_catches_the_old_rule():
    # the old rule's pattern on [[4, 2, 15], [1, 1, 19]]: small cells hidden, the next-smallest
    # in each line besides; the LP still pins the second row's cells to 0 to 2
    published = [([(0, 2)], 15), ([(1, 2)], 19), ([(0, c) for c in range(3)], 21)]
    published += [([(1, c) for c in range(3)], 21), ([(0, 2), (1, 2)], 34)]
    withheld = {cell: [cell] for cell in [(0, 0), (0, 1), (1, 0), (1, 1)]}
    ranges = feasible_ranges(published, withheld)
    assert ranges[1, 0] == (0, 2) and not protected(*ranges[1, 0], 10)
    # the new rule on the same table
    s = suppress(pd.DataFrame([[4, 2, 15], [1, 1, 19]]), min_n=10)
    assert s.unprotected() == {}
    assert possible_values(*s.ranges["cell", 1, 0]) >= 9
