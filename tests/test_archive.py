"""A network's archive restores into an empty instance exactly: archive → empty instance →
archive gives the same bytes."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from melior.archive import export_archive, import_archive
from melior.evaluation import evidence
from melior.evaluation.models import Amendment, Assignment, Pilot
from melior.fidelity import services as fidelity
from melior.fidelity.models import Adaptation, Check, FidelityPlan
from melior.governance import services as governance
from melior.governance.models import (
    Enrollment,
    Section,
    StudentAttribute,
    StudentOutcome,
    UsageRecord,
)
from melior.learning import services as learning
from melior.measures.services import add_annotation, record_observation
from melior.networks.models import Network
from melior.pdsa import services as pdsa
from melior.problems import services as problems
from melior.progress.services import confirm_progress
from melior.projects.services import create_project
from melior.theory import services as theory


@pytest.mark.django_db(transaction=True)
def test_round_trip_into_an_empty_instance_is_exact(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    record_observation(
        measure=world.measure,
        organization=world.school,
        period=datetime.date(2025, 9, 1),
        numerator=7,
        denominator=20,
    )
    add_annotation(
        measure=world.measure,
        organization=world.school,
        date=datetime.date(2025, 9, 1),
        text="Started calls",
    )
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(diagram=diagram, text="Aim\n  Attend\n    Hear\n      Call\n")
    idea = diagram.nodes.get(name="Call")
    theory.link_measure(node=diagram.nodes.get(name="Aim"), measure=world.measure)
    project = create_project(
        network=world.network,
        site=world.school,
        title="On track",
        team=[world.users["school:team_member"]],
    )
    theory.adapt(project=project)
    from melior.administration.services import invite
    from melior.networks.services import set_retired

    invite(inviter=world.users["network:network_lead"], network=world.network,
           email="new@d.org", role="team_member", scope=world.school)  # fmt: skip
    set_retired(link=world.network.site_links.get(organization=world.sibling_school), retired=True)
    confirm_progress(
        project=project, user=world.users["school:team_member"], score="1.0",
        assessed_on=datetime.date(2025, 9, 5), note="Team formed",
    )  # fmt: skip
    cycle = pdsa.create_cycle(
        project=project,
        change_idea=idea,
        title="Calls",
        objective="x",
        user=world.users["school:team_member"],
    )
    pdsa.save_question(cycle=cycle, text="Answer?", kind="qualitative", prediction="Yes")
    cycle.status = "planned"
    cycle.save()
    pdsa.add_attachment(cycle=cycle, upload=SimpleUploadedFile("notes.txt", b"what we saw"))
    plan = fidelity.define_plan(idea=idea, dimensions=["adherence", "dose"], rhythm="weekly")
    script = fidelity.add_component(
        plan=plan, name="Script", essential=True, ideal="a", acceptable="b", unacceptable="c"
    )
    fidelity.record_check(
        plan=plan, site=world.school, checked_on=datetime.date(2025, 9, 3), rated_by="Coach",
        levels={(script.pk, "adherence"): 2, (script.pk, "dose"): 1}, notes="Good start",
    )  # fmt: skip
    fidelity.log_adaptation(
        component=script, site=world.school, made_on=datetime.date(2025, 9, 4), what="Texts",
        goal="fit_recipients", decided_by="Team", planned=False, cycle=cycle,
    )  # fmt: skip
    analysis = problems.analysis_for(world.network)
    cat = problems.add_category(analysis=analysis, name="Students")
    problems.save_cause(
        analysis=analysis, category=cat, name="Absence", drivers=[diagram.nodes.get(name="Attend")]
    )
    learning.announce(network=world.network, title="Hello", body="Welcome")
    purpose = governance.add_purpose(network=world.network, name="Equity monitoring")
    student = governance.register_student(district=world.district, student_id="S-1")
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    StudentOutcome.objects.create(
        student=student,
        site=world.school,
        purpose=purpose,
        kind="attendance",
        name="Attendance rate",
        value=0.9,
        date=datetime.date(2025, 6, 1),
    )
    # an English learner who exits the status: the history goes with the student
    for value, as_of in [("Yes", datetime.date(2024, 8, 20)), ("No", datetime.date(2025, 1, 15))]:
        StudentAttribute.objects.create(
            student=student, attribute="english_learner_status", value=value, as_of=as_of
        )
    section = Section.objects.create(
        site=world.school, sourced_id="c1", title="Algebra I", school_year=2025
    )
    section.students.add(student)
    UsageRecord.objects.create(
        student=student,
        site=world.school,
        purpose=purpose,
        product="Math app",
        date=datetime.date(2025, 10, 6),
        minutes=20,
        sessions=1,
        completions=1,
    )
    pilot = Pilot.objects.create(
        network=world.network,
        title="Math app pilot",
        tool="Math app",
        question="Does it help?",
        unit=Pilot.Unit.CLASS,
        school_year=2025,
        starts=datetime.date(2025, 9, 1),
        ends=datetime.date(2026, 5, 1),
        purpose=purpose,
    )
    pilot.sites.add(world.school)
    pilot.outcomes.create(name="Attendance rate", meaningful_effect=0.02)
    Amendment.objects.create(pilot=pilot, what="Baseline", after="Spring test", reason="Known")
    code = evidence.add_code(pilot=pilot, name="Easy to start")
    evidence.add_evidence(
        pilot=pilot, user=world.users["network:network_lead"], codes=[code], respondent="teacher",
        collected_on=datetime.date(2025, 10, 1), text="They liked it", site=world.school,
        arm="tool",
    )  # fmt: skip
    Assignment.objects.create(
        pilot=pilot, student=student, site=world.school, section=section, arm=1
    )
    first = export_archive(world.network)
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert {"manifest.json", "data.json", "observations.csv", "cycles.csv"} <= set(names)
    assert any(n.startswith("files/pdsa/") for n in names)

    with pytest.raises(ValidationError, match="empty instance"):
        import_archive(first)
    call_command("flush", interactive=False, verbosity=0)
    for f in (tmp_path / "uploads").rglob("*"):
        if f.is_file():
            f.unlink()
    restored = import_archive(first)
    assert restored.slug == world.network.slug
    assert export_archive(Network.objects.get()) == first  # byte for byte
    assert restored.cycles.get().attachments.get().file.read() == b"what we saw"
    assert Section.objects.get().students.count() == 1
    assert UsageRecord.objects.get().completions == 1
    assert list(
        StudentAttribute.objects.values_list("student__key", "attribute", "value", "as_of")
    ) == [
        (student.key, "english_learner_status", "Yes", datetime.date(2024, 8, 20)),
        (student.key, "english_learner_status", "No", datetime.date(2025, 1, 15)),
    ]
    assert restored.projects.get().progress_assessments.get().note == "Team formed"
    restored_pilot = restored.pilots.get()
    assert [s.slug for s in restored_pilot.sites.all()] == ["lincoln-high"]
    assert restored_pilot.outcomes.get().meaningful_effect == 0.02
    assert restored_pilot.amendments.get().after == "Spring test"
    assert restored_pilot.assignments.get().section.title == "Algebra I"
    assert [c.name for c in restored_pilot.evidence.get().codes.all()] == ["Easy to start"]
    check = Check.objects.get()
    assert (check.score, check.notes, check.ratings.count()) == (75.0, "Good start", 2)
    assert Adaptation.objects.get().cycle == restored.cycles.get()
    assert FidelityPlan.objects.get().measure.observations.get().value == 75.0
    assert not restored.memberships.first().user.has_usable_password()
    # the restored instance goes on: new records get new ids
    record_observation(
        measure=restored.measures.get(slug="on-track"),
        organization=restored.sites.get(slug="lincoln-high"),
        period=datetime.date(2025, 9, 8),
        numerator=8,
        denominator=20,
    )
    pdsa.create_cycle(project=restored.projects.get(), change_idea=idea, title="Next")


@pytest.mark.django_db(transaction=True)
def test_a_time_within_the_first_millisecond_of_a_second_restores_exactly(world):
    # The serialiser keeps milliseconds; a time 0.000456 s past the second was written with
    # ".000" and came back as a whole second, written without it: the archive changed.
    from melior.learning.models import Announcement

    announcement = learning.announce(network=world.network, title="Hello", body="Welcome")
    stamp = datetime.datetime(2025, 9, 1, 8, 30, 0, 456, tzinfo=datetime.UTC)
    Announcement.objects.filter(pk=announcement.pk).update(created_at=stamp)
    first = export_archive(world.network)
    _empty_instance()
    import_archive(first)
    assert export_archive(Network.objects.get()) == first


@pytest.mark.django_db
def test_a_damaged_archive_is_refused(world):
    data = export_archive(world.network)
    with pytest.raises(ValidationError, match="not a complete Melior archive"):
        import_archive(data[: len(data) // 2])  # truncated
    with pytest.raises(ValidationError, match="not a complete Melior archive"):
        import_archive(b"")


def _rewrite(data: bytes, change_records, sign_with: str | None = None) -> bytes:
    """The archive with data.json changed as an attacker would, re-signed under `sign_with`
    (another instance's key) or with the signature kept as it was."""
    import hashlib
    import hmac
    import json

    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {name: source.read(name) for name in source.namelist()}
    records = json.loads(entries["data.json"])
    change_records(records)
    entries["data.json"] = json.dumps(records).encode()
    if sign_with is not None:
        signed = hmac.new(sign_with.encode(), digestmod=hashlib.sha256)
        for name in sorted(n for n in entries if n != "signature"):
            signed.update(name.encode() + b"\0" + hashlib.sha256(entries[name]).digest())
        entries["signature"] = signed.hexdigest().encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


ATTACKER_KEY = "mlr_" + "k" * 43


def _make_admin_with_a_token(records):
    """What the attack did: a superuser with a known password and an API token it knows."""
    import hashlib

    from django.contrib.auth.hashers import make_password

    person = next(r for r in records if r["model"] == "auth.user")
    person["fields"].update(
        is_superuser=True,
        is_staff=True,
        password=make_password("attacker-knows-this"),
        user_permissions=[1, 2, 3],
    )
    records.append(
        {
            "model": "api.apitoken",
            "pk": 900,
            "fields": {
                "user": person["pk"],
                "name": "backdoor",
                "prefix": ATTACKER_KEY[:12],
                "key_hash": hashlib.sha256(ATTACKER_KEY.encode()).hexdigest(),
                "created_at": "2025-01-01T00:00:00Z",
                "last_used_at": None,
                "revoked_at": None,
            },
        }
    )
    return person["fields"]["username"]


def _empty_instance():
    call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_crafted_archive_never_makes_a_superuser_or_a_token(world, settings):
    from django.contrib.auth import get_user_model

    from melior.api.models import ApiToken
    from melior.api.services import user_for_key

    data = export_archive(world.network)
    username = None

    def craft(records):
        nonlocal username
        username = _make_admin_with_a_token(records)

    crafted = _rewrite(data, craft, sign_with="another instance's key")
    _empty_instance()
    with pytest.raises(ValidationError, match="cannot be trusted"):
        import_archive(crafted)
    # even accepted as foreign, records Melior never exports are refused, and nothing is kept
    with pytest.raises(ValidationError, match=r"never exports \(api.ApiToken\)"):
        import_archive(crafted, accept_foreign=True)
    assert not Network.objects.exists() and not get_user_model().objects.exists()

    without_token = _rewrite(
        data, lambda records: _make_admin_with_a_token(records) and records.pop()
    )
    import_archive(without_token, accept_foreign=True)
    person = get_user_model().objects.get(username=username)
    assert not person.is_superuser and not person.is_staff
    assert not person.has_usable_password() and not person.check_password("attacker-knows-this")
    assert not person.user_permissions.exists()
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not ApiToken.objects.exists() and user_for_key(ATTACKER_KEY) is None


@pytest.mark.django_db(transaction=True)
def test_an_archive_changed_after_export_is_refused(world):
    data = export_archive(world.network)

    def rename_the_network(records):
        network = next(r for r in records if r["model"] == "networks.network")
        network["fields"]["name"] = "Renamed"

    tampered = _rewrite(data, rename_the_network)  # the original signature kept
    _empty_instance()
    with pytest.raises(ValidationError, match="changed after it was exported"):
        import_archive(tampered)
    unsigned = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(unsigned, "w") as out:
        for name in source.namelist():
            if name != "signature":
                out.writestr(name, source.read(name))
    with pytest.raises(ValidationError, match="not signed"):
        import_archive(unsigned.getvalue())
    assert not Network.objects.exists()
    assert import_archive(tampered, accept_foreign=True).name == "Renamed"


@pytest.mark.django_db(transaction=True)
def test_another_instances_archive_restores_with_its_key_or_when_accepted(
    world, settings, tmp_path
):
    settings.ARCHIVE_KEY = "the exporting instance's key"
    data = export_archive(world.network)
    archive = tmp_path / "network.zip"
    archive.write_bytes(data)
    _empty_instance()
    settings.ARCHIVE_KEY = "this instance's own key"
    from typer.testing import CliRunner

    from melior.cli import app

    refused = CliRunner().invoke(app, ["import", "archive", str(archive)])
    assert refused.exit_code == 2
    assert "another Melior instance" in refused.output and "--accept-foreign" in refused.output
    assert not Network.objects.exists()
    accepted = CliRunner().invoke(app, ["import", "archive", str(archive), "--accept-foreign"])
    assert accepted.exit_code == 0, accepted.output
    assert Network.objects.get().slug == world.network.slug
    _empty_instance()
    settings.ARCHIVE_KEY = "the exporting instance's key"  # the operator copied the key over
    assert import_archive(data).slug == world.network.slug
