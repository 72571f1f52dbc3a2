"""In Chromium: people of a district arrive by single sign-on from the local OpenID Connect
provider — a newcomer waits for the lead, is approved, and enters her school's weekly data and
sees its chart; the school's data steward must set up a second sign-in step first, and does,
with a code from the authenticator secret."""

import datetime
import shutil

import pyotp
import pytest
from allauth.mfa.models import Authenticator

from melior.accounts.services import record_verified_email
from melior.measures.models import Observation

CHROMIUM = shutil.which("chromium")
DISTRICT = "cedar.k12.example.us"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found (install Debian's chromium)"),
]


@pytest.fixture
def browser(monkeypatch, built_assets):
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from playwright.sync_api import sync_playwright

    monkeypatch.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def by_district(context, melior: str, email: str, password: str):
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{melior}/accounts/login/")
    page.get_by_role("button", name="Sign in with Cedar District").click()
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in to the district").click()
    page.wait_for_url(f"{melior}/**")
    return page


def test_district_people_arrive_by_single_sign_on(
    browser, oidc_provider, world, settings, tmp_path
):
    settings.MELIOR_MFA_REQUIRED = True
    melior = oidc_provider["melior"]
    # a newcomer: no role, waits
    newcomer = by_district(browser.new_context(), melior, f"ana@{DISTRICT}", "ana-district-pw")
    newcomer.goto(f"{melior}/accounts/")
    assert "is waiting for its lead" in newcomer.content()
    # the lead approves her as a team member at Lincoln High
    lead = browser.new_context().new_page()
    lead.set_default_timeout(60_000)
    lead.goto(f"{melior}/accounts/login/")
    lead.fill("#id_username", "net-network_lead")
    lead.fill("#id_password", "pw-melior-1")
    lead.get_by_role("button", name="Log in").click()
    lead.goto(f"{melior}/n/{world.network.slug}/join-requests/")
    for width in (1280, 390):
        lead.set_viewport_size({"width": width, "height": 900})
        lead.screenshot(path=str(tmp_path / f"join-requests-{width}.png"), full_page=True)
        assert lead.evaluate("document.documentElement.scrollWidth") <= width
    lead.get_by_label("Approve").check()
    lead.get_by_label("Role").select_option("team_member")
    lead.get_by_label("Where").select_option(label="Lincoln High")
    lead.get_by_role("button", name="Save the decision").click()
    assert "was approved" in lead.content()
    newcomer.goto(f"{melior}/")
    assert world.network.name in newcomer.content()
    # …and, still signed in only by her district, enters three weeks of referrals and sees them
    newcomer.get_by_role("link", name=world.network.name).first.click()
    newcomer.get_by_role("link", name="Lincoln High", exact=True).first.click()
    newcomer.get_by_role("link", name="Referrals").first.click()
    this_monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    for weeks_ago, referrals in ((3, 4), (2, 6), (1, 3)):
        monday = this_monday - datetime.timedelta(weeks=weeks_ago)
        newcomer.fill("#id_period_start", monday.isoformat())
        newcomer.fill("#id_value", str(referrals))
        newcomer.get_by_role("button", name="Save").click()
        newcomer.get_by_text(f"Saved the period starting {monday:%b %-d, %Y}").wait_for()
    newcomer.locator(".chart.chart-ready svg.marks").wait_for()
    assert Observation.objects.filter(measure=world.count_measure).count() == 3
    # the school's data steward, invited under their district address: a second step first
    steward = world.users["school:data_steward"]
    record_verified_email(steward, f"sam@{DISTRICT}")
    page = by_district(browser.new_context(), melior, f"sam@{DISTRICT}", "sam-district-pw")
    page.goto(f"{melior}/n/{world.network.slug}/students/")
    assert page.url.endswith("/accounts/2fa/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/recovery-codes/**")
    assert Authenticator.objects.filter(user=steward, type="totp").exists()
    page.goto(f"{melior}/n/{world.network.slug}/students/")
    assert "/students/" in page.url and "2fa" not in page.url
