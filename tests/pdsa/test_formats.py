"""The three formats write the same record: guided (a step at a time), classic (one page),
freeform (notes and questions)."""

import datetime

from django.urls import reverse

from melior.pdsa import services


def action_url(cycle, action, **kwargs):
    """Where the cycle page's form for one action posts."""
    name = {"question": "pdsa-question-add"}.get(action, f"pdsa-{action}")
    if "question" in kwargs:
        name = "pdsa-question"
    return reverse(name, kwargs={"network": cycle.network.slug, "pk": cycle.pk, **kwargs})


def test_guided_steps_save_part_of_the_plan_and_move_on(client, world, lab):
    _, project, _, idea = lab
    client.force_login(world.users["school:team_member"])
    response = client.post(
        reverse("pdsa-new", kwargs={"network": world.network.slug, "project": project.pk}),
        {"change_idea": idea.pk, "title": "Calls", "format": "guided"},
    )
    cycle = project.cycles.get()
    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk})
    assert response.status_code == 302 and cycle.authors.get() == world.users["school:team_member"]
    first = client.get(url).text
    assert "1. Objective" in first and 'name="objective"' in first and 'name="due"' not in first
    saved = client.post(
        action_url(cycle, "plan"),
        {
            "fields": "title,objective",
            "title": "Calls",
            "objective": "Learn",
            "next_step": "questions",
        },
    )
    assert saved["Location"].endswith("?step=questions#plan")
    logistics = client.get(url, {"step": "logistics"}).text
    assert 'name="due"' in logistics and 'name="objective"' not in logistics
    client.post(
        action_url(cycle, "plan"),
        {
            "fields": "who,what,where,scale,scale_detail,planned_start,due",
            "scale": "1",
            "due": "2025-10-31",
            "planned_start": "2025-10-01",
        },
    )
    bad = client.post(
        action_url(cycle, "plan"),
        {
            "fields": "planned_start,due",
            "planned_start": "2025-11-05",
            "due": "2025-10-31",
        },
    )
    assert bad.status_code == 400 and "The due date is before the start date." in bad.text
    cycle.refresh_from_db()
    assert (
        cycle.objective == "Learn" and cycle.scale == 1 and cycle.due == datetime.date(2025, 10, 31)
    )
    assert cycle.planned_start == datetime.date(2025, 10, 1)  # the refused dates left nothing
    # a measures step with nothing ticked clears the measures
    cycle.measures.set([world.measure])
    client.post(action_url(cycle, "plan"), {"fields": "measures"})
    assert not cycle.measures.exists()


def test_freeform_is_notes_plus_questions_and_the_same_rules(client, world, lab):
    _, project, _, idea = lab
    cycle = services.create_cycle(
        project=project, change_idea=idea, title="Notes", format="freeform"
    )
    client.force_login(world.users["school:site_lead"])
    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk})
    page = client.get(url).text
    assert 'name="notes"' in page and 'name="objective"' not in page
    client.post(
        action_url(cycle, "plan"),
        {
            "fields": "notes,scale,due",
            "notes": "Try calls",
            "scale": "2",
            "due": "2025-10-31",
        },
    )
    refused = client.post(action_url(cycle, "advance"), {"to": "planned"})
    assert refused.status_code == 400
    assert "Ask at least one learning question, with a prediction." in refused.text
    missing = client.post(
        action_url(cycle, "question"), {"question": "Will they answer?", "kind": "quantitative"}
    )
    assert missing.status_code == 302  # a question may wait for its prediction in a draft
    assert (
        "needs a predicted value or direction"
        in client.post(action_url(cycle, "advance"), {"to": "planned"}).text
    )
    q = cycle.questions.get()
    client.post(
        action_url(cycle, "question", question=q.pk),
        {
            "question": q.question,
            "kind": "quantitative",
            "predicted_direction": "up",
        },
    )
    assert client.post(action_url(cycle, "advance"), {"to": "planned"}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == "planned"
