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
