"""The data steward's page posts each change to its own address: a change goes back to its
section, a refused one shows the page again with every reason and saves nothing, and only the
schools the steward stewards can be chosen."""

import pytest
from django.urls import reverse

from melior.governance import services
from melior.governance.models import AccessLog, Enrollment, RowAccessGrant, SharingAgreement


def action(world, name):
    return reverse(f"students-stewardship-{name}", kwargs={"network": world.network.slug})


@pytest.fixture
def steward(client, world):
    client.force_login(world.users["school:data_steward"])
    return world.users["school:data_steward"]


def test_the_page_posts_each_change_to_its_own_address(client, world, steward):
    page = client.get(reverse("students-stewardship", kwargs={"network": world.network.slug}))
    assert page.status_code == 200
    for name in ("consent", "grant", "agreement"):
        assert f'action="{action(world, name)}"' in page.text
    assert 'name="section"' not in page.text
    # the school's steward does not set the network's privacy: no such form, and refused
    assert action(world, "privacy") not in page.text
    assert client.post(action(world, "privacy"), {"min_cell_size": 12}).status_code == 403
    assert client.post(action(world, "purpose"), {"name": "Anything"}).status_code == 403


def test_granting_and_revoking_rows_are_logged(client, world, steward):
    viewer = world.users["school:viewer"]
    answer = client.post(action(world, "grant"), {"username": "nobody", "site": world.school.pk})
    assert answer.status_code == 400 and "No one has that username." in answer.text
    answer = client.post(action(world, "grant"), {"username": viewer.username, "site": 0})
    assert answer.status_code == 400 and "Choose a school you are the data steward for." in (
        answer.text
    )
    assert not RowAccessGrant.objects.exists()
    answer = client.post(
        action(world, "grant"), {"username": f" {viewer.username} ", "site": world.school.pk}
    )
    assert answer.status_code == 302 and answer["Location"].endswith("/stewardship/#grant")
    grant = RowAccessGrant.objects.get(user=viewer, site=world.school, revoked_at=None)
    assert client.post(action(world, "revoke"), {"grant": grant.pk}).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert AccessLog.objects.filter(action="permission", what__startswith="Revoked").exists()


def test_a_steward_cannot_act_for_a_school_they_do_not_steward(client, world, steward):
    answer = client.post(
        action(world, "agreement"),
        {"site": world.sibling_school.pk, "level": "rows", "starts": "2026-01-01"},
    )
    assert answer.status_code == 400
    assert "Choose a school you are the data steward for." in answer.text
    assert not SharingAgreement.objects.exists()
    answer = client.post(
        action(world, "agreement"),
        {"site": world.school.pk, "level": "rows", "starts": "1 Jan"},
    )
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.text
    answer = client.post(
        action(world, "agreement"),
        {"site": world.school.pk, "level": "rows", "starts": "2026-01-01", "note": "Signed"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("#agreement")
    assert SharingAgreement.objects.get().note == "Signed"


def test_consent_names_a_student_enrolled_at_the_school(client, world, steward):
    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    student = services.register_student(district=world.district, student_id="S-7")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    form = {
        "site": world.school.pk,
        "student_id": "S-7",
        "purpose": purpose.pk,
        "status": "granted",
        "given_by": "guardian",
        "date": "2026-01-10",
        "source": "Paper form",
    }
    answer = client.post(action(world, "consent"), {**form, "source": ""})
    assert answer.status_code == 400 and "Say where it came from" in answer.text
    assert not student.consents.exists()
    assert client.post(action(world, "consent"), form).status_code == 302
    assert student.consents.get().status == "granted"


def test_the_network_lead_sets_privacy_with_whole_numbers(client, world):
    client.force_login(world.users["network:network_lead"])
    answer = client.post(action(world, "privacy"), {"min_cell_size": "ten", "retention_days": 90})
    assert answer.status_code == 400 and "Give whole numbers." in answer.text
    answer = client.post(action(world, "privacy"), {"min_cell_size": 3, "retention_days": 90})
    assert answer.status_code == 400
    assert services.privacy_for(world.network).min_cell_size == 10
    answer = client.post(action(world, "privacy"), {"min_cell_size": 12, "retention_days": 90})
    assert answer.status_code == 302 and answer["Location"].endswith("#privacy")
    assert services.privacy_for(world.network).min_cell_size == 12
    assert client.post(action(world, "purpose"), {"name": "Pilot", "opt_in": "on"}).status_code == (
        302
    )
    assert world.network.purposes.get().opt_in
