"""Reductions over contiguous segments of long arrays, vectorised with bincount/reduceat.

Every chart is computed on "long" arrays: one element per point, with a segment id that numbers
each (series, part) pair. Segment ids are contiguous and ascending along the arrays, so a whole
network of series is computed in the same few NumPy calls as one series.
"""

import numpy as np


def seg_sum(values: np.ndarray, mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    if mask.all():
        return np.bincount(seg, weights=values, minlength=n_seg)
    return np.bincount(seg, weights=np.where(mask, values, 0.0), minlength=n_seg)


def seg_count(mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    if mask.all():
        return np.bincount(seg, minlength=n_seg)
    return np.bincount(seg[mask], minlength=n_seg)


def seg_mean(values: np.ndarray, mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    """Mean of `values` over the masked finite elements of each segment (NaN when none)."""
    m = mask & np.isfinite(values)
    total = seg_sum(values, m, seg, n_seg)
    count = seg_count(m, seg, n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def seg_sd(values: np.ndarray, mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    """Sample standard deviation (n − 1) of the masked finite elements of each segment (NaN
    with fewer than two)."""
    m = mask & np.isfinite(values)
    mean = seg_mean(values, m, seg, n_seg)
    squares = seg_sum((values - mean[seg]) ** 2, m, seg, n_seg)
    count = seg_count(m, seg, n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 1, np.sqrt(squares / np.maximum(count - 1, 1)), np.nan)


def seg_median(values: np.ndarray, mask: np.ndarray, seg: np.ndarray, n_seg: int) -> np.ndarray:
    """Median of the masked finite elements of each segment (NaN when none)."""
    m = mask & np.isfinite(values)
    v, g = values[m], seg[m]
    order = np.lexsort((v, g))
    v, g = v[order], g[order]
    count = np.bincount(g, minlength=n_seg)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    out = np.full(n_seg, np.nan)
    has = count > 0
    lo = start[has] + (count[has] - 1) // 2
    hi = start[has] + count[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


def consecutive_abs_diff(values: np.ndarray, mask: np.ndarray, seg: np.ndarray):
    """Moving ranges |v_i - v_(i-1)| between consecutive masked elements of the same segment.

    Masked-out elements are skipped (the range bridges them); a NaN inside the mask makes the
    ranges that touch it NaN. Returns (ranges, segment of each range).
    """
    if mask.all():
        v, g = values, seg
    else:
        idx = np.flatnonzero(mask)
        v, g = values[idx], seg[idx]
    same = g[1:] == g[:-1]
    return np.abs(np.diff(v))[same], g[1:][same]


def screened_average_moving_range(
    values: np.ndarray, mask: np.ndarray, seg: np.ndarray, n_seg: int, screened: bool, d4: float
) -> np.ndarray:
    """Average moving range per segment; with `screened`, ranges at or above d4 × the average
    are dropped once and the average recomputed (Nelson 1982, as qicharts2 does)."""
    mr, g = consecutive_abs_diff(values, mask, seg)
    ok = np.isfinite(mr)
    amr = seg_mean(mr, ok, g, n_seg)
    if screened and len(mr):
        # With no variation at all (AMR = 0) there is nothing to screen.
        ok &= (mr < d4 * amr[g]) | (amr[g] == 0)
        amr = seg_mean(mr, ok, g, n_seg)
    return amr


def combine_points(
    kind: str, y: np.ndarray, n: np.ndarray | None, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """One point per group of rows sharing a period (groups contiguous, beginning at `starts`),
    by qicharts2's rules: with n (and for C charts) Σy and Σn, missing values skipped but a lone
    missing value kept missing; otherwise the mean of the values (missing when there are none).
    Rows missing y or n are expected to be missing both."""
    present = np.isfinite(y)
    total = np.add.reduceat(np.where(present, y, 0.0), starts)
    if n is None and kind != "c":
        count = np.add.reduceat(present.astype(np.int64), starts)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan), None
    lone_missing = (np.diff(np.r_[starts, len(y)]) == 1) & ~present[starts]
    y_out = np.where(lone_missing, np.nan, total)
    if n is None:
        return y_out, None
    n_total = np.add.reduceat(np.where(np.isfinite(n), n, 0.0), starts)
    return y_out, np.where(lone_missing, np.nan, n_total)
