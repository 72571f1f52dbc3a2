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


# Where each radio button and checkbox sits against the words of its own label. A control
# stretched across the row, or centred between two labels, is one a user can mistake for its
# neighbour's — and record the wrong decision with.
_CHOICE_GEOMETRY = """
() => [...document.querySelectorAll('input[type=radio], input[type=checkbox]')]
  .filter((input) => input.offsetParent !== null)
  .map((input) => {
    const label = input.closest('label') || document.querySelector(`label[for="${input.id}"]`);
    if (!label) return {name: input.name, problem: 'no label'};
    const range = document.createRange();
    const texts = [...label.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim());
    if (!texts.length) return {name: input.name, problem: 'label has no words'};
    range.setStartBefore(texts[0]);
    range.setEndAfter(texts[texts.length - 1]);
    const words = range.getClientRects()[0];
    const box = input.getBoundingClientRect();
    return {
      name: `${input.name}: ${texts[0].textContent.trim()}`,
      gap: words.left - box.right,
      drift: Math.abs((box.top + box.bottom) / 2 - (words.top + words.bottom) / 2),
      width: box.width,
    };
  })
"""


@pytest.fixture
def misplaced_choice_controls():
    """A check that lists every visible choice control not sitting just left of its own words."""

    def check(page) -> list[str]:
        problems = []
        for control in page.evaluate(_CHOICE_GEOMETRY):
            if "problem" in control:
                problems.append(f"{control['name']}: {control['problem']}")
            elif not (
                0 <= control["gap"] <= 24 and control["drift"] <= 8 and control["width"] <= 32
            ):
                problems.append(str(control))
        return problems

    return check


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
