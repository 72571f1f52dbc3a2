"""Changing a driver diagram. Every change is checked as a whole and saved as a new version, in
one transaction: a refused change leaves the diagram and its history exactly as they were."""

import re
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction

from melior.networks.models import Network

from .models import DiagramVersion, DriverDiagram, Link, Node

LEVEL = {Node.Kind.AIM: 0, Node.Kind.PRIMARY: 1, Node.Kind.SECONDARY: 2, Node.Kind.CHANGE_IDEA: 3}
KIND_AT = {level: kind for kind, level in LEVEL.items()}
LABEL = {kind: label.lower() for kind, label in Node.Kind.choices}


def network_diagram(network: Network) -> DriverDiagram:
    diagram, _ = DriverDiagram.objects.get_or_create(network=network, project=None)
    return diagram


# --- reading the whole diagram -------------------------------------------------------------


def snapshot(diagram: DriverDiagram) -> dict:
    """The diagram as plain data, nodes named by their stable keys."""
    nodes = list(diagram.nodes.order_by("position", "pk"))
    keys = {n.pk: str(n.key) for n in nodes}
    links = Link.objects.filter(parent__diagram=diagram).values_list("parent_id", "child_id")
    return {
        "nodes": [
            {"key": keys[n.pk], "kind": n.kind, "name": n.name, "description": n.description,
             "operational_note": n.operational_note, "position": n.position}
            for n in nodes
        ],
        "links": sorted([keys[p], keys[c]] for p, c in links),
    }  # fmt: skip


def check(diagram: DriverDiagram) -> None:
    """The rules every saved diagram keeps; raises ValidationError saying what is wrong."""
    nodes = list(diagram.nodes.all())
    if not nodes:
        return
    errors = []
    aims = [n for n in nodes if n.kind == Node.Kind.AIM]
    if len(aims) != 1:
        errors.append(f"A driver diagram has exactly one aim (this one would have {len(aims)}).")
    seen = {}
    for node in nodes:
        name = node.name.strip()
        if not name:
            errors.append(f"Every {LABEL[node.kind]} needs a name.")
            continue
        key = (node.kind, name.lower())
        if key in seen:
            errors.append(f"There are two {LABEL[node.kind]}s called “{name}”.")
        seen[key] = node
    parents = defaultdict(list)
    for link in Link.objects.filter(parent__diagram=diagram).select_related("parent", "child"):
        if LEVEL[link.child.kind] != LEVEL[link.parent.kind] + 1:
            errors.append(
                f"A {LABEL[link.child.kind]} cannot hang under a {LABEL[link.parent.kind]} "
                f"(“{link.child.name}” under “{link.parent.name}”)."
            )
        parents[link.child_id].append(link.parent)
    for node in nodes:
        if node.kind != Node.Kind.AIM and not parents[node.pk]:
            above = LABEL[KIND_AT[LEVEL[node.kind] - 1]]
            errors.append(f"The {LABEL[node.kind]} “{node.name}” must hang under a {above}.")
    if errors:
        raise ValidationError(errors)


def _save_version(diagram: DriverDiagram, user, summary: str) -> DiagramVersion:
    check(diagram)
    last = diagram.versions.order_by("-number").first()
    return DiagramVersion.objects.create(
        diagram=diagram,
        number=(last.number + 1) if last else 1,
        author=user,
        snapshot=snapshot(diagram),
        summary=summary[:300],
    )


# --- changes ---------------------------------------------------------------------------------


@transaction.atomic
def add_node(*, diagram, kind: str, name: str, parents=(), user=None, description="",
             operational_note="") -> Node:  # fmt: skip
    if kind not in LEVEL:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    node = Node.objects.create(
        diagram=diagram, kind=kind, name=(name or "").strip(), description=description,
        operational_note=operational_note, position=diagram.nodes.count(),
    )  # fmt: skip
    for parent in parents:
        Link.objects.create(parent=parent, child=node)
    under = f" under “{parents[0].name}”" if parents else ""
    _save_version(diagram, user, f"Added {LABEL[kind]} “{node.name}”{under}")
    return node


@transaction.atomic
def rename_node(*, node: Node, name: str, user=None) -> Node:
    old, node.name = node.name, (name or "").strip()
    node.save(update_fields=["name"])
    _save_version(node.diagram, user, f"Renamed {LABEL[node.kind]} “{old}” to “{node.name}”")
    return node


@transaction.atomic
def delete_node(*, node: Node, user=None) -> None:
    diagram, name, kind = node.diagram, node.name, node.kind
    orphans = [
        link.child.name
        for link in node.child_links.select_related("child")
        if link.child.parent_links.count() == 1
    ]
    if orphans:
        raise ValidationError(
            f"Deleting “{name}” would leave {', '.join(f'“{o}”' for o in orphans)} with nothing "
            "above; move or delete those first."
        )
    node.delete()
    _save_version(diagram, user, f"Deleted {LABEL[kind]} “{name}”")


@transaction.atomic
def link_nodes(*, parent: Node, child: Node, user=None) -> None:
    if parent.diagram_id != child.diagram_id:
        raise ValidationError("Both nodes must belong to the same diagram.")
    Link.objects.get_or_create(parent=parent, child=child)
    _save_version(parent.diagram, user, f"Linked “{child.name}” under “{parent.name}”")


@transaction.atomic
def unlink_nodes(*, parent: Node, child: Node, user=None) -> None:
    Link.objects.filter(parent=parent, child=child).delete()
    _save_version(parent.diagram, user, f"Unlinked “{child.name}” from “{parent.name}”")


@transaction.atomic
def restore_version(*, version: DiagramVersion, user=None) -> DiagramVersion:
    """Put the diagram back as it was in `version`, as a new version (undo keeps history)."""
    diagram = version.diagram
    _rebuild(diagram, version.snapshot)
    return _save_version(diagram, user, f"Restored version {version.number}")


def _rebuild(diagram: DriverDiagram, data: dict) -> None:
    diagram.nodes.all().delete()
    made = {}
    for item in data["nodes"]:
        made[item["key"]] = Node.objects.create(diagram=diagram, **item)
    Link.objects.bulk_create([Link(parent=made[p], child=made[c]) for p, c in data["links"]])


# --- outlines --------------------------------------------------------------------------------

INDENT = re.compile(r"^(?P<indent>[ \t]*)(?:[-*•]\s*)?(?P<name>.*?)\s*$")


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
        depth = len(indent) // 2
        if depth > 3:
            errors.append(f"Line {number}: too deep; change ideas are the fourth level.")
            continue
        if lines and depth > lines[-1][0] + 1:
            errors.append(f"Line {number}: indented more than one level below the line before.")
            continue
        if not lines and depth != 0:
            errors.append(f"Line {number}: the first line is the aim, not indented.")
            continue
        if lines and depth == 0:
            errors.append(f"Line {number}: only the first line may be the aim.")
            continue
        if len(match.group("name")) > 120:
            errors.append(f"Line {number}: keep names to 120 characters.")
            continue
        lines.append((depth, match.group("name")))
    if not lines and not errors:
        errors.append("The outline is empty: the first line is the aim.")
    if errors:
        raise ValidationError(errors)
    return lines


@transaction.atomic
def replace_from_outline(*, diagram: DriverDiagram, text: str, user=None) -> DiagramVersion:
    """Make the diagram exactly the outline. A name repeated at one level is one node with
    several parents (a secondary driver feeding two primary drivers)."""
    lines = parse_outline(text)
    existing = {(n.kind, n.name.lower()): n for n in diagram.nodes.all()}
    keys = {}
    data = {"nodes": [], "links": set()}
    stack: list[str] = []
    for depth, name in lines:
        kind = KIND_AT[depth]
        ident = (kind, name.lower())
        if ident not in keys:
            old = existing.get(ident)
            keys[ident] = str(old.key) if old else str(uuid.uuid4())
            data["nodes"].append(
                {"key": keys[ident], "kind": kind, "name": name, "position": len(data["nodes"]),
                 "description": old.description if old else "",
                 "operational_note": old.operational_note if old else ""}
            )  # fmt: skip
        del stack[depth:]
        if stack:
            data["links"].add((stack[-1], keys[ident]))
        stack.append(keys[ident])
    data["links"] = sorted(data["links"])
    _rebuild(diagram, data)
    return _save_version(diagram, user, "Replaced from an outline")


def export_outline(diagram: DriverDiagram) -> str:
    """The diagram as an indented outline. A node with several parents appears under each;
    its own children are written under its first appearance only (as the outline reader
    expects), so exporting and importing again gives the same diagram."""
    nodes = {n.pk: n for n in diagram.nodes.order_by("position", "pk")}
    children = defaultdict(list)
    for parent_id, child_id in Link.objects.filter(parent__diagram=diagram).values_list(
        "parent_id", "child_id"
    ):
        children[parent_id].append(nodes[child_id])
    out = []
    written = set()

    def walk(node, depth):
        out.append("  " * depth + node.name)
        if node.pk in written:
            return
        written.add(node.pk)
        for child in sorted(children[node.pk], key=lambda n: (n.position, n.pk)):
            walk(child, depth + 1)

    for node in nodes.values():
        if node.kind == Node.Kind.AIM:
            walk(node, 0)
    return "\n".join(out) + ("\n" if out else "")


# --- what changed ----------------------------------------------------------------------------


def diff(old: dict, new: dict) -> list[str]:
    """Plain sentences for what changed from one snapshot to another."""
    before = {n["key"]: n for n in old["nodes"]}
    after = {n["key"]: n for n in new["nodes"]}
    names = {
        **{k: n["name"] for k, n in before.items()},
        **{k: n["name"] for k, n in after.items()},
    }
    old_links = {tuple(link) for link in old["links"]}
    new_links = {tuple(link) for link in new["links"]}
    sentences = []
    for key, node in after.items():
        if key not in before:
            parents = [names[p] for p, c in new_links if c == key]
            under = f" under “{parents[0]}”" if parents else ""
            sentences.append(f"Added {LABEL[node['kind']]} “{node['name']}”{under}.")
        elif before[key]["name"] != node["name"]:
            sentences.append(
                f"Renamed {LABEL[node['kind']]} “{before[key]['name']}” to “{node['name']}”."
            )
    for key, node in before.items():
        if key not in after:
            sentences.append(f"Removed {LABEL[node['kind']]} “{node['name']}”.")
    for parent, child in sorted(new_links - old_links):
        if parent in before and child in before:
            sentences.append(f"Linked “{names[child]}” under “{names[parent]}”.")
    for parent, child in sorted(old_links - new_links):
        if parent in after and child in after:
            sentences.append(f"Unlinked “{names[child]}” from “{names[parent]}”.")
    return sentences
