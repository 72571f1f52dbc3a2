"""Observation validation: what a team sees when a number is wrong."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from melior.measures.models import Observation
from melior.measures.services import record_observation


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_valid_proportion_is_saved(world, monday):
    obs = record_observation(
        measure=world.measure,
        organization=world.school,
        period=monday,
        numerator="45",
        denominator="60",
    )
    assert (obs.numerator, obs.denominator, obs.value) == (45.0, 60.0, None)


def test_numerator_larger_than_denominator_is_refused(world, monday):
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=monday,
            numerator=61,
            denominator=60,
        )
    assert "cannot be larger than the denominator" in errors_of(e)["numerator"][0]
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    ("numerator", "denominator", "field", "fragment"),
    [
        (-1, 10, "numerator", "cannot be negative"),
        (1, 0, "denominator", "more than 0"),
        (1, -5, "denominator", "more than 0"),
        ("", 10, "numerator", "Enter the numerator"),
        (3, "", "denominator", "Enter the denominator"),
        ("lots", 10, "numerator", "is not a number"),
        (3, "nan", "denominator", "finite"),
    ],
)
def test_bad_counts_name_the_field(world, monday, numerator, denominator, field, fragment):
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=monday,
            numerator=numerator,
            denominator=denominator,
        )
    assert fragment in " ".join(errors_of(e)[field])


def test_period_must_be_on_the_weekly_grid(world):
    wednesday = datetime.date(2025, 9, 3)
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=wednesday,
            numerator=1,
            denominator=2,
        )
    message = errors_of(e)["period_start"][0]
    assert "Monday, Sep 1, 2025" in message and "Wednesday, Sep 3, 2025" in message


def test_monthly_measure_needs_the_first_of_the_month(world):
    world.count_measure.frequency = "monthly"
    world.count_measure.save()
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.count_measure,
            organization=world.school,
            period=datetime.date(2025, 9, 2),
            value=3,
        )
    assert "Sep 1, 2025" in errors_of(e)["period_start"][0]
    record_observation(
        measure=world.count_measure,
        organization=world.school,
        period=datetime.date(2025, 9, 1),
        value=3,
    )


def test_future_period_is_refused(world):
    future = datetime.date.today() + datetime.timedelta(days=14)
    future -= datetime.timedelta(days=future.weekday())
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=future,
            numerator=1,
            denominator=2,
        )
    assert "not started" in errors_of(e)["period_start"][0]


def test_duplicate_period_is_refused_and_correction_is_allowed(world, monday):
    first = record_observation(
        measure=world.measure,
        organization=world.school,
        period=monday,
        numerator=10,
        denominator=20,
    )
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=monday,
            numerator=11,
            denominator=20,
        )
    assert "already a value" in errors_of(e)["period_start"][0]
    corrected = record_observation(
        measure=world.measure,
        organization=world.school,
        period=monday,
        numerator=11,
        denominator=20,
        correcting=first,
    )
    assert corrected.pk == first.pk
    assert Observation.objects.get().numerator == 11


def test_same_period_at_another_site_is_fine(world, monday):
    for school in (world.school, world.sibling_school):
        record_observation(
            measure=world.measure, organization=school, period=monday, numerator=1, denominator=2
        )
    assert Observation.objects.count() == 2


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-2, "cannot be negative"),
        (2.5, "whole number"),
        ("", "Enter a value"),
        ("x", "not a number"),
    ],
)
def test_count_measure_values(world, monday, value, fragment):
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.count_measure, organization=world.school, period=monday, value=value
        )
    assert fragment in errors_of(e)["value"][0]


def test_single_value_measure_refuses_a_fraction(world, monday):
    with pytest.raises(ValidationError) as e:
        record_observation(
            measure=world.count_measure,
            organization=world.school,
            period=monday,
            value=3,
            numerator=1,
            denominator=2,
        )
    assert "single value" in errors_of(e)["numerator"][0]


def test_database_refuses_negative_counts_even_without_the_service(world, monday):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Observation.objects.create(
            measure=world.measure,
            organization=world.school,
            period_start=monday,
            numerator=-1,
            denominator=5,
        )
