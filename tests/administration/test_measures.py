"""Defining measures on the settings page: the target rule, the theory, the type."""

import datetime

import pytest

from melior.measures.models import Measure
from melior.measures.services import record_observation
from melior.theory import services as theory

FORM = {
    "name": "Days between suspensions", "kind": "balancing", "value_type": "time_between",
    "unit": "days", "rate_multiplier": "1", "frequency": "weekly", "desired_direction": "up",
    "default_chart": "t", "description": "Days from one suspension to the next.",
}  # fmt: skip


def _post(client, world, url="new/", **data):
    client.force_login(world.users["network:network_lead"])
    return client.post(f"/n/{world.network.slug}/settings/measures/{url}", {**FORM, **data})


@pytest.mark.django_db
def test_a_measure_is_defined_and_placed_on_the_theory(client, world):
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(diagram=diagram, text="Aim\n  Belonging\n")
    driver = diagram.nodes.get(name="Belonging")
    answer = _post(client, world, name="Sense of belonging", kind="driver",
                   value_type="continuous", default_chart="i", node=str(driver.pk))  # fmt: skip
    assert answer.status_code == 302
    measure = world.network.measures.get(name="Sense of belonging")
    assert measure.slug == "sense-of-belonging" and list(measure.theory_nodes.all()) == [driver]
    # an outcome measure does not sit on a driver: refused under the node field
    answer = _post(client, world, name="Graduation", kind="outcome", node=str(driver.pk))
    assert answer.status_code == 400 and "An outcome measure belongs on the aim" in answer.text
    assert not world.network.measures.filter(name="Graduation").exists()


@pytest.mark.django_db
def test_a_target_on_the_worse_side_of_where_the_measure_stands_is_refused(client, world):
    # referrals: lower is better; it stands at a median of 8 a week
    for week in range(4):
        record_observation(measure=world.count_measure, organization=world.school,
                           period=datetime.date(2025, 9, 1) + datetime.timedelta(weeks=week),
                           value=[6, 8, 9, 8][week])  # fmt: skip
    data = {**FORM, "name": "Referrals", "kind": "balancing", "value_type": "count",
            "default_chart": "c", "desired_direction": "down"}  # fmt: skip
    answer = _post(client, world, url="referrals/", **data, target="12")
    assert answer.status_code == 400
    assert "The target (12) is above where the measure stands now (8" in answer.text
    world.count_measure.refresh_from_db()
    assert world.count_measure.target is None
    assert _post(client, world, url="referrals/", **data, target="4").status_code == 302
    world.count_measure.refresh_from_db()
    assert world.count_measure.target == 4
    # its type cannot change under recorded values
    answer = _post(client, world, url="referrals/", **{**data, "value_type": "continuous"})
    assert answer.status_code == 400 and "cannot change once values are recorded" in answer.text


@pytest.mark.django_db
def test_a_proportions_target_is_a_percentage(client, world):
    answer = _post(client, world, name="Passing", value_type="proportion", default_chart="p",
                   kind="outcome", target="140")  # fmt: skip
    assert answer.status_code == 400 and "0 to 100" in answer.text


@pytest.mark.django_db
def test_time_between_events_takes_a_positive_value_and_draws_a_t_chart(client, world):
    assert _post(client, world).status_code == 302
    measure = world.network.measures.get(value_type="time_between")
    assert measure.default_chart == Measure.Chart.T
    with pytest.raises(Exception, match="more than 0"):
        record_observation(measure=measure, organization=world.school,
                           period=datetime.date(2025, 9, 1), value=0)  # fmt: skip


@pytest.mark.django_db
def test_only_the_lead_and_the_networks_steward_define_measures(client, world):
    for who, status in (("network:data_steward", 200), ("network:improvement_coach", 403),
                        ("school:data_steward", 403)):  # fmt: skip
        client.force_login(world.users[who])
        assert client.get(f"/n/{world.network.slug}/settings/measures/").status_code == status
