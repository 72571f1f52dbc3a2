"""What every response carries: a Content-Security-Policy with no inline script, no caching of
pages, sessions that end when idle (sooner for stewards), and API docs only for people signed in."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse

import melior
from melior.api.services import create_token

TEMPLATES = sorted(Path(melior.__file__).parent.glob("**/templates/**/*.html"))


def directives(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def test_pages_carry_a_policy_that_allows_no_inline_script_or_eval(client, world):
    client.force_login(world.users["network:viewer"])
    for url in (
        reverse("home"),
        reverse("network", kwargs={"network": world.network.slug}),
        reverse("login"),
    ):
        policy = directives(client.get(url))
        assert policy["script-src"] == {"'self'"}, url
        assert policy["default-src"] == {"'self'"}
        assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}
        assert policy["base-uri"] == {"'self'"} and policy["form-action"] == {"'self'"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_template_has_inline_script_or_event_handlers(template):
    text = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    handlers = re.findall(r"<[^>]*\son[a-z]+\s*=", text, flags=re.IGNORECASE)
    assert not handlers, handlers
    assert "javascript:" not in text.lower()


def test_charts_run_without_eval():
    script = (Path(melior.__file__).parent / "web/static/melior/melior.js").read_text()
    assert "ast: true" in script  # Vega's interpreter: the policy forbids Function()


def test_pages_and_student_downloads_are_not_stored(client, world):
    client.force_login(world.users["school:data_steward"])
    rows = reverse("students-rows", kwargs={"network": world.network.slug})
    for url, query in (
        (reverse("home"), {}),
        (rows, {}),
        (rows, {"export": "csv"}),
        (f"/api/networks/{world.network.slug}", {}),
    ):
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    # a token's answers too
    key = create_token(user=world.users["school:data_steward"], name="sync")[1]
    client.logout()
    response = client.get("/api/networks", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def session_age(client, world, key) -> int:
    client.force_login(world.users[key])
    response = client.get(reverse("home"))
    return int(response.cookies["sessionid"]["max-age"])


def test_sessions_end_after_idle_time_sooner_for_stewards(client, world, settings):
    assert session_age(client, world, "network:viewer") == settings.SESSION_IDLE_SECONDS == 3600
    client.logout()
    assert session_age(client, world, "school:data_steward") == settings.STEWARD_IDLE_SECONDS
    assert settings.STEWARD_IDLE_SECONDS == 900


def test_work_moves_the_end_on_and_an_idle_session_is_signed_out(client, world, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from melior.web.middleware import SEEN

    client.force_login(world.users["school:data_steward"])
    assert client.get(reverse("home")).status_code == 200
    sessions = Session.objects.filter(session_key=client.session.session_key)

    def seconds_left():
        return (sessions.get().expire_date - timezone.now()).total_seconds()

    assert settings.STEWARD_IDLE_SECONDS - 60 < seconds_left() <= settings.STEWARD_IDLE_SECONDS
    # two minutes later, with half a minute left, a request gives the full idle time again
    session = client.session
    session[SEEN] -= 120
    session.save()
    sessions.update(expire_date=timezone.now() + datetime.timedelta(seconds=30))
    assert client.get(reverse("home")).status_code == 200
    assert seconds_left() > settings.STEWARD_IDLE_SECONDS - 60
    # idle past the end: signed out
    sessions.update(expire_date=timezone.now())
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_visitor_learns_nothing_from_the_api_docs(client, world):
    for url in ("/api/docs", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert "Melior API" not in response.text and melior.__version__ not in response.text
    key = create_token(user=world.users["network:viewer"], name="client generator")[1]
    schema = client.get("/api/openapi.json", headers={"Authorization": f"Bearer {key}"})
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Melior API"
    client.force_login(world.users["network:viewer"])
    assert client.get("/api/docs").status_code == 200
