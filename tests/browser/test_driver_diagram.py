"""A coach edits the network's driver diagram in a real browser, without page reloads."""

import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "Chromium not found (install Debian's chromium): browser tests skipped",
        allow_module_level=True,
    )


@pytest.fixture
def page(live_server, built_assets, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_coach_adds_and_undoes_a_change_idea(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=1)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/n/ninth-grade-success/theory/")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    page.get_by_label("New node under Students feel they belong in 9th grade").fill(
        "Ninth-grade buddies"
    )
    page.get_by_label("New node under Students feel they belong in 9th grade").press("Enter")
    page.locator("svg.driver-diagram").get_by_text("Ninth-grade buddies", exact=True).wait_for()
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_role("button", name="Undo the last change").click()
    page.locator("svg.driver-diagram").get_by_text("Ninth-grade buddies", exact=True).wait_for(
        state="detached"
    )
    assert page.evaluate("window.__sameDocument") is True
