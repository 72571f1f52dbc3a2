"""Fidelity plans, checks (charted as the school's process measure), adaptations, permissions,
the hub's fidelity × outcome view and the API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from melior.fidelity import selectors, services
from melior.fidelity.models import Adaptation, Check
from melior.measures.models import Measure, Observation
from melior.measures.services import record_observation
from melior.pdsa import services as pdsa
from melior.projects.services import create_project
from melior.theory import services as theory

MONDAY = datetime.date(2025, 9, 1)
W = datetime.timedelta(weeks=1)


def levels_for(plan, *levels, dimension="adherence"):
    return {
        (c.pk, dimension): level for c, level in zip(plan.components.all(), levels, strict=True)
    }


def check(world, plan, day, *levels, site=None, user="school:team_member"):
    return services.record_check(
        plan=plan, site=site or world.school, user=world.users[user], checked_on=day,
        rated_by="Coach", levels=levels_for(plan, *levels),
    )  # fmt: skip


def test_a_plan_creates_the_ideas_fidelity_measure(world, plan):
    measure = plan.measure
    assert measure.name == "Fidelity of Call home"
    assert (measure.kind, measure.value_type, measure.frequency, measure.desired_direction) == (
        Measure.Kind.PROCESS, Measure.ValueType.CONTINUOUS, "weekly", "up",
    )  # fmt: skip
    assert [c.name for c in plan.components.all()] == ["Call within 24 hours", "Script", "Log"]
    again = services.define_plan(
        idea=plan.idea, user=world.users["network:improvement_coach"],
        dimensions=["dose", "adherence", "nonsense"], rhythm="fortnightly",
    )  # fmt: skip
    assert again.pk == plan.pk and again.measure_id == measure.pk
    assert again.dimensions == ["adherence", "dose"]  # in the documented order, unknown dropped


def test_only_the_ideas_owners_define_it(world, idea, plan):
    for who in ("school:site_lead", "network:viewer", "network:data_steward"):
        with pytest.raises(PermissionDenied):
            services.define_plan(
                idea=idea, user=world.users[who], dimensions=["dose"], rhythm="weekly"
            )
    with pytest.raises(ValidationError) as refused:
        services.add_component(
            plan=plan, user=None, name="script", essential=True, ideal="x", acceptable="",
            unacceptable="y",
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"name", "acceptable"}


def test_a_site_lead_defines_their_schools_own_idea(world):
    project = create_project(network=world.network, site=world.school, title="Lincoln")
    theory.replace_from_outline(
        diagram=theory.network_diagram(world.network), text="Aim\n  Attend\n    Families\n"
    )
    local = theory.adapt(project=project)
    own = theory.add_node(
        diagram=local, kind="change_idea", name="Homework club",
        parents=[local.nodes.get(name="Families")],
    )  # fmt: skip
    plan = services.define_plan(
        idea=own, user=world.users["school:site_lead"], dimensions=["dose"], rhythm="monthly"
    )
    assert plan.measure.frequency == "monthly"
    with pytest.raises(PermissionDenied):
        services.define_plan(
            idea=own, user=world.users["school:team_member"], dimensions=["dose"], rhythm="weekly"
        )
    services.add_component(plan=plan, name="Room open", essential=True, ideal="a",
                           acceptable="b", unacceptable="c")  # fmt: skip
    with pytest.raises(ValidationError) as refused:  # its own school's idea, not the sibling's
        services.record_check(
            plan=plan, site=world.sibling_school, checked_on=MONDAY, rated_by="Lead",
            levels={(plan.components.get().pk, "dose"): 2},
        )  # fmt: skip
    assert "site" in refused.value.message_dict
    # the sibling school's people do not see Lincoln's own idea
    sibling_viewer = type(world.users["outsider"]).objects.create_user("parks-viewer")
    from melior.networks.services import grant_role

    grant_role(user=sibling_viewer, role="viewer", organization=world.sibling_school)
    assert own not in selectors.ideas_for(sibling_viewer, world.network)
    assert own in selectors.ideas_for(world.users["school:viewer"], world.network)


def test_a_check_is_scored_and_charted_as_the_schools_observation(world, plan):
    first = check(world, plan, MONDAY + datetime.timedelta(days=1), 2, 1, 0)
    assert (first.score, first.capped) == (60.0, False)  # (2 + 1 + 0) / 5
    second = check(world, plan, MONDAY + datetime.timedelta(days=3), 0, 2, 2)
    assert (second.score, second.capped) == (40.0, True)  # 60 capped by the essential 0
    observation = Observation.objects.get(measure=plan.measure, organization=world.school)
    assert observation.period_start == MONDAY and observation.value == 50.0  # the week's mean
    check(world, plan, MONDAY + W, 2, 2, 2)
    assert list(
        Observation.objects.filter(measure=plan.measure).values_list("period_start", "value")
    ) == [(MONDAY, 50.0), (MONDAY + W, 100.0)]
    assert Check.objects.get(pk=first.pk).ratings.count() == 3


def test_a_bad_check_is_refused_field_by_field(world, plan):
    with pytest.raises(ValidationError) as refused:
        services.record_check(
            plan=plan, site=world.school, user=world.users["school:team_member"],
            checked_on=datetime.date.today() + datetime.timedelta(days=1), rated_by=" ",
            levels={(plan.components.first().pk, "adherence"): 2},
        )  # fmt: skip
    errors = refused.value.message_dict
    assert errors["checked_on"] == ["The date cannot be in the future."]
    assert "rated_by" in errors
    assert errors["levels"] == ["Rate every component: Script (Adherence); Log (Adherence)."]
    assert not Check.objects.exists() and not Observation.objects.exists()
    for who in ("school:viewer", "network:viewer"):
        with pytest.raises(PermissionDenied):
            check(world, plan, MONDAY, 2, 2, 2, user=who)
    with pytest.raises(PermissionDenied):  # the school's member cannot record at the sibling
        check(world, plan, MONDAY, 2, 2, 2, site=world.sibling_school)


def test_an_adaptation_of_an_essential_component_is_fidelity_inconsistent(world, idea, plan):
    project = create_project(network=world.network, site=world.school, title="Lincoln")
    cycle = pdsa.create_cycle(project=project, change_idea=idea, title="Texts instead")
    script, log = plan.components.get(name="Script"), plan.components.get(name="Log")
    common = {"site": world.school, "user": world.users["school:team_member"],
              "made_on": MONDAY, "decided_by": "9th-grade team"}  # fmt: skip
    changed = services.log_adaptation(
        component=script, what="Texts instead of calls", goal="fit_recipients",
        planned=False, cycle=cycle, **common,
    )  # fmt: skip
    assert changed.essential and not changed.fidelity_consistent and not changed.planned
    kept = services.log_adaptation(
        component=log, what="Shared sheet", goal="feasibility", planned=True, **common
    )
    assert kept.fidelity_consistent
    other = create_project(network=world.network, site=world.sibling_school, title="Parks")
    elsewhere = pdsa.create_cycle(project=other, change_idea=idea, title="Parks' cycle")
    with pytest.raises(ValidationError) as refused:
        services.log_adaptation(
            component=log, what="", goal="because", planned=True, cycle=elsewhere,
            **{**common, "made_on": datetime.date.today() + W},
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"what", "goal", "cycle", "made_on"}
    assert Adaptation.objects.count() == 2


@pytest.fixture
def two_schools(world, idea, plan):
    """Lincoln implements with high fidelity and its outcome improves; Parks drifts to low
    fidelity after reacting by dropping the call script, and its outcome stays flat."""
    for site, step in ((world.school, 6), (world.sibling_school, 0)):
        for week in range(30):
            record_observation(
                measure=world.measure, organization=site, period=MONDAY + W * week,
                numerator=8 + (step if week >= 18 else 0) + (week * 7) % 3, denominator=20,
            )  # fmt: skip
    drift = [(2, 2, 2), (2, 2, 1), (2, 1, 1), (2, 0, 1)]  # 100, 90, 70, then 50 capped at 40
    for k, levels in enumerate(drift):
        check(world, plan, MONDAY + W * (20 + 2 * k), 2, 2, 1 + (k > 0))
        check(world, plan, MONDAY + W * (20 + 2 * k), *levels, site=world.sibling_school,
              user="network:improvement_coach")  # fmt: skip
    services.log_adaptation(
        component=plan.components.get(name="Script"), site=world.sibling_school,
        made_on=MONDAY + W * 23, what="Dropped the script", goal="feasibility",
        decided_by="Teachers", planned=False,
    )  # fmt: skip
    services.log_adaptation(
        component=plan.components.get(name="Log"), site=world.school, made_on=MONDAY + W * 19,
        what="A shared sheet", goal="feasibility", decided_by="Team", planned=True,
    )  # fmt: skip


def test_the_hub_sees_fidelity_against_outcomes(world, plan, two_schools):
    view = selectors.fidelity_view(world.users["network:network_lead"], world.network, plan)
    assert view.measures == ((world.measure.pk, "On track"),)  # outcome/driver, not balancing
    rows = {row.site: row for row in view.rows}
    lincoln, parks = rows["Lincoln High"], rows["Parks High"]
    assert (lincoln.latest, lincoln.band, lincoln.checks) == (100.0, "high", 4)
    assert lincoln.outcomes == ("improving",)
    assert (parks.latest, parks.band, parks.change) == (40.0, "low", -30.0)
    assert parks.adaptations == (("Script", "Dropped the script", False, True),)
    assert view.crosstab["high"]["improving"] == 1 and view.crosstab["low"]["neither"] == 1
    assert [(t.component, t.improved, t.not_improved) for t in view.travel] == [
        ("Log", ("Lincoln High",), ()), ("Script", (), ("Parks High",)),
    ]  # fmt: skip
    # a school's viewer sees their own school only
    mine = selectors.fidelity_view(world.users["school:viewer"], world.network, plan)
    assert [row.site for row in mine.rows] == ["Lincoln High"]
    assert [(t.component, t.improved) for t in mine.travel] == [("Log", ("Lincoln High",))]


def test_the_hub_page_and_the_idea_page(client, world, idea, plan, two_schools):
    client.force_login(world.users["network:viewer"])
    page = client.get(reverse("fidelity", kwargs={"network": world.network.slug}))
    assert page.status_code == 200
    assert 'id="fidelity-outcome"' in page.text and "Parks High" in page.text
    assert "fidelity-inconsistent" in page.text
    url = reverse("fidelity-idea", kwargs={"network": world.network.slug, "idea": idea.pk})
    page = client.get(url)
    assert "Call within 24 hours" in page.text and "Record a check" not in page.text
    client.force_login(world.users["school:team_member"])
    check_url = reverse("fidelity-check", kwargs={"network": world.network.slug, "idea": idea.pk})
    form = {"site": world.school.pk, "checked_on": "2026-01-05", "rated_by": "Peer"}
    components = list(plan.components.all())
    refused = client.post(check_url, {**form, f"level-{components[0].pk}-adherence": "2"})
    assert refused.status_code == 400 and "Rate every component: Script" in refused.text
    done = client.post(check_url, {**form, **{f"level-{c.pk}-adherence": "2" for c in components}})
    assert done.status_code == 302
    assert Check.objects.filter(site=world.school, checked_on="2026-01-05").get().score == 100
    forbidden = client.post(check_url, {**form, "site": world.sibling_school.pk})
    assert forbidden.status_code in {403, 404}


def test_the_api_lists_and_records_checks(client, world, plan, two_schools):
    slug = world.network.slug
    client.force_login(world.users["school:viewer"])
    plans = client.get(f"/api/networks/{slug}/fidelity/components").json()
    assert [c["name"] for c in plans[0]["components"]] == ["Call within 24 hours", "Script", "Log"]
    assert plans[0]["measure"] == plan.measure.slug and plans[0]["site"] is None
    checks = client.get(f"/api/networks/{slug}/fidelity/checks").json()["items"]
    assert {c["site"] for c in checks} == {world.school.slug}  # only the viewer's school
    adaptations = client.get(f"/api/networks/{slug}/fidelity/adaptations").json()["items"]
    assert [a["what"] for a in adaptations] == ["A shared sheet"]
    body = {
        "idea": plan.idea_id, "site": world.school.slug, "checked_on": "2026-01-12",
        "rated_by": "Coach", "ratings": [
            {"component": c.pk, "dimension": "adherence", "level": 1}
            for c in plan.components.all()
        ],
    }  # fmt: skip
    url = f"/api/networks/{slug}/fidelity/checks"
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(world.users["school:team_member"])
    made = client.post(url, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["score"] == 50.0
    body["ratings"] = body["ratings"][:1]
    missing = client.post(url, body, content_type="application/json")
    assert missing.status_code == 400 and "Rate every component" in missing.text
