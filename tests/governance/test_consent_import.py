"""Consent decisions imported in bulk (issue #18): all or nothing with every bad row named, only
for the steward's own students, the same records (and purge) as the one-at-a-time form, and the
same problems on the page, at the command line and in the job's answer."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from typer.testing import CliRunner

from melior.cli import app
from melior.governance import services
from melior.governance.consent_import import import_consents
from melior.governance.models import AccessLog, Consent, Enrollment, Student, StudentOutcome
from melior.networks.services import add_site, create_organization

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def cohort(world):
    """Three students at Lincoln High, one at Parks High (same district), one at Oak High of
    another district in the network; a purpose."""
    purpose = services.add_purpose(network=world.network, name="App pilot", opt_in=True)
    for sid, site in [("LHS-1", world.school), ("LHS-2", world.school), ("LHS-3", world.school),
                      ("PHS-1", world.sibling_school)]:  # fmt: skip
        student = services.register_student(district=world.district, student_id=sid)
        Enrollment.objects.create(student=student, site=site, grade_level="09", school_year=2025)
    oak_district = create_organization(name="Oak District", kind="district")
    oak = create_organization(name="Oak High", parent=oak_district)
    add_site(network=world.network, organization=oak)
    student = services.register_student(district=oak_district, student_id="OAK-1")
    Enrollment.objects.create(student=student, site=oak, grade_level="09", school_year=2025)
    return purpose


def csv(*rows: str) -> bytes:
    return ("student_id,decision,date,source\n" + "".join(f"{r}\n" for r in rows)).encode()


GOOD = csv(
    "LHS-1,opt-in,2026-02-01,paper form",
    "LHS-2,Refused,2026-02-02,paper form",
    "LHS-3,revoked,2026-02-03,email from guardian",
)


def test_a_steward_checks_then_imports_decisions_once(world, cohort):
    steward = world.users["school:data_steward"]
    site_ids = {world.school.pk}
    kwargs = dict(network=world.network, purpose=cohort, site_ids=site_ids, user=steward)
    dry = import_consents(data=GOOD, dry_run=True, today=TODAY, **kwargs)
    assert (dry.added, dry.granted, dry.refused_decisions, dry.revoked) == (3, 1, 1, 1)
    assert not Consent.objects.exists() and not AccessLog.objects.filter(action="consent")
    done = import_consents(data=GOOD, today=TODAY, **kwargs)
    assert (done.added, done.changed, done.unchanged) == (3, 0, 0)
    assert sorted(Consent.objects.values_list("status", flat=True)) == [
        "granted", "refused", "revoked",
    ]  # fmt: skip
    assert set(Consent.objects.values_list("given_by", "recorded_by")) == {("guardian", steward.pk)}
    (entry,) = AccessLog.objects.filter(action="consent")
    assert entry.records == 3 and entry.username == steward.username
    assert "1 granted" in entry.what and "1 revoked" in entry.what
    again = import_consents(data=GOOD, today=TODAY, **kwargs)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 3)
    changed = import_consents(
        data=csv("LHS-1,revoked,2026-02-20,online form"), today=TODAY, **kwargs
    )
    assert changed.changed == 1
    assert Consent.objects.get(source="online form").status == "revoked"


def test_every_bad_row_is_named_at_once_and_nothing_is_written(world, cohort):
    long_source_id = "LHS-" + "9" * 120  # quoted in full, however long
    data = csv(
        "LHS-1,maybe,2026-02-01,paper form",
        "LHS-2,opt-in,01/02/2026,paper form",
        "LHS-3,opt-in,2026-12-01,paper form",
        "LHS-1,opt-in,2026-02-01,",
        f"{long_source_id},opt-in,2026-02-01,paper form",
        "LHS-2,opt-in,2026-02-01,paper form",
    )
    with pytest.raises(ValidationError) as refused:
        import_consents(network=world.network, purpose=cohort, data=data, today=TODAY)
    assert refused.value.messages == [
        "Row 2, decision: “maybe” is not a decision: opt-in, refused or revoked.",
        "Row 3, date: “01/02/2026” is not a date (YYYY-MM-DD).",
        "Row 4, date: 2026-12-01 is in the future.",
        "Row 5, source: say where it came from, e.g. the paper form.",
        "Row 5, student_id: a second decision for “LHS-1” in the file.",
        f"Row 6, student_id: no student with id “{long_source_id}” is enrolled at a school you "
        "are the data steward for.",
        "Row 7, student_id: a second decision for “LHS-2” in the file.",
    ]
    assert refused.value.problems[5].value == long_source_id
    assert not Consent.objects.exists()


def test_a_steward_imports_only_for_their_own_students_and_learns_nothing_else(world, cohort):
    """A school's steward: a student of a sibling school or of another district is refused in
    the same words as an id that exists nowhere."""
    data = csv(
        "PHS-1,opt-in,2026-02-01,paper form",
        "OAK-1,opt-in,2026-02-01,paper form",
        "NOBODY-1,opt-in,2026-02-01,paper form",
        "LHS-1,opt-in,2026-02-01,paper form",
    )
    with pytest.raises(ValidationError) as refused:
        import_consents(
            network=world.network, purpose=cohort, data=data, site_ids={world.school.pk},
            today=TODAY,
        )  # fmt: skip
    worded = {re.sub("“[^”]*”", "“…”", m) for m in refused.value.messages}
    assert len(refused.value.messages) == 3 and len({m[6:] for m in worded}) == 1
    assert not Consent.objects.exists()
    # the district's steward (every school of Cedar District) may record PHS-1, not OAK-1
    both = {world.school.pk, world.sibling_school.pk}
    with pytest.raises(ValidationError, match="Row 3, student_id: no student with id “OAK-1”"):
        import_consents(network=world.network, purpose=cohort, data=data, site_ids=both,
                        today=TODAY)  # fmt: skip


def test_a_bulk_revocation_is_purged_like_one_recorded_on_the_form(world, cohort):
    one, other = (Student.objects.get(key=services.pseudonym(world.district, sid))
                  for sid in ("LHS-1", "LHS-2"))  # fmt: skip
    for student in (one, other):
        StudentOutcome.objects.create(
            student=student, site=world.school, purpose=cohort, kind="assessment",
            name="Algebra I", value=250, date=datetime.date(2026, 2, 25),
        )  # fmt: skip
    revoked_on = datetime.date(2026, 2, 1)
    services.record_consent(student=one, purpose=cohort, status="revoked", given_by="guardian",
                            date=revoked_on, source="paper form")  # fmt: skip
    import_consents(network=world.network, purpose=cohort, today=TODAY,
                    data=csv(f"LHS-2,revoked,{revoked_on},paper form"))  # fmt: skip
    assert Consent.objects.filter(status="revoked").count() == 2
    kept = services.privacy_for(world.network).retention_days
    services.purge(network=world.network, today=revoked_on + datetime.timedelta(days=kept - 1))
    assert StudentOutcome.objects.count() == 2  # within the retention period: both kept
    services.purge(network=world.network, today=revoked_on + datetime.timedelta(days=kept + 1))
    assert not StudentOutcome.objects.filter(student__in=[one, other]).exists()


def test_the_page_and_the_command_line_report_the_same_problems(client, world, cohort, tmp_path):
    data = csv("LHS-1,maybe,2026-02-01,paper form", "NOBODY-1,opt-in,2030-01-01,paper form")
    steward = world.users["school:data_steward"]
    client.force_login(steward)
    url = f"/n/{world.network.slug}/students/import/"
    upload = io.BytesIO(data)
    upload.name = "consent.csv"
    page = client.post(url, {"kind": "consent", "purpose": cohort.pk, "file": upload})
    assert page.status_code == 400
    shown = page.content.decode()
    path = tmp_path / "consent.csv"
    path.write_bytes(data)
    runner = CliRunner()
    command = ["import", "consent", str(path), "--network", world.network.slug]
    result = runner.invoke(app, [*command, "--purpose", cohort.name])
    assert result.exit_code == 2
    for row, column, value in [("2", "decision", "maybe"), ("3", "date", "2030-01-01"),
                               ("3", "student_id", "NOBODY-1")]:  # fmt: skip
        assert f'<td class="num">{row}</td><td>{column}</td><td><code>{value}</code></td>' in shown
        assert re.search(rf"│\s+{row} │ {column}\s+│ {value}\s+│", result.output), result.output
    assert "3 problems — nothing was written." in shown and "3 problems" in result.output
    assert not Consent.objects.exists()


def test_the_page_imports_after_the_check_and_logs_it(client, world, cohort):
    client.force_login(world.users["network:data_steward"])
    url = f"/n/{world.network.slug}/students/import/"
    upload = io.BytesIO(GOOD)
    upload.name = "consent.csv"
    checked = client.post(url, {"kind": "consent", "purpose": cohort.pk, "file": upload})
    assert checked.status_code == 200 and "Checked: ready to import" in checked.text
    assert "1 opt-in, 1 refused, 1 revoked" in checked.text and not Consent.objects.exists()
    token = re.search(r'name="upload" value="([^"]+)"', checked.text).group(1)
    done = client.post(url, {"kind": "consent", "purpose": cohort.pk, "upload": token,
                             "commit": "1", "given_by": "student"})  # fmt: skip
    assert done.status_code == 200 and "Imported" in done.text
    assert Consent.objects.filter(given_by="student").count() == 3
    assert AccessLog.objects.filter(action="consent", records=3).count() == 1
    assert not AccessLog.objects.filter(action="import").exists()
