"""`melior serve` as an operator starts it: the server's limits and proxy come from settings,
and debug mode is shouted about."""

import pytest
from typer.testing import CliRunner

from melior.cli import app


@pytest.fixture
def started(monkeypatch):
    """What `melior serve` hands to waitress, without serving."""
    import waitress

    calls = []
    monkeypatch.setattr(waitress, "serve", lambda application, **options: calls.append(options))
    return calls


def serve():
    # one process: waitress (several processes run gunicorn, tests/ops/test_serve.py)
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return result


def test_the_request_body_limit_and_trusted_proxy_come_from_settings(started, settings):
    settings.MELIOR_MAX_REQUEST_MB = 3
    settings.MELIOR_TRUSTED_PROXY = "10.0.0.2"
    serve()
    options = started[-1]
    assert options["max_request_body_size"] == 3 * 1024 * 1024
    assert options["trusted_proxy"] == "10.0.0.2"
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto"}


def test_without_a_trusted_proxy_no_forwarding_header_is_believed(started, settings):
    settings.MELIOR_TRUSTED_PROXY = ""
    serve()
    assert "trusted_proxy" not in started[-1]
    assert started[-1]["max_request_body_size"] == int(settings.MELIOR_MAX_REQUEST_MB * 2**20)


def test_serve_warns_loudly_when_debug_is_on(started, settings):
    settings.DEBUG = True
    output = serve().output
    assert "WARNING: debug mode" in output and "stack traces" in output
    settings.DEBUG = False
    assert "WARNING" not in serve().output
