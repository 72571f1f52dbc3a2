"""Site adaptations of the network's theory, measures on nodes, proposals, node pages and
exports: what a coach, a site lead and a hub see and may do."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from melior.projects.services import create_project
from melior.theory import selectors, services
from melior.theory.models import ChangeIdeaProposal

OUTLINE = (
    "More 9th graders on track\n"
    "  Students attend\n"
    "    Mentors know who is absent\n"
    "      Call home on the first absence\n"
    "    Students belong\n"
    "      Advisory circles\n"
)


@pytest.fixture
def theory(world):
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text=OUTLINE)
    project = create_project(network=world.network, site=world.school, title="On track")
    return diagram, project


def node(diagram, name):
    return diagram.nodes.get(name=name)


def test_an_adaptation_copies_the_theory_and_the_hub_sees_what_changed(world, theory):
    diagram, project = theory
    services.link_measure(node=node(diagram, "More 9th graders on track"), measure=world.measure)
    local = services.adapt(project=project)
    assert local.nodes.count() == diagram.nodes.count() and local.based_on == diagram
    copy = node(local, "Students belong")
    assert copy.origin == node(diagram, "Students belong") and copy.key != copy.origin.key
    assert list(node(local, "More 9th graders on track").measures.all()) == [world.measure]
    assert local.versions.get().summary == "Started from the network's theory (version 2)"

    services.set_hidden(node=copy, hidden=True)
    services.add_node(
        diagram=local,
        kind="change_idea",
        name="Lunch club",
        parents=[node(local, "Mentors know who is absent")],
    )
    services.rename_node(node=node(local, "Students attend"), name="Students come every day")
    # hiding a driver hides what hangs only under it
    shown = selectors.shown_nodes(local)
    assert copy.pk not in shown and node(local, "Advisory circles").pk not in shown
    assert node(local, "Lunch club").pk in shown

    services.add_node(
        diagram=diagram,
        kind="change_idea",
        name="Text home",
        parents=[node(diagram, "Mentors know who is absent")],
    )
    [row] = selectors.adaptation_report(world.users["network:network_lead"], world.network)
    assert [n.name for n in row["hidden"]] == ["Students belong"]
    assert [n.name for n in row["added"]] == ["Lunch club"]
    assert [(old, n.name) for old, n in row["renamed"]] == [
        ("Students attend", "Students come every day")
    ]
    assert [n.name for n in row["missing"]] == ["Text home"]
    # a site lead of another school does not see this school's adaptation
    assert selectors.adaptation_report(world.users["district:site_lead"], world.other_network) == []

    assert services.bring_in_network_changes(diagram=local) == ["Text home"]
    assert node(local, "Text home").origin == node(diagram, "Text home")
    with pytest.raises(ValidationError, match="Nothing new"):
        services.bring_in_network_changes(diagram=local)
    # something the site deleted is not brought back
    services.delete_node(node=node(local, "Lunch club"))
    services.delete_node(node=node(local, "Call home on the first absence"))
    with pytest.raises(ValidationError, match="Nothing new"):
        services.bring_in_network_changes(diagram=local)


def test_the_network_theory_cannot_hide_and_a_project_adapts_once(world, theory):
    diagram, project = theory
    with pytest.raises(ValidationError, match="Only a site's adaptation hides"):
        services.set_hidden(node=node(diagram, "Students belong"), hidden=True)
    services.adapt(project=project)
    with pytest.raises(ValidationError, match="already has its own"):
        services.adapt(project=project)
    other = create_project(network=world.other_network, site=world.other_school, title="Reading")
    with pytest.raises(ValidationError, match="no theory of improvement"):
        services.adapt(project=other)


def test_measures_sit_where_their_kind_belongs(world, theory):
    diagram, _ = theory
    with pytest.raises(ValidationError, match="outcome measure belongs on the aim"):
        services.link_measure(node=node(diagram, "Students attend"), measure=world.measure)
    with pytest.raises(ValidationError, match="not one of this network's measures"):
        from melior.measures.services import create_measure

        elsewhere = create_measure(
            network=world.other_network,
            name="Reading",
            slug="reading",
            kind="outcome",
            value_type="continuous",
            frequency="weekly",
        )
        services.link_measure(node=node(diagram, "More 9th graders on track"), measure=elsewhere)
    # balancing measures may watch any node
    services.link_measure(node=node(diagram, "Advisory circles"), measure=world.count_measure)
    assert diagram.versions.order_by("-number").first().summary == (
        "Linked measure “Referrals” to “Advisory circles”"
    )
    last, before = diagram.versions.order_by("-number")[:2]
    assert services.describe_changes(before.snapshot, last.snapshot) == [
        "Linked measure “Referrals” to “Advisory circles”."
    ]
    # undo keeps the link out; restoring the later version brings it back
    services.restore_version(version=before)
    assert not node(diagram, "Advisory circles").measures.exists()
    services.restore_version(version=last)
    assert list(node(diagram, "Advisory circles").measures.all()) == [world.count_measure]


def test_reorder_move_link_and_notes_in_place(client, world, theory):
    diagram, _ = theory
    url = reverse("theory-edit", kwargs={"network": world.network.slug})
    client.force_login(world.users["network:improvement_coach"])

    def edit(**data):
        return client.post(url, data, HTTP_HX_REQUEST="true")

    belong, attend = node(diagram, "Students belong"), node(diagram, "Mentors know who is absent")
    assert "already first" in edit(action="up", node=attend.key).text
    edit(action="down", node=attend.key)
    order = list(diagram.nodes.filter(kind="secondary").order_by("position"))
    assert [n.name for n in order] == ["Students belong", "Mentors know who is absent"]

    services.add_node(
        diagram=diagram,
        kind="primary",
        name="Students complete work",
        parents=[node(diagram, "More 9th graders on track")],
    )
    complete = node(diagram, "Students complete work")
    edit(action="link", node=belong.key, parent=complete.key)  # a second parent
    assert {p.parent.name for p in belong.parent_links.all()} == {
        "Students attend",
        "Students complete work",
    }
    edit(action="unlink", node=belong.key, parent=complete.key)
    refused = edit(action="unlink", node=belong.key, parent=node(diagram, "Students attend").key)
    assert "must hang under a primary driver" in refused.text
    edit(action="move", node=belong.key, parent=complete.key)
    assert [p.parent.name for p in belong.parent_links.all()] == ["Students complete work"]

    edit(
        action="details",
        node=belong.key,
        description="Students feel known",
        operational_note="Every student can name an adult who knows them",
    )
    belong.refresh_from_db()
    assert belong.operational_note == "Every student can name an adult who knows them"
    measure_refused = edit(action="link_measure", node=belong.key, measure=world.measure.pk)
    assert "outcome measure belongs on the aim" in measure_refused.text
    edit(action="link_measure", node=belong.key, measure=world.count_measure.pk)
    edit(action="undo")
    assert not belong.measures.exists()  # undone
    assert "Choose a measure" in edit(action="link_measure", node=belong.key, measure="x").text
    edit(action="add", node=belong.key, kind="tertiary", name="Adults know each student")
    assert node(diagram, "Adults know each student").kind == "tertiary"
    assert "Nothing of that kind hangs under" in (
        edit(action="add", node=belong.key, kind="aim", name="Second aim").text
    )


def test_badges_show_each_linked_measures_latest_signal(world, theory):
    import datetime

    from melior.measures.services import record_observation
    from melior.theory.svg import diagram_svg

    diagram, project = theory
    aim = node(diagram, "More 9th graders on track")
    services.link_measure(node=aim, measure=world.measure)
    svg = diagram_svg(diagram, badges=selectors.measure_badges(diagram))
    assert "○ On track" in svg and "On track: no data" in svg
    monday = datetime.date(2025, 1, 6)
    for week in range(20):  # a clear step up in the last weeks: a current signal
        value = 9 if week < 12 else 19
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=monday + datetime.timedelta(weeks=week),
            numerator=value,
            denominator=20,
        )
    badges = selectors.measure_badges(diagram)
    assert badges[aim.pk] == [(world.measure, "improving")]
    assert "▲ On track" in diagram_svg(diagram, badges=badges)
    local = services.adapt(project=project)  # the school's adaptation reads the school's chart
    assert selectors.measure_badges(local)[node(local, aim.name).pk][0][1] == "improving"


def test_proposals_are_accepted_merged_or_declined_with_a_reason(client, world, theory):
    diagram, _ = theory
    page = reverse("theory", kwargs={"network": world.network.slug})
    mentors = node(diagram, "Mentors know who is absent")
    client.force_login(world.users["school:team_member"])
    response = client.post(
        reverse("theory-propose", kwargs={"network": world.network.slug}),
        {"driver": mentors.key, "name": "  "},
    )
    assert response.status_code == 400 and "Give the change idea a short name" in response.text
    client.post(
        reverse("theory-propose", kwargs={"network": world.network.slug}),
        {"driver": mentors.key, "name": "Postcards home", "description": "Cheap"},
    )
    proposal = ChangeIdeaProposal.objects.get(name="Postcards home")
    assert proposal.proposed_by == world.users["school:team_member"]
    assert "Postcards home" in client.get(page).text
    decide = reverse("theory-decide", kwargs={"network": world.network.slug, "pk": proposal.pk})
    assert client.post(decide, {"decision": "accept"}).status_code == 403
    client.force_login(world.users["school:viewer"])
    assert (
        client.post(
            reverse("theory-propose", kwargs={"network": world.network.slug}),
            {"driver": mentors.key, "name": "X"},
        ).status_code
        == 403
    )

    client.force_login(world.users["network:network_lead"])
    response = client.post(decide, {"decision": "decline", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.text
    client.post(decide, {"decision": "accept"})
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.result.name == "Postcards home"
    assert [p.parent for p in proposal.result.parent_links.all()] == [mentors]
    assert "already accepted" in client.post(decide, {"decision": "decline", "reason": "x"}).text

    again = services.propose_change_idea(
        driver=node(diagram, "Students belong"), name="postcards home"
    )
    with pytest.raises(ValidationError, match="merge the proposal into it"):
        services.accept_proposal(proposal=again)
    services.merge_proposal(proposal=again, into=proposal.result, reason="Same idea")
    assert {p.parent.name for p in proposal.result.parent_links.all()} == {
        "Mentors know who is absent",
        "Students belong",
    }
    third = services.propose_change_idea(driver=mentors, name="Robocalls")
    services.decline_proposal(proposal=third, reason="Families ignore robocalls")
    assert "Families ignore robocalls" in client.get(page).text
    with pytest.raises(ValidationError, match=r"secondary \(or tertiary\) driver"):
        services.propose_change_idea(driver=node(diagram, "Students attend"), name="X")


def test_site_lead_edits_their_schools_adaptation_only(client, world, theory):
    _, project = theory
    sibling = create_project(network=world.network, site=world.sibling_school, title="Parks")
    adapt = "project-theory-adapt"
    client.force_login(world.users["school:site_lead"])
    ours = reverse(adapt, kwargs={"network": world.network.slug, "project": project.pk})
    theirs = reverse(adapt, kwargs={"network": world.network.slug, "project": sibling.pk})
    assert client.post(theirs).status_code == 404  # another school's project is out of sight
    assert client.post(ours).status_code == 302
    local = selectors.project_diagram_or_none(project)
    edit = reverse(
        "project-theory-edit", kwargs={"network": world.network.slug, "project": project.pk}
    )
    client.post(edit, {"action": "hide", "node": node(local, "Students belong").key})
    assert node(local, "Students belong").hidden
    page = client.get(
        reverse("project-theory", kwargs={"network": world.network.slug, "project": project.pk})
    ).text
    assert "Hidden here: “Students belong”" in page
    # the site lead cannot touch the network's theory
    network_edit = reverse("theory-edit", kwargs={"network": world.network.slug})
    assert client.post(network_edit, {"action": "undo"}).status_code == 403
    client.force_login(world.users["network:viewer"])
    assert client.post(edit, {"action": "undo"}).status_code == 403


def test_export_svg_png_pdf(client, world, theory):
    client.force_login(world.users["network:viewer"])
    base = {"network": world.network.slug}
    svg = client.get(reverse("theory-export", kwargs={**base, "fmt": "svg"}))
    assert svg["Content-Type"] == "image/svg+xml" and b"Advisory circles" in svg.content
    assert 'filename="ninth-grade-network-driver-diagram.svg"' in svg["Content-Disposition"]
    png = client.get(reverse("theory-export", kwargs={**base, "fmt": "png"}))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = client.get(reverse("theory-export", kwargs={**base, "fmt": "pdf"}))
    assert pdf.content[:5] == b"%PDF-"
    assert client.get(reverse("theory-export", kwargs={**base, "fmt": "gif"})).status_code == 404


def test_node_page_and_measure_page_link_both_ways(client, world, theory):
    diagram, _ = theory
    aim = node(diagram, "More 9th graders on track")
    services.link_measure(node=aim, measure=world.measure)
    client.force_login(world.users["school:team_member"])
    page = client.get(
        reverse("theory-node", kwargs={"network": world.network.slug, "key": aim.key})
    ).text
    assert reverse("measure", kwargs={"network": world.network.slug, "measure": "on-track"}) in page
    assert "Students attend" in page  # what hangs under it
    measure_page = client.get(
        reverse("measure", kwargs={"network": world.network.slug, "measure": "on-track"})
    ).text
    assert reverse("theory-node", kwargs={"network": world.network.slug, "key": aim.key}) in (
        measure_page
    )
    client.force_login(world.users["outsider"])
    assert (
        client.get(
            reverse("theory-node", kwargs={"network": world.network.slug, "key": aim.key})
        ).status_code
        == 404
    )


def test_version_page_compares_any_two_versions(client, world, theory):
    diagram, _ = theory
    services.add_node(
        diagram=diagram,
        kind="change_idea",
        name="Text home",
        parents=[node(diagram, "Mentors know who is absent")],
    )
    services.rename_node(node=node(diagram, "Text home"), name="Text home daily")
    client.force_login(world.users["network:viewer"])
    url = reverse("theory-version", kwargs={"network": world.network.slug, "number": 3})
    assert "Renamed change idea “Text home” to “Text home daily”." in client.get(url).text
    against_first = client.get(url, {"compare": 1}).text
    assert "Added change idea “Text home daily” under “Mentors know who is absent”." in (
        against_first
    )
    assert client.get(url, {"compare": 99}).status_code == 404


def test_undo_and_outlines_keep_what_refers_to_the_nodes(world, theory):
    """Nodes are updated in place, so sites' copies, causes and proposals keep their links."""
    from melior.problems import services as problems

    diagram, project = theory
    attend = node(diagram, "Students attend")
    local = services.adapt(project=project)
    analysis = problems.analysis_for(world.network)
    category = problems.add_category(analysis=analysis, name="Students")
    cause = problems.save_cause(
        analysis=analysis, category=category, name="Absence", drivers=[attend]
    )
    proposal = services.propose_change_idea(driver=node(diagram, "Students belong"), name="Clubs")
    services.rename_node(node=attend, name="Students attend daily")
    services.restore_version(version=diagram.versions.order_by("number").first())
    services.replace_from_outline(diagram=diagram, text=services.export_outline(diagram))
    assert node(local, "Students attend").origin_id == attend.pk
    assert list(cause.drivers.all()) == [attend]
    proposal.refresh_from_db()
    assert proposal.driver == node(diagram, "Students belong")
