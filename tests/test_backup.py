"""The restore drill: back up, change the data, restore, and find the data as it was — on
SQLite through its online backup API and on PostgreSQL through pg_dump / pg_restore."""

import datetime
import shutil

import pytest
from django.db import connection
from typer.testing import CliRunner

from melior.backup import BackupError, backup, backups, restore
from melior.cli import app

pytestmark = pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed",
)


@pytest.fixture
def network_with_data(transactional_db):
    from melior.measures.services import create_measure, record_observation
    from melior.networks.services import add_site, create_network, create_organization

    school = create_organization(name="Lincoln High", level="high")
    network = create_network(name="Ninth Grade Network")
    add_site(network=network, organization=school)
    measure = create_measure(
        network=network,
        name="On track",
        slug="on-track",
        kind="outcome",
        value_type="proportion",
        frequency="weekly",
        default_chart="p",
    )
    monday = datetime.date(2025, 9, 1)
    for week in range(6):
        record_observation(
            measure=measure,
            organization=school,
            period=monday + datetime.timedelta(weeks=week),
            numerator=10 + week,
            denominator=20,
        )
    return network, measure


def _state():
    from melior.measures.models import Measure, Observation
    from melior.networks.models import Network

    return (
        sorted(Network.objects.values_list("name", flat=True)),
        sorted(Measure.objects.values_list("name", flat=True)),
        sorted(Observation.objects.values_list("period_start", "numerator", "denominator")),
    )


def test_a_backup_restores_the_data_as_it_was(network_with_data, tmp_path):
    from melior.measures.models import Observation
    from melior.networks.services import create_network

    _, measure = network_with_data
    before = _state()
    written = backup(folder=tmp_path / "backups")
    assert written.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700

    Observation.objects.filter(period_start=datetime.date(2025, 9, 8)).delete()
    measure.name = "Renamed by mistake"
    measure.save()
    create_network(name="Added after the backup")
    assert _state() != before

    restore(path=written)
    assert _state() == before


def test_a_restore_never_meets_views_cached_after_the_backup(network_with_data, tmp_path):
    from melior.measures.across_sites.keys import data_version

    network, measure = network_with_data
    written = backup(folder=tmp_path / "backups")
    at_backup = data_version(network.pk)
    measure.name = "Renamed after the backup"  # views cached now are filed under later versions
    measure.save()
    later = data_version(network.pk)
    restore(path=written)
    # the restored network's next versions are far from every version used before the restore
    assert data_version(network.pk) not in range(at_backup - 1000, later + 1000)


def test_a_restore_shows_the_statuses_of_the_restored_data(network_with_data, tmp_path):
    from melior.measures.across_sites.status import status_table
    from melior.measures.models import Measure
    from melior.measures.services import record_observation

    network, measure = network_with_data
    school = network.sites.get()
    for week in range(6, 12):  # a rise to 19 of 20: improving
        record_observation(
            measure=measure,
            organization=school,
            period=datetime.date(2025, 9, 1) + datetime.timedelta(weeks=week),
            numerator=19,
            denominator=20,
        )
    assert status_table(network).statuses == {(school.pk, measure.pk): "improving"}
    written = backup(folder=tmp_path / "backups")
    measure.desired_direction = "down"  # after the backup: worsening, stored as such
    measure.save()
    assert status_table(network).statuses == {(school.pk, measure.pk): "worsening"}
    restore(path=written)
    assert set(Measure.objects.values_list("statuses_engine", flat=True)) == {None}
    assert status_table(network).statuses == {(school.pk, measure.pk): "improving"}


def test_the_command_backs_up_keeps_the_newest_and_restores(network_with_data, tmp_path):
    from melior.measures.models import Observation

    folder = tmp_path / "backups"
    for day in (1, 2, 3):
        backup(folder=folder, keep=2, now=datetime.datetime(2020, 1, day, tzinfo=datetime.UTC))
    suffix = ".pgdump" if connection.vendor == "postgresql" else ".sqlite3"
    assert [p.name for p in backups(folder)] == [
        f"melior-20200103-000000{suffix}",
        f"melior-20200102-000000{suffix}",
    ]
    runner = CliRunner()
    done = runner.invoke(app, ["backup", "--to", str(folder), "--keep", "2"])
    assert done.exit_code == 0, done.output
    kept = backups(folder)
    assert len(kept) == 2 and "2020" not in kept[0].name and "20200103" in kept[1].name

    Observation.objects.all().delete()
    refused = runner.invoke(app, ["restore", str(kept[0])], input="n\n")
    assert refused.exit_code == 2 and "Nothing was restored" in refused.output
    assert not Observation.objects.exists()
    done = runner.invoke(app, ["restore", str(kept[0]), "--yes"])
    assert done.exit_code == 0, done.output
    assert Observation.objects.count() == 6


def test_a_wrong_or_damaged_file_is_refused_and_changes_nothing(network_with_data, tmp_path):
    from melior.measures.models import Observation

    other = "melior-x.sqlite3" if connection.vendor == "postgresql" else "melior-x.pgdump"
    (tmp_path / other).write_bytes(b"not this engine")
    with pytest.raises(BackupError, match="restore a backup made from the same kind of database"):
        restore(path=tmp_path / other)
    ours = ".pgdump" if connection.vendor == "postgresql" else ".sqlite3"
    damaged = tmp_path / f"melior-damaged{ours}"
    damaged.write_bytes(b"PGDMP" + b"\0" * 64 if ours == ".pgdump" else b"x" * 4096)
    with pytest.raises(BackupError, match="not a readable"):
        restore(path=damaged)
    with pytest.raises(BackupError, match="No backup file"):
        restore(path=tmp_path / f"melior-missing{ours}")
    assert Observation.objects.count() == 6
