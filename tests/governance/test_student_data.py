"""Student data: pseudonymous keys, who sees rows, suppression of aggregates, consent and its
revocation, purge, and the append-only access log."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from melior.governance import selectors, services
from melior.governance.models import AccessLog, Enrollment, Student, StudentOutcome, UsageRecord
from melior.governance.permissions import row_site_ids

TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def cohort(world):
    """12 students at Lincoln: 9 economically disadvantaged, 3 not; attendance for each."""
    equity = services.add_purpose(network=world.network, name="Equity monitoring")
    pilot = services.add_purpose(network=world.network, name="App pilot", opt_in=True)
    students = []
    for i in range(12):
        s = services.register_student(
            district=world.district,
            student_id=f"LHS-{i:03d}",
            economic_disadvantage_status="Yes" if i < 9 else "No",
            sex="Female",
        )
        Enrollment.objects.create(student=s, site=world.school, grade_level="09", school_year=2025)
        StudentOutcome.objects.create(
            student=s,
            site=world.school,
            purpose=equity,
            kind="attendance",
            name="Attendance rate",
            value=0.8 + i / 100,
            date=datetime.date(2026, 6, 1),
        )
        UsageRecord.objects.create(
            student=s,
            site=world.school,
            purpose=pilot,
            product="App",
            date=datetime.date(2026, 5, 1),
            minutes=30,
            sessions=2,
        )
        students.append(s)
    return equity, pilot, students


def test_keys_are_keyed_hashes_and_the_id_is_never_stored(world, settings):
    a = services.register_student(district=world.district, student_id="LHS-001")
    assert services.register_student(district=world.district, student_id=" LHS-001 ") == a
    assert len(a.key) == 64 and "LHS-001" not in a.key
    assert services.pseudonym(world.other_school, "LHS-001") != a.key  # another district
    settings.PSEUDONYM_KEY = "another deployment"
    assert services.pseudonym(world.district, "LHS-001") != a.key
    with pytest.raises(ValidationError, match="student id"):
        services.pseudonym(world.district, "  ")


def test_who_sees_rows(world, cohort):
    lead, hub_steward = world.users["network:network_lead"], world.users["network:data_steward"]
    school_steward = world.users["school:data_steward"]
    assert row_site_ids(lead, world.network) == set()  # aggregates only
    assert row_site_ids(school_steward, world.network) == {world.school.pk}
    assert row_site_ids(hub_steward, world.network) == set()  # no agreement yet
    services.set_agreement(
        network=world.network,
        site=world.school,
        level="rows",
        starts=datetime.date(2025, 1, 1),
        ends=datetime.date(2999, 1, 1),
    )
    assert row_site_ids(hub_steward, world.network) == {world.school.pk}
    teacher = world.users["school:team_member"]
    grant = services.grant_rows(
        network=world.network, site=world.school, user=teacher, granted_by=school_steward
    )
    assert row_site_ids(teacher, world.network) == {world.school.pk}
    services.revoke_grant(grant=grant, user=school_steward)
    assert row_site_ids(teacher, world.network) == set()
    with pytest.raises(ValidationError, match="not a data steward for that school"):
        services.grant_rows(
            network=world.network,
            site=world.sibling_school,
            user=teacher,
            granted_by=school_steward,
        )
    what = list(AccessLog.objects.filter(action="permission").values_list("what", flat=True))
    assert f"Granted {teacher.username} student rows at Lincoln High" in what
    assert f"Revoked {teacher.username}'s student rows at Lincoln High" in what


def test_small_groups_are_suppressed_and_a_revocation_changes_the_next_aggregate(world, cohort):
    equity, _pilot, students = cohort
    lead = world.users["network:network_lead"]

    def lincoln():
        counts, _means, s = selectors.aggregate(
            lead,
            world.network,
            kind="attendance",
            name="Attendance rate",
            by="economic_disadvantage_status",
            purpose=equity,
        )
        return counts.loc["Lincoln High"], s

    counts, s = lincoln()
    # 9 "Yes" (< 10) is primary; "No" (3) is primary too; the total 12 stays shown
    assert counts.to_dict() == {"Yes": 9, "No": 3}
    assert s.hidden.loc["Lincoln High"].to_dict() == {"Yes": True, "No": True}
    services.privacy_for(world.network)
    services.update_privacy(network=world.network, min_cell_size=5, retention_days=365)
    counts, s = lincoln()
    # now only "No" (3) is small, but "Yes" (9) must go too, or 12 − 9 gives it away; the
    # column totals, equal to the cells at a single school, go with them
    assert s.hidden.loc["Lincoln High"].to_dict() == {"Yes": True, "No": True}
    assert s.column_total_hidden.all() and s.row_totals["Lincoln High"] == 12
    services.record_consent(
        student=students[0],
        purpose=equity,
        status="revoked",
        given_by="guardian",
        date=TODAY - datetime.timedelta(days=1),
        source="Email to the school",
    )
    counts, _ = lincoln()
    assert counts.to_dict() == {"Yes": 8, "No": 3}  # the next computation leaves them out
    assert AccessLog.objects.filter(action="consent").count() == 1


def test_an_opt_in_purpose_counts_only_consenting_students(world, cohort):
    _, pilot, students = cohort
    from melior.governance.models import Consent

    q = UsageRecord.objects.filter(selectors.counted(pilot))
    assert q.count() == 0
    for s in students[:7]:
        services.record_consent(
            student=s,
            purpose=pilot,
            status="granted",
            given_by="guardian",
            date=TODAY,
            source="Paper form",
        )
    assert UsageRecord.objects.filter(selectors.counted(pilot)).count() == 7
    assert Consent.objects.filter(purpose=pilot).count() == 7
    with pytest.raises(ValidationError, match="not in the future"):
        services.record_consent(
            student=students[8],
            purpose=pilot,
            status="granted",
            given_by="guardian",
            date=datetime.date(2999, 1, 1),
            source="Paper form",
        )


def test_purge_removes_expired_records_once(world, cohort):
    services.update_privacy(network=world.network, min_cell_size=10, retention_days=60)
    nothing = {"outcomes": 0, "usage": 0, "enrollments": 0, "students": 0}
    # on 30 June 2026 the usage (1 May) and outcomes (1 June) are within 60 days: kept
    assert services.purge(network=world.network, today=TODAY) == nothing
    later = datetime.date.today() + datetime.timedelta(days=61)
    removed = services.purge(network=world.network, today=later)
    assert removed["usage"] == 12 and removed["outcomes"] == 12
    assert Student.objects.count() == 12  # their 2025 enrolments are still kept
    assert services.purge(network=world.network, today=later) == nothing  # idempotent
    assert AccessLog.objects.filter(action="purge").count() == 1


def test_revoked_records_are_purged_after_the_retention_period(world, cohort):
    _, pilot, students = cohort
    services.update_privacy(network=world.network, min_cell_size=10, retention_days=400)
    services.record_consent(
        student=students[2],
        purpose=pilot,
        status="revoked",
        given_by="student",
        date=datetime.date.today(),
        source="Form",
    )
    later = datetime.date.today() + datetime.timedelta(days=401)
    before = UsageRecord.objects.filter(student=students[2]).count()
    services.purge(network=world.network, today=later)
    assert before == 1 and not UsageRecord.objects.filter(student=students[2]).exists()


def test_the_access_log_is_append_only(db):
    entry = services.log(user=None, network=None, action="purge", what="x")
    entry.what = "changed"
    with pytest.raises(ValidationError, match="append-only"):
        entry.save()
    with pytest.raises(ValidationError, match="append-only"):
        entry.delete()


def test_pages_log_row_views_and_keys_show_only_to_stewards(client, world, cohort):
    equity, _, students = cohort
    key = students[0].key
    for who in ("network:network_lead", "network:viewer", "school:team_member", "school:site_lead"):
        client.force_login(world.users[who])
        page = client.get(reverse("students", kwargs={"network": world.network.slug})).text
        assert ">suppressed<" in page and key[:12] not in page
        assert (
            client.get(reverse("students-rows", kwargs={"network": world.network.slug})).status_code
            == 403
        )
    client.force_login(world.users["school:data_steward"])
    rows = client.get(reverse("students-rows", kwargs={"network": world.network.slug}))
    assert rows.status_code == 200 and key[:12] in rows.text
    exported = client.get(
        reverse("students-rows", kwargs={"network": world.network.slug}), {"export": "csv"}
    )
    assert exported.content.decode().count("\n") == 13
    logs = AccessLog.objects.filter(username="school-data_steward")
    assert list(logs.values_list("action", "records").order_by("pk")) == [
        ("view_rows", 12),
        ("export_rows", 12),
    ]
    # the steward records a consent by the district's id (never stored), with clear refusals
    url = reverse("students-stewardship-consent", kwargs={"network": world.network.slug})
    form = {
        "site": world.school.pk,
        "student_id": "LHS-003",
        "purpose": equity.pk,
        "status": "refused",
        "given_by": "guardian",
        "date": "2026-01-10",
        "source": "Phone call",
    }
    assert client.post(url, {**form, "student_id": "NOPE"}).status_code == 400
    assert client.post(url, form).status_code == 302
    assert students[3].consents.get().status == "refused"
    # the network's data steward reads the log, others may not
    client.force_login(world.users["network:data_steward"])
    log_page = client.get(reverse("students-audit", kwargs={"network": world.network.slug}))
    assert "Student rows at Lincoln High" in log_page.text
    csv = client.get(
        reverse("students-audit", kwargs={"network": world.network.slug}),
        {"export": "csv", "action": "view_rows"},
    ).content.decode()
    assert csv.splitlines()[0] == "when,who,action,what,records,from" and "view_rows" in csv


def test_role_changes_are_logged(world):
    from melior.networks.services import grant_role

    grant_role(user=world.users["outsider"], role="viewer", network=world.network)
    assert AccessLog.objects.filter(
        action="permission", what__contains="Viewer for outsider"
    ).exists()


def test_the_api_serves_suppressed_aggregates_and_logged_rows(client, world, cohort):
    equity, _, _ = cohort
    client.force_login(world.users["network:viewer"])
    base = f"/api/networks/{world.network.slug}/students"
    data = client.get(
        f"{base}/aggregate", {"outcome": "Attendance rate", "purpose": equity.pk}
    ).json()
    lincoln = {c["subgroup"]: c for c in data["cells"] if c["school"] == "Lincoln High"}
    assert lincoln["Yes"] == {
        "school": "Lincoln High",
        "subgroup": "Yes",
        "students": None,
        "mean": None,
        "suppressed": "suppressed",
    }
    assert (
        client.get(f"{base}/aggregate", {"outcome": "Nope", "purpose": equity.pk}).status_code
        == 404
    )
    assert client.get(f"{base}/rows", {"site": world.school.slug}).status_code == 403
    client.force_login(world.users["school:data_steward"])
    rows = client.get(f"{base}/rows", {"site": world.school.slug}).json()
    assert rows["count"] == 12 and "key" in rows["items"][0]
    assert AccessLog.objects.filter(what__contains="(API)", records=12).exists()
