"""A hub lead, the night before a convening: from the hub page, one click downloads the pack;
it opens as a PDF with every part and a chart per outcome measure."""

import io

import pypdf
import pytest

pytestmark = pytest.mark.browser


def test_the_lead_downloads_the_convening_pack_in_one_click(page, live_server, transactional_db):
    from melior.demo.generator import DEMO_PASSWORD, load_demo

    load_demo(seed=5, sites=4)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/n/ninth-grade-success/hub/")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("link", name="Download the convening pack (PDF)").click(no_wait_after=True)
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    outcome_charts = text.count(", across the network")
    assert outcome_charts >= 1
    parts = ["Our theory of improvement", "Where each school stands", "Bright spots",
             "What works where", "How ideas are spreading", "Fidelity as ideas spread",
             "Progress of each project"]  # fmt: skip
    assert [part for part in parts if part not in text] == []
    # a page per part and per chart; the diagram and each chart are pictures
    assert len(pdf.pages) >= 7 + outcome_charts
    assert len({image.data for p in pdf.pages for image in p.images}) == 1 + outcome_charts
