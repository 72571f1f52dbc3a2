"""A project's progress on the collaborative assessment scale: the suggestion from evidence,
the team's confirmation, the hub's table across projects, and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from melior.measures.models import Observation
from melior.pdsa.models import Cycle
from melior.progress import services
from melior.progress.evidence import Evidence, suggest
from melior.progress.models import ProgressAssessment
from melior.progress.selectors import progress_table, project_evidence

TODAY = datetime.date(2026, 5, 4)
EVERYTHING = Evidence(
    has_aim=True, team_size=3, cycles_planned=6, cycles_under_way=1, cycles_decided=5,
    changes_adopted=2, adopted_elsewhere=1, improving_measures=("Calls home made",),
    outcome_status="improving", share_of_gain=1.2, target_met=True, target_held=True,
)  # fmt: skip


def test_each_step_of_the_scale_needs_the_one_below_and_says_what_earns_the_next():
    assert suggest(EVERYTHING).score == Decimal("5.0") and suggest(EVERYTHING).next_step == ""
    nothing = Evidence(has_aim=False, team_size=0, cycles_planned=0, cycles_under_way=0,
                       cycles_decided=0, changes_adopted=0, adopted_elsewhere=0)  # fmt: skip
    assert suggest(nothing).score == Decimal("0.5")
    assert suggest(nothing).next_step.startswith("For 1.0: Name the team")
    tested = Evidence(has_aim=True, team_size=2, cycles_planned=2, cycles_under_way=0,
                      cycles_decided=1, changes_adopted=0, adopted_elsewhere=0)  # fmt: skip
    assert suggest(tested).score == Decimal("2.5")
    assert suggest(tested).reasons == [
        "A team of 2 and a measurable aim with its measure.",
        "2 PDSA cycles planned.",
        "Tests of change are under way.",
        "1 cycle run to a decision.",
    ]
    assert "process or driver measure" in suggest(tested).next_step
    # an improving outcome with no tested change is not improvement from the project's work
    lucky = Evidence(has_aim=True, team_size=2, cycles_planned=0, cycles_under_way=0,
                     cycles_decided=0, changes_adopted=0, adopted_elsewhere=0,
                     outcome_status="improving", share_of_gain=0.8, target_met=True)  # fmt: skip
    assert suggest(lucky).score == Decimal("1.0")
    from dataclasses import replace

    assert suggest(replace(EVERYTHING, share_of_gain=0.4)).score == Decimal("3.5")
    assert suggest(replace(EVERYTHING, changes_adopted=0)).score == Decimal("4.0")
    assert suggest(replace(EVERYTHING, adopted_elsewhere=0)).score == Decimal("4.5")


@pytest.fixture
def project(world, lab):
    """Lincoln's project of the shared lab, with a measurable aim; Parks has one too."""
    _, project, _, idea = lab
    project.aim_statement = "Raise on track from 60% to 80% by June."
    project.aim_measure = world.measure
    project.baseline_value, project.target_value = 60, 80
    project.save()
    return project, idea


def _cycle(project, idea, *, status, decision="", site_project=None):
    return Cycle.objects.create(
        network=project.network, project=site_project or project, change_idea=idea,
        network_idea=idea, title="Call home", status=status, decision=decision,
    )  # fmt: skip


def test_the_evidence_is_read_from_the_charter_the_cycles_and_the_aim_measure(
    world, lab, weekly, project
):
    project, idea = project
    weekly([60] * 16 + [72] * 4, denominator=100)  # the last four weeks: 72%, 60% of the way to 80%
    evidence = project_evidence(project)
    assert evidence.has_aim and evidence.team_size == 1 and evidence.cycles_planned == 0
    assert evidence.share_of_gain == pytest.approx(0.6)
    assert not evidence.target_met and not evidence.target_held
    assert suggest(evidence).score == Decimal("1.0")
    _cycle(project, idea, status=Cycle.Status.PLANNED)
    _cycle(project, idea, status=Cycle.Status.DONE, decision=Cycle.Decision.ADOPT)
    other = lab[2]  # Parks
    _cycle(project, idea, status=Cycle.Status.DONE, decision="adopt", site_project=other)
    evidence = project_evidence(project)
    assert (evidence.cycles_planned, evidence.cycles_decided) == (2, 1)
    assert (evidence.changes_adopted, evidence.adopted_elsewhere) == (1, 1)
    assert suggest(evidence).score == Decimal("2.5")  # no process measure improves yet


def test_a_target_held_over_four_stretches_of_four_weeks(world, weekly, project):
    project, _ = project
    weekly([60] * 4 + [82] * 16, denominator=100)
    evidence = project_evidence(project)
    assert evidence.target_met and evidence.target_held
    Observation.objects.filter(measure=world.measure).delete()
    weekly([60] * 4 + [82] * 12 + [79] * 4, denominator=100)  # the latest stretch slips below 80%
    assert not project_evidence(project).target_met


def test_the_team_confirms_a_score_and_must_say_why_it_differs_from_the_evidence(world, project):
    project, _ = project
    teacher = world.users["school:team_member"]
    with pytest.raises(ValidationError) as refused:
        services.confirm_progress(project=project, user=teacher, score="3.0",
                                  assessed_on=TODAY, today=TODAY)  # fmt: skip
    assert "The evidence suggests 1.0; say why the team chose 3.0." in refused.value.messages
    tomorrow = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.confirm_progress(project=project, user=teacher, score="2.2",
                                  assessed_on=tomorrow, today=TODAY)  # fmt: skip
    assert set(refused.value.message_dict) == {"score", "assessed_on"}
    assert not ProgressAssessment.objects.exists()
    kept = services.confirm_progress(project=project, user=teacher, score="1.5", note="",
                                     assessed_on=TODAY, today=TODAY)  # fmt: skip
    assert (kept.score, kept.suggested, kept.confirmed_by) == (
        Decimal("1.5"),
        Decimal("1.0"),
        teacher,
    )
    assert kept.evidence[0] == "A team of 1 and a measurable aim with its measure."
    with pytest.raises(PermissionDenied):  # a viewer reads progress; only the team confirms it
        services.confirm_progress(project=project, user=world.users["network:viewer"],
                                  score="1.0", assessed_on=TODAY, today=TODAY)  # fmt: skip


def test_the_hub_table_shows_latest_scores_and_their_change_to_those_who_may_see(
    client, world, lab, project
):
    project, _ = project
    other = lab[2]  # Parks
    for day, score in ((1, "1.0"), (40, "2.0")):
        ProgressAssessment.objects.create(
            project=project, score=Decimal(score), suggested=Decimal(score),
            assessed_on=TODAY - datetime.timedelta(days=100 - day),
        )  # fmt: skip
    rows = progress_table(world.users["network:viewer"], world.network)
    assert [(r["project"].title, r["change"]) for r in rows] == [
        ("On track", "up 1.0"),
        ("Parks", "—"),
    ]
    assert progress_table(world.users["outsider"], world.network) == []
    client.force_login(world.users["network:viewer"])
    page = client.get(reverse("network-progress", kwargs={"network": world.network.slug})).text
    assert "1 of 2 projects assessed" in page and "up 1.0" in page
    assert "Parks" in page and "Not assessed yet" in page
    client.force_login(world.users["school:viewer"])  # a school's viewer sees their own school
    page = client.get(reverse("network-progress", kwargs={"network": world.network.slug})).text
    assert "On track" in page and "Parks" not in page
    url = reverse("project-progress", kwargs={"network": world.network.slug, "project": other.pk})
    assert client.get(url).status_code == 404


def test_the_progress_page_suggests_confirms_and_refuses_with_the_field_named(
    client, world, project
):
    project, _ = project
    url = reverse("project-progress", kwargs={"network": world.network.slug, "project": project.pk})
    client.force_login(world.users["school:team_member"])
    page = client.get(url).text
    assert "What the evidence suggests: 1.0 — Team forming" in page
    assert "For 1.5: Plan a first test of change" in page
    bad = client.post(url, {"score": "4.0", "assessed_on": "2026-01-05", "note": ""})
    assert bad.status_code == 400 and "say why the team chose 4.0" in bad.text
    assert not ProgressAssessment.objects.exists()
    good = client.post(url, {"score": "1.0", "assessed_on": "2026-01-05", "note": ""})
    assert good.status_code == 302
    assert ProgressAssessment.objects.get().score == Decimal("1.0")
    client.force_login(world.users["network:viewer"])
    page = client.get(url).text
    assert "Confirm the score" not in page and "Jan 5, 2026" in page
    assert client.post(url, {"score": "1.0", "assessed_on": "2026-01-05"}).status_code == 403
    api = client.get(f"/api/networks/{world.network.slug}/progress").json()
    assert [(item["score"], item["assessed_on"]) for item in api["items"]] == [(1.0, "2026-01-05")]
