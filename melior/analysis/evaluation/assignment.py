"""Random assignment for a pilot, seeded and reproducible: simple, blocked (within each school
or grade) or by cluster (whole classes or schools), with a balance check — and, like the RCE
Coach, optionally drawn again until every baseline measure is balanced.

Within a block of n units, floor(p·n) go to the tool; when p·n is not whole, one more goes to
the tool with probability equal to the fraction (so the share is right on average and no block
always favours one arm). Draw k uses the random generator seeded with (seed, k), so the same
seed and data give the same assignment on any machine."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._data import require_columns
from .wwc import baseline_equivalence

ARMS = {1: "tool", 0: "comparison"}


@dataclass(frozen=True, eq=False)
class Assignment:
    data: pd.DataFrame  # the input rows with a 0/1 `assigned` column
    seed: int
    draw: int  # which draw was kept (1 = the first)
    unit: str | None  # the column that was assigned (None: each row)
    blocks: str | None
    balance: pd.DataFrame | None  # baseline differences of the kept draw
    warnings: tuple[str, ...]

    @property
    def assigned(self) -> pd.Series:
        return self.data["assigned"]

    def summary(self) -> str:
        counts = self.data["assigned"].value_counts()
        text = (
            f"Assigned {int(counts.get(1, 0))} rows to the tool and {int(counts.get(0, 0))} to "
            f"the comparison (seed {self.seed}, draw {self.draw}"
            + (f", by {self.unit}" if self.unit else "")
            + (f", within {self.blocks}" if self.blocks else "")
            + ")."
        )
        if self.balance is not None and len(self.balance):
            text += (
                f" Largest baseline difference {self.balance['effect_size'].abs().max():.3f} SD."
            )
        return " ".join([text, *self.warnings])


def _draw(units: pd.DataFrame, blocks: str | None, share: float, rng) -> np.ndarray:
    assigned = np.zeros(len(units), dtype=np.int8)
    groups = units.groupby(blocks, sort=True).indices if blocks else {None: np.arange(len(units))}
    for _, positions in groups.items():
        n = len(positions)
        count = int(np.floor(share * n))
        if rng.random() < share * n - count:
            count += 1
        chosen = rng.permutation(n)[:count]
        assigned[positions[chosen]] = 1
    return assigned


def randomise(
    data: pd.DataFrame,
    *,
    share: float = 0.5,
    seed: int,
    unit: str | None = None,
    blocks: str | None = None,
    balance_on=(),
    max_difference: float | None = None,
    max_draws: int = 1000,
) -> Assignment:
    """Assign each row — or each `unit` (class, school), all its rows together — to the tool
    with probability `share`, within `blocks` if given. With `max_difference` (e.g. 0.25),
    draw again until every `balance_on` measure differs by at most that many SDs (WWC effect
    sizes), up to `max_draws`."""
    if not 0 < share < 1:
        raise ValueError("The share assigned to the tool must be between 0 and 1.")
    balance_on = list(balance_on)
    require_columns(data, [unit, blocks, *balance_on])
    if len(data) < 2:
        raise ValueError("Give at least two students (or units) to assign.")
    key = unit or "__row"
    frame = data.assign(__row=np.arange(len(data))) if unit is None else data
    if frame[key].isna().any():
        raise ValueError(f"Some rows have no {unit}: every row needs one to be assigned.")
    # units in a canonical order (by name), so the draw does not depend on the rows' order
    units = (
        frame.drop_duplicates(key)[[key] + ([blocks] if blocks else [])]
        .sort_values(key, kind="stable")
        .reset_index(drop=True)
    )
    if blocks:
        spread = frame.groupby(key)[blocks].nunique()
        if (spread > 1).any():
            raise ValueError(
                f"{int((spread > 1).sum())} {unit}(s) fall in more than one {blocks}: a unit "
                "must sit in one block."
            )
    if len(units) < 2:
        raise ValueError(f"There is only one {unit or 'row'} to assign.")
    notes = []
    if blocks:
        sizes = units.groupby(blocks).size()
        single = sizes[sizes == 1]
        if len(single):
            notes.append(
                f"{len(single)} block(s) have a single unit "
                f"({', '.join(map(str, single.index[:5]))}): it goes to either arm by chance "
                "and adds nothing to a within-block comparison."
            )
    draw, balance = 0, None
    while True:
        draw += 1
        rng = np.random.default_rng([seed, draw])
        chosen = _draw(units, blocks, share, rng)
        arm_of = pd.Series(chosen, index=units[key].to_numpy())
        assigned = frame[key].map(arm_of).astype(int).to_numpy()
        if assigned.min() == assigned.max():
            if draw >= max_draws:
                raise ValueError(
                    "Every draw put all units in one arm: add units or change the share."
                )
            continue
        if balance_on:
            balance = baseline_equivalence(
                frame.assign(__assigned=assigned), "__assigned", balance_on
            ).data
            worst = balance["effect_size"].abs().max()
            if max_difference is not None and worst > max_difference:
                if draw >= max_draws:
                    raise ValueError(
                        f"No draw in {max_draws} kept every baseline difference within "
                        f"{max_difference} SD (best so far was above it): assign by blocks, or "
                        "accept a larger difference and adjust for it in the analysis."
                    )
                continue
        break
    result = data.copy()
    result["assigned"] = assigned
    return Assignment(result, seed, draw, unit, blocks, balance, tuple(notes))
