"""The network's theory page: everyone in the network sees it; the hub edits it as an outline."""

from django.urls import reverse

from melior.theory import services

OUTLINE = "More 9th graders on track\n  Students attend\n    Mentors know who is absent\n"


def test_members_see_the_diagram_editors_edit_it(client, world):
    url = reverse("theory", kwargs={"network": world.network.slug})
    client.force_login(world.users["network:improvement_coach"])
    assert "No driver diagram yet" in client.get(url).text
    response = client.post(url, {"outline": OUTLINE})
    assert response.status_code == 302
    page = client.get(url).text
    assert "<svg" in page and "Mentors know who is absent" in page and "Version 1" in page
    client.force_login(world.users["school:team_member"])
    page = client.get(url).text
    assert "<svg" in page and "Edit as an outline" not in page
    assert client.post(url, {"outline": "Aim"}).status_code == 403
    client.force_login(world.users["outsider"])
    assert client.get(url).status_code == 404


def test_a_bad_outline_is_shown_back_with_the_reason(client, world):
    url = reverse("theory", kwargs={"network": world.network.slug})
    client.force_login(world.users["network:network_lead"])
    response = client.post(url, {"outline": "Aim\n      Too deep"})
    assert response.status_code == 400
    assert "indented more than one level below" in response.text
    assert "Too deep" in response.text  # what was typed is not lost


def test_versions_show_what_changed_and_restore(client, world):
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text=OUTLINE)
    services.replace_from_outline(diagram=diagram, text=OUTLINE + "      Daily call home\n")
    client.force_login(world.users["network:network_lead"])
    page = client.get(
        reverse("theory-version", kwargs={"network": world.network.slug, "number": 2})
    )
    assert "Added change idea “Daily call home” under “Mentors know who is absent”." in page.text
    client.post(reverse("theory-restore", kwargs={"network": world.network.slug, "number": 1}))
    assert not diagram.nodes.filter(name="Daily call home").exists()
    assert diagram.versions.count() == 3


def test_svg_draws_a_large_diagram_with_every_node_once(world):
    from melior.theory.svg import diagram_svg

    lines = ["Aim"]
    for p in range(4):
        lines.append(f"  Primary {p}")
        for s in range(4):
            lines.append(f"    Secondary {p}-{s}")
            lines += [f"      Idea {p}-{s}-{c}" for c in range(3)]
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text="\n".join(lines))
    svg = diagram_svg(diagram)
    assert diagram.nodes.count() == 69
    assert svg.count("<rect") == 69 and svg.count("<path") == 68
    assert all(f">Idea {p}-{s}-{c}<" in svg for p in range(4) for s in range(4) for c in range(3))


def test_edit_in_place_add_rename_delete_and_undo(client, world):
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text=OUTLINE)
    url = reverse("theory-edit", kwargs={"network": world.network.slug})
    client.force_login(world.users["network:improvement_coach"])
    mentors = diagram.nodes.get(name="Mentors know who is absent")

    def edit(**data):
        return client.post(url, data, HTTP_HX_REQUEST="true")

    response = edit(action="add", node=mentors.key, name="Call home on the first absence")
    assert response.status_code == 200 and 'id="theory-panel"' in response.text
    assert "Call home on the first absence" in response.text  # drawn in the new SVG
    idea = diagram.nodes.get(name="Call home on the first absence")
    assert idea.kind == "change_idea"
    edit(action="rename", node=idea.key, name="Text home on the first absence")
    assert diagram.nodes.filter(name="Text home on the first absence").exists()
    refused = edit(action="delete", node=mentors.key)
    assert "would leave “Text home on the first absence”" in refused.text
    assert diagram.nodes.filter(pk=mentors.pk).exists()
    blank = edit(action="add", node=mentors.key, name="  ")
    assert "needs a name" in blank.text
    bad_key = edit(action="rename", node="not-a-key", name="x")
    assert bad_key.status_code == 200 and "is not a valid UUID" in bad_key.text
    assert "Unknown change" in edit(action="shuffle", node=mentors.key).text
    edit(action="undo")  # back before the rename
    assert diagram.nodes.filter(name="Call home on the first absence").exists()
    assert diagram.versions.order_by("-number").first().summary.startswith("Restored version")
    client.force_login(world.users["network:viewer"])
    assert edit(action="undo").status_code == 403
