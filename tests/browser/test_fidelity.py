"""The hub's lead opens the fidelity view on a wide screen and on a phone."""

import pytest

pytestmark = pytest.mark.browser


def test_the_lead_sees_fidelity_against_outcomes_at_1280_and_390(
    page, live_server, transactional_db, tmp_path, misplaced_choice_controls
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo
    from melior.fidelity.models import Check

    load_demo(seed=5, sites=4)
    checked = set(Check.objects.values_list("site__name", flat=True))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lead")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/n/ninth-grade-success/learning/")
        page.get_by_role("link", name="Fidelity", exact=True).click()
        table = page.locator("#fidelity-outcome")
        table.wait_for()
        header = table.locator("thead th").all_inner_texts()
        assert header[:3] == ["School", "Latest fidelity", "Fidelity trend"]
        assert "9th graders on track to graduate" in header  # the outcome measure's column
        schools = set(table.locator("tbody th").all_inner_texts())
        assert schools and schools <= checked
        assert page.locator("#crosstab").is_visible() and page.locator("#travel").is_visible()
        # no sideways scroll of the page itself (wide tables scroll inside their frame)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"fidelity-{width}.png"), full_page=True)
    page.get_by_label("Change idea").select_option(index=1)
    page.get_by_role("button", name="Show").click()
    page.locator("#fidelity-outcome, #schools .empty").first.wait_for()
    assert misplaced_choice_controls(page) == []
    # on the phone, the lead records a check on the idea's page, every field by its label
    page.locator("h2 a").first.click()
    page.get_by_text("Record a check").click()
    page.get_by_label("School").first.select_option(index=1)
    page.get_by_label("Rated by").fill("Peer observer")
    levels = page.locator("select[name^=level-]")
    for k in range(levels.count()):
        levels.nth(k).select_option("2")
    page.get_by_role("button", name="Record the check").click()
    page.get_by_text("recorded.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "fidelity-idea-390.png"), full_page=True)
    assert Check.objects.filter(rated_by="Peer observer", score=100).count() == 1
