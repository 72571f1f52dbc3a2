"""Decision support: the probability of a meaningful effect (the RCE Coach's idea), and the
Benjamini–Hochberg (false discovery rate) and Bonferroni (family-wise error) corrections across a
pilot's pre-registered outcomes.

The probabilities come from a normal approximation to the posterior of the impact under a flat
prior — impact ~ N(estimate, SE²) — which for a pilot of more than a few dozen students is close
to the RCE Coach's Bayesian regression with weakly informative priors (docs/evaluation.md)."""

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests


@dataclass(frozen=True)
class MeaningfulEffect:
    meaningful: float  # the smallest change that matters, on the outcome's scale (≥ 0)
    certainty: float  # how sure the team wants to be before acting, e.g. 0.75
    decrease: float  # P(impact < −meaningful)
    no_change: float | None  # P(|impact| < meaningful); None when meaningful is 0
    increase: float  # P(impact > meaningful)

    @property
    def verdict(self) -> str:
        if self.increase >= self.certainty:
            return "meaningful increase" if self.meaningful else "increase"
        if self.decrease >= self.certainty:
            return "meaningful decrease" if self.meaningful else "decrease"
        if self.no_change is not None and self.no_change >= self.certainty:
            return "no meaningful change"
        return "uncertain"

    def summary(self) -> str:
        m = self.meaningful
        text = {
            "meaningful increase": f"the tool raised the outcome by at least {m:g}",
            "meaningful decrease": f"the tool lowered the outcome by at least {m:g}",
            "increase": "the tool raised the outcome",
            "decrease": "the tool lowered the outcome",
            "no meaningful change": f"the tool changed the outcome by less than {m:g} either way",
            "uncertain": (
                "none of the three is likely enough to act on"
                if self.no_change is not None
                else "neither is likely enough to act on"
            ),
        }[self.verdict]
        if self.no_change is None:
            chances = (
                f"There is a {self.increase:.0%} probability that the tool raised the outcome "
                f"and {self.decrease:.0%} that it lowered it."
            )
        else:
            chances = (
                f"There is a {self.increase:.0%} probability of an increase of {m:g} or more, "
                f"{self.no_change:.0%} of a change smaller than {m:g} either way, and "
                f"{self.decrease:.0%} of a decrease of {m:g} or more."
            )
        return f"{chances} At the {self.certainty:.0%} certainty the team asked for: {text}."


def meaningful_effect(
    estimate: float, se: float, meaningful: float, *, certainty: float = 0.75
) -> MeaningfulEffect:
    """P(impact < −c), P(|impact| < c), P(impact > c) for the meaningful size c. With c = 0
    the middle band is empty and dropped, as the RCE Coach does: P(effect < 0), P(effect > 0)."""
    if not meaningful >= 0:
        raise ValueError(
            "The meaningful effect must be a size on the outcome's scale, zero or more."
        )
    if not 0.5 <= certainty < 1:
        raise ValueError("The certainty must be between 50% and 100%.")
    if not se > 0:
        raise ValueError("The impact has no standard error: no probabilities.")
    below = float(norm.cdf((-meaningful - estimate) / se))
    above = float(norm.sf((meaningful - estimate) / se))
    middle = 1 - below - above if meaningful > 0 else None
    return MeaningfulEffect(meaningful, certainty, below, middle, above)


def benjamini_hochberg(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and which outcomes stay significant, controlling the false discovery
    rate across the outcomes of one domain."""
    return _adjusted(p_values, alpha, "fdr_bh")


def bonferroni(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values (each × the number of outcomes, at most 1) and which outcomes stay
    significant, controlling the chance of any false finding across the outcomes of one
    domain — stricter than Benjamini–Hochberg."""
    return _adjusted(p_values, alpha, "bonferroni")


def _adjusted(p_values, alpha: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p, p.astype(bool)
    if np.isnan(p).any() or ((p < 0) | (p > 1)).any():
        raise ValueError("p-values must be numbers between 0 and 1.")
    reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
    return adjusted, reject
