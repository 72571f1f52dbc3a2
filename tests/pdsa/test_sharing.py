"""Schools learning from each other: a member sees the cycles other schools run on the
network's change ideas (the summary, with the school's context), asks the team that ran one,
and copies it to try at their own school — while files, comments and local ideas stay with
the school unless it shares them, and the network can switch sharing off."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from melior.networks.services import grant_role
from melior.pdsa import selectors, services
from melior.pdsa.models import Cycle, Notification


@pytest.fixture
def parks_cycle(world, lab, django_user_model):
    """A cycle at Parks High on the network's idea: planned, run and studied, with a file and a
    comment of the team's own."""
    _, _, parks, idea = lab
    author = django_user_model.objects.create_user("parks-teacher", first_name="Pat")
    grant_role(user=author, role="team_member", organization=world.sibling_school)
    cycle = services.create_cycle(
        project=parks, change_idea=idea, title="Day-one calls in 9A", user=author,
        objective="Will families pick up on day one?",
    )  # fmt: skip
    services.save_question(
        cycle=cycle, text="How many families answer?", kind="qualitative", prediction="Half"
    )
    Cycle.objects.filter(pk=cycle.pk).update(
        status="done", what_happened="Two in three answered", study_summary="Call after 5 pm",
        decision="adapt", decision_reason="Evening calls", started_on=datetime.date(2025, 9, 2),
    )  # fmt: skip
    cycle.refresh_from_db()
    services.add_attachment(cycle=cycle, upload=SimpleUploadedFile("log.txt", b"call log"))
    services.add_comment(cycle=cycle, user=author, text="Our own note", can_see=selectors.can_see)
    return Cycle.objects.get(pk=cycle.pk), author


def test_another_schools_cycle_reads_as_its_summary_not_its_files(client, world, parks_cycle):
    cycle, _ = parks_cycle
    client.force_login(world.users["school:site_lead"])  # Lincoln High's site lead
    page = client.get(f"/n/{world.network.slug}/pdsa/{cycle.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for shown in ("Day-one calls in 9A", "Parks High", "Half", "Two in three answered",
                  "Call after 5 pm", "Evening calls", "Ask the school that tried it"):  # fmt: skip
        assert shown in text
    assert "Our own note" not in text and "log.txt" not in text
    file = cycle.attachments.get()
    assert (
        client.get(f"/n/{world.network.slug}/pdsa/{cycle.pk}/files/{file.pk}/").status_code == 404
    )
    # the change idea's evidence counts it for every member
    _, summary = selectors.idea_evidence(
        world.users["school:site_lead"], world.network, cycle.network_idea
    )
    assert "Not tested yet" not in str(summary)
    # and the team may share its files and comments too
    services.set_sharing(cycle=cycle, shared=True, shares_details=True)
    text = client.get(f"/n/{world.network.slug}/pdsa/{cycle.pk}/").content.decode()
    assert "Our own note" in text and "log.txt" in text
    download = client.get(f"/n/{world.network.slug}/pdsa/{cycle.pk}/files/{file.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"call log"
    # but never an action of the team's own
    assert client.post(f"/n/{world.network.slug}/pdsa/{cycle.pk}/study/").status_code == 404
    assert (
        client.post(
            f"/n/{world.network.slug}/pdsa/{cycle.pk}/comments/", {"text": "hi"}
        ).status_code
        == 404
    )


def test_what_stays_with_the_school(client, world, lab, parks_cycle):
    cycle, author = parks_cycle
    url = f"/n/{world.network.slug}/pdsa/{cycle.pk}/"
    client.force_login(world.users["school:team_member"])
    assert client.get(url).status_code == 200
    services.set_sharing(cycle=cycle, shared=False, shares_details=False)  # the team's choice
    assert client.get(url).status_code == 404
    services.set_sharing(cycle=cycle, shared=True, shares_details=False)
    services.set_network_sharing(network=world.network, enabled=False)  # the network's
    assert client.get(url).status_code == 404
    services.set_network_sharing(network=world.network, enabled=True)
    _, _, parks, _ = lab
    diagram = services_theory_adaptation(parks)
    local = diagram.nodes.get(name="Call home on day one")
    own_idea = services.create_cycle(project=parks, change_idea=local, title="Ours", user=author)
    Cycle.objects.filter(pk=own_idea.pk).update(status="planned", network_idea=None)
    assert client.get(f"/n/{world.network.slug}/pdsa/{own_idea.pk}/").status_code == 404
    draft = services.create_cycle(
        project=parks, change_idea=cycle.change_idea, title="Draft", user=author
    )
    assert client.get(f"/n/{world.network.slug}/pdsa/{draft.pk}/").status_code == 404
    client.force_login(world.users["outsider"])
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError, match="Share the summary too"):
        services.set_sharing(cycle=cycle, shared=False, shares_details=True)


def services_theory_adaptation(project):
    from melior.theory import services as theory

    return theory.adapt(project=project)


def test_ask_the_team_and_try_it_at_your_school(client, world, lab, parks_cycle):
    cycle, author = parks_cycle
    _, lincoln, _, _ = lab
    client.force_login(world.users["school:site_lead"])
    base = f"/n/{world.network.slug}/pdsa/{cycle.pk}/"
    empty = client.post(base + "ask/", {"text": "  "})
    assert empty.status_code == 400 and not Notification.objects.filter(kind="question").exists()
    asked = client.post(base + "ask/", {"text": "Which script did you use?"})
    assert asked.status_code == 302
    note = Notification.objects.get(kind="question")
    assert note.user == author and note.cycle == cycle
    assert "Lincoln High" in note.text and "Which script did you use?" in note.text
    assert cycle.comments.filter(text__contains="Which script did you use?").exists()
    copied = client.post(base + "clone/", {"project": lincoln.pk})
    assert copied.status_code == 302
    copy = Cycle.objects.get(cloned_from=cycle)
    assert copy.project == lincoln and copy.status == "draft"
    assert copy.questions.get().prediction == "Half"
    assert not copy.what_happened and not copy.decision  # results stay with the original


def test_the_search_finds_shared_cycles_on_request_and_the_lead_switches_sharing(
    client, world, parks_cycle
):
    cycle, _ = parks_cycle
    client.force_login(world.users["school:site_lead"])
    listed = client.get(f"/n/{world.network.slug}/pdsa/").content.decode()
    assert "Day-one calls in 9A" not in listed  # own schools by default
    listed = client.get(f"/n/{world.network.slug}/pdsa/?shared=1").content.decode()
    assert "Day-one calls in 9A" in listed
    assert client.post(f"/n/{world.network.slug}/pdsa/sharing/", {}).status_code == 403
    client.force_login(world.users["network:network_lead"])
    assert client.post(f"/n/{world.network.slug}/pdsa/sharing/", {}).status_code == 302
    assert not selectors.sharing_enabled(world.network)
    client.force_login(world.users["school:site_lead"])
    assert client.get(f"/n/{world.network.slug}/pdsa/{cycle.pk}/").status_code == 404
