"""Conventions an analyst checks digit by digit: repeated periods in a batch, the range
constants, run and I charts of a ratio, Laney charts on a categorical x, what counts as an NHS
runs signal, and the sentence that names a run."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from melior.analysis import spc
from melior.analysis.spc import constants

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "spc"
needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(), reason="SPC reference cases not found beside the repository"
)


def hospital_infections() -> pd.DataFrame:
    """qicharts2's hospital_infections data (hospital × infection × month), as the published
    aggregate case carries it."""
    case = json.loads((REFERENCE / "cases" / "q2-hai-u-aggregate.json").read_text())
    i = case["inputs"]
    frame = pd.DataFrame({k: i[k] for k in ("hospital", "infection", "month", "n", "days")})
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


# --- 1. control_charts() combines repeated periods as control_chart() does ----------------


@needs_reference
def test_batch_combines_every_row_of_a_period_into_the_published_aggregate():
    """qicharts2's hai_1 summary: all hospitals and infections pooled per month (Σn/Σdays)."""
    case = json.loads((REFERENCE / "cases" / "q2-hai-u-aggregate.json").read_text())
    expected, tol = case["expected"]["summary"][0], case["tolerance"]
    frame = hospital_infections().assign(network="all")
    batch = spc.control_charts(frame, by="network", x="month", y="n", n="days", kind="u")
    row = batch.summary().iloc[0]
    assert len(batch.data) == 24  # one point per month, not one per hospital and infection
    for field in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
                  "n_crossings_min"):  # fmt: skip
        assert row[field] == expected[field], field
    assert bool(row["runs_signal"]) is expected["runs_signal"]
    assert row["sigma_signals"] == expected["sigma_signal_count"]
    points = batch.data
    for column, key in (("lcl", "aLCL"), ("cl", "CL"), ("ucl", "aUCL")):
        assert abs(points[column].mean() - expected[key]) <= tol["abs"] + tol["rel"] * abs(
            expected[key]
        )


@needs_reference
@pytest.mark.parametrize(
    ("kind", "with_n"),
    [("u", True), ("u_prime", True), ("c", False), ("i", False), ("run", False), ("i", True),
     ("run", True)],
)  # fmt: skip
def test_batch_facets_give_one_point_per_series_and_period(kind, with_n):
    """Infection × month over six hospitals: each infection's series is what control_chart()
    gives it alone (which sums, or averages, the hospitals of each month)."""
    frame = hospital_infections()
    batch = spc.control_charts(
        frame, by="infection", x="month", y="n", n="days" if with_n else None, kind=kind
    )
    summary = batch.summary(higher_is_better=False)
    for infection, rows in frame.groupby("infection"):
        single = spc.control_chart(
            rows["n"], n=rows["days"] if with_n else None, x=rows["month"], kind=kind
        )
        points = batch.data[batch.data["infection"] == infection]
        assert len(points) == 24
        assert (points["x"].to_numpy() == single.data["x"].to_numpy()).all()
        for column in ("y", "n", "cl", "lcl", "ucl"):
            assert np.allclose(points[column], single.data[column], rtol=1e-12, equal_nan=True)
        assert (points["sigma_signal"].to_numpy() == single.data["sigma_signal"].to_numpy()).all()
        row = summary[summary["infection"] == infection].iloc[0]
        s = single.summary().iloc[0]
        for field in ("n_useful", "longest_run", "n_crossings", "runs_signal", "sigma_signals"):
            assert row[field] == s[field], field
        assert row["status"] == single.status(higher_is_better=False)


@needs_reference
def test_batch_funnel_of_sites_over_months_gives_one_point_per_site():
    """A funnel per infection: x names the hospital, the rows of its 24 months are summed."""
    frame = hospital_infections()
    batch = spc.control_charts(frame, by="infection", x="hospital", y="n", n="days", kind="u_prime")
    for infection, rows in frame.groupby("infection"):
        single = spc.control_chart(rows["n"], n=rows["days"], x=rows["hospital"], kind="u_prime")
        points = batch.data[batch.data["infection"] == infection]
        assert points["x"].tolist() == sorted(rows["hospital"].unique())
        for column in ("y", "n", "cl", "lcl", "ucl"):
            assert np.allclose(points[column], single.data[column], rtol=1e-12)


def test_batch_repeated_periods_follow_the_missing_value_rules():
    """Hand-worked: with n, a period's point is Σy/Σn over its rows with values (a lone missing
    row stays missing); without n, the mean of its values."""
    frame = pd.DataFrame(
        {
            "site": ["a"] * 6,
            "week": [1, 1, 2, 2, 3, 4],
            "num": [3, None, 4, 6, None, 5],
            "den": [10, 10, 20, 30, 10, 10],
        }
    )
    ratio = spc.control_charts(frame, by="site", x="week", y="num", n="den", kind="p").data
    assert ratio["y"].tolist()[:2] == pytest.approx([3 / 10, 10 / 50])
    assert math.isnan(ratio["y"].iloc[2]) and math.isnan(ratio["n"].iloc[2])
    assert ratio["n"].tolist()[:2] == [10, 50]
    assert ratio["cl"].iloc[0] == pytest.approx(18 / 70)
    mean = spc.control_charts(frame, by="site", x="week", y="num", kind="i").data
    assert mean["y"].tolist()[:2] == [3, 5]
    assert math.isnan(mean["y"].iloc[2])
    single = spc.control_chart(frame["num"], n=frame["den"], x=frame["week"], kind="p").data
    assert np.allclose(ratio["y"], single["y"], equal_nan=True)


def test_batch_drops_rows_without_a_period_as_a_single_chart_does():
    frame = pd.DataFrame({"s": ["a"] * 5, "t": [1, 2, None, 3, 4], "y": [5.0, 6, 50, 7, 6]})
    batch = spc.control_charts(frame, by="s", x="t", y="y", kind="i").data
    single = spc.control_chart(frame["y"], x=frame["t"], kind="i").data
    assert batch["y"].tolist() == [5, 6, 7, 6]
    assert np.allclose(batch["ucl"], single["ucl"])


def test_batch_orders_a_categorical_x_by_its_categories_as_a_single_chart_does():
    schools = pd.Categorical(
        ["North", "South", "East", "North"], categories=["South", "North", "East"]
    )
    frame = pd.DataFrame({"g": "all", "school": schools, "y": [4, 2, 6, 3], "n": [10, 10, 10, 10]})
    batch = spc.control_charts(frame, by="g", x="school", y="y", n="n", kind="p").data
    single = spc.control_chart(frame["y"], n=frame["n"], x=frame["school"], kind="p").data
    assert batch["x"].tolist() == single["x"].tolist() == ["South", "North", "East"]
    assert batch["y"].tolist() == pytest.approx([0.2, 0.35, 0.6])


rows = st.lists(
    st.tuples(
        st.sampled_from(["north", "south"]),  # series
        st.integers(1, 8),  # period: repeats are likely
        st.one_of(st.none(), st.integers(0, 20)),  # numerator, sometimes missing
        st.integers(20, 40),  # denominator
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(rows, st.sampled_from(["p", "u", "c", "i", "run"]))
def test_batch_with_repeats_and_gaps_equals_each_single_chart(data, kind):
    frame = pd.DataFrame(data, columns=["site", "week", "num", "den"]).astype({"num": float})
    with_n = kind in {"p", "u"}
    if not frame["num"].notna().any():
        return  # nothing to chart: both refuse it
    batch = spc.control_charts(
        frame, by="site", x="week", y="num", n="den" if with_n else None, kind=kind
    )
    for site, group in frame.groupby("site"):
        if not group["num"].notna().any():
            continue
        single = spc.control_chart(
            group["num"], n=group["den"] if with_n else None, x=group["week"], kind=kind
        ).data
        points = batch.data[batch.data["site"] == site]
        assert points["x"].tolist() == single["x"].tolist()
        for column in ("y", "n", "cl", "lcl", "ucl"):
            assert np.allclose(points[column], single[column], rtol=1e-12, equal_nan=True)
        assert points["runs_signal"].tolist() == single["runs_signal"].tolist()


# --- 2. R-chart constants: one consistent set ---------------------------------------------


def exact_range_moments(n: int) -> tuple[float, float]:
    """Mean and SD of the range of n standard normal values, by Gauss–Legendre quadrature
    (the tails beyond ±9 are below 1e-18):
    E[R] = ∫ 1 − Φ(y)ⁿ − (1 − Φ(y))ⁿ dy and
    E[R²] = 2 ∫∫_{x<y} 1 − Φ(y)ⁿ − (1 − Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ dx dy."""
    edge = 9.0
    t, w = np.polynomial.legendre.leggauss(160)
    y, wy = edge * t, edge * w
    mean = np.sum(wy * (1 - stats.norm.cdf(y) ** n - stats.norm.sf(y) ** n))
    half = (y + edge)[:, None] / 2  # x runs from −edge to y
    x, wx = half * (t + 1) - edge, half * w
    fy = stats.norm.cdf(y)[:, None]
    g = 1 - fy**n - stats.norm.sf(x) ** n + np.clip(fy - stats.norm.cdf(x), 0, None) ** n
    second = 2 * np.sum(wy * np.sum(wx * g, axis=1))
    return float(mean), float(np.sqrt(second - mean**2))


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 10, 15, 25])
def test_range_constants_are_the_moments_of_the_normal_range(n):
    """d2 is tabled to three decimals, d3 to seven (qcc's set, which its published output
    uses); both must be the same distribution's moments, not two tables mixed. d3(2) is
    √(2 − 4/π) = 0.85250 exactly, where Montgomery's table says 0.853."""
    d2, d3 = exact_range_moments(n)
    assert abs(float(constants.d2(n)) - d2) <= 5e-4
    assert abs(float(constants.d3(n)) - d3) <= 1.3e-5
    if n == 2:
        assert float(constants.d3(2)) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-6)


@needs_reference
def test_r_chart_upper_limit_uses_the_range_sd_of_its_subgroup_size():
    """Piston rings (qcc, Montgomery 6.1): R̄ = 0.02276 and qcc's σ̂ = 0.009785039; the upper
    limit is R̄ + 3·d3(5)·σ̂ with d3(5) = 0.864086 from the normal range, not 0.864."""
    case = json.loads((REFERENCE / "cases" / "qcc-pistonrings-xbar-R.json").read_text())
    i, e = case["inputs"], case["expected"]
    s = spc.control_chart(i["y"], x=i["x"], kind="r").summary().iloc[0]
    d3 = exact_range_moments(5)[1]
    expected_ucl = e["Rbar_(from_R_chart)"] + 3 * d3 * e["sigma"]
    assert s["ucl"] == pytest.approx(expected_ucl, rel=1e-5)
    assert s["lcl"] == 0


def test_r_chart_of_four_uses_d3_of_four():
    """Hand-worked, n = 4 (where the two three-decimal tables differ most): ranges 2, 4, 6
    give R̄ = 4, σ̂ = mean(R/d2) = 4/2.059, UCL = 4 + 3 · 0.8798108 · 4/2.059."""
    y = [0, 1, 1, 2, 0, 2, 2, 4, 0, 3, 3, 6]
    x = np.repeat([1, 2, 3], 4)
    s = spc.control_chart(y, x=x, kind="r").summary().iloc[0]
    assert s["cl"] == pytest.approx(4)
    assert s["ucl"] == pytest.approx(4 + 3 * exact_range_moments(4)[1] * 4 / 2.059, rel=2e-6)


# --- 3. run and I charts of a ratio plot Σy/Σn ---------------------------------------------


def test_i_chart_given_n_plots_the_ratio():
    """Hand-worked: y/n = 0.1, 0.2, 0.15 and a missing point (n = 0); centre 0.15, moving
    ranges 0.1 and 0.05, so σ = 0.075/1.128."""
    r = spc.control_chart([1, 2, 3, 4], n=[10, 10, 20, 0], kind="i")
    d = r.data
    assert d["y"].tolist()[:3] == pytest.approx([0.1, 0.2, 0.15])
    assert math.isnan(d["y"].iloc[3])
    assert d["cl"].iloc[0] == pytest.approx(0.15)
    assert d["ucl"].iloc[0] == pytest.approx(0.15 + 3 * 0.075 / 1.128)
    assert d["n"].tolist() == [10, 10, 20, 0]


def test_run_chart_given_n_takes_the_median_of_the_ratios():
    # ratios 0.5, 0.1, 0.3, 0.2, 0.4 (the numerators alone would have median 3)
    r = spc.run_chart([5, 2, 3, 4, 8], n=[10, 20, 10, 20, 20])
    assert r.data["y"].tolist() == pytest.approx([0.5, 0.1, 0.3, 0.2, 0.4])
    assert r.data["cl"].iloc[0] == pytest.approx(0.3)


def test_run_chart_given_n_sums_repeated_periods_before_dividing():
    r = spc.run_chart([1, 3, 2, 2], n=[10, 10, 10, 30], x=[1, 1, 2, 2])
    assert r.data["y"].tolist() == pytest.approx([4 / 20, 4 / 40])


# --- 4. Laney charts and runs on a categorical x ------------------------------------------


@needs_reference
def test_laney_funnel_over_labelled_units_uses_the_sd_of_the_z_scores():
    """qicharts2's convention for a factor or character x: σ_z = sd(z) (n − 1), not the
    moving range of z, because the order of the units means nothing."""
    frame = hospital_infections()
    cdi = frame[frame["infection"] == "CDI"]
    r = spc.control_chart(cdi["n"], n=cdi["days"], x=cdi["hospital"], kind="u_prime")
    per_unit = cdi.groupby("hospital")[["n", "days"]].sum()
    u = per_unit["n"] / per_unit["days"]
    centre = per_unit["n"].sum() / per_unit["days"].sum()
    sigma = np.sqrt(centre / per_unit["days"])
    z = (u - centre) / sigma
    sigma_z = np.std(z, ddof=1)
    d = r.data.set_index("x")
    assert np.allclose(d["y"], u, rtol=1e-12)
    assert np.allclose(d["ucl"], centre + 3 * sigma * sigma_z, rtol=1e-12)
    assert np.allclose(d["lcl"], np.maximum(centre - 3 * sigma * sigma_z, 0), rtol=1e-12)


def test_laney_p_prime_on_labels_hand_worked():
    """Four units, p̄ = 100/400 = 0.25, σᵢ = √(0.25 · 0.75/100) = 0.0433013; z = −2.3094,
    −0.6928, 0.6928, 2.3094; sd(z) = 1.968643; UCL = 0.25 + 3 · 0.0433013 · 1.968643 =
    0.505734."""
    r = spc.control_chart([15, 22, 28, 35], n=[100] * 4, x=["w", "x", "y", "z"], kind="p_prime")
    z = np.array([-0.1, -0.03, 0.03, 0.1]) / math.sqrt(0.25 * 0.75 / 100)
    assert np.std(z, ddof=1) == pytest.approx(1.968643, rel=1e-6)
    assert r.data["ucl"].tolist() == pytest.approx([0.505734] * 4, rel=1e-6)


@pytest.mark.parametrize("rules", ["anhoej", "ihi", "nhs"])
def test_no_runs_signals_on_a_categorical_x(rules):
    """Ten units sorted by name, the first five low and the last five high: in time that
    would be a shift or a trend; over labels it is only the alphabet."""
    labels = [f"school {c}" for c in "ABCDEFGHIJKLMNOP"]
    y = [10, 11, 12, 13, 14, 15, 16, 17, 30, 31, 32, 33, 34, 35, 36, 37]
    kind = "run" if rules == "ihi" else "i"
    as_time = spc.control_chart(y, kind=kind, rules=rules)
    as_labels = spc.control_chart(y, x=labels, kind=kind, rules=rules)
    assert as_time.data["runs_signal"].any()  # the same values in time do signal
    assert not as_labels.data["runs_signal"].any()
    assert not as_labels.summary()["runs_signal"].any()
    for column in ("shift", "trend"):
        if column in as_labels.data:
            assert not as_labels.data[column].any()
    if rules == "nhs":
        assert set(as_labels.data["rule"]) <= {"", "outside"}
    if rules == "anhoej":
        text = " ".join(s.text for s in as_labels.describe())
        assert "in a row" not in text and "cross" not in text
    batch = spc.control_charts(
        pd.DataFrame({"g": "all", "unit": labels, "y": y}), by="g", x="unit", y="y", kind=kind,
        rules=rules,
    )  # fmt: skip
    assert not batch.summary()["runs_signal"].any()


# --- 5. NHS rules: a point beyond the limits is not a runs signal --------------------------


def stable(size=24):
    """Points alternating about 50: no trend, no run, none close to a limit."""
    return 50 + np.resize([1, -1, 2, -2, 0.5, -1.5], size)


def test_nhs_point_beyond_the_limits_alone_is_no_runs_signal():
    y = stable()
    y[15] = 80
    r = spc.control_chart(y, kind="i", rules="nhs")
    assert r.data["rule"].tolist().count("outside") == 1
    assert set(r.data["rule"]) == {"", "outside"}
    assert not r.data["runs_signal"].any()
    assert not r.summary()["runs_signal"].iloc[0]
    assert r.data["sigma_signal"].sum() == 1


def test_nhs_shift_whose_points_are_all_beyond_the_limits_is_still_a_runs_signal():
    """Seven points beyond the frozen upper limit are labelled "outside" (the first rule), but
    they are also seven on one side of the mean: the runs flag reads the rules before they
    are prioritised."""
    y = np.r_[stable(18), [90] * 7]
    r = spc.control_chart(y, kind="i", rules="nhs", freeze=18)
    assert r.data["rule"].tolist() == [""] * 18 + ["outside"] * 7
    assert r.data["runs_signal"].all()
    assert r.summary()["runs_signal"].iloc[0]


# --- 6. the sentence names the side and length of the same run -----------------------------


def test_describe_names_the_side_of_the_longest_run():
    low = [10, 11, 10, 9, 11, 10, 12, 10, 9, 11, 10, 11]
    high = [20, 21, 19, 20, 22, 20, 21, 20]
    r = spc.control_chart(low + high, kind="i")
    stats = r.summary().iloc[0]
    assert stats["longest_run"] == 12 and stats["longest_run_max"] == 7
    sentences = r.describe(higher_is_better=True)
    shift = next(s for s in sentences if "in a row" in s.text)
    assert shift.text.startswith("12 points in a row below the center line")
    assert shift.tone == "worsening"


def test_describe_says_once_for_a_single_crossing():
    r = spc.control_chart([10, 11, 10, 9, 11, 10, 12, 10, 20, 21, 19, 20, 22, 20, 21, 20],
                          kind="run")  # fmt: skip
    text = " ".join(s.text for s in r.describe())
    assert "cross the center line only once" in text
    assert "1 times" not in text
