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


def test_coach_adapts_the_theory_for_a_school_and_follows_the_chain(
    page, live_server, transactional_db
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=1)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "coach")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")

    # the problem: a fishbone cause, the driver that addresses it, and the Pareto chart
    page.goto(f"{live_server.url}/n/ninth-grade-success/problem/")
    page.locator("#pareto .chart.chart-ready svg.marks").wait_for()
    page.locator("svg.fishbone text", has_text="Chronic absence in the first weeks").click()
    cause = page.locator("li:target")
    assert "Chronic absence in the first weeks" in cause.inner_text()
    cause.get_by_role("link", name="Students attend every day").click()
    page.get_by_role("heading", name="Students attend every day").wait_for()
    assert "Weekly attendance rate" in page.locator(".chain").inner_text()

    # adapt the theory for the school and hide a driver there, without a page reload
    page.goto(f"{live_server.url}/n/ninth-grade-success/")
    page.get_by_role("link", name="9th-grade on-track at").first.click()
    page.get_by_role("link", name="Driver diagram →").click()
    page.get_by_role("button", name="Start from the network's theory").click()
    diagram = page.locator("svg.driver-diagram")
    belong = diagram.locator("title", has_text="Students feel they belong in 9th grade")
    belong.wait_for(state="attached")
    page.evaluate("window.__sameDocument = true")
    page.get_by_title("Hide Students feel they belong in 9th grade at this site").click()
    belong.wait_for(state="detached")
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_by_role("link", name="PDF").get_attribute("href").endswith("export.pdf")

    # from the school's aim to its measure's chart at the school, and back to the theory
    diagram.locator("a").first.click()
    page.locator(".chain").get_by_role("link", name="9th graders on track to graduate").click()
    page.locator(".in-theory").get_by_role("link").first.wait_for()
    assert "In the theory" in page.locator(".in-theory").inner_text()
