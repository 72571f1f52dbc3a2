"""Funnel plots against hand-worked numbers."""

import math

import numpy as np
import pytest

from melior.analysis import funnel


def test_limits_follow_the_binomial_standard_error():
    # 4 schools: pooled 200/400 = 0.5
    f = funnel.funnel_plot([30, 50, 70, 50], [100, 100, 100, 100], labels=list("ABCD"))
    assert f.target == 0.5
    se = math.sqrt(0.25 / 100)  # 0.05
    row = f.data.set_index("label").loc["A"]
    assert row["lower_95%"] == pytest.approx(0.5 - 1.959964 * se, abs=1e-6)
    assert row["upper_99.8%"] == pytest.approx(0.5 + 3.090232 * se, abs=1e-6)
    # A (30%) is 4 SEs below, C (70%) 4 above: both outside 99.8%; B and D on target
    assert f.data.set_index("label")["outside_99.8%"].to_dict() == {"A": -1, "B": 0, "C": 1, "D": 0}
    assert list(f.outliers()["label"]) in (["A", "C"], ["C", "A"])


def test_rate_limits_use_the_poisson_standard_error():
    f = funnel.funnel_plot([5, 10, 20], [1000, 2000, 4000], kind="u")
    assert f.target == pytest.approx(35 / 7000)
    n = 1000
    assert f.data["upper_95%"].iloc[0] == pytest.approx(
        0.005 + 1.959964 * math.sqrt(0.005 / n), rel=1e-6
    )


def test_overdispersion_widens_the_limits_by_a_random_effect():
    rng = np.random.default_rng(2)
    n = rng.integers(200, 2000, 60).astype(float)
    p = np.clip(rng.normal(0.6, 0.06, 60), 0, 1)  # real between-site spread
    y = rng.binomial(n.astype(int), p)
    plain = funnel.funnel_plot(y, n)
    wide = funnel.funnel_plot(y, n, overdispersion=True)
    # hand computation of phi and tau² (Spiegelhalter 2005)
    target = y.sum() / n.sum()
    var = target * (1 - target) / n
    z = (y / n - target) / np.sqrt(var)
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    w = 1 / var
    tau2 = (60 * phi - 59) / (w.sum() - (w**2).sum() / w.sum())
    assert wide.phi == pytest.approx(phi) and wide.tau2 == pytest.approx(tau2)
    assert wide.tau2 > 0
    assert (wide.data["upper_99.8%"] > plain.data["upper_99.8%"]).all()
    assert len(wide.outliers()) < len(plain.outliers())


def test_worked_example_with_overdispersion():
    """Ten schools, worked by hand (Spiegelhalter 2005, additive random effect):
    θ₀ = Σy/Σn = 577/1180 = 0.488983; sᵢ² = θ₀(1−θ₀)/nᵢ; zᵢ = (yᵢ/nᵢ − θ₀)/sᵢ
       = −0.7799, 0.2414, −2.1802, 1.0866, −0.3411, 1.1286, −2.9540, 2.6511, −1.5800, 1.3371;
    winsorised at the 10th and 90th percentiles (−2.2576, 1.4685), φ = mean(z²) = 1.952807;
    I·φ = 19.53 > I − 1 = 9, so τ² = (Iφ − (I−1)) / (Σw − Σw²/Σw) = 0.00248660 with wᵢ = 1/sᵢ²;
    school A (n = 100): 95% lower = θ₀ − 1.959964·√(s² + τ²) = 0.350595,
    99.8% upper = θ₀ + 3.090232·√(s² + τ²) = 0.707176; school H (n = 160): 0.364277 / 0.685604."""
    y = [45, 60, 38, 80, 52, 70, 30, 95, 41, 66]
    n = [100, 120, 100, 150, 110, 130, 90, 160, 100, 120]
    f = funnel.funnel_plot(y, n, labels=list("ABCDEFGHIJ"), overdispersion=True)
    assert f.target == pytest.approx(577 / 1180)
    assert f.phi == pytest.approx(1.952807, abs=1e-6)
    assert f.tau2 == pytest.approx(0.00248660, abs=1e-8)
    rows = f.data.set_index("label")
    assert rows.loc["A", "lower_95%"] == pytest.approx(0.350595, abs=1e-6)
    assert rows.loc["A", "upper_99.8%"] == pytest.approx(0.707176, abs=1e-6)
    assert rows.loc["H", "lower_95%"] == pytest.approx(0.364277, abs=1e-6)
    assert rows.loc["H", "upper_99.8%"] == pytest.approx(0.685604, abs=1e-6)
    # with the random effect, G (30/90 = 33%) is below the 95% funnel but inside 99.8%
    assert rows.loc["G", "outside_95%"] == -1 and rows.loc["G", "outside_99.8%"] == 0


def test_no_random_effect_without_overdispersion():
    rng = np.random.default_rng(5)
    n = np.full(40, 500.0)
    y = rng.binomial(500, 0.3, 40)
    f = funnel.funnel_plot(y, n, overdispersion=True)
    assert 40 * f.phi <= 39  # binomial noise only: no more spread than chance gives
    assert f.tau2 == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1], [10]), "at least two units"),
        (([5, 12], [10, 10]), "larger than the denominator"),
        (([0, 0], [10, 10]), "no variation"),
        (([1, 2], [10]), "same length"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        funnel.funnel_plot(*args)


def test_chart_spec_is_self_contained():
    f = funnel.funnel_plot([30, 50, 70, 50], [100, 120, 140, 90])
    spec = f.chart().to_dict()
    # the limits, the centre and its label, the dots, and the names written either way
    assert [layer["mark"]["type"] for layer in spec["layer"]] == [
        "line", "rule", "text", "point", "text", "text"
    ]  # fmt: skip
