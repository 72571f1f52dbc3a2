"""Prediction calibration against hand-worked shares and Wilson intervals."""

import pandas as pd
import pytest

from melior.analysis.calibration import prediction_calibration, wilson


def test_scores_per_group_and_quarter_with_verdicts():
    frame = pd.DataFrame(
        {
            "team": ["A"] * 10 + ["B"] * 5 + ["C"] * 2,
            "date": ["2025-01-15"] * 5
            + ["2025-04-15"] * 5
            + ["2025-02-01"] * 5
            + ["2025-03-01"] * 2,
            "held": ["yes"] * 10 + ["no", "no", "no", "partly", "yes"] + ["yes", "skipped"],
        }
    )
    c = prediction_calibration(frame, by="team")
    summary = c.summary().set_index("group")
    assert summary.loc["A", "held_share"] == 1.0
    assert summary.loc["A", "verdict"].startswith("almost always right")
    assert summary.loc["B", "held_share"] == pytest.approx(1.5 / 5)
    assert summary.loc["B", "verdict"].startswith("mostly wrong")
    assert (
        summary.loc["C", "n"] == 1 and summary.loc["C", "verdict"] == "too few predictions to tell"
    )
    quarters = c.data[c.data["group"] == "A"]
    assert quarters["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-04"]
    assert c.describe()[1] == (
        "B: 30% of 5 predictions held — mostly wrong: the theory behind "
        "these tests needs another look."
    )
    assert c.chart().to_dict()["layer"][1]["mark"]["type"] == "line"


def test_wilson_interval_matches_the_formula():
    low, high = wilson([8.0], [10])
    # p = 0.8, n = 10: the published Wilson 95% interval is 0.490 to 0.943
    assert low[0] == pytest.approx(0.490, abs=5e-4) and high[0] == pytest.approx(0.943, abs=5e-4)


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="Missing column"):
        prediction_calibration(pd.DataFrame({"group": []}))
