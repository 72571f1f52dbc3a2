"""Every route × every role: who gets in and who is turned away (docs/permissions.md).

The routes are read from the URL configuration itself, so a new route without a rule here
fails `test_every_route_has_a_rule` until someone decides who may use it.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse

from melior.evaluation import evidence
from melior.evaluation.services import add_outcome, create_pilot, register
from melior.fidelity import services as fidelity
from melior.fidelity.models import Component as FidelityComponent
from melior.governance import services as governance
from melior.governance.models import Enrollment, ImportJob, StudentOutcome
from melior.learning.models import ActivityStatus
from melior.learning.services import create_activity
from melior.measures.services import record_observation
from melior.ops.jobs import beat
from melior.pdsa import services as pdsa
from melior.problems.views import ACTIONS as PROBLEM_ACTIONS
from melior.projects.services import create_project
from melior.theory import services

ROLES = ["network_lead", "improvement_coach", "site_lead", "team_member", "data_steward", "viewer"]
ENTER_DATA = {"network_lead", "improvement_coach", "site_lead", "team_member", "data_steward"}
MANAGE_PROJECTS = {"network_lead", "improvement_coach", "site_lead"}
MONDAY = "2025-09-01"

# route name -> (method, who may use it, request data)
#   public: everyone, even without logging in;  login: anyone logged in;
#   member: anyone with a role in the network;  enter_data / manage_projects: those capabilities
#   at the school the request names;  edit_theory: network lead or coach across the network
RULES = {
    "home": ("get", "login", None),
    "login": ("get", "public", None),
    "logout": ("post", "public", None),
    "favicon": ("get", "public", None),
    "healthz": ("get", "public", None),
    "health": ("get", "public", None),
    "health-live": ("get", "public", None),
    "health-ready": ("get", "public", None),
    "network": ("get", "member", None),
    "site": ("get", "member", None),
    "measure": ("get", "member", None),
    "measure-multiples": ("get", "member", None),
    "site-measure": ("get", "member", None),
    "site-measure-export": ("get", "member", None),
    "project": ("get", "member", None),
    "import-observations": ("get", "enter_data", None),
    "observation-form": (
        "post",
        "enter_data",
        {"period_start": MONDAY, "numerator": "1", "denominator": "2"},
    ),
    "annotation-form": ("post", "enter_data", {"date": MONDAY, "text": "Started check-ins"}),
    "chart-settings": ("post", "enter_data", {"chart": "run"}),
    "project-edit": ("get", "manage_projects", None),
    "project-progress": ("get", "member", None),
    "network-progress": ("get", "member", None),
    "fidelity": ("get", "member", None),
    "fidelity-idea": ("get", "member", None),
    # a network idea's fidelity plan is its theory's; checks and adaptations the school's
    "fidelity-plan": ("post", "edit_theory", {"dimensions": "dose", "rhythm": "weekly"}),
    "fidelity-component": (
        "post",
        "edit_theory",
        {"name": "Log", "essential": "0", "ideal": "a", "acceptable": "b", "unacceptable": "c"},
    ),
    "fidelity-check": ("post", "enter_data", "fidelity-check"),
    "fidelity-adaptation": ("post", "enter_data", "fidelity-adaptation"),
    "theory": ("get", "member", None),
    "theory-version": ("get", "member", None),
    "theory-restore": ("post", "edit_theory", None),
    "theory-edit": ("post", "edit_theory", {"action": "undo"}),
    "theory-export": ("get", "member", None),
    "theory-node": ("get", "member", None),
    "theory-propose": ("post", "enter_data", "proposal"),
    "theory-decide": ("post", "edit_theory", {"decision": "decline", "reason": "Not yet"}),
    "project-theory": ("get", "member", None),
    "project-theory-adapt": ("post", "manage_projects", None),
    "project-theory-bring-in": ("post", "manage_projects", None),
    "project-theory-edit": ("post", "manage_projects", {"action": "undo"}),
    "project-theory-export": ("get", "member", None),
    "project-theory-version": ("get", "member", None),
    "project-theory-restore": ("post", "manage_projects", None),
    "problem": ("get", "member", None),
    "pdsa-list": ("get", "member", None),
    "pdsa-new": ("get", "manage_projects", None),
    "pdsa-calibration": ("get", "member", None),
    "pdsa-idea": ("get", "member", None),
    "pdsa-detail": ("get", "member", None),
    "pdsa-clone": ("post", "manage_projects", "clone"),
    "pdsa-print": ("get", "member", None),
    "pdsa-attachment": ("get", "member", None),
    # each action on a cycle: its editors (the project's charter rights, here) or commenters;
    # actions the cycle's state refuses answer 400, which still shows the way in was open
    "pdsa-plan": ("post", "manage_projects", None),
    "pdsa-question-add": ("post", "manage_projects", None),
    "pdsa-question": ("post", "manage_projects", None),
    "pdsa-question-delete": ("post", "manage_projects", None),  # locked: refused, kept
    "pdsa-advance": ("post", "manage_projects", None),
    "pdsa-do": ("post", "manage_projects", None),
    "pdsa-observation": ("post", "manage_projects", None),
    "pdsa-attach": ("post", "manage_projects", None),
    "pdsa-study": ("post", "manage_projects", None),
    "pdsa-act": ("post", "manage_projects", None),
    "pdsa-next": ("post", "manage_projects", None),
    "pdsa-authors": ("post", "manage_projects", None),
    "pdsa-comment": ("post", "enter_data", None),
    "pdsa-sharing": ("post", "manage_projects", None),
    "pdsa-ask": ("post", "member", None),  # a shared cycle: any member may ask its team
    "pdsa-network-sharing": ("post", "manage_network", None),
    "convening": ("get", "run_hub", None),
    "convening-pdf": ("get", "run_hub", None),
    "convening-pptx": ("get", "run_hub", None),
    "notifications": ("get", "login", None),
    "notification-bell": ("get", "login", None),
    "checklist-dismiss": ("post", "login", None),
    "search": ("get", "login", None),  # finds only what the user's selectors return
    "help": ("get", "login", None),
    "help-glossary": ("get", "login", None),
    "help-page": ("get", "login", None),
    "help-image": ("get", "login", None),
    "week-entry-start": ("get", "member", None),
    "week-entry": ("get", "enter_data", None),
    "week-entry-check": ("post", "enter_data", {"measure": "on-track", "on-track-numerator": "1"}),
    "account": ("get", "login", None),
    "change-password": ("post", "login", None),
    "create-api-token": ("post", "login", None),
    "revoke-api-token": ("post", "skip", None),  # only one's own token (tests/web/test_account)
    # sign-in (allauth and melior.accounts; tests/accounts)
    "account_login": ("get", "public", None),
    "account_logout": ("post", "public", None),
    "account_inactive": ("get", "public", None),
    "account_signup": ("get", "public", None),  # says accounts come by invitation
    # ask for the password again: 403 for an account that has none (single sign-on only)
    "account_reauthenticate": ("get", "skip", None),
    "account_email": ("get", "login", None),
    "account_email_verification_sent": ("get", "public", None),
    "account_confirm_email": ("get", "public", None),  # an unknown key: says so
    "account_change_password": ("get", "login", None),
    "account_set_password": ("get", "login", None),
    "account_reset_password": ("get", "public", None),
    "account_reset_password_done": ("get", "public", None),
    "account_reset_password_from_key": ("get", "public", None),  # a bad key: says so
    "account_reset_password_from_key_done": ("get", "public", None),
    # sign-in by an emailed code is off: these send everyone back to the sign-in page
    "account_request_reauthentication_code": ("get", "skip", None),
    "account_confirm_reauthentication_code": ("get", "skip", None),
    "account_confirm_login_code": ("get", "skip", None),
    "mfa_index": ("get", "login", None),
    "mfa_authenticate": ("get", "skip", None),  # only halfway through a sign-in
    "mfa_reauthenticate": ("get", "skip", None),
    "mfa_activate_totp": ("get", "login", None),
    "mfa_generate_recovery_codes": ("get", "login", None),
    # one's own authenticator app and recovery codes: 404 for those who have none
    "mfa_deactivate_totp": ("get", "skip", None),
    "mfa_view_recovery_codes": ("get", "skip", None),
    "mfa_download_recovery_codes": ("get", "skip", None),
    # security keys: one's own list and the page that adds one; the others name a key of one's
    # own (404 for anyone else's) or ask again for it (tests/browser/test_security_keys.py)
    "mfa_list_webauthn": ("get", "login", None),
    "mfa_add_webauthn": ("get", "login", None),
    "mfa_edit_webauthn": ("get", "skip", None),
    "mfa_remove_webauthn": ("get", "skip", None),
    "mfa_reauthenticate_webauthn": ("get", "skip", None),
    "socialaccount_login_cancelled": ("get", "public", None),
    "socialaccount_login_error": ("get", "skip", None),  # an error page: 401 for everyone
    "socialaccount_signup": ("get", "skip", None),  # only while a single sign-on is pending
    "socialaccount_connections": ("get", "login", None),
    # the single sign-on itself, driven against a real provider in tests/accounts
    "openid_connect_login": ("post", "skip", None),
    "openid_connect_callback": ("get", "skip", None),
    "setup": ("get", "skip", None),  # 404 once anyone has an account (tests/accounts)
    "operator": ("get", "operator", None),
    "operator-sso": ("post", "operator", None),
    "operator-sso-remove": ("post", "operator", None),
    "join-requests": ("get", "manage_network", None),
    "join-request-decide": ("post", "manage_network", "join"),
    "student-data-tokens": ("get", "student_import", None),  # data stewards
    "xapi-statements": ("post", "public", None),  # an EdTech source's own key, not a login
    "learning": ("get", "member", None),
    "learning-bright-spots": ("get", "member", None),
    "learning-what-works-where": ("get", "member", None),
    "learning-spread": ("get", "member", None),
    "learning-health": ("get", "member", None),
    "learning-activity": ("post", "manage_projects", {"status": "doing"}),
    "learning-spread-stage": ("post", "manage_projects", "spread"),
    "hub": ("get", "member", None),
    **{
        f"hub-{thing}{delete}": ("post", "run_hub", None)
        for thing in ("phase", "announcement", "group", "activity", "resource", "synthesis")
        for delete in ("", "-delete")
        if (thing, delete) != ("phase", "-delete")
    },
    "students": ("get", "member", None),
    "students-rows": ("get", "student_rows", None),
    "students-stewardship": ("get", "stewardship", None),
    "students-stewardship-consent": ("post", "stewardship", None),
    "students-stewardship-grant": ("post", "stewardship", None),
    "students-stewardship-revoke": ("post", "stewardship", None),
    "students-stewardship-agreement": ("post", "stewardship", None),
    "students-stewardship-join": ("post", "stewardship", None),
    "students-stewardship-purpose": ("post", "set_privacy", None),
    "students-stewardship-privacy": ("post", "set_privacy", None),
    "students-audit": ("get", "audit", None),
    "students-import": ("get", "student_import", None),
    "students-import-job": ("get", "import_owner", None),
    "pilots": ("get", "member", None),
    "pilot": ("get", "member", None),
    "pilot-report": ("get", "member", None),
    # each change to a pilot: the hub's roles across the network
    "pilot-plan": ("post", "run_hub", None),
    "pilot-outcome-add": ("post", "run_hub", None),
    "pilot-outcome-remove": ("post", "run_hub", "registered"),  # registered: refused, kept
    "pilot-register": ("post", "run_hub", None),
    "pilot-assign": ("post", "run_hub", None),
    "pilot-decision": ("post", "run_hub", None),
    # qualitative evidence: the pilot's team only, reading and changing
    "pilot-evidence": ("get", "run_hub", None),
    "pilot-code-add": ("post", "run_hub", None),
    "pilot-code-remove": ("post", "skip", None),  # removes what it names: tests/evaluation
    "pilot-evidence-add": ("post", "run_hub", None),
    "pilot-evidence-import": ("post", "run_hub", None),
    "pilot-evidence-code": ("post", "run_hub", None),
    "pilot-evidence-remove": ("post", "skip", None),  # likewise
    "students-usage": ("get", "member", None),
    "students-by-date": ("get", "member", None),
    "students-gap": ("get", "member", None),  # at a school every role of the world sees
    "students-gaps-panel": ("get", "member", None),
    "api:student_gaps": ("get", "member", None),
    "api:student_aggregate": ("get", "member", "aggregate"),
    "api:student_rows": ("get", "student_rows", "rows"),
    "api:get_theory": ("get", "member", None),
    "api:put_theory": ("put", "edit_theory", "outline"),
    "api:list_cycles": ("get", "member", None),
    "api:get_cycle": ("get", "member", None),
    "api:list_change_ideas": ("get", "member", None),
    "api:list_pilots": ("get", "member", None),
    "api:get_pilot": ("get", "member", None),
    "project-problem": ("get", "member", None),
    # every change of a problem analysis: the network's for its theory's editors, a project's
    # for those who manage projects at its school
    **{f"problem-{name}": ("post", "edit_theory", None) for _, _, name in PROBLEM_ACTIONS},
    **{
        f"project-problem-{name}": ("post", "manage_projects", None) for *_, name in PROBLEM_ACTIONS
    },
    "api:api-root": ("get", "skip", None),  # the API's root has no operation of its own
    "api:openapi-json": ("get", "login", None),
    "api:openapi-view": ("get", "login", None),  # a visitor learns nothing of the API
    "api:list_networks": ("get", "login", None),
    "api:get_network": ("get", "member", None),
    "api:list_sites": ("get", "member", None),
    "api:list_measures": ("get", "member", None),
    "api:get_measure": ("get", "member", None),
    "api:list_observations": ("get", "member", None),
    "api:add_observation": ("post", "enter_data", "observation"),
    "api:put_observation": ("put", "enter_data", "observation"),
    "api:import_observations_file": ("post", "enter_data", "upload"),
    "api:site_measure_chart": ("get", "member", None),
    "api:list_projects": ("get", "member", None),
    "api:get_project": ("get", "member", None),
    "api:list_progress": ("get", "member", None),
    # the network lead's settings (docs/admin.md)
    "settings": ("get", "manage_network", None),
    "settings-schools": ("get", "manage_network", None),
    "settings-school-add": ("post", "manage_network", None),
    "settings-schools-import": ("post", "manage_network", None),
    "settings-school": ("get", "manage_network", None),
    "settings-school-retire": ("post", "manage_network", {"retire": "0"}),
    "settings-measures": ("get", "define_measures", None),
    "settings-measure-new": ("get", "define_measures", None),
    "settings-measure": ("get", "define_measures", None),
    "settings-people": ("get", "people", None),
    "settings-invite": ("post", "people", None),
    # a team member's invitation at the school: the lead, and the school's site lead
    "settings-invitation-resend": ("post", "team_grant", None),
    "settings-invitation-cancel": ("post", "team_grant", None),
    # the network lead's own role (the last lead's: a removal is refused, nothing changes)
    "settings-role": ("post", "manage_network", None),
    "settings-role-remove": ("post", "manage_network", None),
    "settings-deactivate": ("post", "manage_network", None),  # someone of another network
    "network-new": ("get", "operator", None),  # superusers only; none in this matrix
    "invitation": ("get", "public", None),
    "project-start": ("get", "manage_projects", None),
    "api:list_fidelity_components": ("get", "member", None),
    "api:list_fidelity_checks": ("get", "member", None),
    "api:add_fidelity_check": ("post", "enter_data", "fidelity-api-check"),
    "api:list_fidelity_adaptations": ("get", "member", None),
}


def route_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            space = pattern.namespace or namespace
            if space != "admin":  # Django's admin keeps its own staff-only checks
                yield from route_names(pattern.url_patterns, space)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_route_has_a_rule():
    # ninja names the operations that share a path after the first; list them all here
    missing = set(route_names()) - set(RULES)
    assert not missing, f"Routes with no access rule: {sorted(missing)}"


@pytest.fixture
def place(world):
    beat()  # as the worker does, so the full health check passes
    record_observation(measure=world.measure, organization=world.school,
                       period=datetime.date(2025, 8, 25), numerator=1, denominator=2)  # fmt: skip
    project = create_project(network=world.network, site=world.school, title="On track")
    diagram = services.network_diagram(world.network)
    services.replace_from_outline(diagram=diagram, text="Aim\n  Driver\n    Secondary\n")
    services.adapt(project=project)
    services.propose_change_idea(driver=diagram.nodes.get(name="Secondary"), name="Idea")
    idea = services.add_node(
        diagram=diagram,
        kind="change_idea",
        name="Idea",
        parents=[diagram.nodes.get(name="Secondary")],
    )
    cycle = pdsa.create_cycle(project=project, change_idea=idea, title="First test")
    plan = fidelity.define_plan(idea=idea, dimensions=["adherence"], rhythm="weekly")
    fidelity.add_component(
        plan=plan, name="Script", essential=True, ideal="a", acceptable="b", unacceptable="c"
    )
    pdsa.save_question(cycle=cycle, text="Will families answer?", kind="qualitative")
    cycle.status = "planned"
    cycle.predictions_locked_at = datetime.datetime.now(datetime.UTC)  # its question stays
    cycle.save()
    pdsa.add_attachment(cycle=cycle, upload=SimpleUploadedFile("notes.txt", b"what we saw"))
    create_activity(network=world.network, title="Interview two students")
    purpose = governance.add_purpose(network=world.network, name="Equity monitoring")
    student = governance.register_student(district=world.district, student_id="S-1")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    StudentOutcome.objects.create(
        student=student,
        site=world.school,
        purpose=purpose,
        kind="attendance",
        name="Attendance rate",
        value=0.9,
        date=datetime.date(2025, 6, 1),
    )
    governance.set_agreement(
        network=world.network, site=world.school, level="rows", starts=datetime.date(2025, 1, 1)
    )
    _second_network_stewards(world)
    create_pilot(
        network=world.network,
        user=None,
        sites=[world.school],
        title="App pilot",
        tool="App",
        question="Does it help?",
        school_year=2025,
        starts=datetime.date(2025, 9, 1),
        ends=datetime.date(2026, 6, 1),
        purpose=purpose,
    )
    add_outcome(
        pilot=world.network.pilots.get(),
        user=None,
        name="Attendance rate",
        role="primary",
        direction="up",
        meaningful_effect=0.05,
    )
    evidence.add_evidence(
        pilot=world.network.pilots.get(), user=None, respondent="teacher", text="Liked it",
        collected_on=datetime.date(2025, 10, 1),
    )  # fmt: skip
    ImportJob.objects.create(
        network=world.network, user=world.users["school:data_steward"], kind="outcomes",
        dry_run=True, upload="x", state="done", report={"rows": 0},
    )  # fmt: skip
    from melior.administration.services import invite

    invite(inviter=None, network=world.network, email="new@d.org", role="team_member",
           scope=world.school)  # fmt: skip
    return world, project


def _fidelity_data(kind: str, world) -> dict:
    """A check, an adaptation or an API check at the school, on the network's idea."""
    component = FidelityComponent.objects.get(name="Script")
    if kind == "fidelity-api-check":
        rating = {"component": component.pk, "dimension": "adherence", "level": 2}
        return {
            "idea": component.plan.idea_id,
            "site": world.school.slug,
            "checked_on": MONDAY,
            "rated_by": "Coach",
            "ratings": [rating],
        }
    if kind == "fidelity-check":
        return {
            "site": world.school.pk,
            "checked_on": MONDAY,
            "rated_by": "Coach",
            f"level-{component.pk}-adherence": "2",
        }
    return {
        "site": world.school.pk,
        "component": component.pk,
        "made_on": MONDAY,
        "what": "Texts",
        "goal": "fit_context",
        "decided_by": "Team",
        "planned": "1",
    }


SECOND_NETWORK_STEWARDS = [
    "second:data_steward",
    "second:district_steward",
    "second:school_steward",
]


def _second_network_stewards(world):
    """The other network's data stewards — across it, at its own Cedar District (the same name
    as the first network's district, another state's id) and at one of its schools."""
    from melior.networks.services import add_site, create_organization, grant_role

    world.district.nces_id = "0612345"
    world.district.save()
    cedar = create_organization(name="Cedar District", kind="district", state_id="TX-101912")
    ridge = create_organization(name="Cedar Ridge High", parent=cedar)
    add_site(network=world.other_network, organization=ridge)
    for who, where in (
        ("second:data_steward", {"network": world.other_network}),
        ("second:district_steward", {"organization": cedar}),
        ("second:school_steward", {"organization": ridge}),
    ):
        user = type(world.users["outsider"]).objects.create_user(who.replace(":", "-"))
        grant_role(user=user, role="data_steward", **where)
        world.users[who] = user
    return cedar, ridge


ACTION_ROUTES = ("pdsa-", "pilot-")  # the routes of one cycle or one pilot


def url_for(name, world, project):
    n, s, m = world.network.slug, world.school.slug, world.measure.slug
    p = project.pk
    network_diagram = services.network_diagram(world.network)
    aim = network_diagram.nodes.get(kind="aim")
    cycle = project.cycles.get()
    idea = network_diagram.nodes.get(name="Idea", kind="change_idea")
    pilot = world.network.pilots.get()
    kwargs = {
        "network": {"network": n}, "site": {"network": n, "site": s},
        "measure": {"network": n, "measure": m}, "measure-multiples": {"network": n, "measure": m},
        "site-measure": {"network": n, "site": s, "measure": m},
        "site-measure-export": {"network": n, "site": s, "measure": m, "fmt": "csv"},
        "observation-form": {"network": n, "site": s, "measure": m},
        "week-entry-start": {"network": n},
        "week-entry": {"network": n, "site": s},
        "week-entry-check": {"network": n, "site": s},
        "help-page": {"page": "spc"},
        "help-image": {"name": "fishbone.png"},
        "annotation-form": {"network": n, "site": s, "measure": m},
        "chart-settings": {"network": n, "site": s, "measure": m},
        "project": {"network": n, "project": project.pk},
        "project-edit": {"network": n, "project": project.pk},
        "project-progress": {"network": n, "project": project.pk},
        "network-progress": {"network": n},
        "api:list_progress": {"slug": n},
        "fidelity": {"network": n},
        "api:list_fidelity_components": {"slug": n}, "api:list_fidelity_checks": {"slug": n},
        "api:add_fidelity_check": {"slug": n}, "api:list_fidelity_adaptations": {"slug": n},
        "import-observations": {"network": n},
        "theory": {"network": n},
        "theory-version": {"network": n, "number": 1},
        "theory-restore": {"network": n, "number": 1},
        "theory-edit": {"network": n},
        "theory-export": {"network": n, "fmt": "svg"},
        "theory-node": {"network": n, "key": aim.key},
        "theory-propose": {"network": n},
        "theory-decide": {"network": n, "pk": network_diagram.proposals.get().pk},
        "project-theory": {"network": n, "project": p},
        "project-theory-adapt": {"network": n, "project": p},
        "project-theory-bring-in": {"network": n, "project": p},
        "project-theory-edit": {"network": n, "project": p},
        "project-theory-export": {"network": n, "project": p, "fmt": "svg"},
        "project-theory-version": {"network": n, "project": p, "number": 1},
        "project-theory-restore": {"network": n, "project": p, "number": 1},
        "problem": {"network": n},
        "learning": {"network": n},
        "learning-bright-spots": {"network": n},
        "learning-what-works-where": {"network": n},
        "learning-spread": {"network": n},
        "learning-health": {"network": n},
        "learning-activity": {"network": n, "pk": ActivityStatus.objects.get(site=world.school).pk},
        "hub": {"network": n},
        "students": {"network": n},
        "students-rows": {"network": n},
        "students-stewardship": {"network": n},
        "students-audit": {"network": n},
        "students-import": {"network": n},
        "students-import-job": {"network": n, "job": ImportJob.objects.get().pk},
        "students-usage": {"network": n},
        "students-by-date": {"network": n},
        "students-gap": {"network": n, "site": world.school.slug},
        "students-gaps-panel": {"network": n},
        "api:student_gaps": {"slug": n},
        "api:student_aggregate": {"slug": n},
        "api:student_rows": {"slug": n},
        "api:get_theory": {"slug": n},
        "api:put_theory": {"slug": n},
        "api:list_cycles": {"slug": n},
        "api:get_cycle": {"slug": n, "cycle_id": cycle.pk},
        "api:list_change_ideas": {"slug": n},
        "api:list_pilots": {"slug": n},
        "api:get_pilot": {"slug": n, "pilot_id": world.network.pilots.get().pk},
        "pilot-evidence-code": {
            "network": n, "pilot": pilot.pk, "item": pilot.evidence.get().pk
        },
        "pdsa-new": {"network": n, "project": p},
        "pdsa-list": {"network": n},
        "pdsa-network-sharing": {"network": n},
        "convening": {"network": n}, "convening-pdf": {"network": n},
        "convening-pptx": {"network": n},
        "pilots": {"network": n},
        "pilot": {"network": n, "pilot": world.network.pilots.get().pk},
        "pilot-report": {"network": n, "pilot": world.network.pilots.get().pk},
        "pdsa-calibration": {"network": n},
        "pdsa-idea": {"network": n, "key": idea.key},
        "pdsa-detail": {"network": n, "pk": cycle.pk},
        "pdsa-clone": {"network": n, "pk": cycle.pk},
        "pdsa-print": {"network": n, "pk": cycle.pk},
        "pdsa-attachment": {"network": n, "pk": cycle.pk, "file": cycle.attachments.get().pk},
        "pdsa-question": {"network": n, "pk": cycle.pk, "question": cycle.questions.get().pk},
        "pdsa-question-delete": {
            "network": n, "pk": cycle.pk, "question": cycle.questions.get().pk
        },
        "pilot-outcome-remove": {
            "network": n, "pilot": pilot.pk, "outcome": pilot.outcomes.get().pk
        },
        "project-problem": {"network": n, "project": p},
        "api:get_network": {"slug": n}, "api:list_sites": {"slug": n},
        "api:list_measures": {"slug": n}, "api:get_measure": {"slug": n, "measure": m},
        "api:list_observations": {"slug": n}, "api:add_observation": {"slug": n},
        "api:put_observation": {"slug": n}, "api:list_projects": {"slug": n},
        "api:import_observations_file": {"slug": n},
        "api:get_project": {"slug": n, "project_id": project.pk},
        "api:site_measure_chart": {"slug": n, "site": s, "measure": m},
        "settings-school": {"network": n, "site": s},
        "settings-school-retire": {"network": n, "site": s},
        "settings-measure": {"network": n, "measure": m},
        "project-start": {"network": n, "site": s},
        "invitation": {"token": _invitation_token()},
        "network-new": {},
        "account_confirm_email": {"key": "not-a-key"},
        "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-key"},
        "operator-sso-remove": {"pk": 1},
        "join-requests": {"network": n}, "student-data-tokens": {"network": n},
    }.get(name, {})  # fmt: skip
    if name in {"settings-invitation-resend", "settings-invitation-cancel"}:
        from melior.administration.models import Invitation

        kwargs = {"network": n, "pk": Invitation.objects.get().pk}
    if name in {"settings-role", "settings-role-remove"}:
        lead = world.users["network:network_lead"].memberships.get()
        kwargs = {"network": n, "pk": lead.pk}
    if name == "settings-deactivate":
        kwargs = {"network": n, "pk": world.users["outsider"].pk}
    if name.startswith("settings") and not kwargs:
        kwargs = {"network": n}
    for action in ACTION_ROUTES:
        if name.startswith(action) and not kwargs:
            kwargs = (
                {"network": n, "pk": cycle.pk}
                if action == "pdsa-"
                else {"network": n, "pilot": pilot.pk}
            )
    if name.startswith(("students-stewardship-", "hub-", "learning-spread-stage", "problem-")):
        kwargs = {"network": n}
    if name.startswith("project-problem-"):
        kwargs = {"network": n, "project": p}
    if name == "join-request-decide":
        kwargs = {"network": n, "pk": world.network.join_requests.get().pk}
    if name.startswith("fidelity-"):
        kwargs = {"network": n, "idea": idea.pk}
    if name in {"api:add_observation", "api:put_observation"}:
        name = "api:list_observations"  # same path, other methods
    if name == "api:put_theory":
        name = "api:get_theory"
    if name == "api:add_fidelity_check":
        name = "api:list_fidelity_checks"  # same path, POST
    return reverse(name, kwargs=kwargs)


def _invitation_token() -> str:
    from melior.administration.models import Invitation
    from melior.administration.services.people import token_for

    return token_for(Invitation.objects.get())


def expected(rule: str, role: str | None, scope: str | None) -> bool:
    if rule == "public":
        return True
    if role is None or rule == "operator":  # not logged in; the operator is none of these
        return False
    if rule == "login":
        return True
    if role == "outsider" or role in SECOND_NETWORK_STEWARDS:
        return False
    if rule == "member":
        return True
    if rule == "enter_data":
        return role in ENTER_DATA
    if rule == "student_rows":  # the school's data steward; the hub's, where the school shares
        return role == "data_steward"
    if rule == "stewardship":
        return role == "data_steward" or (role == "network_lead" and scope == "network")
    if rule == "import_owner":  # the school's data steward started the job; only they see it
        return role == "data_steward" and scope == "school"
    if rule == "student_import":  # data stewards, for their own schools
        return role == "data_steward"
    if rule == "run_hub":  # the hub's tools: hub roles across the network only
        return role in {"network_lead", "improvement_coach"} and scope == "network"
    if rule == "manage_network":  # the network's settings: its lead only
        return role == "network_lead" and scope == "network"
    if rule == "set_privacy":  # the network's data steward and its lead
        return role in {"data_steward", "network_lead"} and scope == "network"
    if rule == "manage_network":
        return role == "network_lead" and scope == "network"
    if rule == "define_measures":
        return role in {"network_lead", "data_steward"} and scope == "network"
    if rule == "people":  # the lead; a site lead at their school; data stewards (their role)
        return (
            (role == "network_lead" and scope == "network")
            or (role == "site_lead" and scope == "school")
            or role == "data_steward"
        )
    if rule == "team_grant":
        return (role, scope) in {("network_lead", "network"), ("site_lead", "school")}
    if rule == "operator":
        return False
    if rule == "audit":
        return role == "data_steward" and scope == "network"
    if rule in {"edit_theory", "run_hub"}:  # hub roles across the network only
        return role in {"network_lead", "improvement_coach"} and scope == "network"
    return role in MANAGE_PROJECTS  # manage_projects


USERS = (
    [(None, None), ("outsider", None)]
    + [(r, s) for s in ("network", "school") for r in ROLES]
    + [(who, None) for who in SECOND_NETWORK_STEWARDS]
)


@pytest.mark.parametrize(("name", "rule"), [(n, r) for n, r in RULES.items() if r[1] != "skip"])
def test_route_allows_exactly_the_roles_it_should(client, place, name, rule):
    world, project = place
    method, who, data = rule
    if data == "join":  # someone who came by single sign-on, waiting
        from melior.accounts.services import request_to_join

        join = request_to_join(user=world.users["outsider"], network=world.network, email="o@x.org")
    url = url_for(name, world, project)
    if data == "outline":
        data = {"outline": services.export_outline(services.network_diagram(world.network))}
    if data == "aggregate":
        purpose = world.network.purposes.get()
        data = {"outcome": "Attendance rate", "purpose": purpose.pk}
    if data == "rows":
        data = {"site": world.school.slug}
    if data == "registered":
        register(pilot=world.network.pilots.get(), user=None)
        data = None
    if data == "spread":  # the network's change idea at the school
        idea = services.network_diagram(world.network).nodes.get(name="Idea", kind="change_idea")
        data = {"idea": idea.key, "site": world.school.pk, "stage": "testing"}
    if data == "clone":
        data = {"project": project.pk}
    if isinstance(data, str) and data.startswith("fidelity-"):
        data = _fidelity_data(data, world)
    if data == "proposal":
        secondary = services.network_diagram(world.network).nodes.get(name="Secondary")
        data = {"driver": secondary.key, "name": "Another idea"}
    if data == "join":
        data = {f"r{join.pk}-decision": "decline"}
    if data == "observation":
        data = {"site": world.school.slug, "measure": world.measure.slug, "period_start": MONDAY,
                "numerator": 1, "denominator": 2}  # fmt: skip
    for role, scope in USERS:
        client.logout()
        if role == "outsider" or role in SECOND_NETWORK_STEWARDS:
            client.force_login(world.users[role])
        elif role is not None:
            client.force_login(world.users[f"{scope}:{role}"])
        if data == "upload":  # a file with a header and no rows: refused (400) if allowed
            csv = SimpleUploadedFile("weeks.csv", b"site,measure,period_start,value\n")
            response = client.post(url, data={"file": csv})
        elif name.startswith("api:") and method in {"post", "put"}:
            response = getattr(client, method)(url, data=data, content_type="application/json")
        else:
            response = getattr(client, method)(url, data=data or {})
        status = response.status_code
        login_redirect = status == 302 and "/accounts/login/?next=" in response.get("Location", "")
        denied = status in {401, 403, 404} or login_redirect
        assert status < 500, (name, role, scope, status)
        assert denied != expected(who, role, scope), (name, role, scope, status)


# every student-data import, attempted by the second network against the first's students
CROSS_ROSTER = {
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "d1,,,Cedar District,district,0612345,\n"  # the first network's district, by its LEAID
    "o1,,,Lincoln High,school,lincoln-high,d1\n",  # and its school, by name and slug
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password\nu1,,,true,o1,student,s1,,S,One,,S-1,,,,,10,\n",
    "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex\nu1,,,2010-01-01,male\n",
}
# the first network's school by its slug; and the second network's own school (whose district
# has the same name) with the first network's student id
CROSS_FILES = {
    f"{kind}{suffix}": header + row.format(school=school)
    for kind, header, row in (
        (
            "outcomes",
            "student_id,school,name,value,date\n",
            "S-1,{school},Attendance,0.1,2026-01-05\n",
        ),
        ("usage", "student_id,school,date,minutes\n", "S-1,{school},2026-01-05,30\n"),
    )
    for suffix, school in (("", "lincoln-high"), ("-own-school", "cedar-ridge-high"))
}
REFUSALS = [
    "is not part of this network; only its own data steward can bring it in",
    "you are not the data steward for",
    "no school “lincoln-high” in this network",
    "no student with id “S-1” in the roster of that school",
]


def _roster_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in CROSS_ROSTER.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _first_networks_student_untouched(world):
    from melior.governance.models import AccessLog, Student, UsageRecord
    from melior.networks.models import Organization

    student = Student.objects.get(key=governance.pseudonym(world.district, "S-1"))
    assert student.sex == ""
    assert list(student.enrollments.values_list("site__slug", "grade_level")) == [
        ("lincoln-high", "09")
    ]
    assert list(student.outcomes.values_list("value", flat=True)) == [0.9]
    assert not UsageRecord.objects.exists()
    assert Organization.objects.filter(name="Lincoln High").count() == 1
    assert not world.other_network.sites.filter(parent=world.district).exists()
    assert not AccessLog.objects.filter(action="import").exists()


def test_no_import_path_reaches_another_networks_students(
    client, place, tmp_path, django_capture_on_commit_callbacks
):
    """The second network's stewards, on the web and through the command, with a roster, an
    outcomes file, a usage file and xAPI statements, each naming the first network's district,
    school and student: every one is refused and nothing of the first network changes."""
    from typer.testing import CliRunner

    from melior.cli import app
    from melior.governance.xapi import create_source

    world, _ = place
    second = world.other_network
    purpose = governance.add_purpose(network=second, name="Literacy monitoring")
    first_url = reverse("students-import", kwargs={"network": world.network.slug})
    second_url = reverse("students-import", kwargs={"network": second.slug})
    uploads = {"roster": ("roster.zip", _roster_zip())} | {
        name: (f"{name}.csv", text.encode()) for name, text in CROSS_FILES.items()
    }
    for who in SECOND_NETWORK_STEWARDS:
        client.force_login(world.users[who])
        for upload, (name, data) in uploads.items():
            kind = upload.removesuffix("-own-school")
            form = {"kind": kind, "purpose": purpose.pk, "product": "App", "school_year": "2025"}
            for url in (first_url, second_url):
                with django_capture_on_commit_callbacks(execute=True):
                    answer = client.post(url, {**form, "file": SimpleUploadedFile(name, data)})
                if answer.status_code == 302:  # outcomes are checked by a job: read its result
                    answer = client.get(answer["Location"])
                    assert "Checked: ready to import" not in answer.text, (who, kind, url)
                else:
                    assert answer.status_code in {400, 403, 404}, (who, kind, url)
                if url == second_url:  # refused for the right reason, not a slip in the form
                    assert any(reason in answer.text for reason in REFUSALS), (who, kind)
    # the command (an operator acting for the second network)
    runner = CliRunner()
    (tmp_path / "roster.zip").write_bytes(_roster_zip())
    for name, text in CROSS_FILES.items():
        (tmp_path / f"{name}.csv").write_text(text)
    for args in (
        ["import", "roster", str(tmp_path / "roster.zip"), "--school-year", "2025"],
        *(
            ["import", name.removesuffix("-own-school"), str(tmp_path / f"{name}.csv"),
             "--purpose", purpose.name, *(["--product", "App"] if "usage" in name else [])]
            for name in CROSS_FILES
        ),
    ):  # fmt: skip
        result = runner.invoke(app, [*args, "--network", second.slug])
        assert result.exit_code == 2 and "nothing was written" in result.output, args
    # xAPI: no source of the second network for the first's district; its own source's
    # statements about the first network's student id find no one
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="of this network"):
        create_source(
            network=second, name="App", product="App", district=world.district, purpose=purpose
        )
    cedar = world.users["second:district_steward"].memberships.get().organization
    _, key = create_source(network=second, name="App", product="App", district=cedar,
                           purpose=purpose)  # fmt: skip
    statement = {
        "id": "6f1c9d6e-8a51-4c6b-9a55-0d5d1c3b2a11",
        "actor": {"account": {"homePage": "https://app.example", "name": "S-1"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
        "object": {"id": "https://app.example/lessons/1"},
        "timestamp": "2026-01-05T09:00:00Z",
        "result": {"duration": "PT20M"},
    }
    answer = client.post(
        "/xapi/statements",
        [statement],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
    )
    assert answer.status_code == 400 and "No student with id “S-1”" in answer.text
    _first_networks_student_untouched(world)
