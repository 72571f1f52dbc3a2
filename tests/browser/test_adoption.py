"""The whole adoption of an empty instance in a real browser, with no admin page and no shell
after the first command: the operator (made by `melior createuser --superuser`, the one
command) starts a network and invites its lead; the lead follows the emailed link, brings in
three schools from the NCES Common Core of Data columns, defines two measures and invites a
site lead and a teacher; the site lead starts a project; the teacher enters a week of data
and sees the chart."""

import datetime
import os
import re

import pytest
from django.core import mail

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-9x"
CCD = (
    "NCESSCH,LEAID,SCH_NAME,LEA_NAME,LEVEL,ULOCALE,MEMBER,TOTFRL\n"
    "062271003230,0622710,Roosevelt High,Valley Unified,High,11-City: Large,1600,1200\n"
    "062271003231,0622710,Kennedy Middle,Valley Unified,Middle,21-Suburb: Large,800,200\n"
    "480894000471,4808940,Austin Elementary,Hill ISD,Elementary,31-Town: Fringe,400,100\n"
)


def _shot(page, name):
    folder = os.environ.get("MELIOR_SCREENSHOTS_DIR")
    if folder:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1300, "height": 900})


def _last_link(to: str) -> str:
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def _log_out(page):
    page.get_by_role("button", name="Log out").click()


def _join(page, link, username):
    page.goto(link)
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name=re.compile("^Join")).click()
    page.get_by_text("Welcome to River Valley Network").wait_for()


def _define(page, live_server, **fields):
    page.goto(f"{live_server.url}/n/river-valley-network/settings/measures/new/")
    for name, value in fields.items():
        if name in {"kind", "value_type", "frequency", "desired_direction", "default_chart"}:
            page.select_option(f"#id_{name}", value)
        else:
            page.fill(f"#id_{name}", value)
    page.get_by_role("button", name="Save the measure").click()
    page.get_by_text(f"Saved the measure “{fields['name']}”").wait_for()


def _invite(page, email, role, scope):
    page.get_by_role("link", name="People").click()
    page.fill("#id_email", email)
    page.select_option("#id_role", label=role)
    page.select_option("#id_scope", label=scope)
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text(f"Sent an invitation to {email}").wait_for()


def test_an_empty_instance_is_adopted_in_the_browser(page, live_server, transactional_db):
    from typer.testing import CliRunner

    from melior.cli import app

    result = CliRunner().invoke(
        app, ["createuser", "operator", "--superuser", "--password", PASSWORD,
              "--email", "it@valley.org"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page.set_default_timeout(60_000)  # a long walk; a busy machine must not fail it

    # the operator starts the network and invites its lead
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="Start a network").click()
    page.fill("#id_name", "River Valley Network")
    page.fill("#id_aim", "85% of 9th graders on track by June 2027")
    page.fill("#id_lead_email", "lead@valley.org")
    page.get_by_role("button", name="Create the network and invite its lead").click()
    page.get_by_text("sent the invitation to lead@valley.org").wait_for()
    _log_out(page)

    # the lead joins from the emailed link and brings in three schools from the CCD columns
    _join(page, _last_link("lead@valley.org"), "lead")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Districts and schools").click()
    page.fill("#id_text", CCD)
    page.get_by_role("button", name="Check the rows").click()
    page.get_by_text("Checked: ready to import.").wait_for()
    _shot(page, "schools-check")
    page.get_by_role("button", name="Import these rows").click()
    page.get_by_text("Imported 3 new school(s) and 2 new district(s)").wait_for()
    assert page.locator("table.data tbody tr").count() == 3
    _shot(page, "schools")

    # two measures
    _define(page, live_server, name="On track", kind="outcome", value_type="proportion",
            unit="%", frequency="weekly", desired_direction="up", default_chart="p",
            numerator_definition="9th graders on track",
            denominator_definition="9th graders")  # fmt: skip
    _define(page, live_server, name="Students absent", kind="process", value_type="count",
            frequency="daily", desired_direction="down", default_chart="c",
            description="Students absent all day, counted at noon.")  # fmt: skip
    _shot(page, "measures")

    # a site lead and a teacher at Roosevelt High
    _invite(page, "sitelead@valley.org", "Site lead", "School: Roosevelt High")
    _invite(page, "teacher@valley.org", "Team member", "School: Roosevelt High")
    assert page.get_by_text("teacher@valley.org").count() >= 1  # listed as pending
    _shot(page, "people")
    _log_out(page)

    # the site lead starts a project from the school page
    _join(page, _last_link("sitelead@valley.org"), "sitelead")
    page.get_by_role("link", name="Roosevelt High", exact=True).first.click()
    page.get_by_role("link", name="Start a project").click()
    page.fill("#id_title", "Ninth grade on track")
    page.fill("#id_aim_statement", "Raise on-track 9th graders from 70% to 85% by June 2027")
    page.fill("#id_population", "All 9th graders at Roosevelt High")
    page.get_by_role("button", name="Start the project").click()
    page.get_by_role("heading", name="Ninth grade on track").wait_for()
    _log_out(page)

    # the teacher enters a week of data and sees the chart
    _join(page, _last_link("teacher@valley.org"), "teacher")
    page.get_by_role("link", name="Roosevelt High", exact=True).first.click()
    page.get_by_role("link", name="Students absent").click()
    today = datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    for day, absent in enumerate([12, 9, 11, 8, 10]):
        date = monday + datetime.timedelta(days=day)
        page.fill("#id_period_start", date.isoformat())
        page.fill("#id_value", str(absent))
        page.get_by_role("button", name="Save").click()
        page.get_by_text(f"Saved the period starting {date:%b %-d, %Y}").wait_for()
    page.locator(".chart.chart-ready svg.marks").wait_for()
    _shot(page, "chart")
