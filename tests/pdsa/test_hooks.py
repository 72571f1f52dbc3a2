"""What pdsa puts on the pages of the apps below it, through the hooks they offer: measures and
theory never read cycles themselves."""

import datetime

from django.urls import reverse

from melior.measures.markers import markers_for
from melior.pdsa import services
from melior.theory import services as theory

TODAY = datetime.date(2025, 10, 20)  # a Monday


def started_cycle(project, idea, title, *, measure=None, start=True):
    cycle = services.create_cycle(
        project=project,
        change_idea=idea,
        title=title,
        objective="Learn",
        scale=3,
        planned_start=TODAY,
        due=TODAY + datetime.timedelta(14),
    )
    services.save_question(
        cycle=cycle, text="Will they come?", kind="qualitative", prediction="Most will"
    )
    if measure is not None:
        cycle.measures.set([measure])
    if start:
        services.advance(cycle=cycle, to="planned", today=TODAY)
        services.advance(cycle=cycle, to="running", today=TODAY)
    return cycle


def test_a_schools_chart_marks_only_its_own_started_cycles_on_that_measure(world, lab):
    _, lincoln, parks, idea = lab
    ours = started_cycle(lincoln, idea, "Calls in 9A", measure=world.measure)
    started_cycle(lincoln, idea, "Not yet", measure=world.measure, start=False)
    started_cycle(lincoln, idea, "Other measure", measure=world.count_measure)
    started_cycle(parks, idea, "At Parks", measure=world.measure)

    marks = markers_for(network=world.network, site=world.school, measure=world.measure)

    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": ours.pk})
    assert [(m.date, m.text, m.url) for m in marks] == [(TODAY, "PDSA: Calls in 9A", url)]
    assert [m.text for m in markers_for(
        network=world.network, site=world.sibling_school, measure=world.measure
    )] == ["PDSA: At Parks"]  # fmt: skip


def test_a_change_ideas_page_shows_the_evidence_and_a_driver_none(client, world, lab):
    diagram, lincoln, _, idea = lab
    cycle = started_cycle(lincoln, idea, "Calls in 9A")
    client.force_login(world.users["network:viewer"])

    def node_page(node):
        url = reverse("theory-node", kwargs={"network": world.network.slug, "key": node.key})
        return client.get(url).text

    page = node_page(idea)
    assert "Tested in PDSA cycles" in page
    assert reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk}) in page
    assert reverse("pdsa-idea", kwargs={"network": world.network.slug, "key": idea.key}) in page
    driver = diagram.nodes.get(name="Families hear early")
    assert "Tested in PDSA cycles" not in node_page(driver)


def test_a_schools_copy_of_an_idea_shows_the_networks_evidence(client, world, lab):
    _, lincoln, _, idea = lab
    cycle = started_cycle(lincoln, idea, "Calls in 9A")
    local = theory.adapt(project=lincoln)
    copy = local.nodes.get(origin=idea)
    client.force_login(world.users["school:site_lead"])
    url = reverse("theory-node", kwargs={"network": world.network.slug, "key": copy.key})
    page = client.get(url).text
    assert "Tested in PDSA cycles" in page and "Calls in 9A" in page
    assert reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk}) in page
