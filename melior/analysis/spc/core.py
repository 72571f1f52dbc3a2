"""From checked long arrays to per-point results and per-part statistics, for any number of
series at once."""

import numpy as np

from . import runs as runs_mod
from .limits import Points, compute


def sigma_signals(y: np.ndarray, lcl: np.ndarray, ucl: np.ndarray) -> np.ndarray:
    """Strictly outside the limits; missing values and missing limits give no signal."""
    return runs_mod.above(y, ucl) | runs_mod.below(y, lcl)


def evaluate(
    kind: str,
    points: Points,
    *,
    rules: str = "anhoej",
    screened_mr: bool = True,
    xbar_sigma: str = "s",
) -> tuple[dict, dict]:
    """Per-point columns and per-segment statistics for one kind under one rule set."""
    out = compute(kind, points, screened_mr=screened_mr, nhs=rules == "nhs", xbar_sigma=xbar_sigma)
    y, cl = out["y"], out["cl"]
    seg, n_seg = points.seg, points.n_seg
    out["sigma_signal"] = (
        np.zeros(len(y), dtype=bool) if kind == "run" else sigma_signals(y, out["lcl"], out["ucl"])
    )
    stats = runs_mod.run_stats(y, cl, seg, points.include, n_seg)
    if kind == "mr":  # moving ranges are not independent: no runs analysis (as qicharts2)
        stats["runs_signal"] = np.zeros(n_seg, dtype=bool)
    if rules == "ihi":
        _ihi(out, stats, points)
    elif rules == "nhs":
        _nhs(out, stats, points)
    if not points.ordered:
        _no_runs_rules(out, stats, n_seg)
    out["runs_signal"] = stats["runs_signal"][seg]
    return out, stats


def _no_runs_rules(out: dict, stats: dict, n_seg: int) -> None:
    """On a categorical x (units in an arbitrary order, as in a funnel) runs, shifts and trends
    mean nothing: only points beyond the limits signal (as qicharts2)."""
    stats["runs_signal"] = np.zeros(n_seg, dtype=bool)
    for key in ("shift_signal", "trend_signal", "too_few_runs", "too_many_runs"):
        if key in stats:
            stats[key] = np.zeros(n_seg, dtype=bool)
    for column in ("shift", "trend"):
        if column in out:
            out[column] = np.zeros(len(out[column]), dtype=bool)
    if "rule" in out:
        outside = out["rule"] == "outside"
        out["rule"] = np.where(outside, out["rule"], "")
        out["rule_sign"] = np.where(outside, out["rule_sign"], 0)


def _segment_slices(seg: np.ndarray, n_seg: int):
    bounds = np.searchsorted(seg, np.arange(n_seg + 1))
    return [slice(bounds[i], bounds[i + 1]) for i in range(n_seg)]


def _ihi(out: dict, stats: dict, points: Points) -> None:
    """IHI rules replace the Anhøj runs rules: shift, trend and too few / too many runs."""
    y, cl, inc = out["y"], out["cl"], points.include
    shift = np.zeros(len(y), dtype=bool)
    trend = np.zeros(len(y), dtype=bool)
    runs_low = np.full(points.n_seg, np.nan)
    runs_high = np.full(points.n_seg, np.nan)
    for s, part in enumerate(_segment_slices(points.seg, points.n_seg)):
        yy = np.where(inc[part], y[part], np.nan)
        if not len(yy):
            continue
        shift[part] = runs_mod.ihi_shift(yy, cl[part][0])
        trend[part] = runs_mod.ihi_trend(yy)
        runs_low[s], runs_high[s] = runs_mod.ihi_runs_limits(int(stats["n_useful"][s]))
    n_runs = stats["n_crossings"] + 1
    with np.errstate(invalid="ignore"):
        too_few, too_many = n_runs < runs_low, n_runs > runs_high
    seg = points.seg
    shift_seg = np.bincount(seg[shift], minlength=points.n_seg) > 0
    trend_seg = np.bincount(seg[trend], minlength=points.n_seg) > 0
    out["shift"], out["trend"] = shift, trend
    stats.update(
        runs_min=runs_low,
        runs_max=runs_high,
        too_few_runs=too_few,
        too_many_runs=too_many,
        shift_signal=shift_seg,
        trend_signal=trend_seg,
        runs_signal=shift_seg | trend_seg | too_few | too_many,
    )


NHS_LABELS = {
    ("outside", 1): "Above UCL",
    ("outside", -1): "Below LCL",
    ("trend", 1): "Increasing Trend",
    ("trend", -1): "Decreasing Trend",
    ("two_in_three", 1): "2 in 3 Above CL",
    ("two_in_three", -1): "2 in 3 Below CL",
    ("shift", 1): "7 Points Above CL",
    ("shift", -1): "7 Points Below CL",
}


def _nhs(out: dict, stats: dict, points: Points) -> None:
    """Making Data Count rules, in priority order: outside the limits, a 7-point trend,
    2 of 3 close to a limit, 7 points on one side of the mean."""
    y, cl, lcl, ucl = out["y"], out["cl"], out["lcl"], out["ucl"]
    rule = np.zeros(len(y), dtype=object)
    sign = np.zeros(len(y), dtype=int)
    # the runs rules (trend, 2 of 3, shift) before prioritising: a shift that contains a point
    # beyond the limits is still a shift, and a point beyond the limits alone is no runs signal
    runs_rule = np.zeros(len(y), dtype=bool)
    for part in _segment_slices(points.seg, points.n_seg):
        yy, cc = y[part], cl[part]
        with np.errstate(invalid="ignore"):
            side = np.nan_to_num(runs_mod.side_of(yy, cc)).astype(int)
            outside = out["sigma_signal"][part]
            near_low = cc - 2 / 3 * (cc - lcl[part])
            near_high = cc + 2 / 3 * (ucl[part] - cc)
            close = ~outside & ((yy < near_low) | (yy > near_high))
        trend = runs_mod.sign_of_seven(runs_mod.seven_point_trend(yy))
        two = runs_mod.two_in_three(close.astype(int), side) * close
        shift = runs_mod.part_of_seven(runs_mod.seven_point_one_side(side))
        runs_rule[part] = (trend != 0) | (two != 0) | (shift != 0)
        r, s = rule[part], sign[part]
        for i in range(len(yy)):
            if outside[i]:
                r[i], s[i] = "outside", 1 if yy[i] > ucl[part][i] else -1
            elif trend[i]:
                r[i], s[i] = "trend", trend[i]
            elif two[i]:
                r[i], s[i] = "two_in_three", side[i]
            elif shift[i]:
                r[i], s[i] = "shift", side[i]
        rule[part], sign[part] = r, s
    out["rule"] = np.where(rule == 0, "", rule).astype(str)
    out["rule_sign"] = sign
    stats["runs_signal"] = np.bincount(points.seg[runs_rule], minlength=points.n_seg) > 0
