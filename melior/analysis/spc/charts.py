"""One chart: `control_chart()` and `run_chart()`."""

import numpy as np
import pandas as pd

from . import inputs
from .core import evaluate
from .grouped import combine_points
from .limits import Points
from .result import ControlChart


def run_chart(
    y,
    x=None,
    *,
    n=None,
    rules: str = "anhoej",
    part=None,
    freeze=None,
    exclude=None,
    target=None,
    multiply: float = 1,
    direction: str | None = None,
) -> ControlChart:
    """A run chart: the median as centre line and a runs analysis (Anhøj rules, or IHI's)."""
    if rules == "nhs":
        raise ValueError("The NHS rules need control limits: use control_chart(kind='i').")
    return control_chart(
        y,
        n=n,
        x=x,
        kind="run",
        part=part,
        freeze=freeze,
        exclude=exclude,
        target=target,
        rules=rules,
        multiply=multiply,
        direction=direction,
    )


def control_chart(
    y,
    n=None,
    x=None,
    kind: str = "i",
    *,
    part=None,
    freeze: int | None = None,
    exclude=None,
    target: float | None = None,
    rules: str = "anhoej",
    screened_mr: bool = True,
    xbar_sigma: str = "s",
    multiply: float = 1,
    direction: str | None = None,
) -> ControlChart:
    """A Shewhart control chart of one series (qicharts2 conventions; see docs/spc.md).

    y: values; for counts and proportions the numerator, with n the denominator (run and I
    charts given n plot Σy/Σn, as P and U charts do); for xbar, s and r the raw measurements
    with x naming each one's subgroup. x: the period or subgroup of each value (repeated x
    values are combined into one point); text labels (a funnel of units) make x categorical:
    no runs rules, and Laney charts take the SD of z. part: 1-based points after which a new
    phase starts. freeze: the number of baseline points the centre and limits come from.
    exclude: 1-based points left out of the calculations (still shown, still tested).
    rules: "anhoej" (default), "ihi" or "nhs". direction: "increase" or "decrease", the
    direction of improvement (used for plain-language verdicts and the NHS point types).
    """
    kind = inputs.check_kind(kind)
    rules = inputs.check_rules(rules)
    if xbar_sigma not in {"s", "r"}:
        raise ValueError("xbar_sigma must be 's' (from subgroup SDs) or 'r' (from ranges).")
    if direction not in {None, "increase", "decrease"}:
        raise ValueError("direction must be 'increase', 'decrease' or None.")
    y_values = inputs.numeric(y, "y")
    n_values = None if n is None else inputs.numeric(n, "n")
    inputs.check_values(kind, y_values, n_values)
    x_values = inputs.as_x(x, len(y_values))
    if kind in inputs.SUBGROUP_KINDS:
        if x is None:
            raise ValueError(f"A {kind} chart needs x, the subgroup of each measurement.")
        frame = _subgroups(x_values, y_values)
    else:
        frame = _aggregate(kind, x_values, y_values, n_values)
    count = len(frame)
    if count == 0:
        raise ValueError("No points are left once rows without x are dropped.")

    part_at = inputs.positions(part, "part", count, upper=max(count - 1, 1))
    if part_at and (count < 2 or sorted(set(part_at)) != part_at):
        raise ValueError("part positions must be increasing and inside the chart.")
    freeze_at = inputs.positions(freeze, "freeze", count, upper=count)
    excluded = inputs.positions(exclude, "exclude", count, upper=count)
    index = np.arange(1, count + 1)
    segment = np.searchsorted(np.array(part_at, dtype=int), index, side="left")
    # freeze is ignored when parts are given, as in qicharts2
    baseline = index <= freeze_at[0] if freeze_at and not part_at else np.ones(count, bool)
    include = ~np.isin(index, excluded)
    points = Points(
        y=frame["y"].to_numpy(float),
        n=frame["n"].to_numpy(float) if "n" in frame else None,
        seg=segment,
        include=include,
        baseline=baseline,
        n_seg=len(part_at) + 1,
        sd=frame["sd"].to_numpy(float) if "sd" in frame else None,
        range_=frame["range"].to_numpy(float) if "range" in frame else None,
        size=frame["size"].to_numpy(float) if "size" in frame else None,
        ordered=not inputs.is_categorical(x_values),
    )
    columns, stats = evaluate(
        kind, points, rules=rules, screened_mr=screened_mr, xbar_sigma=xbar_sigma
    )
    data = pd.DataFrame(
        {
            "x": frame["x"].to_numpy(),
            "y": columns["y"] * multiply,
            "n": frame["n"].to_numpy(float) if "n" in frame else frame.get("size", np.nan),
            "part": segment + 1,
            "baseline": baseline,
            "excluded": ~include,
            "cl": columns["cl"] * multiply,
            "lcl": columns["lcl"] * multiply,
            "ucl": columns["ucl"] * multiply,
            "sigma_signal": columns["sigma_signal"],
            "runs_signal": columns["runs_signal"],
        }
    )
    for extra in ("shift", "trend", "rule", "rule_sign"):
        if extra in columns:
            data[extra] = columns[extra]
    data["target"] = np.nan if target is None else float(target)
    parts = pd.DataFrame({key: np.asarray(value) for key, value in stats.items()})
    parts.insert(0, "part", np.arange(1, len(parts) + 1))
    return ControlChart(
        kind=kind, rules=rules, data=data, parts=parts, direction=direction, target=target
    )


def _aggregate(kind: str, x: pd.Series, y: np.ndarray, n: np.ndarray | None) -> pd.DataFrame:
    """One point per distinct x, in x order (qicharts2's aggregation)."""
    frame = pd.DataFrame({"x": x, "y": y})
    if n is not None:
        frame["n"] = n
        missing = frame["y"].isna() | frame["n"].isna()
        frame.loc[missing, ["y", "n"]] = np.nan
    frame = frame[frame["x"].notna()].sort_values("x", kind="stable").reset_index(drop=True)
    if frame["x"].is_unique:
        return frame
    xs = frame["x"].to_numpy()
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    y_out, n_out = combine_points(
        kind, frame["y"].to_numpy(float), None if n is None else frame["n"].to_numpy(float), starts
    )
    out = pd.DataFrame({"x": xs[starts], "y": y_out})
    if n_out is not None:
        out["n"] = n_out
    return out


def _subgroups(x: pd.Series, y: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"x": x, "y": y})
    frame = frame[frame["x"].notna()]
    groups = frame.groupby("x", sort=True)["y"]
    out = pd.DataFrame(
        {
            "y": groups.mean(),
            "sd": groups.std(ddof=1),
            "range": groups.max() - groups.min(),
            "size": groups.count(),
        }
    )
    return out.reset_index()
