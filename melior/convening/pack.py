"""The network's state for a convening, gathered once and drawn twice: a PDF (WeasyPrint) and a
slide deck (python-pptx). Every figure comes from the selectors the hub's pages use, so the pack
shows what the person who prepares it may see; charts are drawn offline by vl-convert."""

import base64
import datetime
from dataclasses import dataclass, field

import vl_convert

from melior.fidelity.selectors import fidelity_view, plans_for
from melior.learning import selectors as learning
from melior.learning.models import SpreadStage
from melior.measures.across_sites.pooled import network_measure_view
from melior.measures.across_sites.status import status_table
from melior.measures.selectors import measures_for
from melior.networks.selectors import sites_for
from melior.progress.selectors import progress_table
from melior.theory.selectors import network_diagram_or_none
from melior.theory.services import export_outline
from melior.theory.svg import diagram_svg

STAGES = [(stage.value, stage.label) for stage in SpreadStage]
STATUS_WORDS = {"improving": "▲ improving", "worsening": "▼ worsening", "no change": "● no change"}


@dataclass
class Chart:
    title: str
    reading: str
    png: bytes

    @property
    def png_b64(self) -> str:
        return base64.b64encode(self.png).decode()


@dataclass
class Pack:
    network: object
    prepared_on: datetime.date
    phase: str
    outline: str
    diagram_svg: str
    measures: list
    status_rows: list  # (site, [status words per measure])
    bright_spots: list
    works_where: dict
    spread: list  # (idea, {stage: sites})
    progress: list
    fidelity: list = field(
        default_factory=list
    )  # (idea, [(school, score, band, trend, adaptations)])
    charts: list[Chart] = field(default_factory=list)

    @property
    def works_where_rows(self) -> list:
        cells = self.works_where["cells"]
        return [
            (idea, [cells[(idea.pk, band)] for band in self.works_where["bands"]])
            for idea in self.works_where["ideas"]
        ]

    @property
    def spread_rows(self) -> list:
        return [(idea, [counts[code] for code, _ in STAGES]) for idea, counts in self.spread]

    @property
    def diagram_png(self) -> bytes:
        return vl_convert.svg_to_png(self.diagram_svg, scale=2) if self.diagram_svg else b""


def chart_choices(network) -> list:
    """The measures whose network chart can go in the pack (outcome measures are chosen first)."""
    return sorted(measures_for(network), key=lambda m: (m.kind != "outcome", m.name))


def build_pack(user, network, chart_measures, today=None) -> Pack:
    today = today or datetime.date.today()
    sites = list(sites_for(user, network).order_by("name"))
    diagram = network_diagram_or_none(network)
    table = status_table(network)
    phase = network.phases.first()
    return Pack(
        network=network,
        prepared_on=today,
        phase=str(phase) if phase else "",
        outline=export_outline(diagram) if diagram else "",
        diagram_svg=diagram_svg(diagram) if diagram and diagram.nodes.exists() else "",
        measures=table.measures,
        status_rows=[
            (site, [STATUS_WORDS.get(status, "○ no data") for _, status, _ in table.row(site.pk)])
            for site in sites
        ],
        bright_spots=learning.bright_spots(user, network),
        works_where=learning.what_works_where(user, network),
        spread=learning.spread_overview(user, network, today),
        progress=progress_table(user, network),
        fidelity=_fidelity(user, network),
        charts=[chart for m in chart_measures if (chart := _chart(m, sites)) is not None],
    )


def _fidelity(user, network) -> list:
    """Per change idea with a fidelity plan: each school's latest score, its band, the trend of
    its fidelity chart and how many adaptations it logged."""
    found = []
    for plan in plans_for(user, network).select_related("idea"):
        rows = [
            (row.site, row.latest, row.band, row.trend, len(row.adaptations))
            for row in fidelity_view(user, network, plan).rows
        ]
        if rows:
            found.append((plan.idea, rows))
    return found


def _chart(measure, sites) -> Chart | None:
    view = network_measure_view(measure, sites)
    if view.chart_spec is None:
        return None
    spec = {**view.chart_spec, "width": 640, "height": 260}
    return Chart(
        title=f"{measure.name}, across the network",
        reading=" ".join(sentence.text for sentence in view.sentences),
        png=vl_convert.vegalite_to_png(spec, scale=2),
    )
