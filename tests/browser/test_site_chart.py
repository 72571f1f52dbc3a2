"""A person in a real browser: log in, open a site's measure chart, add a period."""

import datetime
import os

import pytest

pytestmark = pytest.mark.browser


def test_log_in_open_a_chart_and_add_a_period(page, open_demo_chart, transactional_db):
    chart = open_demo_chart()
    assert chart.locator("path, circle, rect").count() > 10
    assert page.locator(".signals li").count() >= 1
    if os.environ.get("MELIOR_SCREENSHOTS"):
        page.screenshot(path=os.environ["MELIOR_SCREENSHOTS"], full_page=True)

    # a wrong number is refused in place, naming the field
    monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
    page.fill("#id_period_start", monday.isoformat())
    page.fill("#id_numerator", "90")
    page.fill("#id_denominator", "80")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("cannot be larger than the denominator").wait_for()

    page.fill("#id_numerator", "60")
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"Saved the period starting {monday:%b %-d, %Y}").wait_for()
    page.locator(".chart.chart-ready svg.marks").wait_for()
