"""The fidelity score against the hand-worked cases of docs/fidelity.md."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from melior.fidelity.scoring import Rating, band, score


def ratings(*levels, dimension="adherence"):
    """(component id, essential, level) triples → ratings on one dimension."""
    return [Rating(c, e, dimension, level) for c, e, level in levels]


def test_essential_components_weigh_twice():
    # A essential ideal (2×1), B essential acceptable (2×0.5), C adaptable unacceptable (1×0)
    result = score(ratings((1, True, 2), (2, True, 1), (3, False, 0)))
    assert result.value == 60.0 and not result.capped
    assert result.band == "moderate"


def test_an_unacceptable_essential_component_caps_the_score():
    # (2×0 + 2×1 + 1×1) / 5 = 60%, capped at 40%: low fidelity
    result = score(ratings((1, True, 0), (2, True, 2), (3, False, 2)))
    assert (result.value, result.capped, result.band) == (40.0, True, "low")


def test_a_low_score_is_not_raised_by_the_cap():
    result = score(ratings((1, True, 0), (2, True, 0), (3, False, 1)))
    assert result.value == 10.0 and result.capped  # (0 + 0 + 0.5) / 5


def test_dimensions_average_within_a_component():
    # A essential: adherence 2, dose 1 → 0.75; B adaptable: adherence 2, dose 2 → 1
    found = [
        Rating(1, True, "adherence", 2),
        Rating(1, True, "dose", 1),
        Rating(2, False, "adherence", 2),
        Rating(2, False, "dose", 2),
    ]
    assert score(found).value == round(100 * (2 * 0.75 + 1) / 3, 1)  # 83.3
    assert score(found).band == "high"


def test_bands_and_bad_input():
    assert [band(v) for v in (None, 49.9, 50, 79.9, 80, 100)] == [
        "none", "low", "moderate", "moderate", "high", "high",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        score([])
    with pytest.raises(ValueError):
        score(ratings((1, True, 3)))


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2)), min_size=1, max_size=8))
def test_the_score_stays_between_0_and_100_and_all_ideal_is_100(levels):
    found = ratings(*[(k, essential, level) for k, (essential, level) in enumerate(levels)])
    value = score(found).value
    assert 0 <= value <= 100
    assert (value == 100) == all(level == 2 for _, level in levels)
