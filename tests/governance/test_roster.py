"""Students from a OneRoster export: matched schools, hashed ids, demographics, all or nothing."""

import zipfile

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from melior.cli import app
from melior.governance.models import Enrollment, Student
from melior.governance.roster import import_roster, read_export
from melior.governance.services import pseudonym

ORGS = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "d1,,,Cedar District,district,,\n"
    "o1,,,Lincoln High,school,lincoln-high,d1\n"
)
USERS_11 = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
    "password\n"
    "u1,,,true,o1,student,ana,,Ana,R,,LHS-100,,,,,09,\n"
    "u2,,,true,o1,student,ben,,Ben,S,,LHS-101,,,,,9,\n"
    "t1,,,true,o1,teacher,tess,,Tess,T,,EMP-1,,,,,,\n"
)
DEMOGRAPHICS = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,"
    "asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity\n"
    "u1,,,2010-01-01,female,false,true,false,false,true,false,false\n"
    "u2,,,2010-02-01,male,false,false,false,false,false,false,true\n"
)


def test_a_oneroster_11_export_becomes_hashed_students(world, tmp_path):
    files = {"orgs.csv": ORGS, "users.csv": USERS_11, "demographics.csv": DEMOGRAPHICS}
    report = import_roster(network=world.network, files=files, school_year=2025)
    assert (report.students, report.added, report.enrolments, report.skipped_users) == (2, 2, 2, 1)
    ana = Student.objects.get(key=pseudonym(world.district, "LHS-100"))
    assert ana.sex == "Female" and ana.race_ethnicity == "DemographicRaceTwoOrMoreRaces"
    assert Student.objects.get(key=pseudonym(world.district, "LHS-101")).race_ethnicity == (
        "HispanicOrLatino"
    )
    assert set(Enrollment.objects.values_list("grade_level", flat=True)) == {"09"}
    assert not Student.objects.filter(key__contains="LHS").exists()
    # importing again changes nothing
    again = import_roster(network=world.network, files=files, school_year=2025)
    assert (again.added, again.enrolments) == (0, 0) and Student.objects.count() == 2
    # next export: Ana moved up a grade and her record's sex changed; without demographics.csv,
    # Ben keeps his
    ana.english_learner_status = "Yes"  # from an attribute file: the roster says nothing of it
    ana.save()
    moved = {
        "orgs.csv": ORGS,
        "users.csv": USERS_11.replace(",09,\n", ",10,\n"),
        "demographics.csv": DEMOGRAPHICS.replace("2010-01-01,female", "2010-01-01,other"),
    }
    import_roster(network=world.network, files=moved, school_year=2025)
    ana.refresh_from_db()
    assert (ana.sex, ana.english_learner_status) == ("NotSelected", "Yes")
    assert Enrollment.objects.get(student=ana).grade_level == "10"
    import_roster(network=world.network, files={"orgs.csv": ORGS, "users.csv": USERS_11},
                  school_year=2025)  # fmt: skip
    ben = Student.objects.get(key=pseudonym(world.district, "LHS-101"))
    assert (ben.sex, ben.race_ethnicity) == ("Male", "HispanicOrLatino")
    assert Enrollment.objects.get(student=ana).grade_level == "09"
    # the same export as a zip, through the command
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    assert read_export(str(archive)).keys() == files.keys()
    result = CliRunner().invoke(
        app,
        [
            "import",
            "roster",
            str(archive),
            "--network",
            world.network.slug,
            "--school-year",
            "2026",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 students imported (0 new, 2 new enrollments), 0 classes, 0 schools" in result.output


def test_a_bad_export_is_refused_whole(world):
    bad_users = USERS_11.replace("LHS-101", "").replace("u1,,,true,o1", "u1,,,true,o9")
    files = {"orgs.csv": ORGS.replace("Lincoln High", ""), "users.csv": bad_users}
    with pytest.raises(ValidationError) as refused:
        import_roster(network=world.network, files=files, school_year=2025)
    messages = refused.value.messages
    assert "orgs.csv row 3, name: the school has no name." in messages
    assert any("users.csv row 2, orgSourcedIds: the student's school “o9”" in m for m in messages)
    assert any("users.csv row 3, orgSourcedIds: the student's school “o1”" in m for m in messages)
    assert not Student.objects.exists()
    with pytest.raises(ValidationError, match=r"users\.csv is missing"):
        import_roster(network=world.network, files={"orgs.csv": ORGS}, school_year=2025)
    # a grade that is not a code is quoted in full, not cut to its first two letters
    grade = USERS_11.replace(",09,", ",Grade4,", 1)
    assert grade != USERS_11
    with pytest.raises(ValidationError, match="grades: “Grade4” is not a grade level code"):
        import_roster(network=world.network, files={"orgs.csv": ORGS, "users.csv": grade},
                      school_year=2025)  # fmt: skip
    sex = DEMOGRAPHICS.replace("female", "f")
    with pytest.raises(ValidationError, match="sex: “f” is not female"):
        import_roster(
            network=world.network,
            files={"orgs.csv": ORGS, "users.csv": USERS_11, "demographics.csv": sex},
            school_year=2025,
        )


def test_classes_new_schools_and_a_12_export(world):
    world.district.nces_id = "0612345"
    world.district.save()
    orgs = ORGS.replace("district,,", "district,0612345,") + "o2,,,Hilltop High,school,,d1\n"
    users = (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,"
        "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
        "userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,"
        "primaryOrgSourcedId,pronouns\n"
        "u1,,,true,ana,,Ana,R,,LHS-100,,,,,09,,,,,,o1,\n"
        "u3,,,true,cy,,Cy,H,,HHS-7,,,,,10,,,,,,o2,\n"
    )
    roles = (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
        "orgSourcedId,userProfileSourcedId\n"
        "r1,,,u1,primary,student,,,o1,\nr3,,,u3,primary,student,,,o2,\n"
    )
    classes = (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
        "c1,,,Algebra I - P3,09,k1,ALG1-3,scheduled,,o1,t1,,,\n"
    )
    enrollments = (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
        "userSourcedId,role,primary,beginDate,endDate\n"
        "e1,,,c1,o1,u1,student,false,,\n"
    )
    manifest = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
    files = {
        "manifest.csv": manifest,
        "orgs.csv": orgs,
        "users.csv": users,
        "roles.csv": roles,
        "classes.csv": classes,
        "enrollments.csv": enrollments,
    }
    report = import_roster(network=world.network, files=files, school_year=2025)
    assert (report.students, report.schools_added, report.classes) == (2, 1, 1)
    hilltop = world.network.sites.get(name="Hilltop High")
    assert hilltop.parent == world.district  # its district matched by its NCES LEAID
    from melior.governance.models import Section

    section = Section.objects.get()
    assert section.title == "Algebra I - P3" and section.students.count() == 1
    with pytest.raises(ValidationError, match=r"oneroster\.version is “2\.0”"):
        import_roster(
            network=world.network,
            school_year=2025,
            files={**files, "manifest.csv": manifest.replace("1.2", "2.0")},
        )
    bad_class = enrollments.replace("c1,o1,u1", "c9,o1,u1")
    with pytest.raises(ValidationError, match=r"no class “c9” in classes\.csv"):
        import_roster(
            network=world.network, school_year=2025, files={**files, "enrollments.csv": bad_class}
        )
    # the school year comes from academicSessions.csv (OneRoster's schoolYear is the end year)
    sessions = (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
        "schoolYear\n"
        "y1,,,2026-27,schoolYear,2026-08-17,2027-06-11,,2027\n"
        "t1,,,Fall 2026,semester,2026-08-17,2026-12-18,y1,2027\n"
    )
    with_sessions = {**files, "academicSessions.csv": sessions}
    report = import_roster(network=world.network, files=with_sessions)
    assert report.school_year == 2026
    assert Section.objects.filter(school_year=2026).count() == 1
    with pytest.raises(ValidationError, match=r"the export is for 2026–2027, not 2024–2025"):
        import_roster(network=world.network, files=with_sessions, school_year=2024)
    for broken, message in [
        (sessions.replace("t1,,,Fall", "t9,,,Fall"), r"termSourcedIds: “t1” is not a session"),
        (sessions.replace("2026-12-18", "18/12/2026"), r"row 3, startDate/endDate: give dates"),
        (sessions.replace("2027-06-11", "2025-06-11"), r"row 2, endDate: before the start"),
    ]:
        with pytest.raises(ValidationError, match=message):
            import_roster(network=world.network, files={**files, "academicSessions.csv": broken})
    with pytest.raises(ValidationError, match=r"academicSessions\.csv is missing"):
        import_roster(network=world.network, files=files)


def test_a_truncated_zip_is_refused(tmp_path):
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("orgs.csv", ORGS * 50)
    archive.write_bytes(archive.read_bytes()[:-40])
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        read_export(str(archive))
