"""Liveness and readiness: 200 when every dependency answers, 503 naming the one that does not."""

import time

import pytest
from django.db import connection, connections

from melior.ops.jobs import beat


@pytest.fixture
def unreachable_database(monkeypatch):
    """Point new connections at a database that is not there (the probe opens its own)."""
    unreachable = (
        {"PORT": "1", "HOST": "127.0.0.1"}
        if connection.vendor == "postgresql"
        else {"NAME": "/nonexistent-folder/melior.sqlite3"}
    )
    for key, value in unreachable.items():
        monkeypatch.setitem(connections.settings["default"], key, value)


def test_liveness_answers_without_any_dependency(client, unreachable_database):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_checks_database_cache_and_disk(db, client):
    response = client.get("/health/ready", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert set(response.json().values()) == {"OK"} and len(response.json()) == 3
    assert "no-cache" in response["Cache-Control"]


def test_readiness_is_503_when_the_database_is_unreachable(db, client, unreachable_database):
    response = client.get("/health/ready", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    failing = {name: status for name, status in response.json().items() if status != "OK"}
    assert list(failing) == ["Database(alias='default')"]


def test_readiness_is_503_when_the_disk_is_nearly_full(db, client, settings):
    settings.MELIOR_DISK_MIN_FREE_MB = 10**12  # more than any disk has free
    response = client.get("/health/ready", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "below" in response.json()["FreeDisk()"]


def test_the_full_check_needs_a_recent_worker_heartbeat(db, client, settings):
    beat(time.time() - settings.MELIOR_WORKER_STALE_SECONDS - 60)
    stale = client.get("/health/", HTTP_ACCEPT="application/json")
    assert stale.status_code == 503
    assert "last reported" in stale.json()["WorkerHeartbeat()"]
    beat()
    fresh = client.get("/health/", HTTP_ACCEPT="application/json")
    assert fresh.status_code == 200 and len(fresh.json()) == 4
