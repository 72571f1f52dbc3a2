"""In Chromium, with a virtual authenticator: a data steward chooses a security key as their
second sign-in step, then signs in with the password and the key."""

import pytest
from allauth.mfa.models import Authenticator

pytestmark = pytest.mark.browser


def _virtual_security_key(page):
    """A platform authenticator that verifies its user, as a laptop's fingerprint reader does."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session


def _sign_in(page, origin, password):
    page.goto(f"{origin}/accounts/login/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_steward_signs_in_with_a_security_key(
    page, live_server, transactional_db, settings, tmp_path
):
    from django.contrib.auth import get_user_model

    from melior.demo.generator import DEMO_PASSWORD, load_demo

    settings.MELIOR_MFA_REQUIRED = True
    load_demo(seed=5, sites=2)
    _virtual_security_key(page)
    origin = live_server.url
    _sign_in(page, origin, DEMO_PASSWORD)
    # a steward reaches student data: the second step comes first, a choice of two
    page.wait_for_url("**/accounts/2fa/")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"second-step-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Add a security key").click()
    page.screenshot(path=str(tmp_path / "add-key.png"), full_page=True)
    page.fill("#id_name", "Laptop")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    steward = get_user_model().objects.get(username="steward")
    key = Authenticator.objects.get(user=steward, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"

    # the steward reaches student data now
    page.goto(f"{origin}/n/ninth-grade-success/students/")
    assert "/students/" in page.url and "2fa" not in page.url

    # signing in again: the password, then the key instead of a code
    page.get_by_role("button", name="Log out").click()
    _sign_in(page, origin, DEMO_PASSWORD)
    page.wait_for_url("**/2fa/authenticate/")
    page.screenshot(path=str(tmp_path / "second-step-sign-in.png"), full_page=True)
    page.get_by_role("button", name="Use your security key").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(f"{origin}/n/ninth-grade-success/students/")
    assert "/students/" in page.url and "2fa" not in page.url
