"""Driver diagrams as indented outlines, both ways. Pure functions on plain data (no database),
so the outline rules are tested on their own; `versions.replace_from_outline` and
`versions.export_outline` apply them to a saved diagram."""

import re
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError

from .kinds import K

INDENT = re.compile(r"^(?P<indent>[ \t]*)(?:[-*•]\s*)?(?P<name>.*?)\s*$")
MAX_DEPTH = 4  # aim, primary, secondary, tertiary, change idea
MAX_NAME = 120


def _line_problem(number: int, depth: int, name: str, lines: list) -> str | None:
    if depth > MAX_DEPTH:
        return (
            f"Line {number}: too deep; change ideas come at most fifth (under a tertiary driver)."
        )
    if lines and depth > lines[-1][0] + 1:
        return f"Line {number}: indented more than one level below the line before."
    if not lines and depth != 0:
        return f"Line {number}: the first line is the aim, not indented."
    if lines and depth == 0:
        return f"Line {number}: only the first line may be the aim."
    if len(name) > MAX_NAME:
        return f"Line {number}: keep names to {MAX_NAME} characters."
    return None


def parse_outline(text: str) -> list[tuple[int, str]]:
    """(depth, name) per line: 2 spaces or a tab per level; the first line is the aim."""
    lines, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        match = INDENT.match(raw)
        indent = match.group("indent").replace("\t", "  ")
        if len(indent) % 2:
            errors.append(f"Line {number}: indent by 2 spaces or a tab per level.")
            continue
        depth, name = len(indent) // 2, match.group("name")
        problem = _line_problem(number, depth, name, lines)
        if problem:
            errors.append(problem)
            continue
        lines.append((depth, name))
    if not lines and not errors:
        errors.append("The outline is empty: the first line is the aim.")
    if errors:
        raise ValidationError(errors)
    return lines


def _kept(old: dict | None) -> dict:
    """What a node keeps when the outline names it again (same kind and name)."""
    if old is None:
        return {"description": "", "operational_note": "", "hidden": False, "origin": None,
                "measures": []}  # fmt: skip
    return {field: old[field] for field in
            ("description", "operational_note", "hidden", "origin", "measures")}  # fmt: skip


def outline_snapshot(lines: list[tuple[int, str]], existing: list[dict]) -> dict:
    """The snapshot an outline stands for. A name repeated at one level is one node with
    several parents; the fourth level holds change ideas, or tertiary drivers where lines are
    indented under them (their change ideas then come fifth). `existing` is the diagram's
    snapshot nodes: a node whose kind and name stay keeps its key, notes and measures."""
    by_ident = {(n["kind"], n["name"].lower()): n for n in existing}
    keys: dict = {}
    nodes, links = [], set()
    stack: list[str] = []
    for i, (depth, name) in enumerate(lines):
        has_children = i + 1 < len(lines) and lines[i + 1][0] > depth
        kind = [K.AIM, K.PRIMARY, K.SECONDARY, K.CHANGE_IDEA, K.CHANGE_IDEA][depth]
        if depth == 3 and (has_children or (K.TERTIARY, name.lower()) in keys):
            kind = K.TERTIARY
        ident = (kind, name.lower())
        if ident not in keys:
            old = by_ident.get(ident)
            keys[ident] = old["key"] if old else str(uuid.uuid4())
            nodes.append({"key": keys[ident], "kind": kind, "name": name,
                          "position": len(nodes), **_kept(old)})  # fmt: skip
        del stack[depth:]
        if stack:
            links.add((stack[-1], keys[ident]))
        stack.append(keys[ident])
    return {"nodes": nodes, "links": sorted(links)}


def snapshot_outline(data: dict) -> str:
    """A snapshot as an indented outline. A node with several parents appears under each;
    its own children are written under its first appearance only (as the outline reader
    expects), so exporting and importing again gives the same diagram."""
    order = {n["key"]: (n["position"], i) for i, n in enumerate(data["nodes"])}
    nodes = {n["key"]: n for n in data["nodes"]}
    children = defaultdict(list)
    for parent, child in data["links"]:
        children[parent].append(child)
    out: list[str] = []
    written: set[str] = set()

    def walk(key, depth):
        out.append("  " * depth + nodes[key]["name"])
        if key in written:
            return
        written.add(key)
        for child in sorted(children[key], key=order.__getitem__):
            walk(child, depth + 1)

    for key in sorted(nodes, key=order.__getitem__):
        if nodes[key]["kind"] == K.AIM:
            walk(key, 0)
    return "\n".join(out) + ("\n" if out else "")
