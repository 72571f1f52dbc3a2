"""Schemathesis fuzzes every API operation from its own OpenAPI schema: whatever it sends, the
API answers without a server error. The suite runs a fixed, bounded set of examples (so CI is
repeatable); MELIOR_FUZZ_EXAMPLES=300 runs a longer, random search."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from melior.api.services import create_token


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly fires the request signals that close database connections;
    the test's transaction must survive them (Django's test client does the same)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def test_no_operation_answers_with_a_server_error(world, keep_test_connection):
    from melior.wsgi import application

    key = create_token(user=world.users["network:network_lead"], name="fuzz")[1]
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("MELIOR_FUZZ_EXAMPLES", "15")), deadline=None,
            database=None, derandomize="MELIOR_FUZZ_EXAMPLES" not in os.environ,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def check(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
