"""A teacher plans, runs, studies and acts on a PDSA cycle on a phone-sized screen."""

import datetime

import pytest

pytestmark = pytest.mark.browser


def test_teacher_walks_a_full_cycle_on_a_phone(
    page, live_server, transactional_db, misplaced_choice_controls
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo
    from melior.pdsa.models import Cycle

    load_demo(seed=5, sites=1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/n/ninth-grade-success/")
    page.get_by_role("link", name="9th-grade on-track at").first.click()
    page.get_by_role("link", name="Plan a PDSA cycle").click()

    page.get_by_label("Which change idea are you testing?").select_option(
        label="Daily exit tickets with next-day re-teaching"
    )
    page.get_by_label("Title").fill("Exit tickets in Algebra 3rd period")
    page.get_by_label("How do you want to write it?").select_option("classic")
    page.get_by_role("button", name="Start the plan").click()

    today = datetime.date.today().isoformat()
    page.get_by_label("Objective").fill(
        "See whether a 3-question exit ticket shows who to re-teach"
    )
    page.locator("#id_scale").select_option(label="1 class")
    page.locator("#id_planned_start").fill(today)
    page.locator("#id_due").fill(today)
    page.get_by_label("Exit-ticket mastery").check()
    page.get_by_role("button", name="Save the plan").click()

    page.locator("#id_question").fill("What share will master the ticket by day 3?")
    page.locator("#id_kind").select_option("quantitative")
    page.get_by_label("Predicted value").fill("65")
    page.get_by_role("button", name="Add the question").click()
    page.get_by_role("button", name="The plan is ready").click()
    page.get_by_role("button", name="Start the test (Do)").click()
    page.locator(".phases .current").get_by_text("Running (Do)").wait_for()

    page.get_by_label("What happened, compared with the plan").fill("Ran all week; 24 students.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("button", name="The test is over: study it").click()

    page.get_by_label("What happened").first.fill("17 of 24 mastered it (71%)")
    page.get_by_label("Result value").fill("71")
    page.get_by_label("Did the prediction hold?").select_option("yes")
    page.get_by_label("Study summary: what we learned overall").fill("Short tickets work.")
    page.get_by_role("button", name="Save the study").click()
    assert misplaced_choice_controls(page) == []
    page.get_by_text("Adapt", exact=True).click()  # the label's words select their own radio
    assert page.get_by_role("radio", name="Adapt").is_checked()
    page.locator("#id_reason").fill("Try it in two classes with a shared ticket bank")
    page.get_by_role("button", name="Decide").click()

    # the next cycle of the ramp opens, pre-filled
    page.get_by_role("heading", name="Exit tickets in Algebra 3rd period (cycle 2)").wait_for()
    first = Cycle.objects.get(title="Exit tickets in Algebra 3rd period")
    assert first.status == "done" and first.decision == "adapt"
    assert first.questions.get().held == "yes"
    assert first.next_cycles.get().status == "draft"
    # nothing on the page is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
