"""Small-cell suppression on worked examples, including complementary suppression and totals."""

import pandas as pd
import pytest

from melior.analysis.suppression import suppress


def table(rows, index=("site 1", "site 2"), columns=("A", "B", "C")):
    return pd.DataFrame(rows, index=list(index), columns=list(columns))


def test_one_small_cell_forces_a_rectangle_of_four():
    #          A   B   C | total
    # site 1  25   3  40 |  68     B1 = 3 < 10: primary
    # site 2  30  12  18 |  60
    # total   55  15  58 | 128
    # Row 1 would give B1 away as 68 − 25 − 40: hide its smallest other cell, A1 (25).
    # Column A then gives A1 away as 55 − 30: hide A2. Column B gives B1 as 15 − 12: hide B2.
    # Now every line with a shown total has 0 or 2 hidden cells.
    s = suppress(table([[25, 3, 40], [30, 12, 18]]), min_n=10)
    assert s.reason.loc["site 1", "B"] == "primary"
    assert set(s.reason.stack()[s.reason.stack() == "complementary"].index) == {
        ("site 1", "A"),
        ("site 2", "A"),
        ("site 2", "B"),
    }
    assert s.shown.loc["site 1", "C"] and s.shown.loc["site 2", "C"]
    assert s.row_totals.tolist() == [68, 60] and s.column_totals.tolist() == [55, 15, 58]
    assert s.describe() == (
        "1 cell with fewer than 10 students suppressed, and 3 more so they "
        "cannot be worked out from the totals."
    )


def test_zeros_are_shown_and_never_used_to_protect_a_cell():
    # B1 = 4 is primary; the other cells of row 1 are 0 and 50: hiding the 0 would protect
    # nothing (Louisiana's rule), so 50 is hidden, then column A and B each need a partner.
    s = suppress(table([[50, 4, 0], [40, 20, 30]]), min_n=10)
    assert s.reason.loc["site 1", "C"] == ""
    assert s.reason.loc["site 1", "A"] == "complementary"


def test_a_small_total_is_suppressed_and_protected():
    # site 2 has 8 students in all: its total and its cells are all below 10
    s = suppress(table([[40, 35, 30], [3, 3, 2]]), min_n=10)
    assert s.row_total_reason["site 2"] == "primary"
    assert not s.shown.loc["site 2"].any()
    # each column total is shown, so each column needs a second hidden cell in site 1
    assert (s.reason.loc["site 1"] == "complementary").all()


def test_nothing_small_nothing_hidden_and_the_threshold_is_a_setting():
    counts = table([[25, 15, 40], [30, 12, 18]])
    assert suppress(counts, min_n=10).describe() == "No cell is suppressed."
    assert suppress(counts, min_n=13).reason.loc["site 2", "B"] == "primary"
    values = table([[0.91, 0.88, 0.93], [0.90, 0.85, 0.92]])
    masked = suppress(counts, min_n=13).mask(values)
    assert pd.isna(masked.loc["site 2", "B"]) and masked.loc["site 1", "A"] == 0.91
    with pytest.raises(ValueError, match="negative"):
        suppress(table([[-1, 2, 3], [1, 2, 3]]))
