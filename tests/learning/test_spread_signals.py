"""The spread page reads measure signals only where a school carries the idea, only the idea's
own measures, each in its own better direction, and balancing measures as balancing; and a
school with a low latest fidelity check is not implementing the idea."""

import datetime

import pytest
from django.urls import reverse

from melior.fidelity import services as fidelity
from melior.learning import selectors
from melior.measures.across_sites.status import status_table
from melior.measures.services import record_observation
from melior.pdsa import services as pdsa
from melior.projects.services import create_project
from melior.theory import services as theory

START = datetime.date(2025, 1, 6)  # a Monday
W = datetime.timedelta(weeks=1)
TODAY = START + 30 * W


@pytest.fixture
def idea(world):
    """Lincoln adopted "Call home" for a whole grade in week 2 (sustaining by week 28); its
    on-track rate is flat while its referrals (a balancing measure, lower is better) rise.
    Parks tested it and abandoned it; its on-track rate falls afterwards."""
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram, text="Aim\n  Attend\n    Families hear\n      Call home\n"
    )
    idea = diagram.nodes.get(name="Call home")
    theory.link_measure(node=idea, measure=world.count_measure)
    for week in range(30):
        noise = (week * 7) % 3
        after = week >= 18
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=START + W * week,
            numerator=10 + noise,
            denominator=20,
        )
        record_observation(
            measure=world.measure,
            organization=world.sibling_school,
            period=START + W * week,
            numerator=14 + noise - 8 * after,
            denominator=20,
        )
        record_observation(measure=world.count_measure, organization=world.school,
                           period=START + W * week, value=3 + noise + 8 * after)  # fmt: skip
    for site, decision, scale in ((world.school, "adopt", 5), (world.sibling_school, "abandon", 2)):
        project = create_project(network=world.network, site=site, title=site.name)
        cycle = pdsa.create_cycle(project=project, change_idea=idea, title="Calls", scale=scale)
        cycle.measures.set([world.measure])
        cycle.status, cycle.started_on, cycle.completed_on = "done", START, START + 2 * W
        cycle.decision = decision
        cycle.save()
    return idea


def rows(world, idea, who="network:network_lead"):
    current, _ = selectors.spread_for(world.users[who], world.network, idea, today=TODAY)
    return {row.site: row for row in current}


def test_abandoned_schools_and_balancing_measures_do_not_count_as_the_idea_worsening(world, idea):
    statuses = status_table(world.network).statuses  # the signals are there to be misread
    assert statuses[(world.sibling_school.pk, world.measure.pk)] == "worsening"
    assert statuses[(world.school.pk, world.count_measure.pk)] == "worsening"
    found = rows(world, idea)
    parks, lincoln = found[world.sibling_school], found[world.school]
    assert (parks.stage, parks.worsening, parks.balancing) == ("not_started", (), ())
    assert lincoln.stage == "sustaining"  # the balancing rise does not hold it at spreading
    assert (lincoln.worsening, lincoln.balancing) == ((), ("Referrals",))


def test_the_spread_page_reports_the_balancing_measure_as_balancing(client, world, idea):
    client.force_login(world.users["network:network_lead"])
    url = reverse("learning-spread", kwargs={"network": world.network.slug})
    page = client.get(url, {"idea": idea.key}).text
    assert "balancing measure Referrals worsening" in page
    assert "On track worsening" not in page


def test_a_school_running_the_idea_at_low_fidelity_is_not_implementing_it(world, idea):
    lead = world.users["network:network_lead"]
    plan = fidelity.define_plan(idea=idea, user=lead, dimensions=["adherence"], rhythm="weekly")
    component = fidelity.add_component(
        plan=plan, user=lead, name="Call within a day", essential=True,
        ideal="Always", acceptable="Mostly", unacceptable="Rarely",
    )  # fmt: skip
    day = START + 25 * W
    for level, on in ((2, day - 2 * W), (0, day)):
        fidelity.record_check(
            plan=plan,
            site=world.school,
            user=lead,
            checked_on=on,
            rated_by="Coach",
            levels={(component.pk, "adherence"): level},
        )
    lincoln = rows(world, idea)[world.school]
    assert (lincoln.stage, lincoln.since, lincoln.fidelity, lincoln.low_fidelity) == (
        "testing", day, 0.0, True,
    )  # fmt: skip
    fidelity.record_check(
        plan=plan,
        site=world.school,
        user=lead,
        checked_on=day + W,
        rated_by="Coach",
        levels={(component.pk, "adherence"): 1},
    )  # 50%
    assert rows(world, idea)[world.school].stage == "sustaining"
