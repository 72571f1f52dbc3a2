"""The theory and PDSA cycles in the JSON API."""

import json

from melior.pdsa import services as pdsa
from melior.projects.services import create_project
from melior.theory import services as theory

OUTLINE = "Aim\n  Attend\n    Families hear\n      Call home\n"


def test_theory_read_and_replaced_from_an_outline(client, world):
    base = f"/api/networks/{world.network.slug}/theory"
    client.force_login(world.users["network:viewer"])
    assert client.get(base).json() == {"version": None, "outline": "", "nodes": []}
    body = json.dumps({"outline": OUTLINE})
    assert client.put(base, body, content_type="application/json").status_code == 403
    client.force_login(world.users["network:improvement_coach"])
    bad = client.put(
        base, json.dumps({"outline": "Aim\n      Too deep"}), content_type="application/json"
    )
    assert bad.status_code == 400 and "more than one level below" in bad.text
    made = client.put(base, body, content_type="application/json").json()
    assert made["version"] == 1 and made["outline"] == OUTLINE
    nodes = {n["name"]: n for n in made["nodes"]}
    assert nodes["Call home"]["kind"] == "change_idea"
    assert nodes["Call home"]["parents"] == [nodes["Families hear"]["key"]]


def test_cycles_listed_with_filters_and_read_whole(client, world):
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(diagram=diagram, text=OUTLINE)
    idea = diagram.nodes.get(name="Call home")
    project = create_project(network=world.network, site=world.school, title="On track")
    cycle = pdsa.create_cycle(
        project=project, change_idea=idea, title="Calls in 9A", objective="Learn"
    )
    pdsa.save_question(
        cycle=cycle, text="Will they answer?", kind="qualitative", prediction="Most will"
    )
    base = f"/api/networks/{world.network.slug}/pdsa"
    client.force_login(world.users["school:viewer"])
    listed = client.get(base, {"idea": str(idea.key)}).json()
    assert listed["count"] == 1 and listed["items"][0]["network_idea_key"] == str(idea.key)
    assert client.get(base, {"idea": "nope"}).status_code == 400
    assert client.get(base, {"status": "done"}).json()["count"] == 0
    whole = client.get(f"{base}/{cycle.pk}").json()
    assert whole["questions"][0]["prediction"] == "Most will" and whole["site"] == "lincoln-high"
    ideas = client.get(f"/api/networks/{world.network.slug}/change-ideas").json()
    assert ideas == [
        {
            "key": str(idea.key),
            "name": "Call home",
            "drivers": ["Families hear"],
            "tests": 1,
            "sites": 1,
            "adopted": 0,
            "adapted": 0,
            "abandoned": 0,
            "testing": 1,
            "readiness": "too early to tell",
            "summary": "Tested once at 1 site: adopted at 0, adapted at 0, abandoned "
            "at 0, still being tested at 1.",
        }
    ]
    client.force_login(world.users["outsider"])
    assert client.get(f"{base}/{cycle.pk}").status_code == 404
