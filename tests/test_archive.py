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
from melior.governance import services as governance
from melior.governance.models import Enrollment, Section, StudentOutcome, UsageRecord
from melior.learning import services as learning
from melior.measures.services import add_annotation, record_observation
from melior.networks.models import Network
from melior.pdsa import services as pdsa
from melior.problems import services as problems
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


@pytest.mark.django_db
def test_a_damaged_archive_is_refused(world):
    data = export_archive(world.network)
    with pytest.raises(ValidationError, match="not a complete Melior archive"):
        import_archive(data[: len(data) // 2])  # truncated
    with pytest.raises(ValidationError, match="not a complete Melior archive"):
        import_archive(b"")
