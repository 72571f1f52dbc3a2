"""The access log records the address a request really came from, not one a client claims."""

from django.test import RequestFactory

from melior.governance import services


def test_a_forwarded_for_header_from_the_client_is_not_recorded(world):
    # `melior serve` has already put a trusted proxy's X-Forwarded-For into REMOTE_ADDR; a
    # header still present here was sent by the client and proves nothing
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.44", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.0.0.1"
    )
    entry = services.log(
        user=world.users["network:data_steward"],
        network=world.network,
        action="view_rows",
        what="student outcomes",
        request=request,
    )
    entry.refresh_from_db()
    assert entry.address == "192.0.2.44"
