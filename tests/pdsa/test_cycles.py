"""A PDSA cycle from plan to act: the state rules, locked predictions, Do observations that
feed a measure, files, study and decision, the next cycle of a ramp; clone and search."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from melior.measures.models import Observation
from melior.pdsa import selectors, services
from melior.pdsa.evidence import summarise
from melior.pdsa.models import Cycle, Notification

TODAY = datetime.date(2025, 10, 20)  # a Monday


def action_url(cycle, action, **kwargs):
    """Where the cycle page's form for one action posts."""
    name = {"question": "pdsa-question-add"}.get(action, f"pdsa-{action}")
    if "question" in kwargs:
        name = "pdsa-question"
    return reverse(name, kwargs={"network": cycle.network.slug, "pk": cycle.pk, **kwargs})


def planned_cycle(project, idea, **extra):
    cycle = services.create_cycle(
        project=project,
        change_idea=idea,
        title="Calls in 9A",
        objective="See if a call on day one brings students back",
        scale=3,
        planned_start=TODAY,
        due=TODAY + datetime.timedelta(14),
        **extra,
    )
    services.save_question(
        cycle=cycle, text="How many come back next day?", kind="quantitative", predicted_value=6
    )
    return cycle


def test_the_flow_refuses_steps_that_are_not_ready(world, lab):
    _, project, _, idea = lab
    cycle = services.create_cycle(project=project, change_idea=idea, title="Try it")
    with pytest.raises(ValidationError) as refused:
        services.advance(cycle=cycle, to="planned", today=TODAY)
    assert refused.value.messages == [
        "Write the objective: what this test is for.",
        "Choose the scale of the test (one student, one class, …).",
        "Set a due date.",
        "Ask at least one learning question, with a prediction.",
    ]
    services.update_plan(cycle=cycle, objective="Learn", scale=1, due=TODAY)
    q = services.save_question(cycle=cycle, text="Will they answer?", kind="qualitative")
    with pytest.raises(ValidationError, match="needs a prediction, written before the test"):
        services.advance(cycle=cycle, to="planned", today=TODAY)
    services.save_question(
        cycle=cycle,
        question=q,
        text=q.question,
        kind="qualitative",
        prediction="Most families answer",
    )
    with pytest.raises(ValidationError, match="cannot become running"):
        services.advance(cycle=cycle, to="running", today=TODAY)  # skipping planned
    services.advance(cycle=cycle, to="planned", today=TODAY)
    with pytest.raises(ValidationError, match="due date is before the start"):
        services.update_plan(cycle=cycle, planned_start=TODAY + datetime.timedelta(days=3))
    cycle.refresh_from_db()
    assert cycle.planned_start is None  # nothing half-saved
    services.advance(cycle=cycle, to="running", today=TODAY)
    with pytest.raises(ValidationError, match="Write what happened, or add an observation"):
        services.advance(cycle=cycle, to="studying", today=TODAY)
    with pytest.raises(ValidationError, match="questions asked now were not predicted"):
        services.save_question(cycle=cycle, text="New?", kind="qualitative", prediction="x")
    with pytest.raises(ValidationError, match="stay on record"):
        services.delete_question(question=q)
    services.save_question(
        cycle=cycle,
        question=q,
        text=q.question,
        kind="qualitative",
        prediction="All families answer",
    )
    q.refresh_from_db()
    assert q.edited_after_lock and q.locked_prediction == "Most families answer"
    services.record_do(cycle=cycle, what_happened="Called 5 families", surprises="")
    services.advance(cycle=cycle, to="studying", today=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.act(cycle=cycle, decision="adopt", reason="")
    assert "Write the study summary: what we learned." in refused.value.messages
    assert "Give the reason for the decision." in refused.value.messages
    assert Cycle.objects.get(pk=cycle.pk).status == "studying"


def test_do_observations_feed_the_measure_and_files_are_checked(world, lab, settings):
    _, project, _, idea = lab
    cycle = planned_cycle(project, idea)
    cycle.measures.set([world.measure])
    services.advance(cycle=cycle, to="planned", today=TODAY)
    services.advance(cycle=cycle, to="running", today=TODAY)
    with pytest.raises(ValidationError, match="started on Oct 20, 2025, after this date"):
        services.add_observation(
            cycle=cycle, date=TODAY - datetime.timedelta(1), note="x", today=TODAY
        )
    with pytest.raises(ValidationError, match="numerator"):
        services.add_observation(
            cycle=cycle,
            date=TODAY,
            note="Week one",
            measure=world.measure,
            numerator=30,
            denominator=20,
            today=TODAY,
        )
    assert not cycle.observations.exists() and not Observation.objects.exists()
    services.add_observation(
        cycle=cycle,
        date=TODAY + datetime.timedelta(2),
        note="Week one",
        measure=world.measure,
        numerator=14,
        denominator=20,
        today=TODAY + datetime.timedelta(2),
    )
    recorded = Observation.objects.get()
    assert recorded.period_start == TODAY and recorded.organization == world.school

    settings.MELIOR_MAX_UPLOAD_MB = 0.001  # about 1 KB
    big = SimpleUploadedFile("data.csv", b"x" * 2000, content_type="text/csv")
    with pytest.raises(ValidationError, match="The file is 2 KB; the limit is 1 KB"):
        services.add_attachment(cycle=cycle, upload=big)
    with pytest.raises(ValidationError, match=r"type “\.exe” are refused"):
        services.add_attachment(cycle=cycle, upload=SimpleUploadedFile("run.exe", b"MZ"))
    with pytest.raises(ValidationError, match="content is not pdf"):
        services.add_attachment(cycle=cycle, upload=SimpleUploadedFile("a.pdf", b"hello"))
    services.add_attachment(cycle=cycle, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 tiny"))
    assert cycle.attachments.get().content_type == "application/pdf"


def test_adapt_opens_the_next_cycle_and_the_ramp_climbs_on_adopt(world, lab):
    _, project, _, idea = lab
    cycle = planned_cycle(project, idea)
    for to in ("planned", "running"):
        services.advance(cycle=cycle, to=to, today=TODAY)
    services.record_do(cycle=cycle, what_happened="Done", surprises="")
    services.advance(cycle=cycle, to="studying", today=TODAY)
    q = cycle.questions.get()
    services.save_study(
        cycle=cycle,
        summary="Calls work when made before 10am",
        results={
            q.pk: {
                "result": "5 came back",
                "result_value": 5.0,
                "held": "partly",
                "learned": "Timing matters",
            }
        },
    )
    services.act(cycle=cycle, decision="adapt", reason="Call earlier", today=TODAY)
    second = services.next_cycle(cycle=cycle)
    assert second.previous == cycle and second.scale == 3 and second.status == "draft"
    assert second.title == "Calls in 9A (cycle 2)"
    assert second.questions.get().predicted_value == 6  # a starting point, to revise
    with pytest.raises(ValidationError, match="follows a cycle that was adopted or adapted"):
        services.next_cycle(cycle=second)
    second.status, second.decision = "done", "adopt"
    second.save()
    third = services.next_cycle(cycle=second)
    assert third.scale == 4 and [c.pk for c in services.ramp_of(third)] == [
        cycle.pk,
        second.pk,
        third.pk,
    ]


def test_clone_into_another_school_maps_the_idea_to_its_adaptation(world, lab):
    from melior.theory import services as theory

    _, project, other, idea = lab
    source = planned_cycle(project, idea)
    local = theory.adapt(project=other)
    copy = services.clone_cycle(source=source, project=other)
    assert copy.change_idea == local.nodes.get(origin=idea) and copy.network_idea == idea
    assert copy.cloned_from == source and copy.questions.count() == 1 and copy.status == "draft"
    own = theory.add_node(
        diagram=local,
        kind="change_idea",
        name="Buddy calls",
        parents=[local.nodes.get(name="Families hear early")],
    )
    theirs = services.create_cycle(project=other, change_idea=own, title="Buddies")
    with pytest.raises(ValidationError, match="another school's own change idea"):
        services.clone_cycle(source=theirs, project=project)
    with pytest.raises(ValidationError, match="change idea of this project's theory"):
        services.create_cycle(project=project, change_idea=own, title="Not ours")


def test_search_filters_and_csv(client, world, lab):
    diagram, project, other, idea = lab
    a = planned_cycle(project, idea)
    b = services.create_cycle(
        project=other,
        change_idea=diagram.nodes.get(name="Attendance mentors"),
        title="=cmd|' /C calc'!A0 mentors",
        objective="Mentors in 9B",
    )
    user = world.users["network:improvement_coach"]
    assert list(selectors.search(user, world.network, {"idea": str(idea.key)})) == [a]
    assert list(selectors.search(user, world.network, {"q": "mentors in 9b"})) == [b]
    assert list(selectors.search(user, world.network, {"site": world.sibling_school.slug})) == [b]
    driver = diagram.nodes.get(name="Families hear early")
    assert set(selectors.search(user, world.network, {"driver": str(driver.key)})) == {a, b}
    # a school-level role sees its own school's cycles only
    assert list(selectors.search(world.users["school:viewer"], world.network, {})) == [a]
    client.force_login(user)
    url = reverse("pdsa-list", kwargs={"network": world.network.slug})
    page = client.get(url, {"idea": "not-a-key", "since": "yesterday"})
    assert "Ignored an unknown idea." in page.text and "dates are YYYY-MM-DD" in page.text
    exported = client.get(url, {"export": "csv", "site": world.sibling_school.slug})
    lines = exported.content.decode().splitlines()
    assert lines[0].startswith("id,title,site") and len(lines) == 2
    assert "'=cmd" in lines[1]  # a formula-like title cannot run in a spreadsheet


def test_comments_mention_and_notify_and_overdue_reminders(client, world, lab, settings):
    _, project, _, idea = lab
    teacher = world.users["school:team_member"]
    cycle = planned_cycle(project, idea, user=teacher)
    coach = world.users["network:improvement_coach"]
    coach.email = "coach@example.org"
    coach.save()
    teacher.email = "teacher@example.org"
    teacher.save()
    client.force_login(coach)
    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk})
    refused = client.post(action_url(cycle, "comment"), {"text": "Ask @nobody-here"})
    assert refused.status_code == 400 and "No one called @nobody-here" in refused.text
    client.post(
        action_url(cycle, "comment"), {"text": "Nice plan @school-site_lead — and @outsider"}
    )
    assert "No one called" not in client.get(url).text
    site_lead = world.users["school:site_lead"]
    assert Notification.objects.filter(user=site_lead, kind="mention").exists()
    assert not Notification.objects.filter(user=world.users["outsider"]).exists()  # can't see it
    assert Notification.objects.filter(user=teacher, kind="comment").exists()
    assert services.notify_overdue(today=TODAY + datetime.timedelta(30)) == 1
    assert services.notify_overdue(today=TODAY + datetime.timedelta(31)) == 0  # once
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_digest() == 1  # the teacher; the site lead has no address
    assert mail.outbox[0].to == ["teacher@example.org"] and "was due on" in mail.outbox[0].body
    assert services.send_digest() == 0
    client.force_login(teacher)
    assert 'class="unread">2<' in client.get(reverse("notifications")).text
    client.post(reverse("notifications"))
    assert not Notification.objects.filter(user=teacher, read_at=None).exists()


def test_who_may_plan_edit_and_comment(client, world, lab):
    _, project, _, idea = lab
    cycle = planned_cycle(project, idea)
    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk})
    plan = {"fields": "objective,title", "title": "Calls", "objective": "New"}
    client.force_login(world.users["school:viewer"])
    assert client.get(url).status_code == 200
    assert client.post(action_url(cycle, "plan"), plan).status_code == 403
    assert client.post(action_url(cycle, "comment"), {"text": "hi"}).status_code == 403
    client.force_login(world.users["school:team_member"])  # on the project's team
    assert client.post(action_url(cycle, "plan"), plan).status_code == 302
    client.force_login(world.users["school:data_steward"])  # not on the team, not an author
    assert client.post(action_url(cycle, "plan"), plan).status_code == 403
    assert client.post(action_url(cycle, "comment"), {"text": "Looks good"}).status_code == 302
    cycle.authors.add(world.users["school:data_steward"])  # a co-author may edit
    assert client.post(action_url(cycle, "plan"), plan).status_code == 302
    client.force_login(world.users["district:site_lead"])  # the district's site lead manages it
    assert client.post(action_url(cycle, "plan"), plan).status_code == 302
    client.force_login(world.users["outsider"])  # another network's lead sees nothing of it
    assert client.get(url).status_code == 404


def test_the_chart_marks_where_a_linked_cycle_started(client, world, lab, weekly):
    _, project, _, idea = lab
    weekly([10] * 6, denominator=20, start=TODAY - datetime.timedelta(weeks=5))
    cycle = planned_cycle(project, idea)
    cycle.measures.set([world.measure])
    services.advance(cycle=cycle, to="planned", today=TODAY)
    services.advance(cycle=cycle, to="running", today=TODAY)
    client.force_login(world.users["school:viewer"])
    page = client.get(
        reverse(
            "site-measure",
            kwargs={
                "network": world.network.slug,
                "site": world.school.slug,
                "measure": world.measure.slug,
            },
        )
    ).text
    assert "PDSA: Calls in 9A" in page
    assert reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk}) in page


class Site:
    def __init__(self, pk, level, poverty):
        self.pk, self.level, self.poverty_share = pk, level, poverty


class Row:
    def __init__(self, pk, site, decision, day, status="done"):
        self.pk, self.status, self.decision, self.completed_on = pk, status, decision, day
        self.project = type("P", (), {"site": site})()


@pytest.mark.parametrize(
    ("decisions", "readiness", "sentence"),
    [
        (
            ["adopt", "adopt", "adopt", "adapt"],
            "ready to spread",
            "Tested 4 times at 4 sites: adopted at 3, adapted at 1, abandoned at 0.",
        ),
        (
            ["adopt", "abandon", "abandon", ""],
            "not working so far",
            "Tested 4 times at 4 sites: adopted at 1, adapted at 0, abandoned at 2, still being "
            "tested at 1.",
        ),
        (["adapt", "adapt"], "promising", None),
        (
            ["abandon"],
            "too early to tell",
            "Tested once at 1 site: adopted at 0, adapted at 0, abandoned at 1.",
        ),
    ],
)
def test_readiness_is_derived_from_the_decisions(decisions, readiness, sentence):
    sites = [Site(i, "high", 0.2 if i % 2 else 0.7) for i in range(len(decisions))]
    rows = [
        Row(i, s, d, datetime.date(2025, 1, 1), status="done" if d else "running")
        for i, (s, d) in enumerate(zip(sites, decisions, strict=True))
    ]
    evidence = summarise(rows)
    assert evidence.readiness == readiness
    if sentence:
        assert evidence.sentence() == sentence


def test_a_sites_latest_decision_counts_and_one_context_is_not_enough():
    same = [Site(i, "high", 0.7) for i in range(3)]
    rows = [Row(i, s, "adopt", datetime.date(2025, 1, 1)) for i, s in enumerate(same)]
    assert summarise(rows).readiness == "promising"  # 3 adoptions, all in one context
    rows.append(Row(9, same[0], "abandon", datetime.date(2025, 6, 1)))  # later: abandoned
    assert summarise(rows).adopted == 2 and summarise(rows).abandoned == 1


def test_a_test_started_earlier_keeps_its_actual_start_date(client, world, lab):
    """A team that ran its test last week records the day it started: its observations from
    that week are accepted, and every page and the search show that day, not today."""
    _, project, _, idea = lab
    ran_on = datetime.date.today() - datetime.timedelta(9)
    cycle = planned_cycle(project, idea)
    cycle.planned_start = ran_on - datetime.timedelta(2)
    cycle.save()
    services.advance(cycle=cycle, to="planned")
    assert services.default_start(cycle) == cycle.planned_start
    with pytest.raises(ValidationError, match="start date is in the future"):
        services.advance(
            cycle=cycle, to="running", started_on=datetime.date.today() + datetime.timedelta(1)
        )

    client.force_login(world.users["school:team_member"])
    url = reverse("pdsa-detail", kwargs={"network": world.network.slug, "pk": cycle.pk})
    refused = client.post(action_url(cycle, "advance"), {"to": "running", "started_on": "soon"})
    assert refused.status_code == 400 and "Started on: Enter a valid date." in refused.text
    assert Cycle.objects.get(pk=cycle.pk).status == "planned"
    client.post(action_url(cycle, "advance"), {"to": "running", "started_on": ran_on.isoformat()})
    cycle.refresh_from_db()
    assert cycle.status == "running" and cycle.started_on == ran_on
    services.add_observation(cycle=cycle, date=ran_on, note="First calls made")

    page = client.get(url).text
    assert f"Started {ran_on:%b %-d, %Y} (planned for {cycle.planned_start:%b %-d, %Y})" in page
    listing = client.get(reverse("pdsa-list", kwargs={"network": world.network.slug}))
    assert f"{ran_on:%b %-d, %Y}" in listing.text
    # a "plan a new cycle" button cuts a long project title but names it whole on hover
    assert f'title="{project.site.name} · {project.title}"' in listing.text
    found = selectors.search(
        world.users["school:team_member"], world.network, {"since": ran_on, "until": ran_on}
    )
    assert list(found) == [cycle]
