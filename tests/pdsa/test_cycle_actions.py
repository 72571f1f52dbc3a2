"""A cycle taken from plan to act on the web, each action posted to its own URL: what each
saves, where it leads, and that a refusal shows on the page (on its form, or at the top) with
nothing saved."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from melior.pdsa import services
from melior.pdsa.models import Cycle


def url(cycle, name="pdsa-detail", **kwargs):
    return reverse(name, kwargs={"network": cycle.network.slug, "pk": cycle.pk, **kwargs})


def test_a_cycle_from_plan_to_act_on_the_web(client, world, lab):
    _, project, _, idea = lab
    today = datetime.date.today()
    cycle = services.create_cycle(
        project=project, change_idea=idea, title="Calls", format="classic"
    )
    client.force_login(world.users["school:team_member"])
    assert client.post(url(cycle)).status_code == 405  # the page itself only shows
    plan = {"fields": "objective,scale,due", "objective": "Learn", "scale": "1",
            "due": (today + datetime.timedelta(7)).isoformat()}  # fmt: skip
    assert client.post(url(cycle, "pdsa-plan"), plan)["Location"] == url(cycle) + "#plan"
    added = client.post(url(cycle, "pdsa-question-add"), {"question": "Answer?", "kind": "odd"})
    assert added.status_code == 400 and "Select a valid choice" in added.text
    client.post(url(cycle, "pdsa-question-add"), {"question": "Answer?", "kind": "qualitative"})
    question = cycle.questions.get()
    client.post(
        url(cycle, "pdsa-question", question=question.pk),
        {"question": "Will they answer?", "kind": "qualitative", "prediction": "Most will"},
    )
    question.refresh_from_db()
    assert (question.question, question.prediction) == ("Will they answer?", "Most will")
    extra = services.save_question(cycle=cycle, text="Spare", kind="qualitative")
    page = client.get(url(cycle)).text  # each form names its own action
    assert f'formaction="{url(cycle, "pdsa-question-delete", question=extra.pk)}"' in page
    assert f'action="{url(cycle, "pdsa-question", question=extra.pk)}"' in page
    assert 'name="section"' not in page
    client.post(url(cycle, "pdsa-question-delete", question=extra.pk))
    assert list(cycle.questions.all()) == [question]

    client.post(url(cycle, "pdsa-advance"), {"to": "planned"})
    client.post(url(cycle, "pdsa-advance"), {"to": "running", "started_on": today.isoformat()})
    cycle.refresh_from_db()
    assert cycle.status == "running"
    locked = client.post(url(cycle, "pdsa-question-delete", question=question.pk))
    assert locked.status_code == 400 and "stay on record" in locked.text
    assert cycle.questions.exists()
    future = (today + datetime.timedelta(3)).isoformat()
    refused = client.post(url(cycle, "pdsa-observation"), {"date": future, "note": "Calls"})
    assert refused.status_code == 400 and "That date is in the future." in refused.text
    assert not cycle.observations.exists()
    client.post(url(cycle, "pdsa-observation"), {"date": today.isoformat(), "note": "Calls"})
    client.post(url(cycle, "pdsa-do"), {"what_happened": "Called 9 families", "surprises": ""})
    bad_file = SimpleUploadedFile("notes.exe", b"MZ")
    assert "are refused" in client.post(url(cycle, "pdsa-attach"), {"file": bad_file}).text
    client.post(url(cycle, "pdsa-attach"), {"file": SimpleUploadedFile("notes.txt", b"ok")})
    assert cycle.attachments.get().name == "notes.txt"
    client.post(url(cycle, "pdsa-advance"), {"to": "studying"})

    q = question.pk
    study = {f"result_{q}": "7 of 9", f"held_{q}": "yes", f"learned_{q}": "Mornings",
             "study_summary": "Calls work"}  # fmt: skip
    refused = client.post(url(cycle, "pdsa-study"), {**study, f"result_value_{q}": "seven"})
    assert refused.status_code == 400
    assert "Will they answer?: “seven” is not a number." in refused.text
    question.refresh_from_db()
    assert question.result == ""  # nothing saved
    assert client.post(url(cycle, "pdsa-study"), study).status_code == 302
    question.refresh_from_db()
    assert (question.result, question.held) == ("7 of 9", "yes")

    no_reason = client.post(url(cycle, "pdsa-act"), {"decision": "adapt"})
    assert no_reason.status_code == 400 and "Give the reason for the decision." in no_reason.text
    decided = client.post(
        url(cycle, "pdsa-act"), {"decision": "adapt", "reason": "Call earlier", "open_next": "on"}
    )
    following = Cycle.objects.get(previous=cycle)
    assert decided["Location"] == url(following)
    assert client.post(url(cycle, "pdsa-next")).status_code == 302  # another, on request
    assert Cycle.objects.filter(previous=cycle).count() == 2


def test_authors_and_comments_each_post_to_their_own_url(client, world, lab):
    _, project, _, idea = lab
    cycle = services.create_cycle(project=project, change_idea=idea, title="Calls")
    client.force_login(world.users["school:site_lead"])
    nobody = client.post(url(cycle, "pdsa-authors"), {})
    assert nobody.status_code == 400 and "This field is required." in nobody.text
    teacher = world.users["school:team_member"]
    saved = client.post(url(cycle, "pdsa-authors"), {"authors": [teacher.pk]})
    assert saved["Location"] == url(cycle) + "#people"
    assert list(cycle.authors.all()) == [teacher]
    outsider = world.users["outsider"]
    refused = client.post(url(cycle, "pdsa-authors"), {"authors": [outsider.pk]})
    assert refused.status_code == 400 and list(cycle.authors.all()) == [teacher]
    said = client.post(url(cycle, "pdsa-comment"), {"text": "Looks good"})
    assert said["Location"] == url(cycle) + "#comments"
    assert cycle.comments.get().text == "Looks good"
    client.force_login(world.users["school:viewer"])
    assert client.post(url(cycle, "pdsa-authors"), {"authors": [teacher.pk]}).status_code == 403
    client.force_login(outsider)
    assert client.post(url(cycle, "pdsa-comment"), {"text": "hi"}).status_code == 404
