"""Backups that restore: PostgreSQL through pg_dump's custom format, SQLite through its online
backup API — a plain copy of a live SQLite file can catch a write half-done.

Each backup is checked as soon as it is written (pg_restore lists it; SQLite checks its
integrity), kept owner-only, and the oldest beyond `keep` are removed.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

SUFFIX = {"postgresql": ".pgdump", "sqlite": ".sqlite3"}
PREFIX = "melior-"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


def engine() -> str:
    vendor = connection.vendor
    if vendor not in SUFFIX:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def backup(*, folder: Path, keep: int = 14, now: datetime.datetime | None = None) -> Path:
    """Write a backup of the database into `folder` and keep the `keep` newest there."""
    if keep < 1:
        raise BackupError("Keep at least one backup.")
    vendor = engine()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{PREFIX}{stamp}{SUFFIX[vendor]}"
    partial = target.with_name(target.name + ".partial")
    # the file is owner-only from its first byte, not chmod-ed after the data is in it
    partial.touch(mode=0o600, exist_ok=False)
    try:
        if vendor == "postgresql":
            _run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"], "pg_dump failed"
            )
            _run(["pg_restore", "--list", str(partial)], "The new backup does not read back")
        else:
            with sqlite3.connect(partial) as copy:
                _sqlite_connection().backup(copy)
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("The copy failed SQLite's integrity check.")
            copy.close()
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _rotate(folder, SUFFIX[vendor], keep)
    return target


def backups(folder: Path) -> list[Path]:
    """The backups in `folder`, newest first."""
    if not folder.is_dir():
        return []
    found = [
        p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.suffix in (*SUFFIX.values(),)
    ]
    return sorted(found, key=lambda p: p.name, reverse=True)


def restore(*, path: Path) -> None:
    """Replace the whole database with the backup at `path` (the same engine's backup)."""
    vendor = engine()
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    if path.suffix != SUFFIX[vendor]:
        raise BackupError(
            f"{path.name} is not a {vendor} backup (those end in {SUFFIX[vendor]}); "
            "restore a backup made from the same kind of database."
        )
    connection.close()
    if vendor == "postgresql":
        _run(["pg_restore", "--list", str(path)], f"{path.name} is not a readable backup")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={_database()['NAME']}",
                str(path),
            ],
            "pg_restore failed and changed nothing",
        )
        _new_data_versions()
        return
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("integrity check failed")
        source.backup(_sqlite_connection())
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name} is not a readable SQLite backup ({error}).") from None
    finally:
        source.close()
    _new_data_versions()


def _new_data_versions() -> None:
    """Start every network and measure on a fresh random data version. Computed views are
    cached under them, and the restored database goes back to versions a shared cache may hold
    entries for, made from data written after the backup. Every measure's stored statuses are
    computed again on first view: a restored database shows no status it did not compute from
    its own data."""
    from melior.measures.models import Measure
    from melior.networks.models import Network, random_version_start

    for model in (Network, Measure):
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(data_version=random_version_start())
    Measure.objects.update(statuses_engine=None)


def _sqlite_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def _database() -> dict:
    return connection.settings_dict


def _run(command: list[str], failure: str) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed (Debian/Ubuntu: apt-get install postgresql-client)."
        )
    db = _database()
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (
        ("USER", "PGUSER"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise BackupError(f"{failure}: {detail[0]}")


def _rotate(folder: Path, suffix: str, keep: int) -> None:
    for old in [p for p in backups(folder) if p.suffix == suffix][keep:]:
        old.unlink()
