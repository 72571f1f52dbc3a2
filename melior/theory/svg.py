"""Drawing a driver diagram left to right as SVG: aim, primary drivers, secondary drivers,
change ideas in four columns (five where there are tertiary drivers); each column ordered to
keep links short; names wrapped; under each name, its linked measures with their latest
signal."""

import textwrap
from collections import defaultdict
from html import escape

from .models import Link
from .services import LEVEL

COLUMN_WIDTH, BOX_WIDTH, GAP = 260, 210, 14
LINE_HEIGHT, PADDING = 15, 8
HEADERS = ["Aim", "Primary drivers", "Secondary drivers", "Tertiary drivers", "Change ideas"]
FILL = {0: "#dbe7f6", 1: "#e2f0e9", 2: "#eef4ea", 3: "#f4f7ef", 4: "#f3ecd9"}
# latest signal -> (mark, colour); the words are in each badge's title and in the legend
SIGNAL = {
    "improving": ("▲", "#1a7f37"),
    "worsening": ("▼", "#c62828"),
    "no change": ("●", "#5f6b7a"),
    "no data": ("○", "#8a96a6"),
}


def diagram_svg(diagram, *, shown=None, link_for=None, badges=None) -> str:
    """SVG text of the diagram. shown: ids of the nodes to draw (all by default);
    link_for(node): a URL for each box; badges: node id -> [(measure, signal)]."""
    badges = badges or {}
    nodes = [n for n in diagram.nodes.order_by("position", "pk") if shown is None or n.pk in shown]
    ids = {n.pk for n in nodes}
    links = [
        (p, c)
        for p, c in Link.objects.filter(parent__diagram=diagram).values_list(
            "parent_id", "child_id"
        )
        if p in ids and c in ids
    ]
    levels, x_of, place, height = _layout(nodes, links, badges)
    legend = any(badges.get(n.pk) for n in nodes)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {len(levels) * COLUMN_WIDTH} '
        f'{height + (40 if legend else 10)}" class="driver-diagram" role="figure" '
        f'aria-label="Driver diagram" font-family="system-ui, sans-serif" font-size="12">'
    ]
    for level in levels:
        parts.append(f'<text x="{x_of[level]}" y="20" font-weight="700" '
                     f'fill="#5f6b7a">{HEADERS[level]}</text>')  # fmt: skip
    for parent_id, child_id in links:
        px, py, ph = place[parent_id]
        cx, cy, ch = place[child_id]
        x1, y1, x2, y2 = px + BOX_WIDTH, py + ph / 2, cx, cy + ch / 2
        mid = (x1 + x2) / 2
        parts.append(f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" fill="none" '
                     f'stroke="#9aa5b4" stroke-width="1.2"/>')  # fmt: skip
    for node in nodes:
        parts.append(_box(node, place[node.pk], badges.get(node.pk, []), link_for))
    if legend:
        parts += _legend(height)
    parts.append("</svg>")
    return "".join(parts)


def _layout(nodes, links, badges):
    """Columns by kind (a tertiary column only where the diagram has them), each ordered by the
    mean rank of the nodes' parents; returns the levels drawn, each level's x, each node's
    (x, y, height) and the drawing's height."""
    parents = defaultdict(list)
    for parent_id, child_id in links:
        parents[child_id].append(parent_id)
    columns = defaultdict(list)
    for node in nodes:
        columns[LEVEL[node.kind]].append(node)
    levels = [level for level in range(len(HEADERS)) if level != 3 or columns[3]]
    x_of = {level: 10 + i * COLUMN_WIDTH for i, level in enumerate(levels)}
    order: dict[int, float] = {}
    place: dict[int, tuple[float, float, float]] = {}  # node id -> (x, y, height)
    height = 40
    for level in levels:
        column = columns[level]
        if level:  # order by the mean position of the parents (barycentre)
            column.sort(key=lambda n: (sum(order.get(p, 0) for p in parents[n.pk])
                                       / max(len(parents[n.pk]), 1), n.position))  # fmt: skip
        y = 40
        for rank, node in enumerate(column):
            rows = len(_wrap(node.name)) + len(badges.get(node.pk, []))
            box = rows * LINE_HEIGHT + 2 * PADDING
            place[node.pk] = (x_of[level], y, box)
            order[node.pk] = rank
            y += box + GAP
        height = max(height, y)
    return levels, x_of, place, height


def _box(node, place, badges, link_for) -> str:
    """One node's box: its name, its measures' signals, a title for screen readers and hover,
    and a link when the drawing has them."""
    x, y, box = place
    lines = [(escape(line), None) for line in _wrap(node.name)]
    signals = []
    for measure, signal in badges:
        mark, colour = SIGNAL[signal]
        short = textwrap.shorten(measure.name, 30, placeholder="…")
        lines.append((f"{mark} {escape(short)}", colour))
        signals.append(f"{measure.name}: {signal}")
    text = "".join(
        f'<tspan x="{x + PADDING}" dy="{LINE_HEIGHT - (0 if i else 2)}"'
        + (f' fill="{colour}" font-size="11"' if colour else "")
        + f">{line}</tspan>"
        for i, (line, colour) in enumerate(lines)
    )
    shape = (f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{box}" rx="6" '
             f'fill="{FILL[LEVEL[node.kind]]}" stroke="#8a9bb0"/>'
             f'<text x="{x + PADDING}" y="{y + PADDING}">{text}</text>')  # fmt: skip
    about = "; ".join([f"{node.get_kind_display()}: {node.name}", *signals])
    title = f"<title>{escape(about)}</title>"
    href = link_for(node) if link_for else None
    return f'<a href="{escape(href)}">{title}{shape}</a>' if href else f"<g>{title}{shape}</g>"


def _legend(height) -> list[str]:
    parts, x = [], 10
    for signal, (mark, colour) in SIGNAL.items():
        parts.append(f'<text x="{x}" y="{height + 22}" fill="{colour}">{mark} '
                     f'<tspan fill="#3d4652">measure {signal}</tspan></text>')  # fmt: skip
        x += 170
    return parts


def _wrap(name: str) -> list[str]:
    return textwrap.wrap(name, 28) or [""]
