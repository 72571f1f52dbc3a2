"""Guessing passwords is stopped: failures are counted per account and per address, and the
lockout reads the same whether or not the account exists."""

from django.urls import reverse

RIGHT = "pw-melior-1"


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_fifty_wrong_passwords_then_the_right_one_does_not_sign_in(client, world, settings):
    for attempt in range(50):
        sign_in(client, "net-viewer", f"guess-{attempt}")
    response = sign_in(client, "net-viewer", RIGHT)
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Too many failed sign-in attempts" in response.text


def test_the_limit_counts_per_account_from_any_address(client, world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "net-viewer", f"guess-{attempt}", address=f"198.51.100.{attempt + 1}")
    response = sign_in(client, "net-viewer", RIGHT, address="192.0.2.1")
    assert response.status_code == 429 and not signed_in(client)
    # other accounts are not locked by it
    response = sign_in(client, "net-team_member", RIGHT, address="192.0.2.1")
    assert response.status_code == 302 and signed_in(client)


def test_the_limit_counts_per_address_across_accounts(client, world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"someone-{attempt}", "guess", address="203.0.113.9")
    response = sign_in(client, "net-viewer", RIGHT, address="203.0.113.9")
    assert response.status_code == 429 and not signed_in(client)
    response = sign_in(client, "net-viewer", RIGHT, address="203.0.113.10")
    assert response.status_code == 302 and signed_in(client)


def test_a_few_mistakes_still_sign_in(client, world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "net-viewer", f"typo-{attempt}").status_code == 200
    assert sign_in(client, "net-viewer", RIGHT).status_code == 302
    assert signed_in(client)


def test_the_lockout_does_not_tell_whether_an_account_exists(client, world, settings):
    answers = []
    for username, address in (("net-viewer", "203.0.113.20"), ("nobody-here", "203.0.113.21")):
        for attempt in range(settings.AXES_FAILURE_LIMIT + 2):
            sign_in(client, username, f"guess-{attempt}", address=address)
        response = sign_in(client, username, "guess-last", address=address)
        page = response.text.split("<main", 1)[1].split("</main>", 1)[0]
        answers.append((response.status_code, page))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429
    assert "Too many failed sign-in attempts" in answers[0][1]


def test_the_admin_sign_in_is_limited_too(client, world, settings):
    path = reverse("admin:login")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(path, {"username": "net-viewer", "password": f"guess-{attempt}"})
    response = client.post(path, {"username": "net-viewer", "password": RIGHT})
    assert response.status_code == 429
