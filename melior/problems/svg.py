"""Drawing the problem analysis as SVG: a fishbone (the problem at the head, a bone per
category with its causes along it) and the process as a flow of steps."""

import math
import textwrap
from html import escape

ROW, FONT = 16, "system-ui, sans-serif"


def _lines(text: str, width: int, most: int) -> list[str]:
    """`text` wrapped to `width`, at most `most` lines; a cut shows as "…" on the last line
    (the whole text is in the shape's <title>, read on hover or focus)."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) <= most:
        return lines
    return [
        *lines[: most - 1],
        textwrap.shorten(" ".join(lines[most - 1 :]), width, placeholder="…"),
    ]


def fishbone_svg(problem: str, categories: list[tuple[object, list[tuple[object, bool]]]]) -> str:
    """categories: [(category, [(cause, is_sub_cause), ...]), ...] in drawing order. Causes
    link to their entry on the page (#cause-<id>); causes outside the team's control are grey."""
    top, bottom = categories[0::2], categories[1::2]
    slots = max(len(top), len(bottom), 1)
    slot_width = 250
    head_x = 40 + slots * slot_width
    width = head_x + 210

    def rows(side):
        return max([len(causes) for _, causes in side] + [1])

    top_len = (rows(top) + 1) * ROW + 16
    bottom_len = (rows(bottom) + 1) * ROW + 16
    spine_y = 40 + top_len
    height = spine_y + bottom_len + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="fishbone" '
        f'role="figure" aria-label="Fishbone diagram" font-family="{FONT}" font-size="11">',
        f'<line x1="30" y1="{spine_y}" x2="{head_x}" y2="{spine_y}" stroke="#4a5868" '
        f'stroke-width="3"/>',
    ]
    head_lines = _lines(problem or "The problem", 26, 6)
    head_h = len(head_lines) * 14 + 16
    parts.append(
        f"<g><title>{escape(problem or 'The problem')}</title>"
        f'<rect x="{head_x}" y="{spine_y - head_h / 2}" width="200" height="{head_h}" rx="8" '
        f'fill="#fbe3d6" stroke="#c25b12"/>'
        f'<text x="{head_x + 10}" y="{spine_y - head_h / 2 + 6}" font-size="12" font-weight="600">'
        + "".join(f'<tspan x="{head_x + 10}" dy="14">{escape(t)}</tspan>' for t in head_lines)
        + "</text></g>"
    )
    for side, sign, length in ((top, -1, top_len), (bottom, 1, bottom_len)):
        for slot, (category, causes) in enumerate(side):
            sx = 40 + (slot + 1) * slot_width - 20
            ex, ey = sx - length * 0.35, spine_y + sign * length
            parts.append(
                f'<line x1="{sx}" y1="{spine_y}" x2="{ex:.1f}" y2="{ey}" '
                f'stroke="#6b7785" stroke-width="2"/>'
            )
            label_y = ey - 8 if sign < 0 else ey + 16
            parts.append(
                f'<text x="{ex:.1f}" y="{label_y}" font-size="12" font-weight="700" '
                f'text-anchor="middle" fill="#2f3a45">{escape(category.name)}</text>'
            )
            for row, (cause, is_sub) in enumerate(causes):
                y = spine_y + sign * (length - (row + 1) * ROW)
                bone_x = sx - (abs(y - spine_y)) * 0.35
                name = textwrap.shorten(cause.name, 34 if not is_sub else 30, placeholder="…")
                ours = cause.in_control != "no"
                style = ("" if ours else ' fill="#8a96a6" font-style="italic"') + (
                    ' font-size="10"' if is_sub else ""
                )
                label = ("↳ " if is_sub else "") + name
                title = cause.name + ("" if ours else " (not in our control)")
                parts.append(
                    f'<a href="#cause-{cause.pk}"><title>{escape(title)}</title>'
                    f'<text x="{bone_x - 6 - (10 if is_sub else 0):.1f}" y="{y + 4}" '
                    f'text-anchor="end"{style}>{escape(label)}</text></a>'
                    f'<line x1="{bone_x - 4:.1f}" y1="{y}" x2="{bone_x:.1f}" y2="{y}" '
                    f'stroke="#9aa5b4"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def process_svg(steps) -> str:
    """Steps left to right in rows of five, arrows between; pain points outlined in red."""
    per_row, box_w, box_h, gap_x, gap_y = 5, 170, 64, 40, 58
    steps = list(steps)
    n_rows = max(math.ceil(len(steps) / per_row), 1)
    width = per_row * (box_w + gap_x) + 20
    height = n_rows * (box_h + gap_y) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="process-map" role="img" aria-label="Process map" font-family="{FONT}" '
        f'font-size="11"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="#6b7785"/></marker></defs>'
    ]
    for i, step in enumerate(steps):
        row, col = divmod(i, per_row)
        x, y = 10 + col * (box_w + gap_x), 10 + row * (box_h + gap_y)
        pain = bool(step.pain_point.strip())
        stroke = ' stroke="#c62828" stroke-width="2"' if pain else ' stroke="#8a9bb0"'
        lines = _lines(f"{i + 1}. {step.name}", 26, 2)
        text = "".join(f'<tspan x="{x + 8}" dy="14">{escape(t)}</tspan>' for t in lines)
        parts.append(
            f"<g><title>{escape(step.name)}"
            f"{escape(' — ' + step.owner) if step.owner else ''}"
            f"{escape(' — pain point: ' + step.pain_point) if pain else ''}</title>"
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" '
            f'fill="#eef4ea"{stroke}/><text x="{x + 8}" y="{y + 4}" font-weight="600">'
            f"{text}</text>"
        )
        if step.owner:
            parts.append(
                f'<text x="{x + 8}" y="{y + box_h - 8}" fill="#5f6b7a">'
                f"{escape(textwrap.shorten(step.owner, 30, placeholder='…'))}</text>"
            )
        if pain:
            parts.append(
                f'<text x="{x}" y="{y + box_h + 15}" fill="#c62828">⚠ '
                f"{escape(textwrap.shorten(step.pain_point, 30, placeholder='…'))}"
                "</text>"
            )
        parts.append("</g>")
        if i + 1 < len(steps):
            if col + 1 < per_row:
                parts.append(
                    f'<line x1="{x + box_w}" y1="{y + box_h / 2}" '
                    f'x2="{x + box_w + gap_x - 2}" y2="{y + box_h / 2}" stroke="#6b7785" '
                    f'marker-end="url(#arrow)"/>'
                )
            else:  # down and back to the start of the next row
                ny = y + box_h + gap_y
                parts.append(
                    f'<path d="M{x + box_w / 2},{y + box_h} V{y + box_h + 24} '
                    f'H{10 + box_w / 2} V{ny - 2}" fill="none" stroke="#6b7785" '
                    f'marker-end="url(#arrow)"/>'
                )
    parts.append("</svg>")
    return "".join(parts)
