"""Pages and API answers go out gzipped to browsers that accept it; a response that shows a
secret never does (BREACH)."""

import datetime
import gzip
import json

from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse

from melior.api.services import create_token
from melior.measures.services import record_observation
from melior.web.compression import carries_secret


@carries_secret
def _new_key(request):
    return HttpResponse("Your new key, shown once: mlr_" + "s3cret" * 60)


def _plain(request):
    return HttpResponse("A page with nothing secret on it. " * 20)


urlpatterns = [path("new-key/", _new_key), path("plain/", _plain)]


def test_the_network_page_is_gzipped_for_browsers_that_accept_it(client, world):
    client.force_login(world.users["network:viewer"])
    url = reverse("network", kwargs={"network": world.network.slug})
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    text = gzip.decompress(zipped.content).decode()
    assert world.network.name in text
    assert len(zipped.content) < len(plain.content) / 2


def test_api_answers_are_gzipped(client, world):
    for week in range(10):
        record_observation(
            measure=world.measure,
            organization=world.school,
            period=datetime.date(2025, 1, 6) + datetime.timedelta(weeks=week),
            numerator=20,
            denominator=40,
        )
    key = create_token(user=world.users["network:viewer"], name="test")[1]
    response = client.get(
        f"/api/networks/{world.network.slug}/observations",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert response["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.content))["items"]) == 10


@override_settings(ROOT_URLCONF=__name__)
def test_a_response_that_shows_a_secret_is_never_compressed(client):
    secret = client.get("/new-key/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in secret
    assert b"mlr_s3cret" in secret.content
    assert client.get("/plain/", HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


def test_the_page_that_shows_a_new_api_token_is_never_compressed(client, world):
    client.force_login(world.users["network:viewer"])
    shown = client.post(
        reverse("create-api-token"), {"name": "SIS sync"}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert shown.status_code == 200 and "Content-Encoding" not in shown
    assert b"mlr_" in shown.content
    listed = client.get(reverse("account"), HTTP_ACCEPT_ENCODING="gzip")
    assert listed["Content-Encoding"] == "gzip"
