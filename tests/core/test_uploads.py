"""Uploaded files — raw rosters with district student ids among them — are kept only while
they wait for their import, a day at most, and only their owner (the system account running
Melior) may read them or anything else Melior writes."""

import io
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from melior import files
from melior.cli import app
from melior.core.uploads import keep_upload, purge_stale_uploads, upload_path

runner = CliRunner()
DAY = 24 * 3600


def roster_zip(student_id="LHS-500") -> SimpleUploadedFile:
    export = {
        "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
        "d1,,,Cedar District,district,,\no1,,,Lincoln High,school,,d1\n",
        "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,"
        "endDate,parentSourcedId,schoolYear\ny1,,,2025-26,schoolYear,2025-08-18,2026-06-12,,2026\n",
        "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
        "userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,"
        f"grades,password\nu1,,,true,o1,student,ana,,Ana,R,,{student_id},,,,,09,\n",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in export.items():
            archive.writestr(name, text)
    return SimpleUploadedFile("roster.zip", buffer.getvalue())


def waiting() -> list[Path]:
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    return sorted(folder.iterdir()) if folder.exists() else []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """Write as under a permissive umask, to show Melior sets the modes itself."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def steward(client, world):
    client.force_login(world.users["network:data_steward"])
    return reverse("students-import", kwargs={"network": world.network.slug})


def test_a_checked_roster_waits_owner_only_and_is_deleted_once_imported(
    client, steward, loose_umask
):
    checked = client.post(steward, {"kind": "roster", "file": roster_zip()})
    assert checked.status_code == 200
    [kept] = waiting()
    assert mode(kept) == 0o600 and mode(kept.parent) == 0o700
    done = client.post(
        steward, {"kind": "roster", "upload": checked.context["upload"], "commit": "1"}
    )
    assert done.status_code == 200 and "Imported" in done.text
    assert waiting() == []


def test_a_refused_upload_is_deleted_at_once(client, steward):
    client.post(steward, {"kind": "roster", "file": roster_zip()})  # checked: it waits
    [good] = waiting()
    refused = client.post(steward, {"kind": "roster", "file": SimpleUploadedFile("r.zip", b"no")})
    assert refused.status_code == 400 and "not a zip file" in refused.text
    assert waiting() == [good]


def test_an_upload_is_deleted_even_when_the_import_crashes(client, steward, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("the database went away")

    client.post(steward, {"kind": "roster", "file": roster_zip()})  # checked: it waits
    [good] = waiting()
    monkeypatch.setattr("melior.governance.import_jobs.import_roster", crash)
    client.raise_request_exception = False
    response = client.post(steward, {"kind": "roster", "file": roster_zip("LHS-501")})
    assert response.status_code == 500
    assert waiting() == [good]


def test_a_day_old_upload_is_no_longer_importable_and_purge_removes_it(client, world, steward):
    from melior.governance.models import Enrollment

    checked = client.post(steward, {"kind": "roster", "file": roster_zip()})
    [old] = waiting()
    a_day_ago = time.time() - DAY - 60
    os.utime(old, (a_day_ago, a_day_ago))
    late = client.post(
        steward, {"kind": "roster", "upload": checked.context["upload"], "commit": "1"}
    )
    assert late.status_code == 400 and "expired" in late.text
    assert not Enrollment.objects.exists() and waiting() == []

    # one left waiting for a day, one checked just now: purge removes only the old one
    client.post(steward, {"kind": "roster", "file": roster_zip("LHS-501")})
    [stale] = waiting()
    os.utime(stale, (a_day_ago, a_day_ago))
    client.post(steward, {"kind": "roster", "file": roster_zip("LHS-502")})
    [recent] = [path for path in waiting() if path != stale]
    # and what a crash left of a large upload spooled to disk while the request was read
    spooled = Path(settings.FILE_UPLOAD_TEMP_DIR) / "tmpa1b2c3.upload.zip"
    spooled.write_bytes(b"PK")
    os.utime(spooled, (a_day_ago, a_day_ago))
    result = runner.invoke(app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "Uploads waiting more than a day: removed 2" in result.output
    assert waiting() == [recent]
    assert purge_stale_uploads(now=time.time() + DAY + 60) == 1 and waiting() == []


def test_the_server_refuses_a_request_past_the_import_limit_unread(monkeypatch):
    import waitress

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda application, **options: served.update(options))
    monkeypatch.setattr("melior.web.assets.ensure_assets", lambda: None)
    assert runner.invoke(app, ["serve", "--workers", "1"]).exit_code == 0  # one process: waitress
    assert served["max_request_body_size"] == files.MAX_FILE_BYTES + 2**20  # not 1 GB


def test_a_token_names_only_its_owners_upload(world):
    upload = SimpleUploadedFile("w.csv", b"site\nx\n")
    token, path = keep_upload(world.users["network:data_steward"], upload)
    assert upload_path(world.users["network:data_steward"], token) == path
    assert upload_path(world.users["network:network_lead"], token) is None
    assert upload_path(world.users["network:data_steward"], "../../secret_key") is None


def test_an_upload_past_the_limit_is_refused_before_it_is_kept(world, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024)
    with pytest.raises(files.FileRefused, match="the limit is 1 KB"):
        keep_upload(world.users["network:data_steward"], SimpleUploadedFile("a.csv", b"x" * 2048))
    assert waiting() == []


def test_archives_and_attachments_are_written_owner_only(world, tmp_path, loose_umask):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    out = tmp_path / "network.zip"
    result = runner.invoke(
        app, ["export", "archive", "--network", world.network.slug, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o600
    stored = default_storage.save("pdsa/1/2/notes.txt", ContentFile(b"notes"))
    saved = Path(settings.MEDIA_ROOT) / stored
    assert mode(saved) == 0o600 and mode(saved.parent) == 0o700


def test_a_new_installation_writes_everything_owner_only(tmp_path):
    """The database, both keys, var/ and its folders, as a fresh installation creates them
    (in a process of its own, started under a permissive umask)."""
    var = tmp_path / "var"
    environment = {**os.environ, "MELIOR_VAR_DIR": str(var)}
    for name in ("DJANGO_SETTINGS_MODULE", "MELIOR_DATABASE_URL", "MELIOR_SECRET_KEY"):
        environment.pop(name, None)
    environment.pop("MELIOR_PSEUDONYM_KEY", None)
    script = (
        "import os; os.umask(0o022)\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'melior.settings'\n"
        "import django; django.setup()\n"
        "from django.db import connection; connection.ensure_connection()\n"
        "with connection.cursor() as c: c.execute('create table t (x int)')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env=environment, timeout=120)
    assert mode(var) == 0o700
    for name in ("melior.sqlite3", "secret_key", "pseudonym_key"):
        assert mode(var / name) == 0o600, name
    for folder in ("assets", "static", "uploads", "uploads/imports"):
        assert mode(var / folder) == 0o700, folder
