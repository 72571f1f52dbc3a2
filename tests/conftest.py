"""Shared fixtures: a small world of two networks with a user per role, and what tests build on
it again and again — weekly observations at a school, a theory with projects at both schools."""

import datetime
from dataclasses import dataclass

import pytest


@dataclass
class World:
    network: object
    other_network: object
    district: object
    school: object
    sibling_school: object
    other_school: object
    measure: object
    count_measure: object
    users: dict


ROLES = ["network_lead", "improvement_coach", "site_lead", "team_member", "data_steward", "viewer"]


@pytest.fixture(autouse=True, scope="session")
def jobs_run_at_once():
    """Background jobs run in the test's own process and transaction, as soon as queued."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True, scope="session")
def live_server_one_request_at_a_time():
    """On the in-memory SQLite test database the live server's request threads share the test's
    one connection, so two requests that write (a view storing the statuses or counts it
    computed) would open a transaction inside another's. The application answers one request
    at a time (connections still each have a thread); a real deployment gives each thread or
    process its own connection."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class OneRequestAtATime(ThreadedWSGIServer):
        def set_app(self, application):
            lock = threading.Lock()

            def answer(environ, start_response):
                with lock:
                    return application(environ, start_response)

            super().set_app(answer)

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture(autouse=True)
def empty_job_queue():
    """Each test starts with no queued retries and no worker heartbeat left by another."""
    from huey.contrib.djhuey import HUEY

    yield
    HUEY.flush()


@pytest.fixture
def world(db, django_user_model):
    from melior.measures.services import create_measure
    from melior.networks.services import (
        add_site,
        create_network,
        create_organization,
        grant_role,
    )

    district = create_organization(name="Cedar District", kind="district")
    school = create_organization(name="Lincoln High", parent=district, level="high", enrolment=900)
    sibling = create_organization(name="Parks High", parent=district, level="high", enrolment=700)
    other_school = create_organization(name="Elsewhere Elementary", level="elementary")
    network = create_network(name="Ninth Grade Network", aim="More 9th graders on track.")
    other = create_network(name="Early Literacy Network")
    add_site(network=network, organization=school)
    add_site(network=network, organization=sibling)
    add_site(network=other, organization=other_school)
    measure = create_measure(
        network=network,
        name="On track",
        slug="on-track",
        kind="outcome",
        value_type="proportion",
        unit="%",
        frequency="weekly",
        default_chart="p",
    )
    count_measure = create_measure(
        network=network,
        name="Referrals",
        slug="referrals",
        kind="balancing",
        value_type="count",
        frequency="weekly",
        default_chart="c",
        desired_direction="down",
    )
    users = {}
    for role in ROLES:
        users[f"network:{role}"] = u = django_user_model.objects.create_user(
            f"net-{role}", password="pw-melior-1"
        )
        grant_role(user=u, role=role, network=network)
        users[f"school:{role}"] = u = django_user_model.objects.create_user(
            f"school-{role}", password="pw-melior-1"
        )
        grant_role(user=u, role=role, organization=school)
    users["district:site_lead"] = u = django_user_model.objects.create_user(
        "district-lead", password="pw-melior-1"
    )
    grant_role(user=u, role="site_lead", organization=district)
    users["outsider"] = u = django_user_model.objects.create_user(
        "outsider", password="pw-melior-1"
    )
    grant_role(user=u, role="network_lead", network=other)
    return World(
        network, other, district, school, sibling, other_school, measure, count_measure, users
    )


@pytest.fixture
def monday():
    """A Monday safely in the past."""
    return datetime.date(2025, 9, 1)


@pytest.fixture
def weekly(world, monday):
    """Records a school's weekly observations of a proportion measure, one a week from `start`:
    `weekly([12, 14, ...], denominator=20)`; by default at Lincoln High, of "On track", from
    `monday`."""
    from melior.measures.services import record_observation

    def record(numerators, *, denominator, site=None, measure=None, start=monday):
        for week, numerator in enumerate(numerators):
            record_observation(
                measure=measure or world.measure,
                organization=site or world.school,
                period=start + datetime.timedelta(weeks=week),
                numerator=numerator,
                denominator=denominator,
            )

    return record


@pytest.fixture
def lab(world):
    """The network's theory with two change ideas, a project at each school, and a teacher on
    the first school's team: (diagram, Lincoln's project, Parks' project, "Call home on day
    one")."""
    from melior.projects.services import create_project
    from melior.theory import services as theory

    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram,
        text="More on track\n  Students attend\n    Families hear early\n"
        "      Call home on day one\n      Attendance mentors\n",
    )
    project = create_project(
        network=world.network,
        site=world.school,
        title="On track",
        team=[world.users["school:team_member"]],
    )
    other = create_project(network=world.network, site=world.sibling_school, title="Parks")
    idea = diagram.nodes.get(name="Call home on day one")
    return diagram, project, other, idea


@pytest.fixture(scope="session", autouse=True)
def built_assets():
    """The chart bundle built and every static file collected under its hashed name, as
    `melior serve` does: pages name their static files through the manifest."""
    from melior.web.assets import collect_static, vega_bundle_path

    collect_static()
    return vega_bundle_path()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def uploads_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads" / "imports")


@pytest.fixture(autouse=True)
def second_factor_not_enforced(settings):
    # The fixtures' data stewards have no authenticator app; tests of the second-factor policy
    # (tests/accounts) turn it back on.
    settings.MELIOR_MFA_REQUIRED = False


# Monthly attendance by English-learner status at the world's two schools (docs/equity.md)
EQUITY_MONTHS = [datetime.date(2024 + (8 + m) // 12, (8 + m) % 12 + 1, 20) for m in range(14)]
# English learners at Lincoln High: 0.85 for six months, then 0.92 — their gap to the others'
# 0.95 closes from −0.10 to −0.03 (eight months on the near side: a shift, narrowing by signal)
EL_LINCOLN = [0.85, 0.86, 0.84, 0.85, 0.86, 0.84, 0.92, 0.93, 0.91, 0.92, 0.93, 0.91, 0.92, 0.92]


def _students(world, site, count, el, start):
    from melior.governance.models import Enrollment, Student

    made = Student.objects.bulk_create(
        Student(
            key=f"{site.slug}-{start + k}",
            district=world.district,
            english_learner_status="Yes" if el else "No",
        )
        for k in range(count)
    )
    made = list(Student.objects.filter(key__in=[s.key for s in made]).order_by("key"))
    Enrollment.objects.bulk_create(
        Enrollment(student=s, site=site, grade_level="09", school_year=2024) for s in made
    )
    return made


@pytest.fixture
def equity(world):
    """Lincoln High: 12 English learners (one leaves EL status in March 2025) and 20 others,
    September 2024 to October 2025; Parks High: 25 others, and 4 English learners (fewer than
    10: suppressed) in September and October 2024 only."""
    from melior.governance.models import Purpose, StudentAttribute, StudentOutcome

    purpose = Purpose.objects.create(network=world.network, name="Equity monitoring")
    outcomes = []

    def attend(group, site, values, months=EQUITY_MONTHS):
        for student in group:
            for month, value in zip(months, values, strict=True):
                outcomes.append(
                    StudentOutcome(
                        student=student, site=site, purpose=purpose, kind="attendance",
                        name="Attendance rate", value=value, date=month,
                    )
                )  # fmt: skip

    lincoln_el = _students(world, world.school, 12, True, 0)
    attend(lincoln_el, world.school, EL_LINCOLN)
    attend(_students(world, world.school, 20, False, 100), world.school, [0.95] * 14)
    few = _students(world, world.sibling_school, 4, True, 200)
    attend(few, world.sibling_school, [0.8, 0.8], months=EQUITY_MONTHS[:2])
    others = _students(world, world.sibling_school, 25, False, 300)
    attend(others, world.sibling_school, [0.9] * 14)
    StudentOutcome.objects.bulk_create(outcomes)
    leaver = lincoln_el[0]
    leaver.english_learner_status = "No"  # the roster's latest value
    leaver.save()
    StudentAttribute.objects.create(
        student=leaver, attribute="english_learner_status", value="Yes",
        as_of=datetime.date(2024, 8, 1),
    )  # fmt: skip
    StudentAttribute.objects.create(
        student=leaver, attribute="english_learner_status", value="No",
        as_of=datetime.date(2025, 3, 1),
    )  # fmt: skip
    return purpose
