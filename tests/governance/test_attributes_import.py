"""Student attributes by file, with their history (issue #20): all or nothing with every bad
row named, keyed by the pseudonymous key, only for the steward's own students, the student's own
field following the latest value, on the page, at the command line and in the archive."""

import datetime
import io
import json
import re
import zipfile

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from melior.archive import export_archive
from melior.cli import app
from melior.governance import services
from melior.governance.attributes_import import import_attributes
from melior.governance.models import AccessLog, Enrollment, ImportJob, Student, StudentAttribute
from melior.governance.selectors import groups_at

TODAY = datetime.date(2026, 3, 2)
EL = "english_learner_status"


@pytest.fixture
def roster(world):
    """LHS-1..3 at Lincoln High, PHS-1 at Parks High (same district); EL-9 of the district but
    enrolled nowhere in the network; ELS-1 at a school of the other network."""
    for sid, site in [("LHS-1", world.school), ("LHS-2", world.school), ("LHS-3", world.school),
                      ("PHS-1", world.sibling_school)]:  # fmt: skip
        student = services.register_student(district=world.district, student_id=sid)
        Enrollment.objects.create(student=student, site=site, grade_level="09", school_year=2025)
    services.register_student(district=world.district, student_id="EL-9")
    elsewhere = services.register_student(district=world.other_school, student_id="ELS-1")
    Enrollment.objects.create(
        student=elsewhere, site=world.other_school, grade_level="03", school_year=2025
    )
    return world


def student(world, sid: str) -> Student:
    return Student.objects.get(key=services.pseudonym(world.district, sid))


def csv(*rows: str) -> bytes:
    return ("student_id,school,attribute,value,as_of\n" + "".join(f"{r}\n" for r in rows)).encode()


GOOD = csv(
    "LHS-1,lincoln-high,English Learner Status,Yes,2024-08-20",
    "LHS-1,Lincoln High,english learner status,NO,2025-01-15",  # exits EL status
    "LHS-2,lincoln-high,english_learner_status,yes,2024-08-20",
    "LHS-3,lincoln-high,Race and Ethnicity,Two or more races,2024-08-20",
    "LHS-3,lincoln-high,Economic Disadvantage Status,Yes,2024-08-20",
    "PHS-1,parks-high,IDEA Indicator,No,2024-08-20",
    "PHS-1,parks-high,Sex,NotSelected,2024-08-20",
)


def history(world, sid: str, attribute: str = EL) -> list[tuple[str, datetime.date]]:
    return list(
        StudentAttribute.objects.filter(student=student(world, sid), attribute=attribute)
        .order_by("as_of")
        .values_list("value", "as_of")
    )


def test_a_history_with_an_english_learner_exit_is_imported_once(roster):
    world = roster
    dry = import_attributes(network=world.network, data=GOOD, dry_run=True, today=TODAY)
    assert (dry.rows, dry.added, dry.changed, dry.students_changed) == (7, 7, 0, 4)
    assert (
        not StudentAttribute.objects.exists()
        and student(world, "LHS-1").english_learner_status == ""
    )
    done = import_attributes(network=world.network, data=GOOD, today=TODAY)
    assert (done.added, done.changed, done.unchanged, done.students_changed) == (7, 0, 0, 4)
    assert history(world, "LHS-1") == [
        ("Yes", datetime.date(2024, 8, 20)), ("No", datetime.date(2025, 1, 15)),
    ]  # fmt: skip
    leaver, stays, other, parks = (student(world, s) for s in ("LHS-1", "LHS-2", "LHS-3", "PHS-1"))
    # each student's own field: the value with the latest date, in CEDS codes
    assert (leaver.english_learner_status, stays.english_learner_status) == ("No", "Yes")
    assert other.race_ethnicity == "DemographicRaceTwoOrMoreRaces"
    assert other.economic_disadvantage_status == "Yes"
    assert (parks.idea_indicator, parks.sex) == ("No", "NotSelected")
    # the history counts the leaver as an English learner in the autumn and not after the exit
    when = pd.Series(pd.to_datetime(["2024-10-01", "2025-01-14", "2025-01-15", "2025-03-01"]))
    codes = groups_at(EL, pd.Series([leaver.pk] * 4), when)
    assert codes.tolist() == ["Yes", "Yes", "No", "No"]

    again = import_attributes(network=world.network, data=GOOD, today=TODAY)
    assert (again.added, again.changed, again.unchanged, again.students_changed) == (0, 0, 7, 0)
    assert StudentAttribute.objects.count() == 7


def test_the_students_field_follows_the_latest_value_whatever_the_order_of_files(roster):
    world = roster
    leaver = student(world, "LHS-1")
    leaver.english_learner_status = "Yes"  # from an earlier source
    leaver.save()
    exit_only = csv("LHS-1,lincoln-high,English Learner Status,No,2025-01-15")
    report = import_attributes(network=world.network, data=exit_only, today=TODAY)
    assert report.students_changed == 1
    assert student(world, "LHS-1").english_learner_status == "No"
    # an older value arriving later is history: the current value stays the latest
    older = csv("LHS-1,lincoln-high,English Learner Status,Yes,2023-08-21")
    report = import_attributes(network=world.network, data=older, today=TODAY)
    assert (report.added, report.students_changed) == (1, 0)
    assert student(world, "LHS-1").english_learner_status == "No"
    # a corrected value on a recorded date replaces it, and the field follows
    corrected = csv("LHS-1,lincoln-high,English Learner Status,Yes,2025-01-15")
    report = import_attributes(network=world.network, data=corrected, today=TODAY)
    assert (report.added, report.changed, report.students_changed) == (0, 1, 1)
    assert history(world, "LHS-1") == [
        ("Yes", datetime.date(2023, 8, 21)), ("Yes", datetime.date(2025, 1, 15)),
    ]  # fmt: skip
    assert student(world, "LHS-1").english_learner_status == "Yes"


def test_every_bad_row_is_named_at_once_and_nothing_is_written(roster):
    world = roster
    data = csv(
        "LHS-1,lincoln-high,Home Language,Spanish,2024-08-20",
        "LHS-1,lincoln-high,English Learner Status,Maybe,2024-08-20",
        "LHS-1,lincoln-high,Race and Ethnicity,Martian,2024-08-20",
        "LHS-2,lincoln-high,English Learner Status,,2024-08-20",
        "LHS-2,lincoln-high,Sex,Female,08/20/2024",
        "LHS-2,lincoln-high,Sex,Female,2026-09-01",
        "LHS-3,atlantis-high,Sex,Male,2024-08-20",
        "NOBODY-1,lincoln-high,Sex,Male,2024-08-20",
        "LHS-3,lincoln-high,IDEA Indicator,Yes,2024-08-20",
        "LHS-3,lincoln-high,idea_indicator,no,2024-08-20",
        "LHS-3,lincoln-high,IDEA Indicator,Yes,2024-08-20",  # the same again: no problem
        ",lincoln-high,,Yes,2024-08-20",
    )
    with pytest.raises(ValidationError) as refused:
        import_attributes(network=world.network, data=data, today=TODAY)
    elements = "Sex, Race and Ethnicity, Economic Disadvantage Status, English Learner Status, " \
        "IDEA Indicator"  # fmt: skip
    races = "HispanicOrLatino, AmericanIndianOrAlaskaNative, Asian, BlackOrAfricanAmerican, " \
        "NativeHawaiianOrOtherPacificIslander, White, DemographicRaceTwoOrMoreRaces"  # fmt: skip
    assert refused.value.messages == [
        f"Row 2, attribute: “Home Language” is not an attribute: {elements}.",
        "Row 3, value: “Maybe” is not a value of English Learner Status: Yes, No.",
        f"Row 4, value: “Martian” is not a value of Race and Ethnicity: {races}.",
        "Row 5, value: give the value of English Learner Status: Yes, No.",
        "Row 6, as_of: “08/20/2024” is not a date (YYYY-MM-DD).",
        "Row 7, as_of: 2026-09-01 is in the future.",
        "Row 8, school: no school “atlantis-high” in this network.",
        "Row 9, student_id: no student with id “NOBODY-1” in the roster of that school's district.",
        "Row 11, value: “no” differs from Yes, given for the same student's IDEA Indicator on "
        "2024-08-20 in row 10.",
        "Row 13, student_id: no student id.",
        f"Row 13, attribute: name the attribute: {elements}.",
    ]
    assert (
        refused.value.problems[1].column == "value" and refused.value.problems[1].value == "Maybe"
    )
    assert not StudentAttribute.objects.exists()
    assert student(world, "LHS-3").idea_indicator == ""


def test_a_file_without_the_as_of_column_is_refused_whole(roster):
    data = b"student_id,school,attribute,value\nLHS-1,lincoln-high,Sex,Male\n"
    with pytest.raises(ValidationError, match="The file has no “as_of” column"):
        import_attributes(network=roster.network, data=data, today=TODAY)
    # a file may call it "date" (and the value "code")
    data = b"Student ID,School,Attribute,Code,Date\nLHS-1,lincoln-high,Sex,Male,2024-08-20\n"
    assert import_attributes(network=roster.network, data=data, today=TODAY).added == 1


def test_another_networks_students_and_unstewarded_schools_are_refused(roster):
    world = roster
    data = csv(
        "ELS-1,elsewhere-elementary,Sex,Male,2024-08-20",  # the other network's school
        "ELS-1,lincoln-high,Sex,Male,2024-08-20",  # its student is not in our district
        "EL-9,lincoln-high,Sex,Male,2024-08-20",  # of the district, enrolled nowhere here
    )
    with pytest.raises(ValidationError) as refused:
        import_attributes(network=world.network, data=data, today=TODAY)
    assert [m.split(":")[0] for m in refused.value.messages] == [
        "Row 2, school", "Row 3, student_id", "Row 4, student_id",
    ]  # fmt: skip
    # Lincoln High's steward: Parks High is not theirs, nor is a Parks student named at
    # Lincoln, and that is said in the same words as an id that exists nowhere
    data = csv(
        "PHS-1,parks-high,Sex,Male,2024-08-20",
        "PHS-1,lincoln-high,Sex,Male,2024-08-20",
        "NOBODY-1,lincoln-high,Sex,Male,2024-08-20",
        "LHS-1,lincoln-high,Sex,Male,2024-08-20",
    )
    with pytest.raises(ValidationError) as refused:
        import_attributes(
            network=world.network, data=data, allowed_site_ids={world.school.pk}, today=TODAY
        )
    assert refused.value.messages[0] == (
        "Row 2, school: you are not the data steward for “parks-high”."
    )
    worded = {re.sub("“[^”]*”", "“…”", m.split(": ", 1)[1]) for m in refused.value.messages[1:]}
    assert len(refused.value.messages) == 3 and worded == {
        "no student with id “…” is enrolled at a school you are the data steward for."
    }
    assert not StudentAttribute.objects.exists()
    # the district's steward (both schools) may
    both = {world.school.pk, world.sibling_school.pk}
    ok = csv("PHS-1,parks-high,Sex,Male,2024-08-20", "LHS-1,lincoln-high,Sex,Male,2024-08-20")
    report = import_attributes(network=world.network, data=ok, allowed_site_ids=both, today=TODAY)
    assert report.added == 2


def test_the_command_line_checks_imports_and_logs(roster, tmp_path):
    world = roster
    path = tmp_path / "attributes.csv"
    path.write_bytes(GOOD)
    runner = CliRunner()
    args = ["import", "attributes", str(path), "--network", world.network.slug]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "7 rows: 7 would be added, 0 changed, 0 unchanged; 4 students' current values " \
        "would be changed." in " ".join(dry.output.split())  # fmt: skip
    imports = AccessLog.objects.filter(action="import")
    assert not StudentAttribute.objects.exists() and not imports.exists()
    done = runner.invoke(app, args)
    assert "7 rows: 7 were added" in done.output and StudentAttribute.objects.count() == 7
    (entry,) = imports
    assert (entry.records, entry.user) == (7, None)
    assert entry.what.startswith("Student attributes") and "command line" in entry.username
    path.write_bytes(csv("LHS-1,lincoln-high,English Learner Status,Maybe,2024-08-20"))
    bad = runner.invoke(app, args)
    assert bad.exit_code == 2 and "1 problem — nothing was written." in bad.output
    assert re.search(r"│\s+2 │ value\s+│ Maybe\s+│", bad.output), bad.output
    assert (
        runner.invoke(app, ["import", "attributes", str(path), "--network", "nope"]).exit_code == 2
    )


def _upload(data: bytes):
    upload = io.BytesIO(data)
    upload.name = "attributes.csv"
    return upload


def test_a_steward_checks_then_imports_on_the_page_in_the_background(
    client, roster, django_capture_on_commit_callbacks
):
    world = roster
    client.force_login(world.users["network:data_steward"])
    url = f"/n/{world.network.slug}/students/import/"
    page = client.get(url, {"kind": "attributes"})
    assert page.status_code == 200 and "English Learner Status" in page.text
    assert 'name="purpose"' not in page.text  # attributes serve every purpose
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(url, {"kind": "attributes", "file": _upload(GOOD)})
    assert queued.status_code == 302
    checked = client.get(queued["Location"])
    assert "Checked: ready to import" in checked.text
    assert "7 rows: 7 to add, 0 to change, 0 unchanged; 4 students to be given a new current " \
        "value." in checked.text  # fmt: skip
    assert not StudentAttribute.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(url, {"kind": "attributes", "upload": checked.context["upload"],
                                   "commit": "1"})  # fmt: skip
    done = client.get(queued["Location"])
    assert "Imported" in done.text and "7 added" in done.text
    assert StudentAttribute.objects.count() == 7
    assert student(world, "LHS-1").english_learner_status == "No"
    assert AccessLog.objects.filter(action="import", records=7).count() == 1
    assert set(ImportJob.objects.values_list("kind", "state")) == {("attributes", "done")}


def test_a_school_steward_is_refused_another_schools_rows_on_the_page(
    client, roster, django_capture_on_commit_callbacks
):
    world = roster
    client.force_login(world.users["school:data_steward"])
    url = f"/n/{world.network.slug}/students/import/"
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(url, {"kind": "attributes", "file": _upload(GOOD)})
    shown = client.get(queued["Location"]).text
    assert "2 problems — nothing was written." in shown
    assert '<td class="num">7</td><td>school</td><td><code>parks-high</code></td>' in shown
    assert not StudentAttribute.objects.exists()


@pytest.mark.parametrize("role", ["school:team_member", "network:network_lead", "outsider"])
def test_only_a_data_steward_reaches_the_import(client, roster, role):
    world = roster
    client.force_login(world.users[role])
    url = f"/n/{world.network.slug}/students/import/"
    refused = client.post(url, {"kind": "attributes", "file": _upload(GOOD)})
    assert refused.status_code in (403, 404)
    assert not StudentAttribute.objects.exists() and not ImportJob.objects.exists()


def test_the_archive_carries_the_history_only_with_the_students(roster):
    world = roster
    import_attributes(network=world.network, data=GOOD, today=TODAY)

    def attributes(archive: bytes) -> list:
        records = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("data.json"))
        return [r["fields"] for r in records if r["model"] == "governance.studentattribute"]

    kept = attributes(export_archive(world.network))
    assert (
        len(kept) == 7
        and {"value": "No", "as_of": "2025-01-15"}.items()
        <= next(r for r in kept if r["as_of"] == "2025-01-15").items()
    )
    assert attributes(export_archive(world.network, students=False)) == []
    # the other network's archive holds none of them
    assert attributes(export_archive(world.other_network)) == []


def test_a_history_alone_does_not_keep_a_student_past_the_retention_period(roster):
    world = roster
    old = services.register_student(district=world.district, student_id="OLD-1")
    Enrollment.objects.create(student=old, site=world.school, grade_level="12", school_year=2019)
    data = GOOD + b"OLD-1,lincoln-high,English Learner Status,Yes,2019-08-20\n"
    import_attributes(network=world.network, data=data, today=TODAY)
    assert StudentAttribute.objects.filter(student=old).count() == 1
    removed = services.purge(network=world.network, today=TODAY)
    # OLD-1 and EL-9 (enrolled nowhere) are gone, their history with them
    assert removed["students"] == 2 and not Student.objects.filter(pk=old.pk).exists()
    assert not StudentAttribute.objects.filter(student_id=old.pk).exists()
    assert StudentAttribute.objects.count() == 7  # the enrolled students keep theirs


@pytest.mark.django_db
def test_in_the_demo_network_a_steward_records_an_exit_by_file():
    """The demo's students are keyed by made-up district ids like real ones: a file naming one
    adds to the history the demo gave them."""
    from melior.demo.generator import load_demo

    network = load_demo(seed=5, sites=1, today=datetime.date(2026, 12, 7)).network
    school = network.sites.get()
    ninth = {services.pseudonym(school.parent, f"0-2025-{k}"): f"0-2025-{k}" for k in range(600)}
    learner = Student.objects.filter(key__in=ninth, english_learner_status="Yes").first()
    assert list(learner.attributes.values_list("value", flat=True)) == ["Yes"]
    data = csv(f"{ninth[learner.key]},{school.slug},English Learner Status,No,2026-01-12")
    # as the school's data steward would (only their own school's students)
    report = import_attributes(network=network, data=data, allowed_site_ids={school.pk},
                               today=datetime.date(2026, 12, 7))  # fmt: skip
    assert (report.added, report.students_changed) == (1, 1)
    learner.refresh_from_db()
    assert learner.english_learner_status == "No"
    assert list(learner.attributes.order_by("as_of").values_list("value", flat=True)) == [
        "Yes", "No",
    ]  # fmt: skip
