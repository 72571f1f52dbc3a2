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
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from playwright.sync_api import sync_playwright

    # Static files as in production: WhiteNoise serves the collected files under their hashed
    # names (the live server's own static handler looks in the app folders, by plain names).
    monkeypatch.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)
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
