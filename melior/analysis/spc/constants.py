"""Control-chart constants.

c4 is exact (as qicharts2 computes it). d2 and d3, for range-based sigma and R-chart limits, are
one consistent set: qcc's (its `exp.R.unscaled` and `se.R.unscaled`), d2 to three decimals and d3
to seven, so range-based charts reproduce qcc's published output to the last printed digit. Both
agree with the exact moments of the range of n normal values (numerical integration; tested):
d2 to its three decimals, d3 to 1.3e-5. Montgomery's three-decimal d3 (0.880 for n = 4 against
0.8798) is not used: mixed with qcc's d2 it moved the R chart's upper limit in the fifth
significant digit.
"""

import numpy as np
from scipy.special import gammaln

MR_D2 = 1.128  # d2 for moving ranges of two points
MR_D4 = 3.267  # D4 for n = 2: the upper range limit used to screen moving ranges
NHS_LIMIT_FACTOR = 2.66  # Making Data Count: mean +/- 2.66 x average moving range

D2 = {
    2: 1.128,
    3: 1.693,
    4: 2.059,
    5: 2.326,
    6: 2.534,
    7: 2.704,
    8: 2.847,
    9: 2.97,
    10: 3.078,
    11: 3.173,
    12: 3.258,
    13: 3.336,
    14: 3.407,
    15: 3.472,
    16: 3.532,
    17: 3.588,
    18: 3.64,
    19: 3.689,
    20: 3.735,
    21: 3.778,
    22: 3.819,
    23: 3.858,
    24: 3.895,
    25: 3.931,
}
D3 = {
    2: 0.8525033,
    3: 0.8883697,
    4: 0.8798108,
    5: 0.8640855,
    6: 0.8480442,
    7: 0.8332108,
    8: 0.8198378,
    9: 0.8078413,
    10: 0.7970584,
    11: 0.7873230,
    12: 0.7784873,
    13: 0.7704257,
    14: 0.7630330,
    15: 0.7562217,
    16: 0.7499188,
    17: 0.7440627,
    18: 0.7386021,
    19: 0.7334929,
    20: 0.7286980,
    21: 0.7241851,
    22: 0.7199267,
    23: 0.7158987,
    24: 0.7120802,
    25: 0.7084528,
}


def c4(n) -> np.ndarray:
    """Bias correction of the sample SD: E[s] = c4(n)·sigma. NaN for n < 2."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(2 / (n - 1)) * np.exp(gammaln(n / 2) - gammaln((n - 1) / 2))
    return np.where(n >= 2, out, np.nan)


def a3(n) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 3 / (c4(n) * np.sqrt(n))


def b3_b4(n) -> tuple[np.ndarray, np.ndarray]:
    k = c4(n)
    c5 = np.sqrt(1 - k**2)
    return np.maximum(0, 1 - 3 * c5 / k), 1 + 3 * c5 / k


def _table(table: dict[int, float], n) -> np.ndarray:
    n = np.asarray(n, dtype=float)
    out = np.full(n.shape, np.nan)
    for size, value in table.items():
        out[n == size] = value
    return out


def d2(n) -> np.ndarray:
    """Expected range of n standard normal values (qcc's table, n = 2..25; NaN elsewhere)."""
    return _table(D2, n)


def d3(n) -> np.ndarray:
    """SD of the range of n standard normal values (qcc's table, n = 2..25; NaN elsewhere)."""
    return _table(D3, n)
