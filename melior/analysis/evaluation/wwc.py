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
# independently by the R packages WWCr — HaiwenChu/WWCr, file "R/Group Designs" — and baselinr —
# R/attrition_boundary.R). Both agree on the cautious column: from 58 % overall attrition on,
# attrition is high under it whatever the differential.
CAUTIOUS = (
    5.7, 5.8, 5.9, 5.9, 6.0, 6.1, 6.2, 6.3, 6.3, 6.3, 6.3, 6.2, 6.2, 6.1, 6.0, 5.9, 5.9, 5.8, 5.7,
    5.5, 5.4, 5.3, 5.2, 5.1, 4.9, 4.8, 4.7, 4.5, 4.4, 4.3, 4.1, 4.0, 3.8, 3.6, 3.5, 3.3, 3.2, 3.1,
    2.9, 2.8, 2.6, 2.5, 2.3, 2.1, 2.0, 1.8, 1.6, 1.5, 1.3, 1.2, 1.0, 0.9, 0.7, 0.6, 0.4, 0.3, 0.2,
    0.0,
)  # fmt: skip
# The optimistic column as each transcription gives it. They agree up to 12 % overall; from 13 %
# WWCr repeats 10.9 once more, so its row r holds baselinr's row r − 1. WWCr stops at 57 %,
# baselinr at 65 %. Without the handbook at hand to settle the offset, Melior gives a verdict
# only where both agree on it.
OPTIMISTIC_BASELINR = (
    10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.7, 10.8, 10.9, 10.9, 10.9, 10.9, 10.9, 10.8, 10.8,
    10.7, 10.6, 10.5, 10.3, 10.2, 10.0, 9.9, 9.7, 9.5, 9.4, 9.2, 9.0, 8.8, 8.6, 8.4, 8.2, 8.0, 7.8,
    7.6, 7.4, 7.2, 7.0, 6.7, 6.5, 6.3, 6.0, 5.8, 5.6, 5.3, 5.1, 4.9, 4.6, 4.4, 4.2, 3.9, 3.7, 3.5,
    3.2, 3.0, 2.8, 2.6, 2.3, 2.1, 1.9, 1.6, 1.4, 1.1, 0.9, 0.7, 0.5, 0.3,
)  # fmt: skip
OPTIMISTIC_WWCR = (
    10.0, 10.1, 10.2, 10.3, 10.4, 10.5, 10.7, 10.8, 10.9, 10.9, 10.9, 10.9, 10.9, 10.9, 10.8,
    10.8, 10.7, 10.6, 10.5, 10.3, 10.2, 10.0, 9.9, 9.7, 9.5, 9.4, 9.2, 9.0, 8.8, 8.6, 8.4, 8.2,
    8.0, 7.8, 7.6, 7.4, 7.2, 7.0, 6.7, 6.5, 6.3, 6.0, 5.8, 5.6, 5.3, 5.1, 4.9, 4.6, 4.4, 4.2, 3.9,
    3.7, 3.5, 3.2, 3.0, 2.8, 2.6, 2.3,
)  # fmt: skip
BOUNDARIES = {"cautious": (CAUTIOUS,), "optimistic": (OPTIMISTIC_BASELINR, OPTIMISTIC_WWCR)}


@dataclass(frozen=True)
class Attrition:
    randomized: tuple[int, int] | None  # treated, comparison (None when given as rates)
    analyzed: tuple[int, int] | None
    overall: float  # percent
    treated: float | None  # percent; None when only the differential was given
    comparison: float | None
    differential: float  # percentage points
    boundary: str
    largest_low_differential: float | None  # None: high whatever the differential
    low: bool
    # where the two public transcriptions of the optimistic column differ at this overall rate
    # (both give the same verdict here): their two boundaries, and a sentence saying so
    candidate_boundaries: tuple[float, ...] = ()
    uncertainty: str = ""

    def summary(self) -> str:
        level = "low" if self.low else "high"
        row = round_half_up(self.overall)
        if self.largest_low_differential is None:
            limit = f"{row:.0f}% overall is beyond the {self.boundary} boundary at any differential"
        elif len(self.candidate_boundaries) > 1:
            low, high = min(self.candidate_boundaries), max(self.candidate_boundaries)
            limit = (
                f"the {self.boundary} boundary allows {low:.1f} or {high:.1f} points at "
                f"{row:.0f}% overall"
            )
        else:
            limit = (
                f"the {self.boundary} boundary allows {self.largest_low_differential:.1f} points "
                f"at {row:.0f}% overall"
            )
        groups = (
            f" ({self.treated:.1f}% vs {self.comparison:.1f}%)"
            if self.treated is not None and self.comparison is not None
            else ""
        )
        text = (
            f"Overall attrition {self.overall:.1f}%, differential {self.differential:.1f} "
            f"points{groups}: {level} attrition — {limit}."
        )
        return text + (f" {self.uncertainty}" if self.uncertainty else "")


def round_half_up(value: float, digits: int = 0) -> float:
    scale = 10**digits
    return math.floor(value * scale + 0.5 + 1e-9) / scale


def attrition(
    randomized_treated: int | None = None,
    randomized_comparison: int | None = None,
    analyzed_treated: int | None = None,
    analyzed_comparison: int | None = None,
    boundary: str = "cautious",
    *,
    overall: float | None = None,
    differential: float | None = None,
) -> Attrition:
    """Overall and differential attrition rated against the WWC boundary chosen in advance,
    from the four counts (assigned and analysed in each group) or, as a study reports them,
    from the rates: `overall` and `differential` as proportions (0.12 for 12 %).

    Overall attrition is rounded half up to a whole percent to find its row, the differential
    half up to one decimal; attrition is low when that differential is at most the row's value
    (the edge counts as low). Under the optimistic boundary from 13 % overall, where the two
    public transcriptions of the table differ by a row, the verdict is given when both
    boundaries give the same one (and the result names the two), and refused only when the
    differential falls between them; above 57 %, where only one transcription goes, it is
    refused."""
    if boundary not in BOUNDARIES:
        raise ValueError("Choose the cautious or the optimistic boundary.")
    counts = (randomized_treated, randomized_comparison, analyzed_treated, analyzed_comparison)
    if overall is not None or differential is not None:
        if any(c is not None for c in counts) or overall is None or differential is None:
            raise ValueError(
                "Give either the four counts (assigned and analysed in each group) or the "
                "overall and differential attrition rates, not a mix."
            )
        for name, rate in (("overall", overall), ("differential", differential)):
            if not 0 <= rate <= 1:
                raise ValueError(
                    f"The {name} attrition rate must be a proportion between 0 and 1 (0.12 "
                    f"for 12%); got {rate:g}."
                )
        overall_pct, differential_pct = 100 * overall, 100 * differential
        a_t = a_c = None
        randomized = analyzed = None
    else:
        if any(c is None for c in counts):
            raise ValueError(
                "Give the number assigned and analysed in each group (four counts), or the "
                "overall and differential attrition rates."
            )
        for assigned, kept, arm in (
            (randomized_treated, analyzed_treated, "treatment"),
            (randomized_comparison, analyzed_comparison, "comparison"),
        ):
            if assigned <= 0:
                raise ValueError(f"No one was assigned to the {arm} group.")
            if not 0 <= kept <= assigned:
                raise ValueError(
                    f"The {arm} group has {kept} analysed of {assigned} assigned: the analysed "
                    "count must be between 0 and the number assigned."
                )
        overall_pct = 100 * (
            1
            - (analyzed_treated + analyzed_comparison)
            / (randomized_treated + randomized_comparison)
        )
        a_t = 100 * (1 - analyzed_treated / randomized_treated)
        a_c = 100 * (1 - analyzed_comparison / randomized_comparison)
        differential_pct = abs(a_t - a_c)
        randomized = (randomized_treated, randomized_comparison)
        analyzed = (analyzed_treated, analyzed_comparison)
    row = int(round_half_up(overall_pct))
    rated = round_half_up(differential_pct, 1)
    tables = BOUNDARIES[boundary]
    covering = [table for table in tables if row < len(table)]
    candidates = tuple(sorted({table[row] for table in covering}))
    uncertainty = ""
    if len(tables) > 1 and len(covering) == 1 and row < max(len(t) for t in tables):
        raise ValueError(
            f"Overall attrition is {overall_pct:.1f}%: only one public transcription of the "
            "WWC table's optimistic column reaches this far, and Melior gives a verdict only "
            "where two agree. Use the cautious boundary, or rate this study with the WWC "
            "handbook's table at hand."
        )
    if not candidates:
        largest, low = None, False
    elif len(candidates) == 1:
        largest = candidates[0]
        low = rated <= largest
    else:
        verdicts = {rated <= candidate for candidate in candidates}
        if len(verdicts) > 1:
            raise ValueError(
                f"Overall attrition {overall_pct:.1f}%, differential {differential_pct:.1f} "
                f"points: the two public transcriptions of the WWC table's optimistic column "
                f"put the boundary at {candidates[0]:.1f} and {candidates[1]:.1f} points here, "
                "and this differential lies between them, so the verdict depends on which is "
                "right. Rate it with the WWC handbook's table at hand, or use the cautious "
                "boundary."
            )
        low = verdicts.pop()
        largest = candidates[0]
        uncertainty = (
            f"The two public transcriptions of the WWC table (the R packages baselinr and "
            f"WWCr) put the optimistic boundary at {candidates[0]:.1f} or {candidates[1]:.1f} "
            f"points at {row}% overall; both give this verdict."
        )
    return Attrition(
        randomized,
        analyzed,
        overall_pct,
        a_t,
        a_c,
        differential_pct,
        boundary,
        largest,
        low,
        candidates,
        uncertainty,
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
    None: "No tier from this evidence",
}


@dataclass(frozen=True)
class EssaTier:
    tier: int | None  # None: this evidence supports no tier
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return TIERS[self.tier]

    def summary(self) -> str:
        return f"{self.label}: " + " ".join(self.reasons)


def _rationale(reasons, logic_model: bool) -> EssaTier:
    """Tier 4 when a logic model stands behind the tool (this evaluation is the ongoing study
    the tier asks for); otherwise no tier."""
    if logic_model:
        return EssaTier(
            4, [*reasons, "A logic model and this continued evaluation demonstrate a rationale."]
        )
    return EssaTier(
        None,
        [
            *reasons,
            "No logic model was given, so not even Tier 4 (a rationale under continued study) "
            "follows from this evidence.",
        ],
    )


def essa_tier(
    *,
    design: str,
    low_attrition: bool | None,
    baseline_equivalent: bool | None,
    significant_positive: bool,
    negative_finding: bool,
    students: int,
    sites: int,
    logic_model: bool,
    controls_for_selection: bool = True,
) -> EssaTier:
    """A suggested ESSA evidence tier with every rule that decided it (WWC's operationalisation:
    Tier 1 needs a randomised study meeting standards without reservations — low attrition —,
    Tier 2 a study meeting them with reservations — a quasi-experiment or a high-attrition
    randomised study with baseline equivalence —, both a statistically significant positive
    effect, at least 350 students and two sites, and no overriding negative finding; Tier 3 a
    correlational study with controls for selection and a significant positive effect; Tier 4
    a rationale — a logic model, `logic_model` — under continued study). Without a logic model
    and without the evidence for Tiers 1–3 there is no tier (tier None), which is not Tier 4.
    A suggestion to discuss, not a rating."""
    reasons = []
    if negative_finding:
        reasons.append("A statistically significant unfavourable finding rules out Tiers 1–3.")
        return _rationale(reasons, logic_model)
    if not significant_positive:
        reasons.append("No statistically significant positive effect, which Tiers 1–3 need.")
        return _rationale(reasons, logic_model)
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
    return _rationale(
        [*reasons, "No controls for selection bias, which Tier 3 needs."], logic_model
    )
