"""Many series at once: `control_charts()` computes every series of a long DataFrame in a few
vectorised passes (no Python loop over series for the Anhøj rules)."""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from . import inputs
from .core import evaluate
from .grouped import combine_points
from .limits import Points
from .result import recent_points
from .runs import RUNS_COLUMNS


@dataclass(frozen=True, eq=False)
class BatchCharts:
    """Points of every series (`data`) and the runs statistics per series (`series`)."""

    kind: str
    by: list[str]
    series: pd.DataFrame  # one row per series: by columns and runs statistics
    _columns: dict  # per-point arrays, in series order
    _code: np.ndarray  # series number of each point
    _latest: pd.DataFrame  # per series: latest signal direction and position

    @cached_property
    def data(self) -> pd.DataFrame:
        """One row per point: by columns, x, y, n, cl, lcl, ucl and the signals (built on first
        use: the summary does not need it)."""
        frame = pd.DataFrame(self._columns)
        for column in reversed(self.by):
            frame.insert(0, column, self.series[column].to_numpy()[self._code])
        return frame

    def signal_onsets(self) -> pd.DataFrame:
        """When each series' most recent signal began: one row per series with the signal's
        direction (+1 up, −1 down, 0 none), its position, and `onset_x` — the first point of
        the unbroken stretch on that side of the centre line that ends at the signal (where a
        shift or an improvement started). Positions count the series' points from 0."""
        d, code = self._columns, self._code
        latest = self._latest
        out = self.series[self.by].copy()
        out["direction"] = latest["direction"].to_numpy()
        starts = np.r_[0, np.flatnonzero(np.diff(code)) + 1]
        side = np.sign(d["y"] - d["cl"])
        onset = np.full(len(out), -1)
        for s in np.flatnonzero(out["direction"].to_numpy() != 0):
            i, sign = int(latest["position"].iloc[s]), int(out["direction"].iloc[s])
            while i > starts[s] and side[i - 1] == sign:
                i -= 1
            onset[s] = i
        out["position"] = np.where(onset >= 0, latest["position"].to_numpy() - starts, -1)
        out["onset"] = np.where(onset >= 0, onset - starts, -1)
        out["onset_x"] = [d["x"][i] if i >= 0 else None for i in onset]
        return out

    def summary(self, higher_is_better=None, target=None) -> pd.DataFrame:
        """One row per series: the runs analysis, the count of sigma signals, the latest centre
        line and limits, and (given which way is better) a status: improving / worsening /
        no change / no data. higher_is_better may be a bool or an array aligned to the rows.

        With a target (scalar or array; NaN for none) and a direction, `assurance` says whether
        the process as it runs now will meet it: "consistent_pass" when the whole band between
        the latest limits is on the good side of the target, "consistent_fail" when it is all on
        the wrong side, "inconsistent" when the target lies inside the limits (the NHS
        "Making Data Count" assurance idea)."""
        out = self.series.copy()
        d, code = self._columns, self._code
        out["sigma_signals"] = np.bincount(code[d["sigma_signal"]], minlength=len(out))
        last = np.r_[np.flatnonzero(np.diff(code)), len(code) - 1]
        for column in ("x", "y", "cl", "lcl", "ucl"):
            out[f"last_{column}" if column in {"x", "y"} else column] = d[column][last]
        # only a current signal (reaching the latest points) sets the direction, as status()
        starts = np.r_[0, last[:-1] + 1]
        window = recent_points(last - starts + 1)
        position = self._latest["position"].to_numpy()
        current = position >= last - window + 1
        out["signal_direction"] = np.where(current, self._latest["direction"].to_numpy(), 0)
        if higher_is_better is not None:
            better = np.where(np.asarray(higher_is_better, dtype=bool), 1, -1)
            direction = out["signal_direction"].to_numpy()
            status = np.where(direction == better, "improving", "worsening")
            status = np.where(direction == 0, "no change", status)
            status = np.where(out["n_useful"].to_numpy() == 0, "no data", status)
            out["status"] = status
            if target is not None:
                goal = np.broadcast_to(np.asarray(target, dtype=float), len(out))
                lcl, ucl = out["lcl"].to_numpy(float), out["ucl"].to_numpy(float)
                good_side_all = np.where(better > 0, lcl > goal, ucl < goal)
                bad_side_all = np.where(better > 0, ucl < goal, lcl > goal)
                assurance = np.where(
                    good_side_all, "consistent_pass",
                    np.where(bad_side_all, "consistent_fail", "inconsistent"),
                )  # fmt: skip
                no_answer = np.isnan(goal) | np.isnan(lcl) | np.isnan(ucl)
                out["assurance"] = np.where(no_answer, "", assurance)
        return out


def control_charts(
    df: pd.DataFrame,
    by,
    x: str,
    y: str,
    n: str | None = None,
    kind: str = "i",
    *,
    rules: str = "anhoej",
    freeze: int | None = None,
    screened_mr: bool = True,
    multiply: float = 1,
) -> BatchCharts:
    """Chart every series of a long DataFrame in one call.

    Each series gives the same numbers as `control_chart()` on that series alone: several rows
    for one series and period are combined into one point by the same rules. Parts and
    exclusions are per-chart choices and are not offered here; `freeze` applies to every series.
    Subgroup charts (xbar, s, r) are not offered in batch.
    """
    kind = inputs.check_kind(kind)
    rules = inputs.check_rules(rules)
    if kind in inputs.SUBGROUP_KINDS:
        raise ValueError(f"{kind} charts are not offered in batch; use control_chart().")
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, x, y, *([n] if n else [])] if c not in df.columns]
    if missing:
        raise ValueError(f"Columns not found in the data: {', '.join(missing)}.")
    if df.empty:
        raise ValueError("The data frame is empty: there is nothing to chart.")

    has_x = df[x].notna().to_numpy()
    if not has_x.all():  # rows without x are dropped, as control_chart() drops them
        df = df[has_x]
        if df.empty:
            raise ValueError("No points are left once rows without x are dropped.")
    code = _series_codes(df, by)
    xs = df[x].to_numpy()
    # a pandas categorical sorts in the order of its categories, as control_chart() groups it
    sort_key = df[x].cat.codes.to_numpy() if isinstance(df[x].dtype, pd.CategoricalDtype) else xs
    order = _order(code, sort_key)
    rows = order  # the frame row of each element (None: its own position)
    if order is not None:
        code, xs, sort_key = code[order], xs[order], sort_key[order]
    y_values = inputs.numeric(df[y].to_numpy() if order is None else df[y].to_numpy()[order], y)
    n_values = None
    if n is not None:
        raw = df[n].to_numpy()
        n_values = inputs.numeric(raw if order is None else raw[order], n)
        missing_pair = np.isnan(y_values) | np.isnan(n_values)
        y_values[missing_pair] = np.nan
        n_values[missing_pair] = np.nan
    inputs.check_values(kind, y_values, n_values)
    period_starts = _period_starts(code, sort_key)
    if period_starts is not None:  # several rows for one series and period: one point
        y_values, n_values = combine_points(kind, y_values, n_values, period_starts)
        code, xs = code[period_starts], xs[period_starts]
        rows = period_starts if rows is None else rows[period_starts]

    n_series = int(code[-1]) + 1
    starts = np.r_[0, np.flatnonzero(np.diff(code)) + 1]
    position = np.arange(len(code)) - np.repeat(starts, np.diff(np.r_[starts, len(code)]))
    baseline = position < freeze if freeze else np.ones(len(code), dtype=bool)
    points = Points(
        y=y_values,
        n=n_values,
        seg=code,
        include=np.ones(len(code), dtype=bool),
        baseline=baseline,
        n_seg=n_series,
        ordered=not inputs.is_categorical(df[x]),
    )
    columns, stats = evaluate(kind, points, rules=rules, screened_mr=screened_mr)

    scaled = (lambda v: v * multiply) if multiply != 1 else (lambda v: v)
    points_out = {
        "x": xs,
        "y": scaled(columns["y"]),
        "n": n_values if n_values is not None else np.full(len(code), np.nan),
        "cl": scaled(columns["cl"]),
        "lcl": scaled(columns["lcl"]),
        "ucl": scaled(columns["ucl"]),
        "sigma_signal": columns["sigma_signal"],
        "runs_signal": columns["runs_signal"],
    }
    for extra in ("shift", "trend", "rule", "rule_sign"):
        if extra in columns:
            points_out[extra] = columns[extra]
    series = df[by].iloc[starts if rows is None else rows[starts]].reset_index(drop=True)
    for column in RUNS_COLUMNS:
        series[column] = stats[column]
    latest = _latest_signal(points_out, code, stats, n_series, rules)
    return BatchCharts(
        kind=kind, by=by, series=series, _columns=points_out, _code=code, _latest=latest
    )


def _series_codes(df: pd.DataFrame, by: list[str]) -> np.ndarray:
    if len(by) == 1:
        values = df[by[0]].to_numpy()
        if values.dtype.kind in "iuf" and np.all(values[1:] >= values[:-1]):
            # sorted numeric keys (e.g. ids from the database): number the runs of equal keys
            return np.r_[0, np.cumsum(values[1:] != values[:-1])].astype(np.int64)
        codes, _ = pd.factorize(df[by[0]], sort=False, use_na_sentinel=False)
        return codes.astype(np.int64)
    return df.groupby(by, sort=False, dropna=False).ngroup().to_numpy(np.int64)


def _order(code: np.ndarray, xs: np.ndarray) -> np.ndarray | None:
    """None when rows already run series by series in x order (the usual export; rows of one
    period side by side), else the sorting permutation. Series are numbered in order of first
    appearance either way."""
    if len(code) < 2:
        return None
    step = np.diff(code)
    same = step == 0
    if np.all((step == 0) | (step == 1)) and np.all(xs[1:][same] >= xs[:-1][same]):
        return None
    return np.lexsort((xs, code))


def _period_starts(code: np.ndarray, xs: np.ndarray) -> np.ndarray | None:
    """Where each (series, period) group begins in rows sorted by series and x; None when every
    group is a single row (the usual case, checked without allocating groups)."""
    if len(code) < 2:
        return None
    repeated = (code[1:] == code[:-1]) & (xs[1:] == xs[:-1])
    if not repeated.any():
        return None
    return np.flatnonzero(np.r_[True, ~repeated])


def _latest_signal(data: dict, code, stats: dict, n_series: int, rules: str) -> pd.DataFrame:
    """Direction (+1 up, −1 down, 0 none) of the most recent signal of each series."""
    index = np.arange(len(code))
    direction = np.zeros(n_series, dtype=int)
    where = np.full(n_series, -1)
    sig = data["sigma_signal"]
    if sig.any():
        up = np.where(data["y"][sig] > data["ucl"][sig], 1, -1)
        np.maximum.at(where, code[sig], index[sig])
        latest_is = index[sig] == where[code[sig]]
        direction[code[sig][latest_is]] = up[latest_is]
    if "rule_sign" in data:
        flagged = data["rule_sign"] != 0
        for s, i in zip(code[flagged], index[flagged], strict=True):
            if i > where[s]:
                where[s], direction[s] = i, int(data["rule_sign"][i])
    if rules == "anhoej":
        runs = stats["runs_signal"]
        long_end, long_sign = stats["long_run_end"], stats["long_run_sign"]
        last_index = np.r_[np.flatnonzero(np.diff(code)), len(code) - 1]
        run_at = np.where(long_sign != 0, long_end, last_index)
        run_sign = np.where(long_sign != 0, long_sign, stats["last_run_sign"])
        later = runs & (run_at > where)
        where[later], direction[later] = run_at[later], run_sign[later]
    return pd.DataFrame({"direction": direction, "position": where})
