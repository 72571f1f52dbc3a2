"""Pareto charts against hand-worked answers."""

import pytest

from melior.analysis.pareto import pareto_chart


def test_sorted_shares_cumulative_and_vital_few():
    p = pareto_chart([5, 40, 20, 10, 25], ["e", "a", "c", "d", "b"])
    assert p.data["label"].tolist() == ["a", "b", "c", "d", "e"]
    assert p.data["share"].tolist() == pytest.approx([0.40, 0.25, 0.20, 0.10, 0.05])
    assert p.data["cumulative_share"].tolist() == pytest.approx([0.40, 0.65, 0.85, 0.95, 1.0])
    # a (0% before), b (40%), c (65%) are needed to pass 80%; d starts at 85%
    assert p.vital_few == ["a", "b", "c"]
    assert p.summary() == {
        "total": 100,
        "n_causes": 5,
        "n_vital": 3,
        "vital_share": pytest.approx(0.85),
        "vital_threshold": 0.8,
    }
    assert p.describe() == "3 of 5 causes account for 85% of 100 tallied occurrences."


def test_exactly_reaching_the_threshold_stops_there():
    assert pareto_chart([80, 10, 10], ["a", "b", "c"]).vital_few == ["a"]
    assert pareto_chart([50, 30, 20], ["a", "b", "c"], vital=0.5).vital_few == ["a"]


def test_repeated_labels_add_up_ties_sort_by_name_zero_is_never_vital():
    p = pareto_chart([3, 4, 7, 0], ["b", "b", "a", "z"])
    assert p.data[["label", "count"]].values.tolist() == [["a", 7], ["b", 7], ["z", 0]]
    assert "z" not in p.vital_few
    assert pareto_chart([0, 0], ["a", "b"]).describe() == "No tallies yet."


@pytest.mark.parametrize(
    ("counts", "labels", "message"),
    [
        ([1, -2], ["a", "b"], "negative"),
        ([1], ["a", "b"], "one label per count"),
        ([1, float("nan")], ["a", "b"], "number"),
    ],
)
def test_bad_input_is_refused_with_the_reason(counts, labels, message):
    with pytest.raises(ValueError, match=message):
        pareto_chart(counts, labels)


def test_chart_orders_bars_by_count_and_marks_the_vital_few():
    spec = pareto_chart([5, 40, 20], ["small", "big", "middle"]).chart().to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["x"]["sort"] == ["big", "middle", "small"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["vital few", "useful many"]
