"""The convening pack as a PDF (WeasyPrint, from an HTML page) and as slides (python-pptx):
the same content, one slide or page per part."""

import base64
import io

from django.template.loader import render_to_string
from pptx import Presentation
from pptx.util import Inches, Pt

from .pack import STAGES, Pack

WIDE, TALL = Inches(13.333), Inches(7.5)  # 16:9
ROWS_PER_SLIDE = 14


def pack_pdf(pack: Pack) -> bytes:
    from weasyprint import HTML  # loads the font and layout engine only when a pack is made

    html = render_to_string(
        "convening/pack.html",
        {
            "pack": pack,
            "diagram_b64": base64.b64encode(pack.diagram_png).decode(),
            "works_where_rows": pack.works_where_rows,
            "spread_rows": pack.spread_rows,
            "stages": STAGES,
        },
    )
    return HTML(string=html).write_pdf()


def pack_pptx(pack: Pack) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE, TALL
    _title_slide(deck, pack)
    if pack.diagram_svg:
        _picture_slide(deck, "Our theory of improvement", pack.diagram_png, pack.outline[:600])
    for title, header, rows in _tables(pack):
        _table_slides(deck, title, header, rows)
    for idea, rows in pack.fidelity:
        _table_slides(deck, f"Fidelity: {idea.name}", FIDELITY_HEADER, _fidelity_rows(rows))
    for chart in pack.charts:
        _picture_slide(deck, chart.title, chart.png, chart.reading)
    _table_slides(deck, "Progress of each project", PROGRESS_HEADER, _progress_rows(pack))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


FIDELITY_HEADER = ["School", "Latest score", "Band", "Trend", "Adaptations"]
PROGRESS_HEADER = ["School", "Project", "Score", "Change"]


def _tables(pack: Pack) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of the status table, bright spots, what works where and spread."""
    status = [[site.name, *cells] for site, cells in pack.status_rows]
    spots = [
        [s.site.name, s.measure.name, f"{s.onset:%b %-d, %Y}" if s.onset else "—",
         "; ".join(name for name, _ in s.ideas) or "—"]
        for s in pack.bright_spots
    ]  # fmt: skip
    works = [
        [idea.name, *(f"{len(c.sites)} tested, {len(c.adopted)} adopted, "
                      f"{len(c.improving)} improving" if c.tests else "—" for c in cells)]
        for idea, cells in pack.works_where_rows
    ]  # fmt: skip
    spread = [[idea.name, *map(str, counts)] for idea, counts in pack.spread_rows]
    return [
        ("Where each school stands", ["School", *(m.name for m in pack.measures)], status),
        ("Bright spots", ["School", "Measure", "Improving since", "Ideas"], spots),
        ("What works where", ["Change idea", *map(str, pack.works_where["bands"])], works),
        ("How ideas are spreading", ["Change idea", *(label for _, label in STAGES)], spread),
    ]


def _fidelity_rows(rows) -> list[list[str]]:
    return [
        [school, f"{score:.0f}%" if score is not None else "—", band or "—", trend or "—",
         str(adaptations)]
        for school, score, band, trend, adaptations in rows
    ]  # fmt: skip


def _progress_rows(pack: Pack) -> list[list[str]]:
    return [
        [row["project"].site.name, row["project"].title,
         f"{row['current'].score:.1f}" if row["current"] else "—", row["change"]]
        for row in pack.progress
    ]  # fmt: skip


def _title_slide(deck, pack: Pack) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = pack.network.name
    subtitle = slide.placeholders[1]
    subtitle.text = f"{pack.network.aim}\nConvening pack, {pack.prepared_on:%B %-d, %Y}"
    if pack.phase:
        subtitle.text += f" · {pack.phase}"


def _titled(deck, title: str):
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    slide.shapes.title.text = title
    slide.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
    return slide


def _picture_slide(deck, title: str, png: bytes, caption: str) -> None:
    slide = _titled(deck, title)
    slide.shapes.add_picture(io.BytesIO(png), Inches(0.6), Inches(1.4), height=Inches(4.9))
    box = slide.shapes.add_textbox(Inches(0.6), Inches(6.4), Inches(12), Inches(0.9))
    box.text_frame.word_wrap = True
    box.text_frame.text = caption
    box.text_frame.paragraphs[0].font.size = Pt(12)


def _table_slides(deck, title: str, header: list[str], rows: list[list[str]]) -> None:
    """A table over as many slides as it needs; an empty table says so."""
    chunks = [rows[k : k + ROWS_PER_SLIDE] for k in range(0, len(rows), ROWS_PER_SLIDE)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        more = f" ({number} of {len(chunks)})" if len(chunks) > 1 else ""
        slide = _titled(deck, title + more)
        if not chunk:
            box = slide.shapes.add_textbox(Inches(0.6), Inches(1.6), Inches(12), Inches(1))
            box.text_frame.text = "Nothing to show yet."
            continue
        shape = slide.shapes.add_table(
            len(chunk) + 1, len(header), Inches(0.4), Inches(1.3), Inches(12.5), Inches(5.6)
        )
        for column, text in enumerate(header):
            _cell(shape.table.cell(0, column), text, bold=True)
        for r, row in enumerate(chunk, start=1):
            for column, text in enumerate(row):
                _cell(shape.table.cell(r, column), str(text))


def _cell(cell, text: str, bold: bool = False) -> None:
    cell.text = text
    for paragraph in cell.text_frame.paragraphs:
        paragraph.font.size = Pt(11)
        paragraph.font.bold = bold
