"""The pages work under the Content-Security-Policy: charts draw without eval and the API docs
render, with no violation reported (the other browser tests swap forms with htmx under the
same policy)."""

import pytest

pytestmark = pytest.mark.browser


def test_charts_and_docs_work_with_no_policy_violation(
    page, live_server, open_demo_chart, transactional_db
):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "unsafe-eval" in message.text
            else None
        ),
    )
    chart = open_demo_chart()
    assert chart.locator("path, circle, rect").count() > 10

    page.goto(f"{live_server.url}/api/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Melior API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []
