"""What an analyst relies on: invariants, batch = single, clear errors, charts that export."""

import datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melior.analysis import spc

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
series = st.lists(finite, min_size=3, max_size=60)


@settings(max_examples=80, deadline=None)
@given(series)
def test_i_chart_limits_are_symmetric_about_the_centre(y):
    d = spc.control_chart(y, kind="i").data
    assert np.allclose(d["ucl"] - d["cl"], d["cl"] - d["lcl"], rtol=1e-9, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), st.integers(3, 50))
def test_constant_data_gives_no_signal(value, length):
    for kind in ("run", "i"):
        r = spc.control_chart([value] * length, kind=kind)
        assert not r.data["sigma_signal"].any()
        assert not r.data["runs_signal"].any()
        assert r.status(higher_is_better=True) in {"no change", "no data"}


@settings(max_examples=60, deadline=None)
@given(series, st.floats(min_value=-1e5, max_value=1e5, allow_nan=False))
def test_shifting_y_shifts_centre_and_limits(y, shift):
    a = spc.control_chart(y, kind="i").data
    b = spc.control_chart(np.asarray(y) + shift, kind="i").data
    for column in ("cl", "lcl", "ucl"):
        assert np.allclose(b[column], a[column] + shift, rtol=1e-9, atol=1e-5)
    assert (a["runs_signal"] == b["runs_signal"]).all()


def network_frame(seed=0, sites=25, weeks=40):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(sites):
        den = rng.integers(20, 300, weeks)
        p = np.clip(
            rng.uniform(0.3, 0.8) + (np.arange(weeks) > weeks // 2) * rng.choice([0, 0.15]), 0, 1
        )
        num = rng.binomial(den, p)
        for w in range(weeks):
            rows.append((f"site-{s:02d}", "m", w, float(num[w]), float(den[w])))
    return pd.DataFrame(rows, columns=["site", "measure", "week", "num", "den"])


@pytest.mark.parametrize("kind", ["p", "u", "p_prime", "i", "run", "c"])
def test_batch_gives_each_series_what_a_single_chart_gives(kind):
    df = network_frame()
    kwargs = {"n": "den"} if kind in {"p", "u", "p_prime"} else {}
    batch = spc.control_charts(df, by=["site", "measure"], x="week", y="num", kind=kind, **kwargs)
    summary = batch.summary(higher_is_better=True)
    for site, group in df.groupby("site"):
        single = spc.control_chart(
            group["num"], n=group["den"] if kwargs else None, x=group["week"], kind=kind
        )
        points = batch.data[batch.data["site"] == site]
        for column in ("y", "cl", "lcl", "ucl"):
            assert np.allclose(points[column], single.data[column], equal_nan=True)
        assert (points["sigma_signal"].to_numpy() == single.data["sigma_signal"].to_numpy()).all()
        row = summary[summary["site"] == site].iloc[0]
        s = single.summary().iloc[0]
        for field in ("n_useful", "longest_run", "n_crossings", "runs_signal", "sigma_signals"):
            assert row[field] == s[field], field
        assert row["status"] == single.status(higher_is_better=True)


def test_signals_do_not_depend_on_the_order_of_the_groups():
    df = network_frame(seed=3)
    a = spc.control_charts(df, by="site", x="week", y="num", n="den", kind="p").summary()
    shuffled = df.sample(frac=1, random_state=1)
    b = spc.control_charts(shuffled, by="site", x="week", y="num", n="den", kind="p").summary()
    a, b = a.set_index("site").sort_index(), b.set_index("site").sort_index()
    assert (a["runs_signal"] == b["runs_signal"]).all()
    assert (a["sigma_signals"] == b["sigma_signals"]).all()
    assert np.allclose(a["cl"], b["cl"])


def test_freeze_takes_the_baseline_and_extends_it():
    y = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 20, 21, 19, 22, 20, 21, 20, 22, 21, 20]
    r = spc.control_chart(y, kind="i", freeze=10)
    assert r.data["cl"].nunique() == 1 and r.data["cl"].iloc[0] == pytest.approx(10.3)
    assert r.data["sigma_signal"].iloc[10:].all()
    assert r.data["baseline"].tolist() == [True] * 10 + [False] * 10


def test_part_recomputes_each_phase():
    y = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 20, 21, 19, 22, 20, 21, 20, 22, 21, 20]
    r = spc.control_chart(y, kind="i", part=[10])
    s = r.summary()
    assert s["cl"].tolist() == pytest.approx([10.3, 20.6])
    assert s["sigma_signals"].tolist() == [0, 0]
    assert r.describe()[0].text.startswith("Part 1")


def test_exclude_leaves_a_point_out_but_still_tests_it():
    y = [10, 11, 9, 10, 12, 10, 11, 9, 10, 60, 11, 10]
    with_point = spc.control_chart(y, kind="i")
    without = spc.control_chart(y, kind="i", exclude=[10])
    assert without.data["cl"].iloc[0] == pytest.approx(np.mean(y[:9] + y[10:]))
    assert without.data["sigma_signal"].iloc[9]
    assert without.data["ucl"].iloc[0] < with_point.data["ucl"].iloc[0]


def test_missing_values_and_zero_denominators_are_points_without_values():
    r = spc.control_chart([5, None, 7, 3, 4], n=[10, 10, 0, 10, 10], kind="p")
    assert r.data["y"].isna().tolist() == [False, True, True, False, False]
    assert r.data["cl"].iloc[0] == pytest.approx(12 / 30)


def test_proportion_limits_are_clipped_to_zero_and_one():
    r = spc.control_chart([1, 0, 2, 1, 9], n=[10] * 5, kind="p")
    assert (r.data["lcl"] >= 0).all() and (r.data["ucl"] <= 1).all()
    c = spc.control_chart([0, 1, 0, 2, 1], kind="c")
    assert (c.data["lcl"] == 0).all()


def test_p_chart_limits_vary_with_each_denominator():
    r = spc.control_chart([10, 30, 20], n=[50, 200, 100], kind="p")
    width = r.data["ucl"] - r.data["lcl"]
    assert width.iloc[0] > width.iloc[2] > width.iloc[1]


def test_repeated_x_values_are_combined():
    r = spc.control_chart([1, 2, 3, 4], n=[10, 10, 10, 10], x=["a", "a", "b", "b"], kind="p")
    assert r.data["y"].tolist() == pytest.approx([0.15, 0.35])


def test_ihi_runs_limits_match_the_exact_distribution():
    for n_useful, limits in {
        10: (3, 9),
        14: (4, 12),
        16: (5, 13),
        20: (7, 15),
        24: (8, 18),
        30: (11, 21),
    }.items():
        assert spc.ihi_runs_limits(n_useful) == limits


def test_plain_words_for_a_shift_and_the_status():
    y = [50] * 0 + [50, 52, 49, 51, 48, 50, 53, 47, 51, 49, 60, 61, 62, 59, 63, 61, 60, 62, 64, 61]
    r = spc.run_chart(
        y, x=[datetime.date(2025, 1, 6) + datetime.timedelta(weeks=i) for i in range(20)]
    )
    text = " ".join(s.text for s in r.describe(higher_is_better=True))
    assert "points in a row above the center line" in text
    assert r.status(higher_is_better=True) == "improving"
    assert r.status(higher_is_better=False) == "worsening"
    assert r.describe(higher_is_better=True)[0].tone == "improving"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: spc.control_chart([], kind="i"), "y is empty"),
        (lambda: spc.control_chart([None, None], kind="i"), "every point is missing"),
        (lambda: spc.control_chart([1, "abc", 3], kind="i"), "found 'abc' at position 2"),
        (lambda: spc.control_chart([1, -2, 3], kind="c"), "negative count"),
        (lambda: spc.control_chart([5, 12], n=[10, 10], kind="p"), "larger than the denominator"),
        (lambda: spc.control_chart([5, 2], kind="p"), "needs n"),
        (lambda: spc.control_chart([5, 2], n=[1, 2], kind="c"), "takes no n"),
        (lambda: spc.control_chart([5, 2], n=[1], kind="u"), "same length"),
        (lambda: spc.control_chart([1, 2, 3], kind="q"), "Unknown chart kind"),
        (lambda: spc.control_chart([1, 2, 3], rules="western"), "Unknown rules"),
        (lambda: spc.control_chart([1, 2, 3], part=[5]), "outside the chart"),
        (lambda: spc.control_chart([1, 2, 3], freeze=0), "outside the chart"),
        (lambda: spc.control_chart([1, 2, 3], exclude=[1.5]), "whole point numbers"),
        (lambda: spc.control_chart([1, 0, 3], kind="t"), "above 0"),
        (lambda: spc.control_chart([1, 2, 3], kind="xbar"), "needs x"),
        (lambda: spc.control_charts(pd.DataFrame({"s": [1]}), by="s", x="w", y="v"), "not found"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_chart_is_a_self_contained_vega_lite_spec_that_exports_offline(tmp_path):
    x = [datetime.date(2025, 1, 6) + datetime.timedelta(weeks=i) for i in range(24)]
    r = spc.control_chart(
        np.r_[np.full(12, 20), np.full(12, 30)], n=np.full(24, 100), x=x, kind="p", part=[12]
    )
    chart = r.chart(title="On track", annotations=[{"x": x[12], "text": "Started check-ins"}])
    spec = chart.to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "url" not in str(spec.get("data", ""))  # data travel inside the spec
    assert len(spec["layer"]) >= 6
    out = tmp_path / "chart.svg"
    chart.properties(width=500).save(out)
    assert out.read_text().startswith("<svg")


def test_status_reads_only_signals_that_reach_the_latest_points():
    rng = np.random.default_rng(4)
    y = rng.normal(50, 1, 100)
    early, late = y.copy(), y.copy()
    early[10] = 70  # one wild week long ago
    late[-1] = 70  # this week
    assert spc.control_chart(early, kind="i").data["sigma_signal"].iloc[10]
    assert spc.control_chart(early, kind="i").status(higher_is_better=True) == "no change"
    assert spc.control_chart(late, kind="i").status(higher_is_better=True) == "improving"
    batch = spc.control_charts(
        pd.DataFrame({"s": ["early"] * 100 + ["late"] * 100, "t": list(range(100)) * 2,
                      "y": np.r_[early, late]}),
        by="s", x="t", y="y",
    )  # fmt: skip
    assert batch.summary(higher_is_better=True)["status"].tolist() == ["no change", "improving"]


def test_assurance_says_whether_the_target_will_be_met():
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {"s": np.repeat(["high", "mid", "low"], 40), "t": np.tile(np.arange(40), 3),
         "y": np.r_[rng.normal(90, 1, 40), rng.normal(80, 1, 40), rng.normal(70, 1, 40)]}
    )  # fmt: skip
    charts = spc.control_charts(frame, by="s", x="t", y="y", kind="i")
    up = charts.summary(higher_is_better=True, target=80)
    assert up.set_index("s")["assurance"].to_dict() == {
        "high": "consistent_pass", "mid": "inconsistent", "low": "consistent_fail"
    }  # fmt: skip
    down = charts.summary(higher_is_better=False, target=[80, 80, np.nan])
    assert down.set_index("s")["assurance"].to_dict() == {
        "high": "consistent_fail", "mid": "inconsistent", "low": ""
    }  # fmt: skip


def test_signal_onset_is_where_the_stretch_ending_at_the_signal_began():
    import pandas as pd

    from melior.analysis import spc

    level = [10, 11, 9, 10, 12, 9, 10, 11, 10, 9, 10, 11]
    shifted = [15, 16, 15, 17, 16, 15, 16, 17]  # a step up at the 13th point (position 12)
    frame = pd.DataFrame({"site": ["up"] * 20 + ["flat"] * 20, "x": list(range(20)) * 2,
                          "y": level + shifted + (level + level)[:20]})  # fmt: skip
    onsets = spc.control_charts(frame, by="site", x="x", y="y", kind="i").signal_onsets()
    rows = onsets.set_index("site")
    assert rows.loc["up", "direction"] == 1
    assert rows.loc["up", "onset"] == 12 and rows.loc["up", "onset_x"] == 12
    assert rows.loc["flat", "direction"] == 0 and rows.loc["flat", "onset"] == -1
