"""The issue's "done means": a teacher on a phone, by keyboard alone, finds this week's missing
measures, enters them in one place and sees the chart in under two minutes; a hub lead reaches
bright spots and what works where in two clicks from signing in."""

import os
import re
import time

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("MELIOR_SCREENSHOTS")  # a folder to keep screenshots in, when set


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def sign_in_by_keyboard(page, url, username, password):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label(re.compile("username|login", re.I)).focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")


def tab_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab until the element matching `selector` has focus; returns how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} Tabs")


def sideways_scroll(page) -> list[str]:
    """The elements that stick out to the right of the screen (none on a page that fits)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
          .slice(0, 8)"""
    )


def figure_for(name: str) -> str:
    """A plausible figure for any measure: 20 of 25 for a share or rate, 3 for a value."""
    return {"numerator": "20", "denominator": "25"}.get(name.rsplit("-", 1)[1], "3")


def test_teacher_enters_the_week_by_keyboard_on_a_phone(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo
    from melior.measures.models import Observation

    load_demo(seed=5, sites=2)
    page.set_viewport_size(PHONE)
    started = time.monotonic()
    sign_in_by_keyboard(page, live_server.url, "teacher", DEMO_PASSWORD)

    missing = page.locator("section.work-block", has_text="Missing this period")
    missing.locator("li").first.wait_for()
    missing_count = missing.locator("li").count()
    assert missing_count >= 4 and "Roosevelt High School" in missing.inner_text()
    shot(page, "my-work-390")
    assert sideways_scroll(page) == []

    tab_to(page, "a.button[href$='/week/']")
    page.keyboard.press("Enter")
    page.locator(".week-form").wait_for()
    shot(page, "week-grid-390")
    assert sideways_scroll(page) == []
    inputs = page.locator(".week-form .week-input")
    assert page.evaluate("document.activeElement.classList.contains('week-input')")
    for _ in range(inputs.count()):
        name = page.evaluate("document.activeElement.name")
        page.keyboard.type(figure_for(name))
        page.keyboard.press("Enter")  # on to the next figure, then to the save button
    assert page.evaluate("document.activeElement.id") == "week-save"
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    shot(page, "week-after-save-390")
    saved = page.locator("#week-saved")
    saved.wait_for()
    assert page.evaluate("document.activeElement.id") == "week-saved"
    assert f"Saved {missing_count} figures" in saved.inner_text()
    shot(page, "week-saved-390")
    tab_to(page, "#week-saved a")
    page.keyboard.press("Enter")
    page.locator(".chart.chart-ready svg.marks").wait_for()
    elapsed = time.monotonic() - started
    print(f"\nteacher: sign-in to chart by keyboard on a phone in {elapsed:.1f} s")
    assert elapsed < 120
    assert Observation.objects.filter(entered_by__username="teacher").count() == missing_count


def test_checks_as_you_type_mark_the_cell(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=1)
    page.set_viewport_size(PHONE)
    sign_in_by_keyboard(page, live_server.url, "teacher", DEMO_PASSWORD)
    page.get_by_role("link", name="Enter this week", exact=True).click()
    numerator = page.locator(".week-form input[name$='-numerator']").first
    denominator = page.locator(".week-form input[name$='-denominator']").first
    numerator.fill("30")
    denominator.fill("20")
    denominator.press("Tab")  # leaving the measure checks its figures
    page.wait_for_selector(".week-form input[aria-invalid='true']")
    marked = page.locator(".week-form input[aria-invalid='true']").first
    described = page.locator(f"#{marked.get_attribute('aria-describedby')}")
    assert "cannot be larger than the denominator" in described.inner_text()
    shot(page, "week-check-390")


def test_hub_lead_reaches_bright_spots_and_what_works_where_in_two_clicks(
    page, live_server, transactional_db
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=2)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_by_keyboard(page, live_server.url, "lead", DEMO_PASSWORD)
    shot(page, "my-work-1280")
    clicks = 0
    page.get_by_role("link", name="Bright spots", exact=True).first.click()
    clicks += 1
    page.get_by_role("heading", name="Bright spots", level=1).wait_for()
    page.get_by_role("link", name="What works where", exact=True).first.click()
    clicks += 1
    page.get_by_role("heading", name="What works where", level=1).wait_for()
    assert clicks == 2
    shot(page, "what-works-where-1280")


def test_search_from_the_top_bar_groups_results_live(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=2)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_by_keyboard(page, live_server.url, "lead", DEMO_PASSWORD)
    page.get_by_label("Search the network").fill("exit")
    page.keyboard.press("Enter")
    results = page.locator("#search-results")
    results.get_by_role("heading", name=re.compile("^Measures")).wait_for()
    assert results.get_by_role("link", name="Exit-ticket mastery").count() == 1
    page.get_by_label("Schools, measures, change ideas, cycles or people").fill("roose")
    results.get_by_role("heading", name=re.compile("^Schools")).wait_for()  # live, no reload
    assert "Roosevelt High School" in results.inner_text()
    assert "Exit-ticket mastery" not in results.inner_text()
    shot(page, "search-1280")
