"""The convening pack: one click from the hub gives the network's state as a PDF and as slides —
theory, status table, bright spots, what works where, spread, the chosen charts and progress —
for the hub's roles only."""

import datetime
import io

import pypdf
import pytest
from pptx import Presentation

from melior.measures.services import record_observation
from melior.progress.services import confirm_progress
from melior.projects.services import create_project
from melior.theory import services as theory


@pytest.fixture
def convening_world(world):
    diagram = theory.network_diagram(world.network)
    theory.replace_from_outline(
        diagram=diagram,
        text="More on track\n  Students attend\n    Families hear\n      Call home\n",
    )
    monday = datetime.date(2025, 9, 1)
    for week in range(16):
        for school, base in ((world.school, 8), (world.sibling_school, 11)):
            record_observation(
                measure=world.measure, organization=school,
                period=monday + datetime.timedelta(weeks=week),
                numerator=base + week % 3, denominator=20,
            )  # fmt: skip
    project = create_project(network=world.network, site=world.school, title="Lincoln on track")
    confirm_progress(
        project=project, user=world.users["network:network_lead"], score="1.5",
        assessed_on=datetime.date(2025, 11, 3), note="Team formed, charter agreed",
    )  # fmt: skip
    return world


def pictures(reader) -> int:
    """Distinct pictures in a PDF (pages may share one resource list)."""
    return len({image.data for page in reader.pages for image in page.images})


def test_the_pack_as_a_pdf_holds_every_part_and_the_chosen_charts(client, convening_world):
    world = convening_world
    client.force_login(world.users["network:network_lead"])
    url = f"/n/{world.network.slug}/hub/convening/pack.pdf"
    response = client.get(url)  # one click: the outcome measures' charts
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    parts = ["Our theory of improvement", "Where each school stands", "Bright spots",
             "What works where", "How ideas are spreading", "On track, across the network",
             "Progress of each project", "Lincoln High", "Parks High",
             "Lincoln on track"]  # fmt: skip
    assert [part for part in parts if part not in text] == []
    assert (
        len(pages) == 8
    )  # cover, theory, status, bright spots, works where, spread, chart, progress
    assert pictures(reader) == 2  # the driver diagram and one chart
    both = client.get(url + "?measure=on-track&measure=referrals")
    assert pictures(pypdf.PdfReader(io.BytesIO(both.content))) == 2  # referrals: no chart yet
    none = client.get(url + "?measure=")
    assert "across the network" not in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(none.content)).pages
    )


def test_the_pack_as_slides(client, convening_world):
    world = convening_world
    client.force_login(world.users["network:improvement_coach"])
    response = client.get(f"/n/{world.network.slug}/hub/convening/pack.pptx")
    assert response.status_code == 200
    deck = Presentation(io.BytesIO(response.content))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles == [
        "Ninth Grade Network", "Our theory of improvement", "Where each school stands",
        "Bright spots", "What works where", "How ideas are spreading",
        "On track, across the network", "Progress of each project",
    ]  # fmt: skip
    pictures = [s for slide in deck.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 2
    status = next(s for s in deck.slides[2].shapes if s.has_table).table
    assert [status.cell(r, 0).text for r in range(1, 3)] == ["Lincoln High", "Parks High"]


def test_only_the_hubs_roles_prepare_a_pack(client, convening_world):
    world = convening_world
    base = f"/n/{world.network.slug}/hub/convening/"
    for who, status in (("network:viewer", 403), ("school:site_lead", 403), ("outsider", 404)):
        client.force_login(world.users[who])
        assert client.get(base + "pack.pdf").status_code == status
        assert client.get(base).status_code == status
    client.force_login(world.users["network:network_lead"])
    page = client.get(base).content.decode()
    assert "Download the PDF" in page and 'value="on-track" checked' in page
