"""Small-cell suppression for tables of student counts (and the statistics that go with them).

    from melior.analysis import suppression
    s = suppression.suppress(counts, min_n=10)      # counts: a DataFrame, rows × columns
    s.shown, s.reason, s.mask(values), s.describe()

Primary suppression hides every cell with 1 to min_n − 1 students (a zero reveals nobody and
is shown). The row and column totals are part of the table: a total below min_n is itself
suppressed. Complementary suppression then makes sure no hidden cell can be worked out by
subtraction: wherever a row or column whose total is shown has exactly one hidden cell, the
smallest shown cell of that line (preferring cells with students) is hidden too — and when
there is none, the line's total — repeating until every line is safe. This is the rule of
primary and complementary suppression used by US state agencies (docs/privacy.md).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class Suppression:
    counts: pd.DataFrame  # the cells, without totals
    min_n: int
    reason: pd.DataFrame  # "", "primary" or "complementary" for each cell
    row_total_reason: pd.Series
    column_total_reason: pd.Series

    @property
    def shown(self) -> pd.DataFrame:
        return self.reason == ""

    def mask(self, values: pd.DataFrame) -> pd.DataFrame:
        """The values (e.g. mean scores) with every suppressed cell set to NaN."""
        return values.where(self.shown.reindex_like(values).fillna(False).astype(bool))

    @property
    def row_totals(self) -> pd.Series:
        return self.counts.sum(axis=1).where(self.row_total_reason == "")

    @property
    def column_totals(self) -> pd.Series:
        return self.counts.sum(axis=0).where(self.column_total_reason == "")

    def describe(self) -> str:
        primary = int((self.reason == "primary").to_numpy().sum())
        complementary = int((self.reason == "complementary").to_numpy().sum())
        if not primary and not complementary:
            return "No cell is suppressed."
        return (
            f"{primary} cell{'s' if primary != 1 else ''} with fewer than {self.min_n} "
            f"students suppressed, and {complementary} more so they cannot be worked out "
            "from the totals."
        )


def suppress(counts: pd.DataFrame, min_n: int = 10) -> Suppression:
    if not 1 <= min_n <= 1000:
        raise ValueError(f"min_n must be a positive number of students, not {min_n}.")
    c = counts.fillna(0).to_numpy(dtype=float)
    if (c < 0).any():
        raise ValueError("Counts cannot be negative.")
    n_rows, n_cols = c.shape
    # work on the table bordered by its totals: the last row and column are the margins
    full = np.zeros((n_rows + 1, n_cols + 1))
    full[:n_rows, :n_cols] = c
    full[:n_rows, n_cols] = c.sum(axis=1)
    full[n_rows, :n_cols] = c.sum(axis=0)
    full[n_rows, n_cols] = c.sum()
    reason = np.where((full > 0) & (full < min_n), "primary", "").astype(object)

    def lines():
        for i in range(n_rows + 1):
            yield [(i, j) for j in range(n_cols)], (i, n_cols)
        for j in range(n_cols + 1):
            yield [(i, j) for i in range(n_rows)], (n_rows, j)

    changed = True
    while changed:
        changed = False
        for cells, total in lines():
            hidden = [cell for cell in cells if reason[cell]]
            if len(hidden) != 1 or reason[total]:
                continue
            candidates = [cell for cell in cells if not reason[cell]]
            if candidates:
                pick = min(candidates, key=lambda cell: (full[cell] == 0, full[cell], cell))
            else:
                pick = total
            reason[pick] = "complementary"
            changed = True
    frame = pd.DataFrame(reason[:n_rows, :n_cols], index=counts.index, columns=counts.columns)
    return Suppression(
        counts=counts.fillna(0),
        min_n=min_n,
        reason=frame.astype(str),
        row_total_reason=pd.Series(reason[:n_rows, n_cols], index=counts.index).astype(str),
        column_total_reason=pd.Series(reason[n_rows, :n_cols], index=counts.columns).astype(str),
    )
