"""Each choice sits beside its own words, at desktop and phone width, on the forms where a
misplaced radio button records the wrong decision; and the keyboard reaches the main content
(and the main action of a page) first."""

import datetime

import pytest

pytestmark = pytest.mark.browser

NETWORK = "/n/ninth-grade-success"


def sign_in(page, live_server, username):
    from melior.demo.generator import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_every_choice_sits_beside_its_own_label(
    page, live_server, transactional_db, misplaced_choice_controls
):
    from melior.demo.generator import load_demo
    from melior.evaluation.models import Pilot
    from melior.pdsa.models import Cycle

    load_demo(seed=5, sites=4)  # the demo pilot needs four schools
    # two of the demo's cycles, one being studied (the decision is next) and one being planned
    studying, planned = Cycle.objects.order_by("pk")[:2]
    Cycle.objects.filter(pk=studying.pk).update(status="studying", decision="")
    Cycle.objects.filter(pk=planned.pk).update(status="draft", decision="", format="classic")
    pilot = Pilot.objects.first()
    pages = {
        "PDSA decision and co-authors": (
            f"{NETWORK}/pdsa/{studying.pk}/",
            ["decision", "open_next", "authors"],
        ),
        "linked measures": (f"{NETWORK}/pdsa/{planned.pk}/", ["measures"]),
        "pilot decision": (f"{NETWORK}/pilots/{pilot.pk}/", ["decision"]),
    }
    sign_in(page, live_server, "lead")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, (url, fields) in pages.items():
            page.goto(live_server.url + url)
            for details in page.locator("details:has(input[type=checkbox])").all():
                details.evaluate("(el) => { el.open = true; }")
            for field in fields:
                assert page.locator(f"input[name={field}]").count(), f"{name}: no {field}"
            problems = misplaced_choice_controls(page)
            assert problems == [], f"{name} at {width}px: {problems}"

    # the words of a label select their own radio button, not their neighbour's
    page.goto(f"{live_server.url}{NETWORK}/pdsa/{studying.pk}/")
    page.get_by_text("Adapt", exact=True).click()
    assert page.get_by_role("radio", name="Adapt").is_checked()
    assert not page.get_by_role("radio", name="Adopt").is_checked()


def _tab_to(page, link_name):
    """Press Tab until the link is focused; how many presses it took."""
    for presses in range(1, 6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == link_name:
            return presses
    raise AssertionError(f"{link_name!r} not reached in 5 Tabs")


def test_skip_links_take_the_keyboard_to_the_main_content_and_action(
    page, live_server, transactional_db
):
    from melior.demo.generator import load_demo

    load_demo(seed=5, sites=1)
    sign_in(page, live_server, "teacher")
    page.set_viewport_size({"width": 390, "height": 844})

    # every page: the first Tab shows "Skip to main content", Enter moves focus into <main>
    for url in ("/", f"{NETWORK}/", f"{NETWORK}/learning/"):
        page.goto(live_server.url + url)
        assert _tab_to(page, "Skip to main content") == 1
        assert page.locator(".skip-link:focus").is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('main').contains(document.activeElement)")

    # the teacher's data entry: the date field in two Tabs and Enter
    page.goto(f"{live_server.url}{NETWORK}/s/roosevelt-high-school/m/exit-ticket-mastery/")
    assert _tab_to(page, "Skip to entering this period's data") == 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "period_start"

    # the lead's PDSA search the same way
    page.context.clear_cookies()
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}{NETWORK}/pdsa/")
    assert _tab_to(page, "Skip to search cycles") == 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cycle-search"
    page.keyboard.type("exit ticket")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pdsa/?q=exit+ticket*")
    assert page.locator(".cycle-table tbody tr").count() >= 1


def test_after_saving_the_confirmation_has_the_focus_and_is_in_view(
    page, live_server, transactional_db
):
    from melior.demo.generator import load_demo

    load_demo(seed=5, sites=1)
    sign_in(page, live_server, "teacher")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{NETWORK}/s/roosevelt-high-school/m/exit-ticket-mastery/")
    form = page.locator("#observation-form form")
    # the week after the last one entered (the demo has data up to last week)
    from melior.measures.models import Observation

    last = (
        Observation.objects.filter(
            measure__slug="exit-ticket-mastery", organization__slug="roosevelt-high-school"
        )
        .latest("period_start")
        .period_start
    )
    page.locator("#id_period_start").fill((last + datetime.timedelta(days=7)).isoformat())
    form.locator("input[name=numerator]").fill("10")
    form.locator("input[name=denominator]").fill("20")
    form.get_by_role("button", name="Save").click()
    status = page.locator("[role=status]:focus")
    status.wait_for()
    assert "aved" in status.inner_text()
    box = status.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844
