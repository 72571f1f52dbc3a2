"""Enter a week in one place: the grid, the checks as you type, the save all or nothing."""

import datetime

import pytest
from django.urls import reverse

from melior.measures.models import Observation
from melior.measures.services import record_observation, record_week

from .conftest import weeks_back


def grid_url(world, school=None):
    return reverse(
        "week-entry", kwargs={"network": world.network.slug, "site": (school or world.school).slug}
    )


def check_url(world):
    return reverse(
        "week-entry-check", kwargs={"network": world.network.slug, "site": world.school.slug}
    )


@pytest.fixture
def teacher(client, world):
    client.force_login(world.users["school:team_member"])
    return client


def test_the_grid_opens_on_the_week_after_the_latest_figures(teacher, world, this_week):
    figures = {
        world.measure: {"numerator": 5, "denominator": 10},
        world.count_measure: {"value": 2},
    }
    for measure, numbers in figures.items():
        for k in (5, 4, 3):
            record_observation(
                measure=measure, organization=world.school, period=weeks_back(this_week, k),
                **numbers,
            )  # fmt: skip
    response = teacher.get(grid_url(world))
    assert response.context["week"] == weeks_back(this_week, 2)
    assert [r.measure.slug for r in response.context["rows"]] == ["on-track", "referrals"]


def test_with_no_figures_yet_the_grid_opens_on_this_week(teacher, world, this_week):
    assert teacher.get(grid_url(world)).context["week"] == this_week


def test_the_teachers_way_in_goes_straight_to_their_school(teacher, world):
    start = reverse("week-entry-start", kwargs={"network": world.network.slug})
    response = teacher.get(start)
    assert response.status_code == 302 and response["Location"] == grid_url(world)


def test_a_lead_picks_the_school(client, world):
    client.force_login(world.users["network:network_lead"])
    response = client.get(reverse("week-entry-start", kwargs={"network": world.network.slug}))
    assert [s.name for s in response.context["sites"]] == ["Lincoln High", "Parks High"]


def test_saving_the_week_saves_every_figure(teacher, world, this_week):
    response = teacher.post(
        grid_url(world),
        {"week": this_week.isoformat(), "on-track-numerator": "45", "on-track-denominator": "60",
         "referrals-value": "3"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Saved 2 figures" in response.text
    saved = Observation.objects.filter(organization=world.school, period_start=this_week)
    assert sorted((o.measure.slug, o.numerator, o.value) for o in saved) == [
        ("on-track", 45.0, None),
        ("referrals", None, 3.0),
    ]
    chart = reverse(
        "site-measure",
        kwargs={"network": world.network.slug, "site": world.school.slug, "measure": "on-track"},
    )
    assert f'href="{chart}"' in response.text


def test_one_wrong_figure_saves_nothing_and_is_marked(teacher, world, this_week):
    response = teacher.post(
        grid_url(world),
        {"week": this_week.isoformat(), "on-track-numerator": "45", "on-track-denominator": "60",
         "referrals-value": "-2"},
    )  # fmt: skip
    assert response.status_code == 400
    assert not Observation.objects.exists()
    assert "Nothing was saved" in response.text
    assert 'id="id-referrals-value" name="referrals-value" value="-2"' in response.text
    assert 'aria-invalid="true" aria-describedby="err-referrals-value"' in response.text
    assert "A count cannot be negative." in response.text
    assert 'value="45"' in response.text  # the good figures are kept to save again


def test_the_grid_corrects_a_figure_already_entered(teacher, world, this_week):
    record_observation(
        measure=world.count_measure, organization=world.school, period=this_week, value=4
    )
    response = teacher.get(grid_url(world) + f"?week={this_week}")
    assert 'name="referrals-value" value="4"' in response.text
    teacher.post(grid_url(world), {"week": this_week.isoformat(), "referrals-value": "6"})
    assert Observation.objects.get(measure=world.count_measure).value == 6


@pytest.mark.parametrize(
    ("fields", "cell", "message"),
    [
        ({"measure": "on-track", "on-track-numerator": "70", "on-track-denominator": "60"},
         "on-track-numerator", "cannot be larger than the denominator"),
        ({"measure": "referrals", "referrals-value": "-1"}, "referrals-value",
         "A count cannot be negative."),
        ({"measure": "referrals", "referrals-value": "2.5"}, "referrals-value",
         "A count is a whole number."),
        ({"measure": "referrals", "referrals-value": "lots"}, "referrals-value",
         "is not a number"),
        ({"measure": "on-track", "on-track-numerator": "5", "on-track-denominator": "0"},
         "on-track-denominator", "must be more than 0"),
    ],
)  # fmt: skip
def test_each_figure_is_checked_as_it_is_typed(teacher, world, this_week, fields, cell, message):
    response = teacher.post(check_url(world), {"week": this_week.isoformat(), **fields})
    assert response.status_code == 200
    assert f'name="{cell}"' in response.text
    assert f'aria-invalid="true" aria-describedby="err-{cell}"' in response.text
    assert message in response.text


def test_a_good_figure_checks_clean(teacher, world, this_week):
    response = teacher.post(
        check_url(world),
        {"week": this_week.isoformat(), "measure": "referrals", "referrals-value": "3"},
    )
    assert "aria-invalid" not in response.text and 'class="error"' not in response.text


def test_a_figure_far_outside_the_schools_own_range_is_questioned(teacher, world, this_week):
    for k, value in enumerate((3, 5, 4, 6)):
        record_observation(
            measure=world.count_measure, organization=world.school,
            period=weeks_back(this_week, k + 1), value=value,
        )  # fmt: skip
    far = teacher.post(
        check_url(world),
        {"week": this_week.isoformat(), "measure": "referrals", "referrals-value": "60"},
    )
    assert "far outside this school&#x27;s own range (3–6)" in far.text
    near = teacher.post(
        check_url(world),
        {"week": this_week.isoformat(), "measure": "referrals", "referrals-value": "7"},
    )
    assert "far outside" not in near.text


def test_a_week_in_the_future_is_refused(teacher, world, this_week):
    future = this_week + datetime.timedelta(weeks=2)
    response = teacher.get(grid_url(world) + f"?week={future}")
    assert "That week has not started yet" in response.text
    assert response.context["week"] == this_week
    assert 'aria-invalid="true" aria-describedby="week-date-error"' in response.text


def test_a_future_period_cannot_be_saved_through_the_service(world, this_week):
    with pytest.raises(Exception) as refused:
        record_week(
            organization=world.school,
            entries=[{"measure": world.count_measure,
                      "period": this_week + datetime.timedelta(weeks=1), "value": 2}],
        )  # fmt: skip
    assert "referrals-period_start" in refused.value.message_dict


def test_a_viewer_may_not_enter_a_week(client, world):
    client.force_login(world.users["school:viewer"])
    assert client.get(grid_url(world)).status_code == 403
    assert client.post(check_url(world), {"measure": "referrals"}).status_code == 403


def test_another_schools_grid_is_not_found(teacher, world):
    assert teacher.get(grid_url(world, world.sibling_school)).status_code == 404
