"""Effect sizes in the What Works Clearinghouse's conventions (Procedures and Standards
Handbook v5.0; the formulas in docs/evaluation.md):

- Hedges' g = ω (ȳ_T − ȳ_C) / S_p, with the pooled within-group SD
  S_p = √(((n_T−1)s_T² + (n_C−1)s_C²)/(N−2)) and the small-sample correction ω = 1 − 3/(4N−9);
  covariate-adjusted, the numerator is the adjusted mean difference and the denominator stays
  the *unadjusted* pooled SD;
- the Cox index for a binary outcome, ω [logit(p_T) − logit(p_C)] / 1.65;
- the improvement index, 100 (Φ(g) − ½) percentile points.

Other tools standardise differently, and districts will meet their numbers: the RCE Coach
divides by the SD of the whole sample with no ω ("standardized bias"), MatchIt/cobalt divide by
the treated group's SD for the ATT. `standardized_difference` computes each, named.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

CONVENTIONS = {
    "wwc": "WWC: Hedges' g with ω (pooled within-group SD); Cox index for binary measures",
    "rce": "RCE Coach standardized bias: difference ÷ SD of the whole sample, no ω",
    "att": "MatchIt/cobalt ATT: difference ÷ SD of the treated group (√(p(1−p)) if binary)",
}


def omega(n: int) -> float:
    """The small-sample correction for N students in all."""
    return 1 - 3 / (4 * n - 9)


@dataclass(frozen=True)
class EffectSize:
    """A standardised effect and what it was made of."""

    value: float
    kind: str  # "hedges_g" or "cox_index"
    difference: float  # on the outcome's scale (log odds for the Cox index)
    denominator: float  # the pooled SD (1.65 for the Cox index)
    omega: float
    n_treated: int
    n_comparison: int
    convention: str = CONVENTIONS["wwc"]

    @property
    def improvement_index(self) -> float:
        return improvement_index(self.value)

    def summary(self) -> str:
        name = "Hedges' g" if self.kind == "hedges_g" else "Cox index"
        return (
            f"{name} = {self.value:.3f} (ω = {self.omega:.4f}; n = {self.n_treated} vs "
            f"{self.n_comparison}); improvement index {self.improvement_index:+.0f}. "
            f"Convention: {self.convention}."
        )


def improvement_index(g: float) -> float:
    """The expected change in percentile rank of an average comparison-group student had they
    received the intervention (−50 … +50)."""
    return 100 * (norm.cdf(g) - 0.5)


def pooled_sd(sd_t: float, n_t: int, sd_c: float, n_c: int) -> float:
    return float(np.sqrt(((n_t - 1) * sd_t**2 + (n_c - 1) * sd_c**2) / (n_t + n_c - 2)))


def hedges_g_from_stats(
    mean_t: float,
    sd_t: float,
    n_t: int,
    mean_c: float,
    sd_c: float,
    n_c: int,
    *,
    adjusted_difference: float | None = None,
) -> EffectSize:
    """Hedges' g from group summaries; give `adjusted_difference` (the regression-adjusted
    impact) for the covariate-adjusted g, which keeps the unadjusted pooled SD."""
    _require_two_each(n_t, n_c)
    sd = pooled_sd(sd_t, n_t, sd_c, n_c)
    if not sd > 0:
        raise ValueError("The outcome does not vary within the groups: no effect size.")
    difference = mean_t - mean_c if adjusted_difference is None else adjusted_difference
    w = omega(n_t + n_c)
    return EffectSize(w * difference / sd, "hedges_g", difference, sd, w, n_t, n_c)


def _require_two_each(n_t: int, n_c: int) -> None:
    if n_t < 2 or n_c < 2:
        raise ValueError("Each group needs at least two students for a standard deviation.")


def hedges_g(treated, comparison, *, adjusted_difference: float | None = None) -> EffectSize:
    """Hedges' g from the two groups' values (missing values are left out)."""
    t = _values(treated)
    c = _values(comparison)
    _require_two_each(len(t), len(c))
    return hedges_g_from_stats(
        t.mean(),
        t.std(ddof=1),
        len(t),
        c.mean(),
        c.std(ddof=1),
        len(c),
        adjusted_difference=adjusted_difference,
    )


def cox_index(p_t: float, p_c: float, n_t: int, n_c: int) -> EffectSize:
    """The Cox index for a binary outcome from the two groups' proportions (WWC applies ω)."""
    for p in (p_t, p_c):
        if not 0 < p < 1:
            raise ValueError(
                "The Cox index needs proportions strictly between 0 and 1 in both groups "
                f"(got {p_t:.3g} and {p_c:.3g})."
            )
    difference = float(np.log(p_t / (1 - p_t)) - np.log(p_c / (1 - p_c)))
    w = omega(n_t + n_c)
    return EffectSize(w * difference / 1.65, "cox_index", difference, 1.65, w, n_t, n_c)


def is_binary(values) -> bool:
    v = _values(values)
    return len(v) > 0 and bool(np.isin(v, (0, 1)).all())


def standardized_difference(values, treated, convention: str = "wwc") -> float:
    """The difference between the treated and comparison groups in SD units, by a named
    convention (CONVENTIONS): WWC g or Cox index, RCE Coach standardized bias, or ATT SMD."""
    x = np.asarray(values, dtype=float)
    t = np.asarray(treated).astype(bool)
    keep = ~np.isnan(x)
    x, t = x[keep], t[keep]
    xt, xc = x[t], x[~t]
    if convention == "wwc":
        if is_binary(x):
            return cox_index(xt.mean(), xc.mean(), len(xt), len(xc)).value
        return hedges_g(xt, xc).value
    difference = xt.mean() - xc.mean()
    if convention == "rce":
        sd = x.std(ddof=1)
    elif convention == "att":
        sd = np.sqrt(xt.mean() * (1 - xt.mean())) if is_binary(x) else xt.std(ddof=1)
    else:
        raise ValueError(f"Unknown convention “{convention}”: choose {', '.join(CONVENTIONS)}.")
    return float(difference / sd) if sd > 0 else float("nan")


def _values(values) -> np.ndarray:
    v = np.asarray(values, dtype=float).ravel()
    return v[~np.isnan(v)]
