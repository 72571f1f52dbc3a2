"""The hub's view: bright spots, what works where, spread, health and the hub's tools, each
showing only the sites a user may see."""

import datetime

import pytest
from django.urls import reverse

from melior.learning import selectors, services
from melior.learning.models import ActivityStatus
from melior.pdsa import services as pdsa
from melior.projects.services import create_project
from melior.theory import services as theory

START = datetime.date(2025, 1, 6)  # a Monday


@pytest.fixture
def network_data(world, weekly):
    """Lincoln improves after adopting an idea; Parks stays flat and only adapted it."""
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram, text="Aim\n  Attend\n    Families hear\n      Call home\n"
    )
    idea = diagram.nodes.get(name="Call home")
    for site, step in ((world.school, 6), (world.sibling_school, 0)):
        levels = [8 + (step if week >= 18 else 0) + (week * 7) % 3 for week in range(30)]
        weekly(levels, denominator=20, site=site, start=START)
    lincoln = create_project(network=world.network, site=world.school, title="Lincoln")
    parks = create_project(network=world.network, site=world.sibling_school, title="Parks")
    for project, decision, scale in ((lincoln, "adopt", 5), (parks, "adapt", 2)):
        cycle = pdsa.create_cycle(
            project=project,
            change_idea=idea,
            title="Calls",
            objective="Learn",
            scale=scale,
            planned_start=START + datetime.timedelta(weeks=14),
            due=START + datetime.timedelta(weeks=16),
        )
        cycle.measures.set([world.measure])
        cycle.status, cycle.started_on = "done", cycle.planned_start
        cycle.completed_on, cycle.decision = cycle.due, decision
        cycle.save()
    return idea


def test_bright_spots_find_the_improving_site_and_what_it_did(world, network_data):
    spots = selectors.bright_spots(world.users["network:improvement_coach"], world.network)
    assert [(s.site, s.measure) for s in spots] == [(world.school, world.measure)]
    spot = spots[0]
    assert spot.onset == START + datetime.timedelta(weeks=18)
    assert spot.ideas == [("Call home", {"key": network_data.key, "tests": 1, "adopted": True})]
    # a school's member sees their school's bright spot; the sibling's people see none
    assert selectors.bright_spots(world.users["school:viewer"], world.network)[0].site == (
        world.school
    )


def test_what_works_where_counts_decisions_and_improvement_by_context(world, network_data):
    world.school.poverty_share, world.sibling_school.poverty_share = 0.7, 0.2
    world.school.save()
    world.sibling_school.save()
    matrix = selectors.what_works_where(world.users["network:network_lead"], world.network)
    high = matrix["cells"][(network_data.pk, "high poverty")]
    low = matrix["cells"][(network_data.pk, "low poverty")]
    assert (high.sites, high.adopted, high.improving) == ({world.school.pk},) * 3
    assert low.adapted == {world.sibling_school.pk} and not low.improving
    lead = world.users["network:network_lead"]
    from django.test import Client

    client = Client()
    client.force_login(lead)
    url = reverse("learning-what-works-where", kwargs={"network": world.network.slug})
    rows = client.get(url, {"export": "csv", "by": "poverty"}).content.decode().splitlines()
    assert rows[0].startswith("change idea,poverty")
    assert "Call home,high poverty,1,1,1,1,0,0,1" in rows


def test_spread_stages_and_a_stage_set_by_hand(client, world, network_data):
    current, timeline = selectors.spread_for(
        world.users["network:network_lead"],
        world.network,
        network_data,
        today=START + datetime.timedelta(weeks=20),
    )
    stages = {row.site: row.stage for row in current}
    assert stages == {world.school: "spreading", world.sibling_school: "testing"}
    assert timeline[-1][1]["spreading"] == 1
    url = reverse("learning-spread-stage", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:site_lead"])
    form = {"idea": network_data.key, "site": world.sibling_school.pk, "stage": "implementing"}
    assert client.post(url, form).status_code == 400  # not a site in their reach
    client.force_login(world.users["district:site_lead"])  # manages both schools
    refused = client.post(url, {**form, "on": "2999-01-01"})
    assert refused.status_code == 400 and "That date is in the future." in refused.text
    assert client.post(url, {**form, "stage": "everywhere"}).status_code == 400
    done = client.post(url, form)
    assert done.status_code == 302 and done["Location"].endswith(f"?idea={network_data.key}")
    current, _ = selectors.spread_for(
        world.users["network:network_lead"], world.network, network_data
    )
    assert {row.site: row.stage for row in current}[world.sibling_school] == "implementing"


def test_the_spread_page_names_each_stage_in_words(client, world, network_data):
    url = reverse("learning-spread", kwargs={"network": world.network.slug})
    client.force_login(world.users["district:site_lead"])
    form = {"idea": network_data.key, "site": world.sibling_school.pk, "stage": "not_started"}
    stage_url = reverse("learning-spread-stage", kwargs={"network": world.network.slug})
    assert client.post(stage_url, form).status_code == 302
    page = client.get(url, {"idea": network_data.key}).text
    assert '<span class="pill stage-not_started">Not started</span>' in page
    assert "Notstarted" not in page


def test_health_counts_cycles_per_month_and_flags_sites(world, network_data):
    today = START + datetime.timedelta(weeks=20)
    columns, rows = selectors.health(
        world.users["network:network_lead"], world.network, today=today, months=6
    )
    assert len(columns) == 6
    lincoln = next(r for r in rows if r["site"] == world.school)
    assert sum(n for n, _ in lincoln["months"]) == 1 and lincoln["studied"] == 0.0
    assert lincoln["median_days"] == 14 and lincoln["needs_support"]  # nothing studied


def test_hub_tools_for_the_hub_activity_status_for_the_site(client, world):
    def hub(action):
        return reverse(f"hub-{action}", kwargs={"network": world.network.slug})

    client.force_login(world.users["school:site_lead"])
    assert client.post(hub("announcement"), {"title": "x", "body": "y"}).status_code == 403
    client.force_login(world.users["network:improvement_coach"])
    refused = client.post(hub("resource"), {"title": "Bank", "url": "not a url", "kind": "tool"})
    assert refused.status_code == 400 and "starting with http" in refused.text
    assert not world.network.resources.exists()
    client.post(
        hub("group"), {"name": "Early literacy", "kind": "affinity", "sites": [world.school.pk]}
    )
    group = world.network.groups.get()
    answer = client.post(hub("activity"), {"title": "Interview 2 students", "group": group.pk})
    assert answer.status_code == 302 and answer["Location"].endswith("/hub/#activity")
    client.post(hub("phase"), {"phase": "testing"})
    assert (
        "Testing changes"
        in client.get(reverse("learning", kwargs={"network": world.network.slug})).text
    )
    status = ActivityStatus.objects.get()
    assert status.site == world.school  # only the group's sites
    url = reverse("learning-activity", kwargs={"network": world.network.slug, "pk": status.pk})
    client.force_login(world.users["school:team_member"])
    assert client.post(url, {"status": "done"}).status_code == 403
    client.force_login(world.users["school:site_lead"])
    assert client.post(url, {"status": "bogus"}).status_code == 400
    client.post(url, {"status": "done"})
    status.refresh_from_db()
    assert status.status == "done" and status.updated_by == world.users["school:site_lead"]
    with pytest.raises(Exception, match="a new one cannot start before it"):
        services.set_phase(
            network=world.network, phase="initiation", started_on=datetime.date(2000, 1, 1)
        )


def test_the_hub_deletes_only_its_own_networks_things(client, world):
    def hub(action):
        return reverse(f"hub-{action}", kwargs={"network": world.network.slug})

    mine = services.announce(network=world.network, title="Mine", body="Here")
    theirs = services.announce(network=world.other_network, title="Theirs", body="There")
    client.force_login(world.users["school:site_lead"])
    assert client.post(hub("announcement-delete"), {"pk": mine.pk}).status_code == 403
    client.force_login(world.users["network:network_lead"])
    assert client.post(hub("announcement-delete"), {"pk": theirs.pk}).status_code == 400
    answer = client.post(hub("announcement-delete"), {"pk": mine.pk})
    assert answer.status_code == 302 and answer["Location"].endswith("#announcement")
    assert not world.network.announcements.exists()
    assert world.other_network.announcements.get() == theirs
    activity = services.create_activity(network=world.network, title="Interview two students")
    assert client.post(hub("activity-delete"), {"pk": activity.pk}).status_code == 302
    assert not ActivityStatus.objects.exists()  # with every site's progress on it
