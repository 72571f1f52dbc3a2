"""Log lines are JSON and carry the request's id; slow requests name their view and queries."""

import json
import logging

from pythonjsonlogger.json import JsonFormatter


def _json_handler():
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    return handler


def test_a_slow_request_is_logged_as_json_with_view_queries_and_request_id(
    world, client, settings, caplog
):
    settings.MELIOR_SLOW_REQUEST_MS = 0  # every request counts as slow
    client.force_login(world.users["network:network_lead"])
    with caplog.at_level(logging.WARNING, logger="melior.requests"):
        response = client.get(f"/n/{world.network.slug}/")
    (record,) = [r for r in caplog.records if r.name == "melior.requests"]
    line = json.loads(_json_handler().format(record))  # as the console handler wrote it
    assert line["message"] == "slow request" and line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["view"] == "network" and line["status"] == 200
    assert line["queries"] > 0 and line["duration_ms"] >= 0


def test_fast_requests_are_not_logged(db, client, caplog):
    with caplog.at_level(logging.WARNING, logger="melior.requests"):
        client.get("/health/live")
    assert not [r for r in caplog.records if r.name == "melior.requests"]


def test_a_proxy_request_id_is_kept_but_a_forged_one_is_replaced(db, client):
    kept = client.get("/health/live", HTTP_X_REQUEST_ID="nginx-4f2a9c1b")
    assert kept["X-Request-ID"] == "nginx-4f2a9c1b"
    forged = client.get("/health/live", HTTP_X_REQUEST_ID='x" injected\nline')
    assert forged["X-Request-ID"] != 'x" injected\nline' and len(forged["X-Request-ID"]) == 32


def test_error_reporting_is_off_without_a_dsn():
    import sentry_sdk

    assert not sentry_sdk.get_client().is_active()
