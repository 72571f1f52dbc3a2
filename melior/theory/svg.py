"""Drawing a driver diagram left to right as SVG: aim, primary drivers, secondary drivers,
change ideas in four columns; each column ordered to keep links short; names wrapped."""

import textwrap
from collections import defaultdict
from html import escape

from .models import Link
from .services import LEVEL

COLUMN_WIDTH, BOX_WIDTH, GAP = 260, 210, 14
LINE_HEIGHT, PADDING = 15, 8
HEADERS = ["Aim", "Primary drivers", "Secondary drivers", "Change ideas"]
FILL = {0: "#dbe7f6", 1: "#e2f0e9", 2: "#eef4ea", 3: "#f3ecd9"}


def diagram_svg(diagram, link_for=None) -> str:
    """SVG text of the diagram; link_for(node) may give a URL for each box."""
    nodes = list(diagram.nodes.order_by("position", "pk"))
    parents = defaultdict(list)
    links = list(Link.objects.filter(parent__diagram=diagram).values_list("parent_id", "child_id"))
    for parent_id, child_id in links:
        parents[child_id].append(parent_id)
    columns = defaultdict(list)
    for node in nodes:
        columns[LEVEL[node.kind]].append(node)
    order: dict[int, float] = {}
    place: dict[int, tuple[float, float, float]] = {}  # node id -> (x, y, height)
    height = 40
    for level in range(4):
        column = columns[level]
        if level:  # order by the mean position of the parents (barycentre)
            column.sort(key=lambda n: (sum(order.get(p, 0) for p in parents[n.pk])
                                       / max(len(parents[n.pk]), 1), n.position))  # fmt: skip
        y = 40
        for rank, node in enumerate(column):
            lines = textwrap.wrap(node.name, 28) or [""]
            box = len(lines) * LINE_HEIGHT + 2 * PADDING
            place[node.pk] = (10 + level * COLUMN_WIDTH, y, box)
            order[node.pk] = rank
            y += box + GAP
        height = max(height, y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {4 * COLUMN_WIDTH} {height + 10}" '
        f'class="driver-diagram" role="img" aria-label="Driver diagram" '
        f'font-family="system-ui, sans-serif" font-size="12">'
    ]
    for level, title in enumerate(HEADERS):
        parts.append(f'<text x="{10 + level * COLUMN_WIDTH}" y="20" font-weight="700" '
                     f'fill="#5f6b7a">{title}</text>')  # fmt: skip
    for parent_id, child_id in links:
        px, py, ph = place[parent_id]
        cx, cy, ch = place[child_id]
        x1, y1, x2, y2 = px + BOX_WIDTH, py + ph / 2, cx, cy + ch / 2
        mid = (x1 + x2) / 2
        parts.append(f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
                     f'stroke="#9aa5b4" stroke-width="1.2"/>')  # fmt: skip
    for node in nodes:
        x, y, box = place[node.pk]
        level = LEVEL[node.kind]
        text = "".join(
            f'<tspan x="{x + PADDING}" dy="{LINE_HEIGHT - (0 if i else 2)}">{escape(line)}</tspan>'
            for i, line in enumerate(textwrap.wrap(node.name, 28) or [""])
        )
        shape = (f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{box}" rx="6" '
                 f'fill="{FILL[level]}" stroke="#8a9bb0"/>'
                 f'<text x="{x + PADDING}" y="{y + PADDING}">{text}</text>')  # fmt: skip
        title = f"<title>{escape(node.get_kind_display())}: {escape(node.name)}</title>"
        href = link_for(node) if link_for else None
        parts.append(
            f'<a href="{escape(href)}">{title}{shape}</a>' if href else f"<g>{title}{shape}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)
