"""A coach edits the network's driver diagram in a real browser, without page reloads."""

import pytest

pytestmark = pytest.mark.browser


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
