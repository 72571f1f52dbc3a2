"""A district's records belong to the district: an import in one network never creates, changes
or reveals the students of a district that is not part of it; districts are matched by their
NCES LEAID or state id, never by name; a district joins a further network only by its own data
steward, and its records are then shared under its agreement."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from melior.governance import selectors, services
from melior.governance.models import Consent, DistrictJoin, Enrollment, Student
from melior.governance.permissions import row_site_ids
from melior.governance.roster import import_roster
from melior.networks.models import Organization
from melior.networks.selectors import networks_for
from melior.networks.services import grant_role

CEDAR_LEAID = "0612345"
ORGS_A = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    f"d1,,,Cedar District,district,{CEDAR_LEAID},\n"
    "o1,,,Lincoln High,school,lincoln-high,d1\n"
)
USERS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password\n"
    "u1,,,true,{school},student,ana,,Ana,R,,S-100,,,,,09,\n"
    "u2,,,true,{school},student,ben,,Ben,S,,S-101,,,,,09,\n"
)
DEMOGRAPHICS = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
    "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity\n"
    "u1,,,2010-01-01,{sex},false,true,false,false,false,false,false\n"
    "u2,,,2010-02-01,{sex},false,true,false,false,false,false,false\n"
)


def export(orgs, school, sex="female"):
    return {
        "orgs.csv": orgs,
        "users.csv": USERS.format(school=school),
        "demographics.csv": DEMOGRAPHICS.format(sex=sex),
    }


def orgs_b(district_identifier, district_name="Cedar District"):
    """Network B's export: a new school, Hilltop High, under a district of that name."""
    return (
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        f"db,,,{district_name},district,{district_identifier},\n"
        "ob,,,Hilltop High,school,,db\n"
    )


@pytest.fixture
def network_a(world):
    """Network A's Cedar District (NCES LEAID 0612345) with two students at Lincoln High."""
    world.district.nces_id = CEDAR_LEAID
    world.district.save()
    import_roster(network=world.network, files=export(ORGS_A, "o1"), school_year=2025)
    return world


@pytest.fixture
def steward_b(network_a, django_user_model):
    """The data steward of network B (the world's other network)."""
    user = django_user_model.objects.create_user("b-steward", password="pw-melior-1")
    grant_role(user=user, role="data_steward", network=network_a.other_network)
    return user


@pytest.fixture
def cedar_steward(network_a, django_user_model):
    """Cedar District's own data steward."""
    user = django_user_model.objects.create_user("cedar-steward", password="pw-melior-1")
    grant_role(user=user, role="data_steward", organization=network_a.district)
    return user


def join(world, someone, level="aggregates"):
    """`someone` brings the first network's Cedar District into the second network."""
    return services.bring_district_into_network(
        district=world.district,
        network=world.other_network,
        level=level,
        starts=datetime.date(2026, 1, 1),
        user=someone,
    )


def a_students(world):
    return {
        sid: Student.objects.get(key=services.pseudonym(world.district, sid))
        for sid in ("S-100", "S-101")
    }


def assert_network_a_untouched(world):
    students = a_students(world)
    assert {s.sex for s in students.values()} == {"Female"}
    enrolled_at = Enrollment.objects.filter(student__in=students.values())
    assert set(enrolled_at.values_list("site__name", flat=True)) == {"Lincoln High"}
    assert not world.other_network.sites.filter(parent=world.district).exists()
    # A's district-level staff gain nothing in B
    assert world.other_network not in networks_for(world.users["district:site_lead"])


def test_a_district_named_alike_without_an_id_is_refused(network_a, steward_b):
    with pytest.raises(ValidationError, match=r"orgs\.csv row 2, identifier: give the NCES LEAID"):
        import_roster(
            network=network_a.other_network,
            files=export(orgs_b(""), "ob", sex="male"),
            school_year=2025,
        )
    assert_network_a_untouched(network_a)
    assert Organization.objects.filter(name="Hilltop High").count() == 0


def test_another_networks_district_is_refused_until_its_steward_brings_it_in(network_a):
    """Network B's import names Cedar District by its real LEAID: refused whole, so B can
    neither overwrite A's students nor enrol them at its school nor read their records."""
    with pytest.raises(ValidationError, match="only its own data steward can bring it in"):
        import_roster(
            network=network_a.other_network,
            files=export(orgs_b(CEDAR_LEAID), "ob", sex="male"),
            school_year=2025,
        )
    assert_network_a_untouched(network_a)


def test_a_second_district_of_the_same_name_keeps_its_own_students(network_a):
    """Two districts may share a name: B's Cedar District (a state's id) is a new district,
    matched by that id, and its student S-100 is a different student from A's S-100."""
    report = import_roster(
        network=network_a.other_network,
        files=export(orgs_b("TX-101912"), "ob", sex="male"),
        school_year=2025,
    )
    assert (report.added, report.schools_added) == (2, 1)
    assert_network_a_untouched(network_a)
    cedars = Organization.objects.filter(name="Cedar District", kind="district")
    assert set(cedars.values_list("nces_id", "state_id")) == {(CEDAR_LEAID, ""), ("", "TX-101912")}
    assert Student.objects.filter(sex="Male").count() == 2
    # importing it again matches B's own district by its id: nothing new
    again = import_roster(
        network=network_a.other_network,
        files=export(orgs_b("TX-101912") + "oc,,,Dune High,school,,db\n", "ob", sex="male"),
        school_year=2025,
    )
    assert (again.added, again.schools_added) == (0, 1)
    assert cedars.count() == 2


def test_an_id_naming_two_districts_is_refused(network_a):
    Organization.objects.create(
        name="Cedar Hills District", slug="cedar-hills", kind="district", state_id=CEDAR_LEAID
    )
    with pytest.raises(ValidationError, match="names more than one district"):
        import_roster(
            network=network_a.network,
            files=export(orgs_b(CEDAR_LEAID), "ob"),
            school_year=2025,
        )
    assert not Organization.objects.filter(name="Hilltop High").exists()


def test_only_the_districts_steward_brings_it_into_a_network(network_a, steward_b, cedar_steward):
    b = network_a.other_network
    for someone in (
        steward_b,
        network_a.users["network:data_steward"],
        network_a.users["school:data_steward"],
        network_a.users["district:site_lead"],
    ):
        with pytest.raises(ValidationError, match="own data steward"):
            join(network_a, someone)
    assert not DistrictJoin.objects.exists()
    join(network_a, cedar_steward)
    with pytest.raises(ValidationError, match="already part of"):
        join(network_a, cedar_steward, level="rows")
    # written in both networks' access logs
    from melior.governance.models import AccessLog

    joined = AccessLog.objects.filter(what__startswith="Cedar District joined")
    assert set(joined.values_list("network", flat=True)) == {network_a.network.pk, b.pk}


def test_after_joining_the_district_shares_only_under_its_agreement(
    network_a, steward_b, cedar_steward
):
    b = network_a.other_network
    join(network_a, cedar_steward)
    report = import_roster(network=b, files=export(orgs_b(CEDAR_LEAID), "ob"), school_year=2025)
    hilltop = b.sites.get(name="Hilltop High")
    assert hilltop.parent == network_a.district and report.added == 0  # the same students
    assert set(a_students(network_a)["S-100"].enrollments.values_list("site__name", flat=True)) == {
        "Lincoln High",
        "Hilltop High",
    }
    # aggregates only: B's steward sees no rows, and cannot give itself rows
    assert row_site_ids(steward_b, b) == set()
    with pytest.raises(ValidationError, match="only its data steward changes it"):
        services.set_agreement(
            network=b, site=hilltop, level="rows", starts=datetime.date(2026, 1, 1), user=steward_b
        )
    with pytest.raises(ValidationError, match="only its data steward grants its rows"):
        services.grant_rows(network=b, site=hilltop, user=steward_b, granted_by=steward_b)
    # the district's steward shares rows; B's steward then sees Hilltop's students, with their
    # enrolments at B's schools only — not their history at A's Lincoln High
    services.set_agreement(
        network=b,
        site=network_a.district,
        level="rows",
        starts=datetime.date(2026, 1, 1),
        user=cedar_steward,
    )
    assert row_site_ids(steward_b, b) == {hilltop.pk}
    rows = list(selectors.student_rows(steward_b, b, hilltop.pk))
    assert len(rows) == 2
    assert {e.site_id for s in rows for e in s.enrollments.all()} == {hilltop.pk}


def test_the_district_steward_joins_from_the_stewardship_page(client, network_a, cedar_steward):
    b = network_a.other_network
    url = reverse("students-stewardship", kwargs={"network": network_a.network.slug})
    client.force_login(cedar_steward)
    page = client.get(url).text
    assert "Your district in other networks" in page and "NCES 0612345" in page
    form = {
        "district": network_a.district.pk,
        "network": b.slug,
        "level": "aggregates",
        "starts": "2026-01-01",
    }
    join_url = reverse("students-stewardship-join", kwargs={"network": network_a.network.slug})
    refused = client.post(join_url, {**form, "network": "no-such-network"})
    assert refused.status_code == 400 and "No network has that address" in refused.text
    assert client.post(join_url, form).status_code == 302
    assert DistrictJoin.objects.filter(network=b, district=network_a.district).exists()
    # the school's steward has no such section
    client.force_login(network_a.users["school:data_steward"])
    assert "Your district in other networks" not in client.get(url).text


def test_a_schools_steward_sees_only_its_own_students_consent(client, network_a):
    """Finding 4: the stewardship page listed the whole network's consent decisions."""
    world = network_a
    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    parks_student = services.register_student(district=world.district, student_id="P-1")
    Enrollment.objects.create(
        student=parks_student, site=world.sibling_school, grade_level="09", school_year=2025
    )
    for student in (parks_student, a_students(world)["S-100"]):
        services.record_consent(
            student=student,
            purpose=purpose,
            status="refused",
            given_by="guardian",
            date=datetime.date(2026, 1, 5),
            source="Paper form",
            user=world.users["network:data_steward"],
        )
    url = reverse("students-stewardship", kwargs={"network": world.network.slug})
    client.force_login(world.users["school:data_steward"])
    page = client.get(url).text
    assert a_students(world)["S-100"].key[:8] in page
    assert parks_student.key[:8] not in page
    assert page.count("Refused</strong>") == 1
    client.force_login(world.users["network:data_steward"])
    assert client.get(url).text.count("Refused</strong>") == 2
    assert Consent.objects.count() == 2


def test_after_joining_imports_name_only_students_enrolled_in_that_network(
    client, network_a, cedar_steward
):
    """B may report on the district's students at its own schools, not on those enrolled only
    at A's: to B they are unknown, so B cannot even learn whether an id exists."""
    import json

    from melior.governance.outcomes_import import import_outcomes
    from melior.governance.usage_import import import_usage
    from melior.governance.xapi import create_source

    b = network_a.other_network
    join(network_a, cedar_steward)
    one_student = ORGS_A.replace("o1,,,Lincoln High,school,lincoln-high,d1", "")
    import_roster(
        network=b,
        files={
            "orgs.csv": one_student + "ob,,,Hilltop High,school,,d1\n",
            "users.csv": USERS.format(school="ob").split("u2,")[0],  # S-100 only
        },
        school_year=2025,
    )
    purpose = services.add_purpose(network=b, name="Literacy monitoring")
    outcomes = "student_id,school,name,value,date\n{sid},hilltop-high,Reading,0.5,2026-01-05\n"
    with pytest.raises(ValidationError, match="no student with id “S-101”"):
        import_outcomes(network=b, purpose=purpose, data=outcomes.format(sid="S-101").encode())
    assert (
        import_outcomes(
            network=b, purpose=purpose, data=outcomes.format(sid="S-100").encode()
        ).added
        == 1
    )
    usage = "student_id,school,date,minutes\n{sid},hilltop-high,2026-01-05,30\n"
    with pytest.raises(ValidationError, match="no student with id “S-101”"):
        import_usage(
            network=b, purpose=purpose, product="App", data=usage.format(sid="S-101").encode()
        )
    _, key = create_source(
        network=b, name="App", product="App", district=network_a.district, purpose=purpose
    )

    def send(sid):
        return client.post(
            "/xapi/statements",
            json.dumps(
                {
                    "actor": {"account": {"homePage": "https://app.example", "name": sid}},
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
                    "object": {"id": "https://app.example/lessons/1"},
                    "timestamp": "2026-01-06T09:00:00Z",
                    "result": {"duration": "PT20M"},
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )

    assert send("S-101").status_code == 400
    assert send("S-100").status_code == 200
    from melior.governance.models import UsageRecord

    # recorded at B's school, though the student's roster also names A's Lincoln High
    assert list(UsageRecord.objects.values_list("site__name", flat=True)) == ["Hilltop High"]


def test_a_school_is_matched_by_its_nces_id_only_once_its_district_joined(network_a, cedar_steward):
    network_a.school.nces_id = "061234500001"
    network_a.school.save()
    orgs = (
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        f"db,,,Cedar District,district,{CEDAR_LEAID},\n"
        "ob,,,Lincoln Senior High,school,061234500001,db\n"
    )
    b = network_a.other_network
    with pytest.raises(ValidationError, match="not part of this network"):
        import_roster(network=b, files=export(orgs, "ob"), school_year=2025)
    join(network_a, cedar_steward)
    report = import_roster(network=b, files=export(orgs, "ob"), school_year=2025)
    # the same school, now a site of both networks; the same students
    assert (report.schools_added, report.added, report.enrolments) == (1, 0, 0)
    assert b.sites.filter(pk=network_a.school.pk).exists()
    assert Organization.objects.filter(kind="school", parent=network_a.district).count() == 2
