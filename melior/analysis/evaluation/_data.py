"""Checking analysis inputs once, with messages a pilot team can act on."""

import numpy as np
import pandas as pd


def require_columns(data: pd.DataFrame, columns) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ValueError("Give the data as a table (a pandas DataFrame), one row per student.")
    missing = [c for c in columns if c and c not in data.columns]
    if missing:
        raise ValueError(
            f"Column(s) not in the data: {', '.join(missing)} (the data has "
            f"{', '.join(map(str, data.columns[:20]))}{'…' if len(data.columns) > 20 else ''})."
        )


def numeric(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    values = pd.to_numeric(data[column], errors="coerce")
    text = values.isna() & data[column].notna()
    if text.any():
        example = data.loc[text, column].iloc[0]
        raise ValueError(
            f"The {role} “{column}” has text where numbers belong (e.g. “{example}” in "
            f"{int(text.sum())} rows): recode missing values as blanks."
        )
    return values.astype(float)


def treatment_indicator(data: pd.DataFrame, column: str) -> pd.Series:
    values = data[column]
    if values.dtype == bool:
        return values.astype(float)
    numbers = pd.to_numeric(values, errors="coerce")
    if (numbers.notna() & ~numbers.isin([0, 1])).any() or (numbers.isna() & values.notna()).any():
        raise ValueError(
            f"The treatment “{column}” must be 1 (in the pilot) or 0 (comparison) for every "
            "student."
        )
    return numbers.astype(float)


def check_two_arms(treated: np.ndarray, minimum: int = 2) -> None:
    n_t = int(treated.sum())
    n_c = int(len(treated) - n_t)
    if n_t == 0 or n_c == 0:
        who = "in the treatment group" if n_c == 0 else "in the comparison group"
        raise ValueError(
            f"Every analyzed student is {who}: the treatment does not vary, so there is "
            "nothing to compare."
        )
    if min(n_t, n_c) < minimum:
        raise ValueError(
            f"Only {min(n_t, n_c)} student(s) in one group: at least {minimum} are needed in each."
        )


def design_matrix(
    data: pd.DataFrame, covariates, *, all_levels: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Covariates as numbers: text columns become indicator columns (first level left out, or
    every level with `all_levels`, as a balance table shows them); columns that do not vary
    are dropped and named."""
    frames, dropped = [], []
    for column in covariates:
        values = data[column]
        if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            dummies = pd.get_dummies(values, prefix=column, drop_first=not all_levels, dtype=float)
            # a missing value stays missing in every indicator (get_dummies would say 0)
            dummies.loc[values.isna()] = np.nan
            frames.append(dummies)
        else:
            frames.append(numeric(data, column, "covariate").rename(column).to_frame())
    matrix = pd.concat(frames, axis=1) if frames else pd.DataFrame(index=data.index)
    for column in list(matrix.columns):
        if matrix[column].nunique(dropna=True) < 2:
            dropped.append(str(column))
            matrix = matrix.drop(columns=column)
    return matrix, dropped
