"""The What Works Clearinghouse's study checks: attrition against its boundaries, baseline
equivalence, the clustering correction for mismatched analyses, and an ESSA evidence tier
suggestion. Sources and the choices made where the sources leave room are in
docs/evaluation.md."""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist

from .effects import CONVENTIONS, cox_index, hedges_g, is_binary, standardized_difference

# The largest differential attrition (percentage points) that is still "low" for each whole
# percent of overall attrition (WWC Standards Handbook v4.0/4.1 Table II.1, as transcribed
# independently by the R packages WWCr and baselinr, which agree on these columns). From 58 %
# overall attrition on, attrition is high under the cautious boundary whatever the differential.
CAUTIOUS = (
    5.7, 5.8, 5.9, 5.9, 6.0, 6.1, 6.2, 6.3, 6.3, 6.3, 6.3, 6.2, 6.2, 6.1, 6.0, 5.9, 5.9, 5.8, 5.7,
    5.5, 5.4, 5.3, 5.2, 5.1, 4.9, 4.8, 4.7, 4.5, 4.4, 4.3, 4.1, 4.0, 3.8, 3.6, 3.5, 3.3, 3.2, 3.1,
    2.9, 2.8, 2.6, 2.5, 2.3, 2.1, 2.0, 1.8, 1.6, 1.5, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6, 0.4, 0.3, 0.2,
    0.0,
)  # fmt: skip
# The optimistic column is given only where both transcriptions agree (0–12 % overall); above
# that they are offset by a row, and Melior refuses rather than guess.
OPTIMISTIC = (10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.7, 10.8, 10.9, 10.9, 10.9, 10.9, 10.9)
BOUNDARIES = {"cautious": CAUTIOUS, "optimistic": OPTIMISTIC}


@dataclass(frozen=True)
class Attrition:
    randomized: tuple[int, int]  # treated, comparison
    analyzed: tuple[int, int]
    overall: float  # percent
    treated: float
    comparison: float
    differential: float  # percentage points
    boundary: str
    largest_low_differential: float | None  # None: high whatever the differential
    low: bool

    def summary(self) -> str:
        level = "low" if self.low else "high"
        limit = (
            f"the {self.boundary} boundary allows {self.largest_low_differential:.1f} points at "
            f"{round_half_up(self.overall):.0f}% overall"
            if self.largest_low_differential is not None
            else f"{round_half_up(self.overall):.0f}% overall is beyond the {self.boundary} "
            "boundary at any differential"
        )
        return (
            f"Overall attrition {self.overall:.1f}%, differential {self.differential:.1f} "
            f"points ({self.treated:.1f}% vs {self.comparison:.1f}%): {level} attrition — {limit}."
        )


def round_half_up(value: float, digits: int = 0) -> float:
    scale = 10**digits
    return math.floor(value * scale + 0.5 + 1e-9) / scale


def attrition(
    randomized_treated: int,
    randomized_comparison: int,
    analyzed_treated: int,
    analyzed_comparison: int,
    boundary: str = "cautious",
) -> Attrition:
    """Overall and differential attrition rated against the WWC boundary chosen in advance.
    Overall attrition is rounded half up to a whole percent to find its row, the differential
    half up to one decimal; attrition is low when that differential is at most the row's value
    (the edge counts as low)."""
    if boundary not in BOUNDARIES:
        raise ValueError("Choose the cautious or the optimistic boundary.")
    for randomized, analyzed, arm in (
        (randomized_treated, analyzed_treated, "treatment"),
        (randomized_comparison, analyzed_comparison, "comparison"),
    ):
        if randomized <= 0:
            raise ValueError(f"No one was assigned to the {arm} group.")
        if not 0 <= analyzed <= randomized:
            raise ValueError(
                f"The {arm} group has {analyzed} analysed of {randomized} assigned: the analysed "
                "count must be between 0 and the number assigned."
            )
    overall = 100 * (
        1 - (analyzed_treated + analyzed_comparison) / (randomized_treated + randomized_comparison)
    )
    a_t = 100 * (1 - analyzed_treated / randomized_treated)
    a_c = 100 * (1 - analyzed_comparison / randomized_comparison)
    differential = abs(a_t - a_c)
    row = int(round_half_up(overall))
    table = BOUNDARIES[boundary]
    if boundary == "optimistic" and row >= len(table):
        raise ValueError(
            f"Overall attrition is {overall:.1f}%: Melior's optimistic boundary is verified only "
            "up to 12% overall attrition. Use the cautious boundary, or rate this study with the "
            "WWC handbook's table at hand."
        )
    largest = table[row] if row < len(table) else None
    low = largest is not None and round_half_up(differential, 1) <= largest
    return Attrition(
        (randomized_treated, randomized_comparison),
        (analyzed_treated, analyzed_comparison),
        overall,
        a_t,
        a_c,
        differential,
        boundary,
        largest,
        low,
    )


EQUIVALENCE = {
    "satisfied": "satisfied (|ES| ≤ 0.05)",
    "adjust": "satisfied only if the analysis adjusts for it (0.05 < |ES| ≤ 0.25)",
    "not satisfied": "not satisfied (|ES| > 0.25)",
}


def equivalence_category(effect_size: float) -> str:
    """The WWC's baseline-equivalence band of one baseline difference (edges inclusive)."""
    size = abs(effect_size)
    if size <= 0.05 + 1e-12:
        return "satisfied"
    if size <= 0.25 + 1e-12:
        return "adjust"
    return "not satisfied"


@dataclass(frozen=True, eq=False)
class BaselineEquivalence:
    data: pd.DataFrame  # one row per baseline measure
    adjusted_for: tuple[str, ...]
    convention: str = CONVENTIONS["wwc"]

    @property
    def satisfied(self) -> bool:
        """Every measure satisfied, or within 0.25 and adjusted for in the analysis."""
        ok = (self.data["category"] == "satisfied") | (
            (self.data["category"] == "adjust") & self.data["measure"].isin(self.adjusted_for)
        )
        return bool(ok.all())

    def summary(self) -> str:
        worst = self.data.loc[self.data["effect_size"].abs().idxmax()] if len(self.data) else None
        verdict = "satisfied" if self.satisfied else "not satisfied"
        detail = (
            f"; largest difference {worst['measure']} = {worst['effect_size']:+.3f} SD"
            if worst is not None
            else ""
        )
        return f"Baseline equivalence {verdict}{detail}. Convention: {self.convention}."


def baseline_equivalence(
    data: pd.DataFrame, treatment: str, measures: list[str], adjusted_for=()
) -> BaselineEquivalence:
    """Baseline differences of the analysed students, in SD units: Hedges' g for continuous
    measures, the Cox index for 0/1 measures, with the RCE Coach's standardized bias alongside
    for comparison."""
    rows = []
    treated = data[treatment].astype(bool).to_numpy()
    for measure in measures:
        x = pd.to_numeric(data[measure], errors="coerce").to_numpy(dtype=float)
        keep = ~np.isnan(x)
        xt, xc = x[keep & treated], x[keep & ~treated]
        binary = is_binary(x)
        effect = cox_index(xt.mean(), xc.mean(), len(xt), len(xc)) if binary else hedges_g(xt, xc)
        rows.append(
            {
                "measure": measure,
                "kind": "binary" if binary else "continuous",
                "mean_treated": xt.mean(),
                "mean_comparison": xc.mean(),
                "n_treated": len(xt),
                "n_comparison": len(xc),
                "effect_size": effect.value,
                "rce_standardized_bias": standardized_difference(x, treated, "rce"),
                "category": equivalence_category(effect.value),
            }
        )
    return BaselineEquivalence(pd.DataFrame(rows), tuple(adjusted_for))


@dataclass(frozen=True)
class ClusteringCorrection:
    g: float
    t: float
    corrected_t: float
    df: float
    p_value: float
    icc: float
    cluster_size: float

    def summary(self) -> str:
        return (
            f"Corrected for clustering (ICC {self.icc:.2f}, {self.cluster_size:.1f} students a "
            f"cluster): t = {self.corrected_t:.2f} on {self.df:.1f} df, p = {self.p_value:.3f} "
            f"(uncorrected t = {self.t:.2f})."
        )


def clustering_correction(
    g: float, n_treated: int, n_comparison: int, clusters: int, icc: float
) -> ClusteringCorrection:
    """The WWC's correction of a significance test that ignored clustering (assignment by class
    or school, analysis by student): t from g, scaled by Hedges' (2007) factor, on h degrees of
    freedom."""
    n = n_treated + n_comparison
    if clusters < 2:
        raise ValueError("Give the number of clusters assigned (two or more).")
    if not 0 <= icc < 1:
        raise ValueError("The intraclass correlation must be between 0 and 1.")
    m = n / clusters
    t = g / math.sqrt(n / (n_treated * n_comparison) + g**2 / (2 * n))
    factor = ((n - 2) - 2 * (m - 1) * icc) / ((n - 2) * (1 + (m - 1) * icc))
    if factor <= 0:
        raise ValueError("Too few clusters for this intraclass correlation: no correction.")
    corrected = t * math.sqrt(factor)
    h = ((n - 2) - 2 * (m - 1) * icc) ** 2 / (
        (n - 2) * (1 - icc) ** 2 + m * (n - 2 * m) * icc**2 + 2 * (n - 2 * m) * icc * (1 - icc)
    )
    p = 2 * t_dist.sf(abs(corrected), h)
    return ClusteringCorrection(g, t, corrected, h, float(p), icc, m)


TIERS = {
    1: "Tier 1 — strong evidence",
    2: "Tier 2 — moderate evidence",
    3: "Tier 3 — promising evidence",
    4: "Tier 4 — demonstrates a rationale",
}


@dataclass(frozen=True)
class EssaTier:
    tier: int
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return TIERS[self.tier]

    def summary(self) -> str:
        return f"{self.label}: " + " ".join(self.reasons)


def essa_tier(
    *,
    design: str,
    low_attrition: bool | None,
    baseline_equivalent: bool | None,
    significant_positive: bool,
    negative_finding: bool,
    students: int,
    sites: int,
    controls_for_selection: bool = True,
) -> EssaTier:
    """A suggested ESSA evidence tier with every rule that decided it (WWC's operationalisation:
    Tier 1 needs a randomised study meeting standards without reservations — low attrition —,
    Tier 2 a study meeting them with reservations — a quasi-experiment or a high-attrition
    randomised study with baseline equivalence —, both a statistically significant positive
    effect, at least 350 students and two sites, and no overriding negative finding; Tier 3 a
    correlational study with controls for selection and a significant positive effect; Tier 4
    a rationale under continued study). A suggestion to discuss, not a rating."""
    reasons = []
    if negative_finding:
        reasons.append("A statistically significant negative finding rules out Tiers 1–3.")
        return EssaTier(4, [*reasons, "The logic model and this continued evaluation remain."])
    if not significant_positive:
        reasons.append("No statistically significant positive effect, which Tiers 1–3 need.")
        return EssaTier(4, [*reasons, "The logic model and this continued evaluation remain."])
    reasons.append("A statistically significant positive effect.")
    big_enough = students >= 350 and sites >= 2
    if big_enough:
        reasons.append(f"{students} students at {sites} sites (Tiers 1 and 2 need 350 and 2).")
    else:
        reasons.append(
            f"{students} students at {sites} site{'s' if sites != 1 else ''}: Tiers 1 and 2 "
            "need at least 350 students and 2 sites."
        )
    meets = None
    if design == "randomized":
        if low_attrition:
            meets = "without reservations"
            reasons.append("Randomised with low attrition: meets standards without reservations.")
        elif baseline_equivalent:
            meets = "with reservations"
            reasons.append(
                "Randomised with high attrition, but baseline equivalence holds: meets standards "
                "with reservations."
            )
        else:
            reasons.append(
                "Randomised with high attrition and baseline equivalence not shown: does not "
                "meet standards."
            )
    elif design in {"matched", "quasi-experimental"}:
        if baseline_equivalent:
            meets = "with reservations"
            reasons.append(
                "A comparison study with baseline equivalence: meets standards with reservations."
            )
        else:
            reasons.append(
                "A comparison study without baseline equivalence: does not meet standards."
            )
    else:
        reasons.append("Not a group comparison that WWC standards rate.")
    if big_enough and meets == "without reservations":
        return EssaTier(1, reasons)
    if big_enough and meets == "with reservations":
        return EssaTier(2, reasons)
    if controls_for_selection:
        reasons.append(
            "A significant positive effect with controls for selection: promising (Tier 3)."
        )
        return EssaTier(3, reasons)
    return EssaTier(4, [*reasons, "No controls for selection bias."])
