"""Student outcomes from a CSV keyed by the district's student id: checked whole, hashed on the
way in, all or nothing, idempotent."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from melior.governance import services
from melior.governance.models import Enrollment, StudentOutcome
from melior.governance.outcomes_import import import_outcomes

TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def roster(world):
    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    for i in range(3):
        s = services.register_student(district=world.district, student_id=f"LHS-{i}")
        Enrollment.objects.create(student=s, site=world.school, grade_level="09", school_year=2025)
    return purpose


GOOD = (
    "student_id,school,name,value,date\n"
    "LHS-0,lincoln-high,Algebra I,251,2026-05-15\n"
    "LHS-1,Lincoln High,Algebra I,238,2026-05-15\n"
    "LHS-2,lincoln-high,Algebra I,262,2026-05-15\n"
)


def test_outcomes_are_hashed_in_and_reimporting_changes_nothing(world, roster):
    report = import_outcomes(network=world.network, purpose=roster, data=GOOD.encode(), today=TODAY)
    assert (report.rows, report.added, report.changed) == (3, 3, 0)
    assert sorted(StudentOutcome.objects.values_list("value", flat=True)) == [238, 251, 262]
    again = import_outcomes(network=world.network, purpose=roster, data=GOOD.encode(), today=TODAY)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    corrected = import_outcomes(
        network=world.network,
        purpose=roster,
        data=GOOD.replace("238", "240").replace(",", ";").encode(),
        today=TODAY,
    )
    assert (corrected.added, corrected.changed) == (0, 1)
    assert StudentOutcome.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (
            b"student_id,school,value,date\nLHS-0,lincoln-high,1,2026-01-01\n",
            "The file has no “name” column",
        ),
        (GOOD.replace("251", "high").encode(), "Row 2, value: “high” is not a number."),
        (
            GOOD.replace("2026-05-15", "15/05/2026", 1).encode(),
            "Row 2, date: “15/05/2026” is not a date (YYYY-MM-DD).",
        ),
        (GOOD.replace("2026-05-15", "2027-05-15", 1).encode(), "is in the future"),
        (
            GOOD.replace("Lincoln High", "Atlantis High").encode(),
            "Row 3, school: no school “Atlantis High” in this network.",
        ),
        (GOOD.replace("LHS-2", "LHS-9").encode(), "Row 4, student_id: no student with id “LHS-9”"),
        (
            (GOOD + "LHS-0,lincoln-high,Algebra I,255,2026-05-15\n").encode(),
            "Row 5, student_id: a second value for “LHS-0” on the same date.",
        ),
        (b"student_id,school\n\x81\x8d,\x8f\x90\n", "is not text in UTF-8, UTF-16"),
    ],
)
def test_bad_files_name_the_row_and_column_and_write_nothing(world, roster, data, message):
    with pytest.raises(ValidationError) as refused:
        import_outcomes(network=world.network, purpose=roster, data=data, today=TODAY)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not StudentOutcome.objects.exists()


def test_the_command_imports_and_reports(world, roster, tmp_path):
    from typer.testing import CliRunner

    from melior.cli import app

    path = tmp_path / "scores.csv"
    path.write_text(GOOD.replace("2026-05-15", "2025-05-15"))
    args = [
        "import",
        "outcomes",
        str(path),
        "--network",
        world.network.slug,
        "--purpose",
        "Equity monitoring",
    ]
    result = CliRunner().invoke(app, [*args, "--dry-run"])
    assert "3 rows: 3 would be added, 0 changed, 0 unchanged." in result.output
    assert not StudentOutcome.objects.exists()
    assert "3 rows: 3 were added" in CliRunner().invoke(app, args).output
    bad = CliRunner().invoke(app, [*args[:-1], "Nope"])
    assert bad.exit_code == 2 and "No purpose 'Nope'" in bad.output


def test_a_large_batch_keeps_the_foreign_keys_of_the_table(world, roster, monkeypatch):
    """On PostgreSQL a large batch drops the table's foreign keys for the copy and adds them
    back (one check for the whole table); they must all be there afterwards."""
    from django.db import connection

    from melior import bulk

    monkeypatch.setattr(bulk, "BULK_ROWS", 1)

    def foreign_keys():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [StudentOutcome._meta.db_table],
            )
            return sorted(row[0] for row in cursor.fetchall())

    before = foreign_keys()
    report = import_outcomes(network=world.network, purpose=roster, data=GOOD.encode(), today=TODAY)
    assert report.added == 3 and StudentOutcome.objects.count() == 3
    assert foreign_keys() == before
    assert before is None or len(before) == 3


@pytest.fixture
def steward(client, world):
    client.force_login(world.users["school:data_steward"])
    return client


def _csv(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("outcomes.csv", text.encode(), content_type="text/csv")


def test_the_page_checks_then_imports_outcomes_as_background_jobs(
    steward, world, roster, django_capture_on_commit_callbacks
):
    from melior.governance.models import AccessLog, ImportJob

    url = f"/n/{world.network.slug}/students/import/"
    with django_capture_on_commit_callbacks(execute=True):
        queued = steward.post(url, {"kind": "outcomes", "purpose": roster.pk, "file": _csv(GOOD)})
    assert queued.status_code == 302  # the request returns at once; the worker checks the file
    checked = steward.get(queued["Location"])
    assert "Checked: ready to import" in checked.content.decode()
    assert "3 rows: 3 to add, 0 to change, 0 unchanged" in checked.content.decode()
    assert not StudentOutcome.objects.exists()
    token = checked.context["upload"]
    with django_capture_on_commit_callbacks(execute=True):
        queued = steward.post(url, {"kind": "outcomes", "purpose": roster.pk, "upload": token,
                                    "outcome_kind": "assessment", "commit": "1"})  # fmt: skip
    done = steward.get(queued["Location"])
    assert "Imported" in done.content.decode() and "3 added" in done.content.decode()
    assert StudentOutcome.objects.count() == 3
    assert AccessLog.objects.filter(action="import", records=3).exists()
    assert [(j.state, j.percent) for j in ImportJob.objects.order_by("pk")] == [
        ("done", 100),
        ("done", 100),
    ]


def test_a_running_job_shows_its_progress_to_its_owner_only(client, world, roster):
    from melior.governance.models import ImportJob

    owner = world.users["school:data_steward"]
    job = ImportJob.objects.create(
        network=world.network, user=owner, kind="outcomes", dry_run=False, upload="x",
        state="running", percent=35, stage="Matching students to the roster",
    )  # fmt: skip
    url = f"/n/{world.network.slug}/students/import/{job.pk}/"
    client.force_login(owner)
    polled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="100" value="35"' in polled and 'hx-trigger="every 1s"' in polled
    assert "Matching students to the roster — 35%" in polled
    assert "<html" not in polled  # only the fragment htmx swaps in
    client.force_login(world.users["network:data_steward"])
    assert client.get(url).status_code == 404


def test_a_job_that_keeps_crashing_is_marked_failed_and_kept_for_the_operator(
    steward, world, roster, monkeypatch, django_capture_on_commit_callbacks
):
    from huey.contrib.djhuey import HUEY

    from melior.governance import import_jobs
    from melior.governance.models import ImportJob
    from melior.ops.models import FailedJob

    def crash(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(import_jobs, "run_import", crash)
    url = f"/n/{world.network.slug}/students/import/"
    with django_capture_on_commit_callbacks(execute=True):
        queued = steward.post(url, {"kind": "outcomes", "purpose": roster.pk, "file": _csv(GOOD)})
    assert ImportJob.objects.get().state == "running"  # a retry is scheduled
    later = datetime.datetime(2100, 1, 1)
    for _ in range(2):  # the worker runs each retry when it falls due
        for retry in HUEY.read_schedule(later):
            HUEY.execute(retry, timestamp=later)
    assert ImportJob.objects.get().state == "failed"
    assert "went wrong on our side" in steward.get(queued["Location"]).content.decode()
    (failure,) = FailedJob.objects.all()
    assert failure.task.endswith("run_import_job") and "the database went away" in failure.error


def test_format_and_roster_problems_are_reported_at_once(world, roster):
    """One round of corrections: an unknown student is named together with a bad value."""
    data = GOOD.replace("251", "high").replace("LHS-2", "LHS-9").encode()
    with pytest.raises(ValidationError) as refused:
        import_outcomes(network=world.network, purpose=roster, data=data, today=TODAY)
    assert refused.value.messages == [
        "Row 2, value: “high” is not a number.",
        "Row 4, student_id: no student with id “LHS-9” in the roster of that school's district.",
    ]
    assert not StudentOutcome.objects.exists()
