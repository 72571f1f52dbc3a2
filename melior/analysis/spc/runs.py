"""Runs analysis: the Anhøj rules, the IHI run-chart rules and the NHS "Making Data Count" rules."""

from functools import lru_cache

import numpy as np
from scipy.special import comb
from scipy.stats import binom

from .grouped import seg_count

# The Anhøj statistics reported per part (single charts) or per series (batch).
RUNS_COLUMNS = [
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "runs_signal",
]

# Differences below this share of the values' size are rounding, not data: a constant series
# must not show signals because its mean came out one unit in the last place off.
RELATIVE_TOLERANCE = 1e-10


def above(y: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """y is above the limit by more than rounding; False where either is missing."""
    with np.errstate(invalid="ignore"):
        return y - limit > RELATIVE_TOLERANCE * np.abs(limit)


def below(y: np.ndarray, limit: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return limit - y > RELATIVE_TOLERANCE * np.abs(limit)


def side_of(y: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """+1 above, −1 below, 0 on the centre line (within rounding), NaN where missing."""
    side = above(y, centre).astype(float) - below(y, centre)
    side[np.isnan(y) | np.isnan(centre)] = np.nan
    return side


def anhoej_limits(n_useful) -> tuple[np.ndarray, np.ndarray]:
    """Longest-run maximum round(log2 n) + 3 and crossings minimum qbinom(0.05, n − 1, 0.5)
    for n useful points (Anhøj & Olesen 2014). NaN where n < 1."""
    n = np.asarray(n_useful, dtype=float)
    # many series share a length: look each distinct length up once
    sizes, where = np.unique(n, return_inverse=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        longest = np.where(sizes >= 1, np.round(np.log2(np.maximum(sizes, 1))) + 3, np.nan)
        crossings = np.where(sizes >= 1, binom.ppf(0.05, np.maximum(sizes - 1, 0), 0.5), np.nan)
    return longest[where].reshape(n.shape), crossings[where].reshape(n.shape)


def run_stats(y, centre, seg, include, n_seg) -> dict[str, np.ndarray]:
    """Anhøj statistics per segment. Points on the centre line and missing points are dropped:
    they neither break nor extend a run."""
    sign = side_of(y, centre)
    useful = include & np.isfinite(sign) & (sign != 0)
    n_obs = seg_count(include, seg, n_seg)
    s, g = sign[useful], seg[useful]
    n_useful = np.bincount(g, minlength=n_seg)
    longest_run_max, crossings_min = anhoej_limits(n_useful)
    longest = np.zeros(n_seg)
    n_runs = np.zeros(n_seg)
    longest_sign = np.zeros(n_seg)  # side of the longest run (the latest of equal length)
    long_sign = np.zeros(n_seg)  # sign of the latest unusually long run
    long_end = np.full(n_seg, -1)  # its last point (index into the long arrays)
    last_sign = np.zeros(n_seg)  # sign of the latest run
    if len(s):
        starts = np.ones(len(s), dtype=bool)
        starts[1:] = (s[1:] != s[:-1]) | (g[1:] != g[:-1])
        start_at = np.flatnonzero(starts)
        run_len = np.diff(np.r_[start_at, len(s)])
        run_seg = g[start_at]
        run_sign = s[start_at]
        n_runs = np.bincount(run_seg, minlength=n_seg).astype(float)
        first = np.flatnonzero(np.r_[True, run_seg[1:] != run_seg[:-1]])
        present = run_seg[first]
        longest[present] = np.maximum.reduceat(run_len, first)
        last_sign[present] = run_sign[np.r_[first[1:] - 1, len(run_seg) - 1]]
        # the side of each segment's latest run of its longest length
        at_longest = np.flatnonzero(run_len == longest[run_seg])
        seg_of = run_seg[at_longest]
        latest = at_longest[np.r_[seg_of[1:] != seg_of[:-1], True]]
        longest_sign[run_seg[latest]] = run_sign[latest]
        long_runs = np.flatnonzero(run_len > longest_run_max[run_seg])
        if len(long_runs):
            # the point each long run ends on; assignment in order: the latest run wins
            ends = np.r_[start_at[1:] - 1, len(s) - 1][long_runs]
            long_sign[run_seg[long_runs]] = run_sign[long_runs]
            long_end[run_seg[long_runs]] = np.flatnonzero(useful)[ends]
    has = n_useful > 0
    n_crossings = np.where(has, n_runs - 1, np.nan)
    longest = np.where(has, longest, np.nan)
    with np.errstate(invalid="ignore"):
        signal = has & ((longest > longest_run_max) | (n_crossings < crossings_min))
    return {
        "n_obs": n_obs,
        "n_useful": n_useful,
        "longest_run": longest,
        "longest_run_max": longest_run_max,
        "n_crossings": n_crossings,
        "n_crossings_min": crossings_min,
        "runs_signal": signal,
        "longest_run_sign": longest_sign,
        "long_run_sign": long_sign,
        "long_run_end": long_end,
        "last_run_sign": last_sign,
    }


# --- IHI run-chart rules (Perla, Provost & Murray 2011) -------------------------------------


def _in_long_stretch(keys: np.ndarray, min_len: int) -> np.ndarray:
    """Mark elements that belong to a stretch of >= min_len equal, non-zero keys."""
    if not len(keys):
        return np.zeros(0, dtype=bool)
    starts = np.r_[True, keys[1:] != keys[:-1]]
    run_id = np.cumsum(starts) - 1
    run_len = np.bincount(run_id)
    return (run_len[run_id] >= min_len) & (keys != 0)


def ihi_shift(y: np.ndarray, centre: float, min_len: int = 6) -> np.ndarray:
    """Points in a shift: >= min_len consecutive points on one side of the median, where points
    on the median are skipped (neither counted nor breaking the run). A boolean mask."""
    sign = side_of(y, np.full(len(y), centre))
    useful = np.flatnonzero(np.isfinite(sign) & (sign != 0))
    flags = np.zeros(len(y), dtype=bool)
    flags[useful] = _in_long_stretch(sign[useful], min_len)
    return flags


def ihi_trend(y: np.ndarray, min_len: int = 5) -> np.ndarray:
    """Points in a trend: >= min_len consecutive points all going up or all going down, where a
    value equal to the one before it is ignored (neither counted nor breaking the trend)."""
    idx = np.flatnonzero(np.isfinite(y))
    v = y[idx]
    keep = np.r_[True, v[1:] != v[:-1]] if len(v) else np.zeros(0, dtype=bool)
    idx, v = idx[keep], v[keep]
    flags = np.zeros(len(y), dtype=bool)
    if len(v) < 2:
        return flags
    step = np.sign(np.diff(v))  # step j joins kept points j and j + 1
    starts = np.r_[True, step[1:] != step[:-1]]
    run_id = np.cumsum(starts) - 1
    trending = np.bincount(run_id)[run_id] + 1 >= min_len  # k steps span k + 1 points
    flags[idx[:-1][trending]] = True
    flags[idx[1:][trending]] = True
    return flags


@lru_cache(maxsize=512)
def ihi_runs_limits(n_useful: int, tail: float = 0.025) -> tuple[float, float]:
    """Too few / too many runs: exact limits from the distribution of the number of runs
    (Swed & Eisenhart 1943) with n1 = floor(N/2) points on one side and `tail` in each tail.
    A signal is fewer runs than the lower limit or more than the upper."""
    if n_useful < 2:
        return (np.nan, np.nan)
    n1 = n_useful // 2
    n2 = n_useful - n1
    total = comb(n_useful, n1, exact=True)
    runs = np.arange(2, n_useful + 1)
    ways = []
    for r in runs:
        k = r // 2
        if r % 2 == 0:
            ways.append(2 * comb(n1 - 1, k - 1, exact=True) * comb(n2 - 1, k - 1, exact=True))
        else:
            ways.append(
                comb(n1 - 1, k, exact=True) * comb(n2 - 1, k - 1, exact=True)
                + comb(n1 - 1, k - 1, exact=True) * comb(n2 - 1, k, exact=True)
            )
    p = np.array(ways, dtype=float) / total
    lower = runs[np.cumsum(p) > tail][0]
    upper = runs[::-1][np.cumsum(p[::-1]) > tail][0]
    return float(lower), float(upper)


# --- NHS "Making Data Count" rules (as NHSRplotthedots implements them) --------------------


def seven_point_one_side(side: np.ndarray) -> np.ndarray:
    """Mark i when side[i-6..i] are all equal and non-zero (the seventh point of a run)."""
    out = np.zeros(len(side), dtype=int)
    for i in range(6, len(side)):
        window = side[i - 6 : i + 1]
        if window[0] != 0 and np.all(window == window[0]):
            out[i] = 1
    return out


def seven_point_trend(y: np.ndarray) -> np.ndarray:
    """+1 / −1 at i when y[i-6..i] strictly increase / decrease (a tie breaks the trend)."""
    out = np.zeros(len(y), dtype=int)
    for i in range(6, len(y)):
        steps = np.diff(y[i - 6 : i + 1])
        if np.all(steps > 0):
            out[i] = 1
        elif np.all(steps < 0):
            out[i] = -1
    return out


def sign_of_seven(v: np.ndarray) -> np.ndarray:
    """Spread a flag at the seventh point back over all seven: the first non-zero value of
    v[i..i+6] (so +1 / −1 carry the direction of a trend), else 0."""
    out = np.zeros(len(v), dtype=int)
    for i in range(len(v)):
        window = v[i : i + 7]
        nonzero = window[window != 0]
        if len(nonzero):
            out[i] = nonzero[0]
    return out


def part_of_seven(v: np.ndarray) -> np.ndarray:
    """1 where the point belongs to a flagged run of seven, else 0."""
    return (sign_of_seven(v) != 0).astype(int)


def two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Mark i when a window of three consecutive points containing i has at least two points
    close to the limits and all three on the same side of the mean."""
    out = np.zeros(len(close), dtype=int)
    for start in range(len(close) - 2):
        window = slice(start, start + 3)
        if np.sum(close[window]) >= 2 and abs(np.sum(side[window])) == 3:
            out[window] = 1
    return out
