"""Checking and shaping chart inputs. Every problem is a ValueError that names it."""

from collections.abc import Sequence

import numpy as np
import pandas as pd

KINDS = ("run", "i", "mr", "xbar", "r", "s", "c", "u", "p", "np", "u_prime", "p_prime", "g", "t")
RULES = ("anhoej", "ihi", "nhs")
NEEDS_N = {"p", "np", "u", "p_prime", "u_prime"}
TAKES_N = NEEDS_N | {"run", "i"}  # run and I charts of a ratio y/n
SUBGROUP_KINDS = {"xbar", "s", "r"}
COUNT_KINDS = {"c", "p", "np", "u", "p_prime", "u_prime", "g"}
PROPORTION_KINDS = {"p", "np", "p_prime"}
ALIASES = {"pp": "p_prime", "up": "u_prime", "x": "i", "xmr": "i", "run chart": "run"}


def check_kind(kind: str) -> str:
    kind = ALIASES.get(str(kind).lower(), str(kind).lower())
    if kind not in KINDS:
        raise ValueError(f"Unknown chart kind {kind!r}; choose one of: {', '.join(KINDS)}.")
    return kind


def check_rules(rules: str) -> str:
    if rules not in RULES:
        raise ValueError(f"Unknown rules {rules!r}; choose one of: {', '.join(RULES)}.")
    return rules


def numeric(values, name: str) -> np.ndarray:
    """Floats from any array-like; missing values become NaN, anything else non-numeric fails."""
    series = pd.Series(values, copy=False)
    if pd.api.types.is_bool_dtype(series):
        raise ValueError(f"{name} must be numeric, not true/false values.")
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan, copy=True)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{name} must be numeric: found {series.iloc[position]!r} at position {position + 1}."
        )
    return converted.to_numpy(dtype=float, na_value=np.nan, copy=True)


def check_values(kind: str, y: np.ndarray, n: np.ndarray | None) -> None:
    if len(y) == 0:
        raise ValueError("y is empty: a chart needs at least one point.")
    if not np.isfinite(y).any():
        raise ValueError("y has no values: every point is missing.")
    if np.isinf(y).any():
        raise ValueError("y has infinite values.")
    if kind in NEEDS_N and n is None:
        raise ValueError(f"A {kind} chart needs n, the denominator of each point.")
    if n is not None and kind not in TAKES_N:
        raise ValueError(f"A {kind} chart takes no n: give y only.")
    if n is not None:
        if len(n) != len(y):
            raise ValueError(f"y and n must have the same length ({len(y)} and {len(n)}).")
        if (n < 0).any():
            i = int(np.flatnonzero(n < 0)[0])
            raise ValueError(f"n has a negative value ({n[i]:g}) at position {i + 1}.")
    if kind in COUNT_KINDS and (y < 0).any():
        i = int(np.flatnonzero(y < 0)[0])
        raise ValueError(
            f"y has a negative count ({y[i]:g}) at position {i + 1}: counts cannot be negative."
        )
    if kind == "t" and (y <= 0).any():
        i = int(np.flatnonzero(y <= 0)[0])
        raise ValueError(
            f"A t chart needs times between events above 0; position {i + 1} is {y[i]:g}."
        )
    if kind in PROPORTION_KINDS:
        with np.errstate(invalid="ignore"):
            over = (y > n) & (n > 0)
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise ValueError(
                f"The numerator ({y[i]:g}) is larger than the denominator ({n[i]:g}) at "
                f"position {i + 1}: a proportion cannot exceed 1."
            )


def positions(values, name: str, n_points: int, *, upper: int) -> list[int]:
    """1-based point positions, checked against the number of points."""
    if values is None:
        return []
    if np.isscalar(values):
        values = [values]
    out = []
    for value in values:
        if isinstance(value, bool) or not float(value).is_integer():
            raise ValueError(f"{name} takes whole point numbers (1-based); got {value!r}.")
        value = int(value)
        if not 1 <= value <= upper:
            raise ValueError(
                f"{name} position {value} is outside the chart's {n_points} points "
                f"(allowed 1 to {upper})."
            )
        out.append(value)
    return out


def as_x(x, length: int) -> pd.Series:
    if x is None:
        return pd.Series(np.arange(1, length + 1))
    series = pd.Series(list(x) if not isinstance(x, pd.Series | np.ndarray) else x)
    if len(series) != length:
        raise ValueError(f"x and y must have the same length ({len(series)} and {length}).")
    return series.reset_index(drop=True)


def is_categorical(x: pd.Series) -> bool:
    """x labels units (text or a pandas categorical) rather than times or numbers: the order of
    its points carries no meaning (as qicharts2 treats a factor or character x)."""
    if isinstance(x.dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.infer_dtype(x, skipna=True) in {"string", "bytes"}


def is_sequence(value) -> bool:
    return isinstance(value, Sequence | np.ndarray | pd.Series) and not isinstance(value, str)
