"""Minimum detectable effect sizes (in SD units) for a planned pilot, as in the RCE Coach's power
calculator (Bloom 1995; Schochet 2008): the MDES is the multiplier
(t_{1−α/2, df} + t_{power, df}) times the standard error of the impact in SD units."""

import math
from dataclasses import dataclass

from scipy.stats import t as t_dist


@dataclass(frozen=True)
class Mdes:
    mdes: float
    multiplier: float
    df: float
    design: str

    def summary(self) -> str:
        return (
            f"{self.design}: the smallest true effect this pilot would detect 80% of the time is "
            f"{self.mdes:.3f} SD (multiplier {self.multiplier:.2f} on {self.df:.0f} df)."
        )


def _multiplier(df: float, alpha: float, power: float) -> float:
    return float(t_dist.ppf(1 - alpha / 2, df) + t_dist.ppf(power, df))


def _check(p: float, alpha: float, power: float) -> None:
    if not 0 < p < 1:
        raise ValueError("The share assigned to the tool must be between 0 and 1.")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("The significance level and the power must be between 0 and 1.")


def mdes_individual(
    n: int, *, p: float = 0.5, r2: float = 0.0, alpha: float = 0.05, power: float = 0.80
) -> Mdes:
    """Students assigned one by one: √((1−R²)/(N p (1−p))) on N − 2 df."""
    _check(p, alpha, power)
    if n < 4:
        raise ValueError("A pilot needs at least four students.")
    if not 0 <= r2 < 1:
        raise ValueError("R² of the covariates must be between 0 and 1.")
    df = n - 2
    m = _multiplier(df, alpha, power)
    return Mdes(m * math.sqrt((1 - r2) / (n * p * (1 - p))), m, df, "Students randomized")


def mdes_cluster(
    clusters: int,
    cluster_size: float,
    *,
    icc: float,
    p: float = 0.5,
    r2_within: float = 0.0,
    r2_between: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.80,
) -> Mdes:
    """Classes or schools assigned whole: √([(1−ρ)(1−R²_W)/(g m) + ρ(1−R²_B)/g] / (p(1−p))) on
    g − 2 df."""
    _check(p, alpha, power)
    if clusters < 4:
        raise ValueError("A cluster-randomised pilot needs at least four clusters.")
    if not 0 <= icc < 1:
        raise ValueError("The intraclass correlation must be between 0 and 1.")
    df = clusters - 2
    m = _multiplier(df, alpha, power)
    variance = (
        (1 - icc) * (1 - r2_within) / (clusters * cluster_size) + icc * (1 - r2_between) / clusters
    ) / (p * (1 - p))
    return Mdes(m * math.sqrt(variance), m, df, "Clusters randomised")
