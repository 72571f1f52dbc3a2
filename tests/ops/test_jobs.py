"""The worker's jobs, run in immediate mode: each does what its command does, the schedule
lists them all, an import warms the status table, and a job that keeps failing is kept for the
operator."""

import datetime
import stat

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY, db_task
from typer.testing import CliRunner

from melior.cli import app
from melior.ops import tasks
from melior.ops.models import FailedJob

runner = CliRunner()


def test_the_schedule_lists_every_periodic_task(db):
    registered = {task.__name__ for task in HUEY._registry._periodic_tasks}
    assert registered >= {"notify", "purge", "backup", "aggregate_usage", "heartbeat"}
    shown = runner.invoke(app, ["jobs"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for name in registered:
        assert name in shown.output
    assert "daily at 03:00 UTC" in shown.output and "No failed jobs." in shown.output


def test_the_purge_job_removes_expired_student_records(world):
    from melior.governance import services
    from melior.governance.models import Enrollment, Student, StudentOutcome

    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    student = services.register_student(district=world.district, student_id="S-9")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2019
    )
    StudentOutcome.objects.create(
        student=student, site=world.school, purpose=purpose, kind="attendance",
        name="Attendance rate", value=0.9, date=datetime.date(2019, 6, 1),
    )  # fmt: skip
    tasks.purge()
    assert not StudentOutcome.objects.exists() and not Student.objects.exists()
    tasks.purge()  # again: nothing left to remove, and no failure
    assert not FailedJob.objects.exists()


@pytest.mark.django_db
def test_the_notify_job_reminds_once_and_emails_the_digest(settings, mailoutbox):
    from melior.demo.generator import load_demo
    from melior.pdsa.models import Cycle, Notification

    load_demo(seed=4, sites=1)
    cycle = Cycle.objects.filter(authors__username="teacher").first()
    cycle.status, cycle.due = "running", datetime.date.today() - datetime.timedelta(days=3)
    cycle.save()
    teacher = cycle.authors.get(username="teacher")
    teacher.email = "teacher@example.org"
    teacher.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.notify()
    reminders = Notification.objects.filter(cycle=cycle, kind="overdue").count()
    assert reminders == cycle.authors.count() >= 1
    (digest,) = [m for m in mailoutbox if m.to == ["teacher@example.org"]]
    assert f"“{cycle.title}” was due" in digest.body
    emailed = len(mailoutbox)
    tasks.notify()  # a retry or a second run sends nothing twice
    assert Notification.objects.filter(cycle=cycle, kind="overdue").count() == reminders
    assert len(mailoutbox) == emailed


def test_the_backup_job_writes_an_owner_only_backup(transactional_db, settings, tmp_path):
    if connection.vendor == "postgresql":
        pytest.importorskip("shutil").which("pg_dump") or pytest.skip("pg_dump is not installed")
    settings.MELIOR_BACKUP_DIR = tmp_path / "backups"
    tasks.backup()
    (written,) = list((tmp_path / "backups").iterdir())
    assert written.stat().st_size > 0
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert not FailedJob.objects.exists()


def test_an_import_warms_the_network_status_table(
    world, tmp_path, django_capture_on_commit_callbacks
):
    from melior.measures.across_sites.status import status_table
    from melior.measures.across_sites.stored import ENGINE
    from melior.measures.imports import import_observations
    from melior.measures.models import Measure, SeriesStatus

    rows = "".join(
        f"{world.school.slug},on-track,{datetime.date(2025, 9, 1) + datetime.timedelta(weeks=w)},"
        f"{w + 3},10\n"
        for w in range(8)
    )
    upload = tmp_path / "weeks.csv"
    upload.write_text("site,measure,period_start,numerator,denominator\n" + rows)
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        import_observations(world.network, upload)
    with CaptureQueriesContext(connection) as warm:
        warm_table = status_table(world.network)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        cold_table = status_table(world.network)
    assert len(warm) < len(cold)  # the first visitor after the import reads it from the cache
    assert warm_table.statuses == cold_table.statuses and warm_table.statuses
    assert warm_table.standing == cold_table.standing
    # and with the cache emptied, the table reads the statuses the job stored
    assert Measure.objects.get(pk=world.measure.pk).statuses_engine == ENGINE
    assert not SeriesStatus.objects.filter(stale=True).exists()
    assert not any("observation" in q["sql"] for q in cold.captured_queries)


@db_task(retries=2, name="test_always_fails")
def always_fails(reason):
    raise ValueError(reason)


def test_a_job_failing_after_every_retry_is_shown_to_the_operator(db):
    always_fails("the disk is full")
    (failure,) = FailedJob.objects.all()  # one record, after the last retry, not one per try
    assert failure.task == "test_always_fails"
    assert "ValueError: the disk is full" in failure.error
    shown = runner.invoke(app, ["jobs"], terminal_width=200)
    assert "test_always_fails" in shown.output and "the disk is full" in shown.output


def test_the_heartbeat_job_is_what_the_health_check_reads(db, client):
    assert client.get("/health/").status_code == 503
    tasks.heartbeat()
    assert client.get("/health/").status_code == 200
