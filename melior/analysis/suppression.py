"""Small-cell suppression for tables of student counts, and the auditor that proves it holds.

    from melior.analysis import suppression
    s = suppression.suppress(counts, min_n=10)      # counts: a DataFrame, rows × columns
    s.hidden, s.row_totals, s.column_totals, s.mask(values), s.describe()
    s.audit()                                       # each hidden figure's feasible range

A table publishes its cells, a total per row (e.g. per school) and a total per column (e.g. per
subgroup, over the rows whose total is shown). Someone with a linear program can combine every
published figure to narrow down a hidden one, so suppression is judged the way statistical
agencies audit their tables: for each hidden figure, the smallest and largest value it can take
in any non-negative table that agrees with everything published (the LP relaxation). A hidden
figure is *protected* when that range holds at least min_n − 1 whole numbers — no narrower than
"fewer than min_n" already says.

1. **Primary**: a cell or column total with 1 to min_n − 1 students is hidden. A row whose total
   is 1 to min_n − 1 is hidden whole, total included, and left out of the column totals: nothing
   published then constrains it.
2. **Complementary**: every hidden figure that is not yet protected gets a rectangle — a second
   row and column such that the four corners can trade students (+t, −t, −t, +t) without
   changing any published figure. The rectangle chosen is the cheapest (fewest new figures,
   then fewest students hidden) whose trade is wide enough; the column-total row can be a
   corner. Hiding more never narrows a range, so each protected figure stays protected.
3. Every hidden figure reads the same ("suppressed"): a label saying which were small would
   give them away.
"""

import math
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

LABEL = "suppressed"


def feasible_ranges(
    published: Iterable[tuple[Collection[Hashable], float]],
    withheld: Mapping[Hashable, Collection[Hashable]],
) -> dict[Hashable, tuple[float, float]]:
    """The auditor. Each published figure is (the underlying cells it adds up, its value); each
    withheld figure is the cells it adds up. Returns, for each withheld figure, the least and
    greatest value it can take over all non-negative tables that agree with every published
    figure (linear programming; the greatest may be infinite)."""
    published = [(list(cells), float(value)) for cells, value in published]
    index: dict[Hashable, int] = {}
    for cells, _ in published:
        for cell in cells:
            index.setdefault(cell, len(index))
    for cells in withheld.values():
        for cell in cells:
            index.setdefault(cell, len(index))
    rows, columns = [], []
    for row, (cells, _) in enumerate(published):
        rows += [row] * len(cells)
        columns += [index[cell] for cell in cells]
    a_eq = sparse.csr_array(
        (np.ones(len(rows)), (rows, columns)), shape=(len(published), len(index))
    )
    b_eq = np.array([value for _, value in published])
    ranges = {}
    for key, cells in withheld.items():
        objective = np.zeros(len(index))
        objective[[index[cell] for cell in cells]] = 1.0
        bounds = []
        for sign in (1.0, -1.0):
            result = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None))
            if result.status == 3:  # unbounded: nothing published caps it
                bounds.append(math.inf)
            elif result.status != 0:
                raise ValueError(f"The published figures contradict each other ({result.message})")
            else:
                bounds.append(sign * result.fun)
        ranges[key] = (bounds[0], bounds[1])
    return ranges


def possible_values(low: float, high: float) -> float:
    """How many whole numbers lie in [low, high] (allowing for the solver's rounding)."""
    if math.isinf(high):
        return math.inf
    return max(0, math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1)


def protected(low: float, high: float, min_n: int) -> bool:
    return possible_values(low, high) >= min_n - 1


@dataclass(frozen=True, eq=False)
class Suppression:
    counts: pd.DataFrame  # the cells, without totals
    min_n: int
    hidden: pd.DataFrame  # True for each hidden cell
    row_total_hidden: pd.Series
    column_total_hidden: pd.Series

    @property
    def shown(self) -> pd.DataFrame:
        return ~self.hidden

    @property
    def reported_rows(self) -> pd.Index:
        """The rows the column totals add up: those whose total is shown."""
        return self.counts.index[~self.row_total_hidden.to_numpy(dtype=bool)]

    def mask(self, values: pd.DataFrame) -> pd.DataFrame:
        """The values (e.g. mean scores) with every suppressed cell set to NaN."""
        return values.where(self.shown.reindex_like(values).fillna(False).astype(bool))

    @property
    def row_totals(self) -> pd.Series:
        return self.counts.sum(axis=1).where(~self.row_total_hidden)

    @property
    def column_totals(self) -> pd.Series:
        return self.counts.loc[self.reported_rows].sum(axis=0).where(~self.column_total_hidden)

    @property
    def hidden_count(self) -> int:
        return int(self.hidden.to_numpy().sum() + self.column_total_hidden.sum())

    def describe(self) -> str:
        if not self.hidden_count and not self.row_total_hidden.any():
            return "No figure is suppressed."
        small_rows = int(self.row_total_hidden.sum())
        text = (
            f"A suppressed figure has fewer than {self.min_n} students, or is hidden so that "
            "one that has cannot be worked out from the others."
        )
        if small_rows:
            text += (
                f" {small_rows} row{'s' if small_rows != 1 else ''} with fewer than "
                f"{self.min_n} students in all {'are' if small_rows != 1 else 'is'} hidden "
                "whole and left out of the totals."
            )
        return text

    def figures(self):
        """What the table publishes, for the auditor: (published, withheld), each figure named
        ("cell", row, column), ("row", row) or ("column", column) and made of cells
        (row, column)."""
        published, withheld = [], {}
        columns = list(self.counts.columns)
        for row in self.counts.index:
            for column in columns:
                cells, value = [(row, column)], self.counts.loc[row, column]
                if self.hidden.loc[row, column]:
                    withheld["cell", row, column] = cells
                else:
                    published.append((cells, value))
            cells = [(row, column) for column in columns]
            if self.row_total_hidden[row]:
                withheld["row", row] = cells
            else:
                published.append((cells, self.counts.loc[row].sum()))
        reported = self.reported_rows
        for column in columns:
            cells = [(row, column) for row in reported]
            if self.column_total_hidden[column]:
                withheld["column", column] = cells
            else:
                published.append((cells, self.counts.loc[reported, column].sum()))
        return published, withheld

    @cached_property
    def ranges(self) -> dict:
        """Each hidden figure's feasible range given everything this table publishes."""
        return feasible_ranges(*self.figures())

    def unprotected(self) -> dict:
        return {k: r for k, r in self.ranges.items() if not protected(*r, self.min_n)}


def suppress(counts: pd.DataFrame, min_n: int = 10) -> Suppression:
    if not 1 <= min_n <= 1000:
        raise ValueError(f"min_n must be a positive number of students, not {min_n}.")
    counts = counts.fillna(0)
    c = counts.to_numpy(dtype=float)
    if (c < 0).any():
        raise ValueError("Counts cannot be negative.")
    small = (c > 0) & (c < min_n)
    row_hidden = (c.sum(axis=1) > 0) & (c.sum(axis=1) < min_n)
    # the bordered table of the reported rows: its last row is the column totals
    reported = np.flatnonzero(~row_hidden)
    full = np.vstack([c[reported], c[reported].sum(axis=0, keepdims=True)])
    hidden = (full > 0) & (full < min_n)
    _protect(full, hidden, min_n)
    cells = small & row_hidden[:, None]
    cells[reported] = hidden[:-1]
    return Suppression(
        counts=counts,
        min_n=min_n,
        hidden=pd.DataFrame(cells, index=counts.index, columns=counts.columns),
        row_total_hidden=pd.Series(row_hidden, index=counts.index),
        column_total_hidden=pd.Series(hidden[-1], index=counts.columns),
    )


def _protect(full: np.ndarray, hidden: np.ndarray, min_n: int) -> None:
    """Complementary suppression on a bordered table (last row: the column totals, each the sum
    of the rows above; row totals shown), in place: hide rectangles until every hidden figure
    keeps at least min_n − 1 possible values."""
    n_rows, n_cols = full.shape
    margin = n_rows - 1
    need = min_n - 2  # a trade of t from −a to +b gives a + b + 1 possible values

    def range_of(r, c) -> tuple[float, float]:
        """The feasible range of one figure, (r, c) taken as hidden: the LP over the hidden
        cells only, each line whose total is shown summing to what its shown cells leave."""
        hid = hidden.copy()
        hid[r, c] = True
        cells = np.argwhere(hid[:margin])
        index = {tuple(cell): k for k, cell in enumerate(cells)}
        lines = [[index[i, j] for j in np.flatnonzero(hid[i])] for i in range(margin)]
        lines += [
            [index[i, j] for i in np.flatnonzero(hid[:margin, j])]
            for j in range(n_cols)
            if not hid[margin, j]
        ]
        lines = [line for line in lines if line]
        a_eq = np.zeros((len(lines), len(cells)))
        for row, line in enumerate(lines):
            a_eq[row, line] = 1
        values = full[cells[:, 0], cells[:, 1]] if len(cells) else np.zeros(0)
        objective = np.zeros(len(cells))
        if r == margin:  # a column total: its hidden cells plus the shown ones
            objective[[index[i, c] for i in np.flatnonzero(hid[:margin, c])]] = 1
            constant = full[:margin, c][~hid[:margin, c]].sum()
        else:
            objective[index[r, c]] = 1
            constant = 0.0
        bounds = []
        for sign in (1.0, -1.0):
            result = linprog(sign * objective, A_eq=a_eq, b_eq=a_eq @ values, bounds=(0, None))
            bounds.append(math.inf if result.status == 3 else sign * result.fun + constant)
        return bounds[0], bounds[1]

    def rectangles(r, c):
        """Every rectangle on (r, c), other row by other row then column by column: its other
        rows and columns (o, k), its width (how far its corners can trade) and whether each
        corner — (r, k), (o, c), (o, k) — is hidden; arrays, one element per rectangle."""
        others = np.delete(np.arange(n_rows), r)
        ks = np.delete(np.arange(n_cols), c)
        o, k = np.repeat(others, len(ks)), np.tile(ks, len(others))
        a, b = full[r], full[o]
        rows = np.arange(len(o))
        crossed = np.minimum(a[c], b[rows, k]) + np.minimum(a[k], b[rows, c])
        along = np.minimum(a[c], b[rows, c]) + np.minimum(a[k], b[rows, k])
        # a column total moves with its cells, not against them
        w = np.where((r == margin) | (o == margin), along, crossed)
        return o, k, w, (hidden[r, k], hidden[o, c], hidden[o, k])

    def is_protected(r, c) -> bool:
        if hidden[r].sum() == 1:  # alone in its line, whose total is known: pinned
            return False
        _, _, w, (h1, h2, h3) = rectangles(r, c)
        if np.any((w >= need) & h1 & h2 & h3):
            return True  # a hidden rectangle already trades enough
        return protected(*range_of(r, c), min_n)

    safe = np.zeros_like(hidden)
    queue = sorted(zip(*np.nonzero(hidden), strict=True), key=lambda rc: (full[rc], rc))
    while queue:
        r, c = queue.pop(0)
        if safe[r, c] or is_protected(r, c):
            continue
        o, k, w, (h1, h2, h3) = rectangles(r, c)
        n_new = (~h1).astype(int) + ~h2 + ~h3
        if not n_new.any():
            raise RuntimeError("No rectangle left to protect a hidden figure.")  # cannot happen
        students = full[r, k] * ~h1 + full[o, c] * ~h2 + full[o, k] * ~h3
        short = w < need
        # the cheapest: wide enough (else the widest), fewest new figures, fewest students,
        # then the first (lexsort is stable: row by row, column by column)
        order = np.lexsort((students, n_new, np.where(short, -w, 0), short))
        best = order[n_new[order] > 0][0]
        falls_short = bool(short[best])
        corners = [(r, int(k[best])), (int(o[best]), c), (int(o[best]), int(k[best]))]
        for rc in corners:
            if not hidden[rc]:
                hidden[rc] = True
                queue.append(rc)
        if falls_short:
            queue.insert(0, (r, c))  # not wide enough alone: check again with the LP
        else:
            for rc in [(r, c), *corners]:
                safe[rc] = True
