"""A network lead reads the demo pilot's report — charts drawn in the page from Melior's own
files — and records the decision."""

import pytest

pytestmark = pytest.mark.browser


def test_lead_reads_the_report_and_decides(
    page, live_server, transactional_db, misplaced_choice_controls
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=4)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/n/ninth-grade-success/")
    page.get_by_role("link", name="Pilots", exact=True).first.click()
    page.get_by_role("link", name="Math practice app in ninth grade").click()
    page.get_by_role("link", name="Open the report").click()
    page.get_by_role("heading", name="Evidence tier (suggested)").wait_for()
    page.locator(
        "section[id^=outcome-] .chart svg, section[id^=outcome-] .chart canvas"
    ).first.wait_for()
    assert page.locator(".chart svg, .chart canvas").count() >= 4
    assert "probability of an increase of 3 or more" in page.content()
    assert misplaced_choice_controls(page) == []
    page.get_by_text("Iterate and test again", exact=True).click()
    assert page.get_by_role("radio", name="Iterate and test again").is_checked()
    page.get_by_label("Why").fill("Promising for English learners; test a second term first.")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_text("Recorded by lead").wait_for()
    assert "Iterate and test again" in page.content()
