"""The first run, the operator's networks and lead invitations, join requests, and tokens."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from melior.accounts.models import JoinRequest
from melior.accounts.services import request_to_join, setup_link
from melior.api.services import create_token, user_for_key


def test_an_empty_instance_leads_to_setup_once(client, db):
    User = get_user_model()
    assert client.get("/")["Location"] == reverse("setup")
    assert client.get(reverse("login"))["Location"] == reverse("setup")
    bad = client.post(reverse("setup"), {"username": "op", "email": "nope", "password": "x"})
    assert bad.status_code == 400 and "Enter a valid email address" in bad.text
    assert not User.objects.exists()
    done = client.post(
        reverse("setup"),
        {"username": "op", "email": "op@example.org", "password": "an-operator-pass-9"},
    )
    assert done["Location"] == reverse("operator")
    operator = User.objects.get()
    assert operator.is_superuser and operator.is_staff and operator.email == "op@example.org"
    assert client.get(reverse("operator")).status_code == 200
    client.logout()
    assert client.get(reverse("setup")).status_code == 404
    again = client.post(
        reverse("setup"), {"username": "op2", "email": "x@example.org", "password": "p-9-xx-yy"}
    )
    assert again.status_code == 404 and User.objects.count() == 1


def test_the_setup_link_only_mode_needs_the_signed_link(client, db, settings):
    settings.MELIOR_SETUP_LINK_ONLY = True
    assert client.get(reverse("setup")).status_code == 404
    assert client.get(reverse("setup") + "?key=forged").status_code == 404
    link = setup_link().removeprefix(settings.MELIOR_SITE_URL)
    assert client.get(link).status_code == 200


def test_melior_setup_prints_a_link_on_an_empty_instance_only(db, django_user_model):
    from typer.testing import CliRunner

    from melior.cli import app

    result = CliRunner().invoke(app, ["setup"])
    assert result.exit_code == 0 and "/setup/?key=" in result.output
    django_user_model.objects.create_user("someone")
    result = CliRunner().invoke(app, ["setup"])
    assert result.exit_code == 2 and "set up already" in result.output


@pytest.fixture
def operator(client, db, django_user_model):
    user = django_user_model.objects.create_superuser("op", "op@example.org", "op-pass-9-long")
    client.force_login(user)
    return user


def test_only_the_operator_reaches_the_operator_pages_and_the_admin(client, world):
    client.force_login(world.users["network:network_lead"])
    assert client.get(reverse("operator")).status_code == 403
    network = {"name": "X", "aim": "", "lead_email": "a@b.org"}
    assert client.post(reverse("network-new"), network).status_code == 403
    assert client.get("/admin/").status_code == 302  # the admin's own sign-in: staff only


def test_the_operator_adds_single_sign_on_with_a_preset(client, operator, world):
    form = {
        "network": world.network.pk,
        "preset": "microsoft",
        "tenant": "0000-tenant",
        "name": "Cedar",
        "client_id": "abc",
        "secret": "s3cret",
        "domains": "cedar.k12.us, @lincoln.k12.us",
    }
    assert client.post(reverse("operator-sso"), form).status_code == 302
    page = client.get(reverse("operator")).text
    assert "https://login.microsoftonline.com/0000-tenant/v2.0" in page
    assert "cedar.k12.us, lincoln.k12.us" in page and "s3cret" not in page
    again = client.post(
        reverse("operator-sso"), {**form, "name": "Other", "domains": "cedar.k12.us"}
    )
    assert again.status_code == 400 and "Already tied to a network: cedar.k12.us" in again.text


def test_a_lead_decides_join_requests_within_their_powers(client, world):
    newcomer = get_user_model().objects.create_user("ana", "ana@cedar.example")
    join = request_to_join(user=newcomer, network=world.network, email="ana@cedar.example")
    url = reverse("join-request-decide", kwargs={"network": world.network.slug, "pk": join.pk})
    client.force_login(world.users["network:improvement_coach"])
    assert client.post(url, {f"r{join.pk}-decision": "decline"}).status_code == 403
    client.force_login(world.users["network:network_lead"])
    page = client.get(reverse("join-requests", kwargs={"network": world.network.slug}))
    assert "ana@cedar.example" in page.text
    steward = client.post(url, {f"r{join.pk}-decision": "approve",
                                f"r{join.pk}-role": "data_steward"})  # fmt: skip
    assert steward.status_code == 400 and not newcomer.memberships.exists()
    elsewhere = client.post(url, {f"r{join.pk}-decision": "approve", f"r{join.pk}-role": "viewer",
                                  f"r{join.pk}-organization": world.other_school.pk})  # fmt: skip
    assert elsewhere.status_code == 400 and not newcomer.memberships.exists()
    done = client.post(url, {f"r{join.pk}-decision": "approve", f"r{join.pk}-role": "team_member",
                             f"r{join.pk}-organization": world.school.pk})  # fmt: skip
    assert done.status_code == 302
    assert list(newcomer.memberships.values_list("role", "organization")) == [
        ("team_member", world.school.pk)
    ]
    join.refresh_from_db()
    assert join.status == "approved" and join.decided_by == world.users["network:network_lead"]
    assert client.post(url, {f"r{join.pk}-decision": "decline"}).status_code == 404


def test_a_declined_request_gives_nothing(client, world):
    newcomer = get_user_model().objects.create_user("bo", "bo@cedar.example")
    join = request_to_join(user=newcomer, network=world.network, email="bo@cedar.example")
    client.force_login(world.users["network:network_lead"])
    url = reverse("join-request-decide", kwargs={"network": world.network.slug, "pk": join.pk})
    client.post(url, {f"r{join.pk}-decision": "decline"})
    assert JoinRequest.objects.get().status == "declined" and not newcomer.memberships.exists()


def test_a_token_has_an_expiry_and_stops_working_after_it(client, world):
    client.force_login(world.users["network:viewer"])
    client.post(reverse("create-api-token"), {"name": "nightly", "expires": "30"})
    token = world.users["network:viewer"].api_tokens.get()
    assert (token.expires_at - timezone.now()).days in {29, 30}
    _, key = create_token(
        user=world.users["network:viewer"],
        name="short",
        expires_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    type(token).objects.filter(name="short").update(expires_at=timezone.now())
    assert user_for_key(key) is None
    assert "expired" in client.get(reverse("account")).text


def test_a_steward_sees_the_tokens_that_reach_student_rows_in_their_scope(client, world):
    create_token(user=world.users["school:data_steward"], name="SIS export")
    create_token(user=world.users["network:viewer"], name="dashboard")  # aggregates only
    create_token(user=world.users["outsider"], name="elsewhere")
    url = reverse("student-data-tokens", kwargs={"network": world.network.slug})
    client.force_login(world.users["network:data_steward"])
    page = client.get(url).text
    assert "SIS export" in page and "school-data_steward" in page and "Lincoln High" in page
    assert "dashboard" not in page and "elsewhere" not in page
    client.force_login(world.users["network:network_lead"])
    assert client.get(url).status_code == 403


def test_the_operator_starts_networks_from_the_settings_pages(client, operator, world):
    page = client.get("/operator/").content.decode()
    assert 'href="/networks/new/"' in page and world.network.name in page
    assert f'href="/n/{world.network.slug}/settings/people/"' in page
