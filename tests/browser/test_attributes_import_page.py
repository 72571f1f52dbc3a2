"""A data steward reads how to write a student-attribute file and checks one on a phone: the
example and every problem fit the screen (they scroll within themselves, never the page)."""

import os

import pytest

pytestmark = pytest.mark.browser

BAD = (
    "student_id,school,attribute,value,as_of\n"
    "NOBODY-1,roosevelt-high-school,English Learner Status,Maybe,2025-01-15\n"
    "NOBODY-2,roosevelt-high-school,Home Language,Spanish,2025-01-15\n"
)


def test_a_steward_checks_an_attribute_file_on_a_phone(
    page, live_server, transactional_db, tmp_path
):
    from melior.demo.generator import DEMO_PASSWORD, load_demo
    from melior.governance.models import StudentAttribute
    from melior.networks.models import Network

    load_demo(seed=5, sites=1)
    network = Network.objects.get(slug="ninth-grade-success")
    before = StudentAttribute.objects.count()
    upload = tmp_path / "attributes.csv"
    upload.write_text(BAD)
    shots = os.environ.get("MELIOR_SCREENSHOTS")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "steward")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/n/{network.slug}/students/import/")
    page.get_by_role("link", name="Student attributes (CSV)").click()
    assert "English Learner Status" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    if shots:
        page.screenshot(path=f"{shots}/attributes-import-390.png", full_page=True)
    page.get_by_label("File (.csv)").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("problems — nothing was written").wait_for()
    shown = page.inner_text("main")
    assert "4 problems — nothing was written." in shown, shown
    assert "Maybe" in shown and "Home Language" in shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    if shots:
        page.screenshot(path=f"{shots}/attributes-problems-390.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{shots}/attributes-problems-1280.png", full_page=True)
    assert StudentAttribute.objects.count() == before
