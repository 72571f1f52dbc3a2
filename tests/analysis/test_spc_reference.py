"""Every published reference case in shared/reference/spc/cases, each in the mode its
`semantics` names (qicharts2 by default, qcc without MR screening, NHS Making Data Count)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from melior.analysis import spc
from melior.analysis.spc import runs as runs_rules
from melior.analysis.spc.core import NHS_LABELS

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "spc"
CASES = sorted((REFERENCE / "cases").glob("*.json")) if REFERENCE.exists() else []
if not CASES:
    pytest.skip(
        "SPC reference cases not found beside the repository (shared/reference/spc)",
        allow_module_level=True,
    )

KIND = {"pp": "p_prime", "up": "u_prime"}


def load(path):
    return json.loads(path.read_text())


def close(actual, expected, tol):
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    if tol.get("exact"):
        return actual == expected
    return abs(actual - expected) <= tol["abs"] + tol["rel"] * abs(expected)


def assert_close(actual, expected, tol, what):
    assert len(actual) == len(expected), f"{what}: {len(actual)} values, expected {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        a = None if a is None or (isinstance(a, float) and math.isnan(a)) else float(a)
        assert close(a, e, tol), f"{what}[{i + 1}]: {a} != {e}"


def chart_from_points_case(case):
    inputs, options = case["inputs"], case["inputs"]["options"]
    return spc.control_chart(
        inputs["y"],
        n=inputs.get("n"),
        x=inputs["x"],
        kind=KIND.get(case["chart"], case["chart"]),
        part=options.get("part"),
        freeze=options.get("freeze"),
        exclude=options.get("exclude"),
        multiply=options.get("multiply", 1),
        screened_mr=options.get("screened_mr", True),
    )


POINT_CASES = [c for c in CASES if isinstance(load(c)["expected"].get("points"), dict)]


@pytest.mark.parametrize("path", POINT_CASES, ids=[c.stem for c in POINT_CASES])
def test_points_and_runs(path):
    case = load(path)
    tol = case["tolerance"]
    r = chart_from_points_case(case)
    expected = case["expected"]["points"]
    d = r.data
    for column in ("y", "cl", "lcl", "ucl"):
        values = d[column].tolist()
        if r.kind == "run" and column in {"lcl", "ucl"}:
            assert all(v is None for v in expected[column])
            continue
        assert_close(values, expected[column], tol, column)
    assert d["sigma_signal"].tolist() == expected["sigma_signal"]
    assert d["part"].tolist() == expected["part"]
    assert (~d["excluded"]).tolist() == expected["include"]
    summary = r.summary()
    for row, part in zip(case["expected"]["runs"], summary.itertuples(), strict=True):
        for field in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
                      "n_crossings_min"):  # fmt: skip
            assert getattr(part, field) == row[field], (field, part.part)
        assert bool(part.runs_signal) == row["runs_signal"]


def test_hai_u_aggregate_summary():
    case = load(REFERENCE / "cases" / "q2-hai-u-aggregate.json")
    i, tol = case["inputs"], case["tolerance"]
    r = spc.control_chart(i["n"], n=i["days"], x=pd.to_datetime(i["month"]), kind="u")
    expected = case["expected"]["summary"][0]
    s = r.summary().iloc[0]
    for field in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
                  "n_crossings_min"):  # fmt: skip
        assert s[field] == expected[field]
    assert bool(s["runs_signal"]) == expected["runs_signal"]
    assert close(s["mean_lcl"], expected["aLCL"], tol)
    assert close(s["mean_cl"], expected["CL"], tol)
    assert close(s["mean_ucl"], expected["aUCL"], tol)
    assert s["sigma_signals"] == expected["sigma_signal_count"]


def test_vignette_i_chart_shift_without_sigma_signal():
    case = load(REFERENCE / "cases" / "q2-vignette-i-seed19-shift.json")
    tol = case["tolerance"]
    r = spc.control_chart(case["inputs"]["y"], kind="i")
    expected = case["expected"]["summary"][0]
    s = r.summary().iloc[0]
    for field in ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
                  "n_crossings_min"):  # fmt: skip
        assert s[field] == expected[field]
    assert bool(s["runs_signal"]) is True
    assert close(s["lcl"], expected["aLCL"], tol)
    assert close(s["cl"], expected["CL"], tol)
    assert close(s["ucl"], expected["aUCL"], tol)
    assert s["sigma_signals"] == 0
    # the 2-sigma ("95%") limits of the same case: centre ± 2/3 of the 3-sigma half-width
    half = (s["ucl"] - s["cl"]) * 2 / 3
    assert close(s["cl"] - half, expected["aLCL_95"], tol)
    assert close(s["cl"] + half, expected["aUCL_95"], tol)
    assert "shift" in r.describe()[0].text


def test_qcc_orange_juice_p_chart():
    case = load(REFERENCE / "cases" / "qcc-orangejuice-p.json")
    i, e, tol = case["inputs"], case["expected"], case["tolerance"]
    s = spc.control_chart(i["y"], n=i["n"], x=i["x"], kind="p").summary().iloc[0]
    assert close(s["cl"], e["center"], tol)
    assert close((s["ucl"] - s["cl"]) / 3, e["sigma"], tol)
    assert close(s["lcl"], e["lcl"], tol)
    assert close(s["ucl"], e["ucl"], tol)


def test_qcc_piston_rings_xbar_from_ranges():
    case = load(REFERENCE / "cases" / "qcc-pistonrings-xbar-R.json")
    i, e, tol = case["inputs"], case["expected"], case["tolerance"]
    s = spc.control_chart(i["y"], x=i["x"], kind="xbar", xbar_sigma="r").summary().iloc[0]
    assert close(s["cl"], e["center"], tol)
    assert close((s["ucl"] - s["cl"]) / 3 * math.sqrt(5), e["sigma"], tol)
    assert close(s["lcl"], e["lcl"], tol)
    assert close(s["ucl"], e["ucl"], tol)
    half = (s["ucl"] - s["cl"]) * 2 / 3
    assert close(s["cl"] - half, e["lcl_2sigma"], tol)
    assert close(s["cl"] + half, e["ucl_2sigma"], tol)
    r_chart = spc.control_chart(i["y"], x=i["x"], kind="r").summary().iloc[0]
    assert close(r_chart["cl"], e["Rbar_(from_R_chart)"], tol)


def test_qcc_viscosity_unscreened_i_chart():
    case = load(REFERENCE / "cases" / "qcc-viscosity-i-mr-unscreened.json")
    e, tol = case["expected"], case["tolerance"]
    y = case["inputs"]["y"]
    s = spc.control_chart(y, kind="i", screened_mr=False).summary().iloc[0]
    assert close(s["cl"], e["center"], tol)
    assert close((s["ucl"] - s["cl"]) / 3, e["sigma"], tol)
    assert close(s["lcl"], e["lcl"], tol)
    assert close(s["ucl"], e["ucl"], tol)
    # the screened (qicharts2) convention gives narrower limits on the same data
    screened = spc.control_chart(y, kind="i").summary().iloc[0]
    assert screened["ucl"] - screened["lcl"] < s["ucl"] - s["lcl"]


def test_anhoej_threshold_table():
    case = load(REFERENCE / "cases" / "q2-anhoej-limits-table-10-100.json")
    table = case["expected"]["table"]
    longest, crossings = spc.anhoej_limits([row["n_useful"] for row in table])
    assert longest.tolist() == [row["longest_run_max"] for row in table]
    assert crossings.tolist() == [row["n_crossings_min"] for row in table]


IHI_CASES = [c for c in CASES if c.stem.startswith("ihi-")]


@pytest.mark.parametrize("path", IHI_CASES, ids=[c.stem for c in IHI_CASES])
def test_ihi_run_chart_rules(path):
    case = load(path)
    e = case["expected"]
    r = spc.run_chart(case["inputs"]["y"], rules="ihi")
    d = r.data
    assert d["cl"].iloc[0] == e["median"]
    assert (np.flatnonzero(d["shift"]) + 1).tolist() == e["shift_points"]
    assert (np.flatnonzero(d["trend"]) + 1).tolist() == e["trend_points"]
    s = r.summary().iloc[0]
    assert s["shift_signal"] == e["shift_signal"]
    assert s["trend_signal"] == e["trend_signal"]


MDC_CASES = [c for c in CASES if c.stem.startswith("mdcd-")]


def nhs_labels(r):
    return [
        NHS_LABELS.get((rule, sign), "Common Cause")
        for rule, sign in zip(r.data["rule"], r.data["rule_sign"], strict=True)
    ]


def point_types(r):
    return [spc.result._point_type(row, r.direction) for _, row in r.data.iterrows()]


@pytest.mark.parametrize("path", MDC_CASES, ids=[c.stem for c in MDC_CASES])
def test_making_data_count_rules(path):
    case = load(path)
    o, e, tol = case["inputs"]["options"], case["expected"], case["tolerance"]
    r = spc.control_chart(
        case["inputs"]["y"], kind="i", rules="nhs", direction=o["improvement_direction"],
        freeze=o["fix_after_n_points"], screened_mr=o["screen_outliers"], target=o["target"],
    )  # fmt: skip
    group = e["groups"][0]
    s = r.summary().iloc[0]
    assert close(s["cl"], group["mean"], tol)
    assert close(s["lcl"], group["lpl"], tol)
    assert close(s["ucl"], group["upl"], tol)
    assert nhs_labels(r) == e["special_cause_type"]
    assert point_types(r) == e["point_type"]
    assert s["assurance_type"] == e["assurance_type"]


def test_plot_the_dots_readme_summary():
    case = load(REFERENCE / "cases" / "ptd-readme-rqm-summary.json")
    o, tol = case["inputs"]["options"], case["tolerance"]
    r = spc.control_chart(
        case["inputs"]["y"], x=pd.to_datetime(case["inputs"]["period"]), kind="i", rules="nhs",
        direction=o["improvement_direction"], target=o["target"],
    )  # fmt: skip
    s = r.summary().iloc[0]
    derived, asserted = case["expected"]["derived"], case["expected"]["asserted"]
    assert close(s["cl"], derived["mean"], tol)
    assert close(s["lcl"], derived["lpl"], tol)
    assert close(s["ucl"], derived["upl"], tol)
    assert point_types(r) == derived["point_types"]
    assert s["variation_type"] == asserted["variation_type"]
    assert s["assurance_type"] == asserted["assurance_type"]


def test_plot_the_dots_rule_helpers():
    e = load(REFERENCE / "cases" / "ptd-rule-helpers.json")["expected"]
    for row in e["seven_point_one_side_mean"]:
        got = runs_rules.seven_point_one_side(np.array(row["input"]))
        assert got.tolist() == row["output"]
    for row in e["part_of_seven_trend"]:
        assert runs_rules.part_of_seven(np.array(row["input"])).tolist() == row["output"]
    for row in e["seven_point_trend"]:
        got = runs_rules.seven_point_trend(np.array(row["input"], dtype=float))
        assert got.tolist() == row["output"]
    for row in e["two_in_three"]:
        close_, side = (np.array(v) for v in row["input"])
        assert runs_rules.two_in_three(close_, side).tolist() == row["output"]


def test_every_case_is_covered():
    covered = {c.stem for c in POINT_CASES + IHI_CASES + MDC_CASES} | {
        "q2-hai-u-aggregate", "q2-vignette-i-seed19-shift", "qcc-orangejuice-p",
        "qcc-pistonrings-xbar-R", "qcc-viscosity-i-mr-unscreened",
        "q2-anhoej-limits-table-10-100", "ptd-readme-rqm-summary", "ptd-rule-helpers",
    }  # fmt: skip
    assert {c.stem for c in CASES} <= covered
