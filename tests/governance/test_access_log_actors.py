"""The access log says who did it and from where: role changes made on a page carry the
signed-in user and their address; the `melior` command's student imports and archive exports
are logged, signed by the account that ran them; and the purge counts the retention period
from the revocation date the steward entered."""

import datetime
import getpass

from django.urls import reverse
from typer.testing import CliRunner

from melior.cli import app
from melior.governance import services
from melior.governance.models import AccessLog, Enrollment, UsageRecord

runner = CliRunner()
COMMAND_LINE = f"{getpass.getuser()} (command line)"


def test_a_role_change_on_a_page_names_who_made_it_and_from_where(client, world, django_user_model):
    admin = django_user_model.objects.create_superuser("root-admin", password="pw-melior-1")
    client.force_login(admin)
    answer = client.post(
        reverse("admin:networks_membership_add"),
        {"user": world.users["outsider"].pk, "network": world.network.pk, "role": "viewer"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert answer.status_code == 302
    entry = AccessLog.objects.get(action="permission", what__contains="Viewer for outsider")
    assert (entry.username, entry.user, entry.address) == ("root-admin", admin, "203.0.113.7")


def test_a_role_given_by_the_command_is_signed_by_its_account(world):
    result = runner.invoke(
        app,
        ["createuser", "outsider", "--network", world.network.slug, "--role", "viewer"],
    )
    assert result.exit_code == 0, result.output
    entry = AccessLog.objects.get(action="permission", what__contains="Viewer for outsider")
    assert entry.username == COMMAND_LINE
    # once the command is over, nothing else is signed with its name
    later = services.log(user=None, network=world.network, action="purge", what="x")
    assert later.username == ""


def test_command_line_imports_and_archive_exports_are_logged(world, tmp_path):
    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    student = services.register_student(district=world.district, student_id="LHS-1")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text(
        "student_id,school,name,value,date\nLHS-1,lincoln-high,Attendance,0.9,2026-01-05\n"
    )
    usage = tmp_path / "usage.csv"
    usage.write_text("student_id,school,date,minutes\nLHS-1,lincoln-high,2026-01-05,20\n")
    common = ["--network", world.network.slug, "--purpose", purpose.name]
    for args in (
        ["import", "outcomes", str(outcomes), *common, "--dry-run"],
        ["import", "outcomes", str(outcomes), *common],
        ["import", "usage", str(usage), *common, "--product", "App"],
        ["export", "archive", "--network", world.network.slug, "--out", str(tmp_path / "a.zip")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    logged = AccessLog.objects.filter(action__in=["import", "export_rows"]).order_by("pk")
    assert list(logged.values_list("username", "action", "what", "records")) == [
        (COMMAND_LINE, "import", "Outcomes for Equity monitoring", 1),
        (COMMAND_LINE, "import", "Usage of App for Equity monitoring", 1),
        (COMMAND_LINE, "export_rows", "Network archive with student rows", 1),
    ]


def test_the_purge_counts_from_the_revocation_date_entered(world):
    """A revocation dated long ago but recorded today is past the retention period now."""
    purpose = services.add_purpose(network=world.network, name="App pilot", opt_in=True)
    student = services.register_student(district=world.district, student_id="LHS-2")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    today = datetime.date.today()
    UsageRecord.objects.create(
        student=student, site=world.school, purpose=purpose, product="App", date=today, minutes=5
    )
    services.update_privacy(network=world.network, min_cell_size=10, retention_days=30)
    services.record_consent(
        student=student,
        purpose=purpose,
        status="revoked",
        given_by="guardian",
        date=today - datetime.timedelta(days=45),
        source="Letter",
    )
    removed = services.purge(network=world.network, today=today)
    assert removed["usage"] == 1 and not UsageRecord.objects.exists()
