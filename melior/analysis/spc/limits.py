"""Centre lines and control limits for every chart kind, on long arrays of many segments.

Conventions follow qicharts2 (see docs/spc.md): sums over sums for P and U, per-point limits from
each point's denominator, I-chart sigma from the screened average moving range, Laney's
adjustment for P′/U′, the cube-root-like transform for T, the median centre for G, and an
S-based Xbar chart unless the range method is asked for (qcc's convention).
"""

from dataclasses import dataclass, replace

import numpy as np

from . import constants as k
from .grouped import screened_average_moving_range, seg_mean, seg_median, seg_sd, seg_sum

T_POWER = 3.6


@dataclass
class Points:
    """One element per (aggregated) point, in segment order."""

    y: np.ndarray  # numerator, value, or subgroup mean for xbar
    n: np.ndarray | None  # denominator (p, np, u and their Laney forms)
    seg: np.ndarray  # segment id: one per (series, part)
    include: np.ndarray  # not excluded
    baseline: np.ndarray  # inside the frozen baseline (all True without freeze)
    n_seg: int
    sd: np.ndarray | None = None  # xbar/s/r: subgroup SD
    range_: np.ndarray | None = None  # xbar/s/r: subgroup range
    size: np.ndarray | None = None  # xbar/s/r: non-missing measurements in the subgroup
    ordered: bool = True  # False when x labels units (a funnel) rather than times

    @property
    def base(self) -> np.ndarray:
        return self.baseline & self.include


def _ratio(y: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, y / np.where(n > 0, n, 1), np.nan)


def _pooled_rate(p: Points, valid: np.ndarray) -> np.ndarray:
    m = p.base & valid
    num = seg_sum(p.y, m, p.seg, p.n_seg)
    den = seg_sum(p.n, m, p.seg, p.n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _laney_sigma_z(z: np.ndarray, p: Points, screened: bool) -> np.ndarray:
    """The spread of the z-scores: from their moving ranges over ordered x, but their sample SD
    when x labels units in no meaningful order (qicharts2)."""
    if not p.ordered:
        return seg_sd(z, p.base, p.seg, p.n_seg)
    amr = screened_average_moving_range(z, p.base, p.seg, p.n_seg, screened, k.MR_D4)
    return amr / k.MR_D2


def compute(
    kind: str, p: Points, *, screened_mr: bool = True, nhs: bool = False, xbar_sigma: str = "s"
) -> dict[str, np.ndarray]:
    """Plotted values, centre line and 3-sigma limits per point for one chart kind."""
    seg = p.seg
    if kind in {"run", "i"} and p.n is not None:
        # a run or I chart of a ratio plots Σy/Σn per point (n = 0: a missing point), as qicharts2
        p = replace(p, y=_ratio(p.y, p.n))
    if kind == "run":
        y = p.y
        cl = seg_median(y, p.base, seg, p.n_seg)[seg]
        return {"y": y, "cl": cl, "lcl": np.full(len(y), np.nan), "ucl": np.full(len(y), np.nan)}

    if kind in {"i", "t"}:
        y = p.y if kind == "i" else np.power(p.y, 1 / T_POWER)
        cl = seg_mean(y, p.base, seg, p.n_seg)
        amr = screened_average_moving_range(y, p.base, seg, p.n_seg, screened_mr, k.MR_D4)
        half_width = k.NHS_LIMIT_FACTOR * amr if nhs else 3 * amr / k.MR_D2
        cl, lcl, ucl = cl[seg], (cl - half_width)[seg], (cl + half_width)[seg]
        if kind == "t":
            with np.errstate(invalid="ignore"):
                lcl = np.where(lcl > 0, np.power(np.maximum(lcl, 0), T_POWER), 0.0)
            cl, ucl, y = np.power(cl, T_POWER), np.power(ucl, T_POWER), np.power(y, T_POWER)
        return {"y": y, "cl": cl, "lcl": lcl, "ucl": ucl}

    if kind == "mr":
        y = np.full(len(p.y), np.nan)
        same = seg[1:] == seg[:-1]
        y[1:] = np.where(same, np.abs(np.diff(p.y)), np.nan)
        cl = seg_mean(y, p.base, seg, p.n_seg)[seg]
        return {"y": y, "cl": cl, "lcl": np.zeros(len(y)), "ucl": k.MR_D4 * cl}

    if kind == "c":
        cl = seg_mean(p.y, p.base, seg, p.n_seg)[seg]
        sigma = np.sqrt(cl)
        return {"y": p.y, "cl": cl, "lcl": np.maximum(cl - 3 * sigma, 0), "ucl": cl + 3 * sigma}

    if kind == "g":
        mean = seg_mean(p.y, p.base, seg, p.n_seg)[seg]
        sd = np.sqrt(mean * (mean + 1))
        cl = seg_median(p.y, p.base, seg, p.n_seg)[seg]
        return {"y": p.y, "cl": cl, "lcl": np.maximum(mean - 3 * sd, 0), "ucl": mean + 3 * sd}

    if kind in {"p", "u", "p_prime", "u_prime", "np"}:
        valid = np.isfinite(p.y) & np.isfinite(p.n) & (p.n > 0)
        rate = _pooled_rate(p, valid)[seg]
        proportion = kind in {"p", "p_prime", "np"}
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_sd = np.where(
                valid, np.sqrt((rate * (1 - rate) if proportion else rate) / p.n), np.nan
            )
        if kind == "np":
            cl = rate * p.n
            sd = unit_sd * p.n
            lcl = np.clip(cl - 3 * sd, 0, p.n)
            ucl = np.clip(cl + 3 * sd, 0, p.n)
            return {"y": np.where(valid, p.y, np.nan), "cl": cl, "lcl": lcl, "ucl": ucl}
        y = np.where(valid, _ratio(p.y, p.n), np.nan)
        if kind.endswith("_prime"):
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (y - rate) / unit_sd
            unit_sd = unit_sd * _laney_sigma_z(z, p, screened_mr)[seg]
        lcl = np.maximum(rate - 3 * unit_sd, 0)
        ucl = rate + 3 * unit_sd
        if proportion:
            ucl = np.minimum(ucl, 1)
        return {"y": y, "cl": rate, "lcl": lcl, "ucl": ucl}

    if kind in {"xbar", "s", "r"}:
        return _subgroup_chart(kind, p, xbar_sigma)
    raise ValueError(f"Unknown chart kind {kind!r}.")


def _subgroup_chart(kind: str, p: Points, xbar_sigma: str) -> dict[str, np.ndarray]:
    seg, m = p.seg, p.size.astype(float)
    base = p.base
    has = m > 0
    weights = np.where(base & has, m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = seg_sum(np.nan_to_num(p.y) * weights, base, seg, p.n_seg) / seg_sum(
            weights, base, seg, p.n_seg
        )
    if kind == "r" or xbar_sigma == "r":
        # qcc: sigma = mean(R_i / d2(n_i)); ranges centred on the n-weighted mean range
        sigma = seg_mean(p.range_ / k.d2(m), base, seg, p.n_seg)[seg]
        if kind == "xbar":
            half = 3 * sigma / np.sqrt(m)
            cl = grand[seg]
            return {"y": p.y, "cl": cl, "lcl": cl - half, "ucl": cl + half}
        with np.errstate(invalid="ignore", divide="ignore"):
            r_bar = seg_sum(np.nan_to_num(p.range_) * weights, base, seg, p.n_seg) / seg_sum(
                weights, base, seg, p.n_seg
            )
        cl = r_bar[seg]
        spread = 3 * k.d3(m) * sigma
        return {"y": p.range_, "cl": cl, "lcl": np.maximum(cl - spread, 0), "ucl": cl + spread}

    # S-based sigma (qicharts2): mean SD when every subgroup of the part has the same size,
    # otherwise the pooled SD. An empty subgroup adds -1 to the pooled denominator, as qicharts2
    # does (its NA terms drop out of the numerator only).
    sizes_min = np.full(p.n_seg, np.inf)
    sizes_max = np.full(p.n_seg, -np.inf)
    np.minimum.at(sizes_min, seg, m)
    np.maximum.at(sizes_max, seg, m)
    constant = sizes_min == sizes_max
    mean_sd = seg_mean(p.sd, base, seg, p.n_seg)
    finite_sd = np.isfinite(p.sd)
    num = seg_sum((m - 1) * np.where(finite_sd, p.sd, 0.0) ** 2, base, seg, p.n_seg)
    den = seg_sum(m - 1, base, seg, p.n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(num / den)
    s_hat = np.where(constant, mean_sd, pooled)[seg]
    if kind == "xbar":
        half = k.a3(m) * s_hat
        cl = grand[seg]
        return {"y": p.y, "cl": cl, "lcl": cl - half, "ucl": cl + half}
    b3, b4 = k.b3_b4(m)
    return {"y": p.sd, "cl": s_hat, "lcl": b3 * s_hat, "ucl": b4 * s_hat}
