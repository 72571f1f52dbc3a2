"""A member reads subgroups by month and a school's gap chart on a wide screen and a phone,
and changes the choice with the keyboard alone."""

import pytest

pytestmark = pytest.mark.browser


def test_gap_pages_at_1280_and_390_and_by_keyboard(page, live_server, world, equity, tmp_path):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "net-viewer")
    page.fill("#id_password", "pw-melior-1")
    page.click("button[type=submit]")
    n = world.network.slug
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/n/{n}/students/by-date/")
        page.locator(".chart svg, .chart canvas").first.wait_for()
        assert page.locator(".by-date-table tbody tr").count() == 14
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"by-date-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/n/{n}/students/gaps/{world.school.slug}/")
        page.locator(".chart svg, .chart canvas").first.wait_for()
        assert "Narrowing by signal." in page.locator(".gap-reading").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"gap-{width}.png"), full_page=True)
    # the keyboard alone: compare English learners with every other student
    page.get_by_label("against").focus()
    page.keyboard.press("End")  # the last choice: All other students
    page.keyboard.press("Tab")  # the period
    page.keyboard.press("Tab")  # Show
    page.keyboard.press("Enter")
    page.wait_for_url("**b=All+other+students**")
    assert "All other students" in page.locator("h2").first.inner_text()
    assert errors == []
