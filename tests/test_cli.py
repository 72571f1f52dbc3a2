"""The `melior` command as an administrator uses it."""

import pytest
from django.contrib.auth import get_user_model
from typer.testing import CliRunner

from melior.cli import app
from melior.networks.models import Membership

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "serve", "migrate", "createuser", "loaddemo"):
        assert command in result.output


@pytest.mark.django_db
def test_loaddemo_prints_the_accounts_and_is_idempotent():
    first = runner.invoke(app, ["loaddemo", "--sites", "2", "--seed", "4"])
    assert first.exit_code == 0, first.output
    assert "2 schools added" in first.output
    assert "melior-demo" in first.output and "sitelead" in first.output
    second = runner.invoke(app, ["loaddemo", "--sites", "2", "--seed", "4"])
    assert "already loaded" in second.output


@pytest.mark.django_db
def test_createuser_with_a_role(world):
    result = runner.invoke(
        app,
        [
            "createuser",
            "newcoach",
            "--password",
            "a-long-pass-phrase-42",
            "--network",
            world.network.slug,
            "--role",
            "improvement_coach",
        ],
    )
    assert result.exit_code == 0, result.output
    user = get_user_model().objects.get(username="newcoach")
    assert user.check_password("a-long-pass-phrase-42")
    assert Membership.objects.filter(
        user=user, network=world.network, role="improvement_coach"
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--password", "x"], "too short"),
        (["--password", "a-long-pass-phrase-42", "--role", "viewer"], "needs --network"),
        (
            ["--password", "a-long-pass-phrase-42", "--network", "nope", "--role", "viewer"],
            "No network",
        ),
        (
            [
                "--password",
                "a-long-pass-phrase-42",
                "--network",
                "ninth-grade-network",
                "--role",
                "boss",
            ],
            "Unknown role",
        ),
    ],
)
def test_createuser_refuses_bad_input_clearly(world, args, message):
    result = runner.invoke(app, ["createuser", "someone", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_chart_command_prints_the_summary_and_writes_a_file(tmp_path):
    csv = tmp_path / "infections.csv"
    rows = ["month,n,days,period"] + [
        f"2024-{m:02d}-01,{c},{d},{'pre' if m <= 6 else 'post'}"
        for m, c, d in zip(
            range(1, 13), [9, 11, 8, 10, 12, 9, 4, 3, 5, 4, 2, 3], [1000] * 12, strict=True
        )
    ]
    csv.write_text("\n".join(rows))
    out = tmp_path / "chart.svg"
    result = runner.invoke(
        app,
        ["chart", str(csv), "--y", "n", "--n", "days", "--x", "month", "--kind", "u",
         "--part", "period", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "U chart" in result.output and "Part 2 (from Jul 1, 2024)" in result.output
    assert out.read_text().startswith("<svg")
    html = tmp_path / "chart.html"
    assert runner.invoke(app, ["chart", str(csv), "--y", "n", "--out", str(html)]).exit_code == 0
    assert "cdn.jsdelivr" not in html.read_text()  # works on a locked-down network


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--y", "n"], "No such file"),
        (["{csv}", "--y", "nope"], "not in"),
        (["{csv}", "--y", "n", "--kind", "p"], "needs n"),
    ],
)
def test_chart_command_bad_input(tmp_path, args, message):
    csv = tmp_path / "data.csv"
    csv.write_text("n\n1\n2\n3\n")
    result = runner.invoke(app, ["chart", *[a.replace("{csv}", str(csv)) for a in args]])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.django_db
def test_token_create_and_revoke(world):
    from melior.api.models import ApiToken
    from melior.api.services import user_for_key

    result = runner.invoke(app, ["token", "create", "net-viewer", "SIS sync"])
    assert result.exit_code == 0, result.output
    key = next(word for word in result.output.split() if word.startswith("mlr_"))
    assert user_for_key(key) == world.users["network:viewer"]
    revoked = runner.invoke(app, ["token", "revoke", key[:12]])
    assert revoked.exit_code == 0 and ApiToken.objects.get().revoked_at is not None
    assert user_for_key(key) is None
    assert runner.invoke(app, ["token", "create", "nobody", "x"]).exit_code == 2


@pytest.mark.django_db
def test_import_observations_command(world, tmp_path):
    from melior.measures.models import Observation

    good = tmp_path / "good.csv"
    good.write_text("School,measure,period_start,numerator,denominator\n"
                    f"{world.school.slug},on-track,2025-09-01,5,10\n")  # fmt: skip
    args = ["import", "observations", str(good), "--network", world.network.slug]
    dry = runner.invoke(app, [*args, "--map", "site=School", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Nothing was written" in dry.output and not Observation.objects.exists()
    done = runner.invoke(app, [*args, "--map", "site=School"])
    assert "1 added" in done.output and Observation.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"site,measure,period_start,numerator,denominator\n{world.school.slug},on-track,2025-09-08,9,5\n"
    )
    refused = runner.invoke(
        app, ["import", "observations", str(bad), "--network", world.network.slug]
    )
    assert refused.exit_code == 2
    assert "1 problem — nothing was written." in refused.output
    assert "│   2 │ numerator │ 9 " in refused.output  # the table: row, column, value
    assert Observation.objects.count() == 1


@pytest.mark.django_db
def test_notify_reminds_about_overdue_cycles_once(settings):
    import datetime

    from melior.demo.generator import load_demo
    from melior.pdsa.models import Cycle

    load_demo(seed=4, sites=1)
    cycle = Cycle.objects.filter(authors__username="teacher").first()
    cycle.status, cycle.due = "running", datetime.date.today() - datetime.timedelta(days=3)
    cycle.save()
    overdue = Cycle.objects.exclude(status="done").filter(due__lt=datetime.date.today())
    expected = sum(c.authors.count() for c in overdue)
    assert expected >= 2  # the teacher and the site lead, at least
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = runner.invoke(app, ["notify"])
    assert first.exit_code == 0, first.output
    assert f"Overdue reminders: {expected}" in first.output
    assert "Overdue reminders: 0" in runner.invoke(app, ["notify", "--no-digest"]).output


@pytest.mark.django_db
def test_purge_reports_what_it_removed(world):
    import datetime

    from melior.governance import services
    from melior.governance.models import Enrollment, StudentOutcome

    purpose = services.add_purpose(network=world.network, name="Equity monitoring")
    student = services.register_student(district=world.district, student_id="S-9")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2019
    )
    StudentOutcome.objects.create(
        student=student,
        site=world.school,
        purpose=purpose,
        kind="attendance",
        name="Attendance rate",
        value=0.9,
        date=datetime.date(2019, 6, 1),
    )
    first = runner.invoke(app, ["purge", "--network", world.network.slug])
    assert first.exit_code == 0, first.output
    assert "removed 1 outcomes, 0 usage, 1 enrollments, 1 students" in first.output
    again = runner.invoke(app, ["purge", "--network", world.network.slug])
    assert "removed 0 outcomes, 0 usage, 0 enrollments, 0 students" in again.output
    assert runner.invoke(app, ["purge", "--network", "nope"]).exit_code == 2
