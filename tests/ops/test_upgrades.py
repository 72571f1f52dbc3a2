"""An instance installed before an app's label changed keeps its data when it migrates."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection

from melior.evaluation.models import Pilot
from melior.governance.services import add_purpose
from melior.ops.upgrades import rename_app_labels


def _as_installed_before_the_rename():
    """Puts the database back as the old label left it: tables, history and content types."""
    tables = [t for t in connection.introspection.table_names() if t.startswith("evaluation_")]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            old = "pilots" + table[len("evaluation") :]
            cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
        cursor.execute("UPDATE django_migrations SET app = 'pilots' WHERE app = 'evaluation'")
        cursor.execute(
            "UPDATE django_content_type SET app_label = 'pilots' WHERE app_label = 'evaluation'"
        )
    return tables


@pytest.mark.django_db(transaction=True)
def test_migrate_moves_the_pilots_of_an_older_instance_to_the_new_label(world):
    pilot = Pilot.objects.create(
        network=world.network, title="Reading app", school_year=2025,
        starts="2025-09-01", ends="2026-05-01", question="Does it help?",
        purpose=add_purpose(network=world.network, name="Pilot evaluation"),
    )  # fmt: skip
    pilot.sites.add(world.school)
    tables = _as_installed_before_the_rename()
    assert "pilots_pilot" in connection.introspection.table_names()

    out = io.StringIO()
    call_command("migrate", interactive=False, stdout=out)

    assert "app label pilots → evaluation" in out.getvalue()
    assert sorted(t for t in connection.introspection.table_names() if "pilot" in t) == sorted(
        t for t in tables if "pilot" in t
    )
    restored = Pilot.objects.get()
    assert (restored.title, [s.slug for s in restored.sites.all()]) == (
        "Reading app",
        ["lincoln-high"],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'pilots'")
        assert cursor.fetchone()[0] == 0
    # a second run has nothing to move
    assert rename_app_labels() == []


@pytest.mark.django_db(transaction=True)
def test_an_archive_written_under_the_old_label_restores(world, settings):
    from melior.archive import _signature, export_archive, import_archive
    from melior.networks.models import Network

    Pilot.objects.create(
        network=world.network, title="Reading app", school_year=2025,
        starts="2025-09-01", ends="2026-05-01", question="Does it help?",
        purpose=add_purpose(network=world.network, name="Pilot evaluation"),
    )  # fmt: skip
    source = zipfile.ZipFile(io.BytesIO(export_archive(world.network)))
    entries = {name: source.read(name) for name in source.namelist() if name != "signature"}
    records = json.loads(entries["data.json"])
    for record in records:
        record["model"] = record["model"].replace("evaluation.", "pilots.")
    entries["data.json"] = json.dumps(records).encode()
    older = io.BytesIO()
    with zipfile.ZipFile(older, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        archive.writestr("signature", _signature(entries))
    call_command("flush", interactive=False, verbosity=0)

    restored = import_archive(older.getvalue())

    assert restored.pilots.get().title == "Reading app"
    assert Network.objects.count() == 1
