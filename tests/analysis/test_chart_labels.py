"""What a reader sees on a chart without the page around it: named lines, a legend, gaps
where periods are missing, notes that are not cut off, a funnel that names its outliers."""

import datetime

import numpy as np

from melior.analysis import funnel, spc


def _layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def _texts(spec_layers) -> list[dict]:
    return [layer for layer in spec_layers if layer["mark"]["type"] == "text"]


def _weeks(start: datetime.date, count: int) -> list[datetime.date]:
    return [start + datetime.timedelta(weeks=i) for i in range(count)]


def test_centre_line_limits_and_target_carry_their_names_and_values():
    x = _weeks(datetime.date(2025, 1, 6), 20)
    result = spc.control_chart(np.full(20, 25), n=np.full(20, 100), x=x, kind="p", target=0.4)
    spec = result.chart().to_dict()
    calculated = [
        step["calculate"]
        for layer in spec["layer"]
        for step in layer.get("transform", [])
        if "calculate" in step
    ]
    assert any(text.startswith("'Center '") for text in calculated)
    assert any(text.startswith("'Upper limit '") for text in calculated)
    assert any(text.startswith("'Lower limit '") for text in calculated)
    target_texts = [layer for layer in spec["layer"] if "Target 40%" in str(layer.get("data", ""))]
    assert target_texts or "Target 40%" in str(spec["datasets"])
    legend = spec["layer"][-1]["encoding"]["color"]["scale"]["domain"]
    assert legend == ["Common cause", "Signal", "Center line", "Control limits", "Target"]
    assert spec["config"]["axis"]["labelFontSize"] >= 12


def test_a_run_chart_names_its_centre_the_median_and_has_no_limits_in_its_legend():
    spec = spc.run_chart([3, 5, 4, 6, 5, 7, 6, 8, 7, 9, 8, 10], x=list(range(1, 13))).chart()
    spec = spec.to_dict()
    calculated = str(spec["layer"])
    assert "'Median '" in calculated and "'Upper limit '" not in calculated
    assert "Control limits" not in spec["layer"][-1]["encoding"]["color"]["scale"]["domain"]


def test_the_data_line_breaks_across_a_summer_gap_and_not_elsewhere():
    spring = _weeks(datetime.date(2025, 3, 3), 10)
    autumn = _weeks(datetime.date(2025, 9, 1), 10)
    result = spc.control_chart(np.arange(20) % 5 + 20, x=spring + autumn, kind="i")
    spec = result.chart().to_dict()
    points = spec["datasets"][spec["data"]["name"]]
    segments = [point["segment"] for point in points]
    assert segments == [0] * 10 + [1] * 10
    line = next(
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == "line" and layer["encoding"]["y"]["field"] == "y"
    )
    assert line["encoding"]["detail"]["field"] == "segment"
    steady = spc.control_chart(np.arange(20) % 5 + 20, x=_weeks(spring[0], 20), kind="i")
    steady_points = steady.chart().to_dict()
    assert {p["segment"] for p in steady_points["datasets"][steady_points["data"]["name"]]} == {0}


def test_a_note_near_the_right_edge_is_written_leftwards_and_long_notes_end_in_an_ellipsis():
    x = _weeks(datetime.date(2025, 1, 6), 20)
    result = spc.control_chart(np.arange(20) % 4 + 10, x=x, kind="i")
    notes = [
        {"x": x[2], "text": "Started check-ins"},
        {"x": x[19], "text": "PDSA 4: advisory calls home to every family this week"},
    ]
    spec = result.chart(annotations=notes).to_dict()
    note_texts = [
        t for t in _texts(spec["layer"]) if t["encoding"].get("text", {}).get("field") == "text"
    ]
    by_side = {
        t["transform"][0]["filter"]: t["mark"]
        for t in note_texts
        if "side" in str(t.get("transform", ""))
    }
    assert by_side["datum.side == 'left'"]["align"] == "left"
    assert by_side["datum.side == 'right'"]["align"] == "right"
    assert all(mark["limit"] > 0 for mark in by_side.values())
    sides = {
        row["text"]: row["side"]
        for layer in spec["layer"]
        if "data" in layer and "values" in layer["data"]
        for row in layer["data"]["values"]
        if "side" in row
    }
    sides = sides or {
        row["text"]: row["side"]
        for rows in spec["datasets"].values()
        for row in rows
        if "side" in row
    }
    assert sides == {notes[0]["text"]: "left", notes[1]["text"]: "right"}


def test_the_funnel_fits_its_axis_to_the_sites_names_outliers_and_explains_itself_plainly():
    n = np.array([100, 120, 140, 160, 180, 200, 220, 240])
    y = np.round(n * 0.6).astype(int)
    y[2] = 135  # far above
    f = funnel.funnel_plot(y, n, labels=[f"School {c}" for c in "ABCDEFGH"], overdispersion=True)
    spec = f.chart(unit_name="School", size_title="Students enrolled (log scale)").to_dict()
    curves = spec["layer"][0]["encoding"]
    low, high = curves["y"]["scale"]["domain"]
    assert 0.45 < low < 0.6 and 0.96 <= high <= 1.0  # not 0-100%: the sites and the centre
    assert curves["x"]["title"] == "Students enrolled (log scale)"
    named = [
        row["label"]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text"
        and layer["encoding"].get("text", {}).get("field") == "label"
        for row in spec["datasets"][layer["data"]["name"]]
    ]
    assert named == ["School C"]
    assert "φ" not in f.reading("school") and "chance" in f.reading("school")
