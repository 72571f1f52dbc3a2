"""The fidelity score of one check, from its ratings on the innovation configuration map.

Pure: ratings come in as plain values, so the rule can be read and tested on its own
(docs/fidelity.md works the examples by hand).

- Each component is rated on each dimension the idea checks at one of three levels of its
  configuration map: 2 ideal, 1 acceptable, 0 unacceptable.
- A component's share is the mean of its ratings over the maximum (2).
- The check's score is the weighted mean of the components' shares, as a percentage: an
  essential component weighs twice an adaptable one.
- Any essential component rated unacceptable on any dimension caps the score at 40% — below
  the 50% line of low fidelity — however well the rest went: without an essential component a
  school is running something else under the idea's name.
"""

from collections.abc import Iterable
from dataclasses import dataclass

LEVELS = {2: "Ideal", 1: "Acceptable", 0: "Unacceptable"}
ESSENTIAL_WEIGHT = 2
ADAPTABLE_WEIGHT = 1
ESSENTIAL_UNACCEPTABLE_CAP = 40.0
LOW_FIDELITY_BELOW = 50.0  # a latest check below this is low fidelity (learning/spread.py)
HIGH_FIDELITY_FROM = 80.0
BANDS = ("high", "moderate", "low", "none")


@dataclass(frozen=True)
class Rating:
    component: int  # the component's id
    essential: bool
    dimension: str
    level: int  # 0, 1 or 2


@dataclass(frozen=True)
class Score:
    value: float  # 0–100
    capped: bool  # an essential component was rated unacceptable

    @property
    def band(self) -> str:
        return band(self.value)


def band(value: float | None) -> str:
    """ "high", "moderate", "low" or "none" (no check yet) for a score."""
    if value is None:
        return "none"
    if value < LOW_FIDELITY_BELOW:
        return "low"
    return "high" if value >= HIGH_FIDELITY_FROM else "moderate"


def score(ratings: Iterable[Rating]) -> Score:
    """The check's score from its ratings (at least one)."""
    by_component: dict[int, list[Rating]] = {}
    for rating in ratings:
        if rating.level not in LEVELS:
            raise ValueError(f"A rating is 0, 1 or 2, not {rating.level!r}.")
        by_component.setdefault(rating.component, []).append(rating)
    if not by_component:
        raise ValueError("A check rates at least one component.")
    earned = weights = 0.0
    capped = False
    for found in by_component.values():
        essential = found[0].essential
        weight = ESSENTIAL_WEIGHT if essential else ADAPTABLE_WEIGHT
        share = sum(r.level for r in found) / (2 * len(found))
        earned += weight * share
        weights += weight
        capped = capped or (essential and any(r.level == 0 for r in found))
    value = 100.0 * earned / weights
    if capped:
        value = min(value, ESSENTIAL_UNACCEPTABLE_CAP)
    return Score(round(value, 1), capped)
