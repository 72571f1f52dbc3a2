"""Several app processes: `melior serve --workers N` forks N gunicorn processes, and SQLite stays
safe when processes write at once (WAL, a busy timeout, transactions that take the write lock
at their start)."""

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

WRITES = 1000
HAMMER = textwrap.dedent(
    """
    import sys
    import time
    import django
    django.setup()
    from django.db import connection, transaction
    time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # both start writing together
    for _ in range(int(sys.argv[2])):
        with transaction.atomic(), connection.cursor() as cursor:
            # read, then write what was read: two processes racing here lose updates or
            # meet "database is locked" unless the write lock is taken at BEGIN
            cursor.execute("SELECT total FROM counter WHERE id = 1")
            (total,) = cursor.fetchone()
            cursor.execute("UPDATE counter SET total = %s WHERE id = 1", [total + 1])
            cursor.execute("INSERT INTO hits (who) VALUES (%s)", [sys.argv[1]])
    """
)


def _environment(var_dir: Path) -> dict:
    environment = {**os.environ, "MELIOR_VAR_DIR": str(var_dir)}
    environment["DJANGO_SETTINGS_MODULE"] = "melior.settings"
    for name in ("MELIOR_DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    return environment


def test_two_processes_hammering_sqlite_lose_nothing_and_never_lock(tmp_path):
    database = sqlite3.connect(tmp_path / "melior.sqlite3")
    database.executescript(
        "PRAGMA journal_mode=WAL; CREATE TABLE counter (id INTEGER PRIMARY KEY, total INTEGER);"
        "INSERT INTO counter VALUES (1, 0); CREATE TABLE hits (who TEXT);"
    )
    database.close()
    start = str(time.time() + 8)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, name, str(WRITES), start],
            env=_environment(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [writer.communicate(timeout=300) for writer in writers]
    for writer, (_, errors) in zip(writers, outputs, strict=True):
        assert "database is locked" not in errors
        assert writer.returncode == 0, errors
    database = sqlite3.connect(tmp_path / "melior.sqlite3")
    assert database.execute("SELECT total FROM counter").fetchone() == (2 * WRITES,)
    assert database.execute("SELECT count(*) FROM hits").fetchone() == (2 * WRITES,)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix")
def test_serve_with_two_workers_forks_two_app_processes(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "melior.cli", "serve", "--workers", "2", "--port", str(port)],
        env=_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live") as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer in 120 s"
                time.sleep(0.5)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(children) == 2
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_serve_starts_one_process_per_core_by_default(monkeypatch):
    from typer.testing import CliRunner

    from melior import files, server
    from melior.cli import app

    started = {}
    monkeypatch.setattr(server, "run_gunicorn", lambda **options: started.update(options))
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started == {
        "host": "127.0.0.1",
        "port": 8123,
        "workers": 3,
        "threads": 8,
        "max_body": files.MAX_FILE_BYTES + 2**20,
        "trusted_proxy": "",
    }
    assert "with 3 processes" in result.output


def test_the_processes_refuse_a_request_past_the_import_limit_unread():
    from melior.server import refuse_large_bodies

    reached = []

    def application(environ, start_response):
        reached.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"ok"]

    limited = refuse_large_bodies(application, max_body=1000)
    statuses = []

    def start_response(status, headers):
        statuses.append(status)

    too_big = {"CONTENT_LENGTH": "1001", "wsgi.input": None}  # read, it would fail
    assert limited(too_big, start_response) and statuses == ["413 Request Entity Too Large"]
    assert not reached
    import io

    fits = {"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abc")}
    assert limited(fits, start_response) == [b"ok"] and reached == [b"abc"]


def test_the_processes_believe_forwarding_headers_from_the_trusted_proxy_only():
    from melior.server import believe_one_proxy

    seen = []

    def application(environ, start_response):
        seen.append(
            (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"], "HTTP_X_FORWARDED_FOR" in environ)
        )
        return []

    app = believe_one_proxy(application, "127.0.0.1")
    forwarded = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7", "HTTP_X_FORWARDED_PROTO": "https"}
    app({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", **forwarded}, None)
    app({"REMOTE_ADDR": "198.51.100.9", "wsgi.url_scheme": "http", **forwarded}, None)
    # from the proxy: the address it added and its scheme; from anyone else: headers dropped
    assert seen == [("203.0.113.7", "https", True), ("198.51.100.9", "http", False)]
