"""Single sign-on against a real OpenID Connect provider started by the test: the full
authorization-code flow (with PKCE) through both servers, following every redirect."""

import re

import requests
from django.contrib.auth import get_user_model
from django.core import mail

from melior.accounts.models import JoinRequest

DISTRICT = "cedar.k12.example.us"  # the provider's users (tests/accounts/conftest.py)
PASSWORDS = {
    f"ana@{DISTRICT}": "ana-district-pw",
    f"sam@{DISTRICT}": "sam-district-pw",
    "bob@nowhere.example": "bob-district-pw",
}


def _form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in_by_district(melior: str, app, email: str) -> requests.Response:
    """Press "Sign in with Cedar District" on Melior's sign-in page, sign in at the district's
    provider, and come back: every hop a real HTTP request to one server or the other."""
    browser = requests.Session()
    page = browser.get(f"{melior}/accounts/login/", timeout=60)
    assert "Sign in with Cedar District" in page.text
    at_provider = browser.post(
        f"{melior}/accounts/oidc/{app.provider_id}/login/",
        data={"csrfmiddlewaretoken": _form_token(page.text)},
        headers={"Referer": f"{melior}/accounts/login/"},
        timeout=60,
    )
    assert "Sign in to the district" in at_provider.text, at_provider.text[:500]
    answer = browser.post(
        at_provider.url,
        data={
            "csrfmiddlewaretoken": _form_token(at_provider.text),
            "username": email,
            "password": PASSWORDS[email],
            "next": re.search(r'name="next" value="([^"]*)"', at_provider.text)
            .group(1)
            .replace("&amp;", "&"),
        },
        timeout=60,
    )
    answer.session = browser
    return answer


def test_a_newcomer_from_a_known_district_waits_for_the_lead_with_no_role(oidc_provider, world):
    lead = world.users["network:network_lead"]
    lead.email = "lead@hub.example.org"
    lead.save()
    email = f"ana@{DISTRICT}"
    answer = sign_in_by_district(oidc_provider["melior"], oidc_provider["app"], email)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.url.startswith(oidc_provider["melior"])
    user = get_user_model().objects.get(email=email)
    assert not user.memberships.exists()  # never a role they were not given
    assert list(JoinRequest.objects.values_list("user", "network", "status")) == [
        (user.pk, world.network.pk, "pending")
    ]
    # signed in, and told they wait; the network's pages stay closed
    account = answer.session.get(f"{oidc_provider['melior']}/accounts/", timeout=60)
    assert f"Your request to join {world.network.name} is waiting" in account.text
    network_page = answer.session.get(
        f"{oidc_provider['melior']}/n/{world.network.slug}/", timeout=60
    )
    assert network_page.status_code == 404
    # the lead is told by email, with the page to decide on
    (notice,) = [m for m in mail.outbox if email in m.subject]
    assert notice.to == ["lead@hub.example.org"]
    assert f"/n/{world.network.slug}/join-requests/" in notice.body


def test_a_domain_of_no_network_is_refused_and_no_account_is_made(oidc_provider, world):
    before = get_user_model().objects.count()
    answer = sign_in_by_district(
        oidc_provider["melior"], oidc_provider["app"], "bob@nowhere.example"
    )
    assert answer.status_code == 403
    assert "Addresses at nowhere.example belong to no network" in answer.text
    assert get_user_model().objects.count() == before
    assert not JoinRequest.objects.exists()


def test_an_invited_person_signs_in_by_their_district_into_their_own_account(oidc_provider, world):
    from melior.accounts.services import record_verified_email

    teacher = world.users["school:team_member"]
    record_verified_email(teacher, f"sam@{DISTRICT}")
    answer = sign_in_by_district(oidc_provider["melior"], oidc_provider["app"], f"sam@{DISTRICT}")
    assert answer.status_code == 200
    home = answer.session.get(f"{oidc_provider['melior']}/", timeout=60)
    assert world.network.name in home.text  # their own roles, no join request
    assert not JoinRequest.objects.exists()
    assert get_user_model().objects.filter(email=f"sam@{DISTRICT}").count() == 1
