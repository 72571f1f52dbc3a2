"""The pages work under the Content-Security-Policy: charts draw without eval, htmx swaps,
the API docs render, and the browser reports no violation."""

import pytest

pytestmark = pytest.mark.browser


def test_charts_and_docs_work_with_no_policy_violation(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=2)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "unsafe-eval" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="9th-Grade Success Network").click()
    page.get_by_role("link", name="Roosevelt High School", exact=True).first.click()
    page.get_by_role("link", name="Exit-ticket mastery").click()
    chart = page.locator(".chart.chart-ready svg.marks")
    chart.wait_for()
    assert chart.locator("path, circle, rect").count() > 10

    page.goto(f"{live_server.url}/api/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Melior API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []
