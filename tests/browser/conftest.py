"""Browser tests drive Debian's Chromium through Playwright; without it they skip."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM is None:
        skip = pytest.mark.skip(reason="Chromium not found (install Debian's chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def page(live_server, built_assets, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test itself still makes ORM calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture
def open_demo_chart(page, live_server):
    """Sign in to a two-school demo as its teacher and open a site's measure chart."""

    def open_chart():
        from melior.demo.generator import DEMO_PASSWORD, load_demo

        load_demo(seed=5, sites=2)
        page.goto(f"{live_server.url}/")
        page.fill("#id_username", "teacher")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("link", name="9th-Grade Success Network").click()
        page.get_by_role("link", name="Roosevelt High School", exact=True).first.click()
        page.get_by_role("link", name="Exit-ticket mastery").click()
        chart = page.locator(".chart.chart-ready svg.marks")
        chart.wait_for()
        return chart

    return open_chart
