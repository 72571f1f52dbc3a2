"""A data steward checks a file of consent decisions on a phone: every problem is listed in a
table that scrolls within itself, never the page sideways, and is reached from the consent form."""

import os

import pytest

pytestmark = pytest.mark.browser

BAD = (
    "student_id,decision,date,source\n"
    "NOBODY-1,maybe,2026-02-01,paper form\n"
    f"{'X' * 90},opt-in,01/02/2026,a very long description of where this came from\n"
)


def test_a_steward_sees_every_problem_of_a_consent_file_on_a_phone(
    page, live_server, transactional_db, tmp_path
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo
    from melior.governance.models import Consent, Purpose
    from melior.networks.models import Network

    load_demo(seed=5, sites=1)
    network = Network.objects.get(slug="ninth-grade-success")
    purpose = Purpose.objects.filter(network=network).first()
    assert purpose is not None
    before = Consent.objects.count()
    upload = tmp_path / "consent.csv"
    upload.write_text(BAD)
    shots = os.environ.get("MELIOR_SCREENSHOTS")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/n/{network.slug}/students/stewardship/")
    page.get_by_role("link", name="import consent decisions from a CSV").click()
    page.get_by_label("File (.csv)").set_input_files(str(upload))
    page.get_by_label("Collected for").select_option(str(purpose.pk))
    page.get_by_role("button", name="Check the file").click()
    table = page.get_by_role("alert")
    assert "4 problems — nothing was written." in page.inner_text("main")
    assert "maybe" in table.inner_text() and "01/02/2026" in table.inner_text()
    assert "X" * 90 in table.inner_text()  # the value in full
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    if shots:
        page.screenshot(path=f"{shots}/consent-problems-390.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{shots}/consent-problems-1280.png", full_page=True)
    assert Consent.objects.count() == before
