"""Changing a driver diagram. Every change is checked as a whole and saved as a new version, in
one transaction: a refused change leaves the diagram and its history exactly as they were."""

import re
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from melior.networks.models import Network

from .models import ChangeIdeaProposal, DiagramVersion, DriverDiagram, Link, Node

K = Node.Kind
LEVEL = {kind: level for level, kind in enumerate(K.values)}  # the drawing's column order
# what each kind may hang under: one level down, except that change ideas hang under a
# secondary driver, or under a tertiary driver where a team wants that level
PARENT_KINDS = {K.PRIMARY: {K.AIM}, K.SECONDARY: {K.PRIMARY}, K.TERTIARY: {K.SECONDARY},
                K.CHANGE_IDEA: {K.SECONDARY, K.TERTIARY}}  # fmt: skip
CHILD_KINDS = {K.AIM: [K.PRIMARY], K.PRIMARY: [K.SECONDARY],
               K.SECONDARY: [K.CHANGE_IDEA, K.TERTIARY], K.TERTIARY: [K.CHANGE_IDEA],
               K.CHANGE_IDEA: []}  # fmt: skip
DRIVERS = {K.PRIMARY, K.SECONDARY, K.TERTIARY}
LABEL = {kind: label.lower() for kind, label in K.choices}


def network_diagram(network: Network) -> DriverDiagram:
    diagram, _ = DriverDiagram.objects.get_or_create(network=network, project=None)
    return diagram


# --- reading the whole diagram -------------------------------------------------------------


def snapshot(diagram: DriverDiagram) -> dict:
    """The diagram as plain data, nodes named by their stable keys (and the network node each
    was copied from by its key; linked measures by id)."""
    nodes = list(
        diagram.nodes.select_related("origin").prefetch_related("measures")
        .order_by("position", "pk")
    )  # fmt: skip
    keys = {n.pk: str(n.key) for n in nodes}
    links = Link.objects.filter(parent__diagram=diagram).values_list("parent_id", "child_id")
    return {
        "nodes": [
            {"key": keys[n.pk], "kind": n.kind, "name": n.name, "description": n.description,
             "operational_note": n.operational_note, "position": n.position,
             "hidden": n.hidden, "origin": str(n.origin.key) if n.origin else None,
             "measures": sorted(m.pk for m in n.measures.all())}
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
        if link.parent.kind not in PARENT_KINDS.get(link.child.kind, ()):
            errors.append(
                f"A {LABEL[link.child.kind]} cannot hang under a {LABEL[link.parent.kind]} "
                f"(“{link.child.name}” under “{link.parent.name}”)."
            )
        parents[link.child_id].append(link.parent)
    for node in nodes:
        if node.kind != Node.Kind.AIM and not parents[node.pk]:
            above = " or ".join(LABEL[k] for k in K.values if k in PARENT_KINDS[node.kind])
            errors.append(f"The {LABEL[node.kind]} “{node.name}” must hang under a {above}.")
    for node in diagram.nodes.prefetch_related("measures"):
        for measure in node.measures.all():
            problem = measure_placement_problem(measure, node, diagram.network_id)
            if problem:
                errors.append(problem)
    if errors:
        raise ValidationError(errors)


# Where each kind of measure sits in a theory (balancing measures may watch any node).
MEASURE_LEVELS = {
    "outcome": {Node.Kind.AIM},
    "driver": DRIVERS,
    "process": {Node.Kind.CHANGE_IDEA},
    "balancing": set(LEVEL),
}
MEASURE_PLACE = {
    "outcome": "the aim",
    "driver": "a driver",
    "process": "a change idea",
    "balancing": "any node",
}


def measure_placement_problem(measure, node: Node, network_id: int) -> str | None:
    if measure.network_id != network_id:
        return f"“{measure.name}” is not one of this network's measures."
    if node.kind not in MEASURE_LEVELS[measure.kind]:
        kind = measure.get_kind_display().lower()
        return (
            f"A {kind} measure belongs on {MEASURE_PLACE[measure.kind]} "
            f"(“{measure.name}” on the {LABEL[node.kind]} “{node.name}”)."
        )
    return None


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


def _next_position(diagram: DriverDiagram) -> int:
    last = diagram.nodes.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def add_node(*, diagram, kind: str, name: str, parents=(), user=None, description="",
             operational_note="") -> Node:  # fmt: skip
    if kind not in LEVEL:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    node = Node.objects.create(
        diagram=diagram, kind=kind, name=(name or "").strip(), description=description,
        operational_note=operational_note, position=_next_position(diagram),
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
    _delete_nodes([node])
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
def move_under(*, node: Node, parent: Node, user=None) -> None:
    """Hang a node under another parent instead of all its current ones."""
    if parent.diagram_id != node.diagram_id:
        raise ValidationError("Both nodes must belong to the same diagram.")
    node.parent_links.exclude(parent=parent).delete()
    Link.objects.get_or_create(parent=parent, child=node)
    _save_version(node.diagram, user, f"Moved “{node.name}” under “{parent.name}”")


@transaction.atomic
def reorder(*, node: Node, step: int, user=None) -> None:
    """Move a node up (step -1) or down (+1) among the nodes of its kind."""
    column = list(node.diagram.nodes.filter(kind=node.kind).order_by("position", "pk"))
    at = next(i for i, n in enumerate(column) if n.pk == node.pk)
    to = at + step
    if not 0 <= to < len(column):
        raise ValidationError(f"“{node.name}” is already {'first' if step < 0 else 'last'}.")
    column.insert(to, column.pop(at))
    positions = {n.pk: n.position for n in node.diagram.nodes.all()}
    slots = sorted(positions[n.pk] for n in column)
    if len(set(slots)) < len(slots):  # positions collided (older data): number them afresh
        slots = [min(slots) + i for i in range(len(slots))]
    for moved, position in zip(column, slots, strict=True):
        Node.objects.filter(pk=moved.pk).update(position=position)
    _save_version(node.diagram, user, f"Moved “{node.name}” {'up' if step < 0 else 'down'}")


@transaction.atomic
def edit_details(*, node: Node, description: str, operational_note: str, user=None) -> None:
    node.description = (description or "").strip()
    node.operational_note = (operational_note or "").strip()
    node.save(update_fields=["description", "operational_note"])
    _save_version(node.diagram, user, f"Edited the notes of {LABEL[node.kind]} “{node.name}”")


@transaction.atomic
def set_hidden(*, node: Node, hidden: bool, user=None) -> None:
    """A site's adaptation hides (or shows again) a node of the network's theory."""
    if node.diagram.project_id is None:
        raise ValidationError("Only a site's adaptation hides nodes; delete it from the theory.")
    if node.kind == Node.Kind.AIM:
        raise ValidationError("The aim cannot be hidden.")
    node.hidden = hidden
    node.save(update_fields=["hidden"])
    verb = "Hid" if hidden else "Showed again"
    _save_version(node.diagram, user, f"{verb} {LABEL[node.kind]} “{node.name}”")


@transaction.atomic
def link_measure(*, node: Node, measure, user=None) -> None:
    problem = measure_placement_problem(measure, node, node.diagram.network_id)
    if problem:
        raise ValidationError(problem)
    node.measures.add(measure)
    _save_version(node.diagram, user, f"Linked measure “{measure.name}” to “{node.name}”")


@transaction.atomic
def unlink_measure(*, node: Node, measure, user=None) -> None:
    node.measures.remove(measure)
    _save_version(node.diagram, user, f"Unlinked measure “{measure.name}” from “{node.name}”")


# --- a site's adaptation of the network's theory --------------------------------------------


@transaction.atomic
def adapt(*, project, user=None) -> DriverDiagram:
    """Start a site project's driver diagram as a copy of the network's current theory; each
    node remembers the network node it came from, so the hub can see what the site changed."""
    source = DriverDiagram.objects.filter(network=project.network, project=None).first()
    if source is None or not source.nodes.exists():
        raise ValidationError("The network has no theory of improvement to start from yet.")
    if DriverDiagram.objects.filter(project=project).exists():
        raise ValidationError("This project already has its own driver diagram.")
    diagram = DriverDiagram.objects.create(network=project.network, project=project,
                                           based_on=source)  # fmt: skip
    data = snapshot(source)
    fresh = {item["key"]: str(uuid.uuid4()) for item in data["nodes"]}
    copied = {
        "nodes": [{**item, "key": fresh[item["key"]], "origin": item["key"]}
                  for item in data["nodes"]],
        "links": [[fresh[p], fresh[c]] for p, c in data["links"]],
    }  # fmt: skip
    _rebuild(diagram, copied)
    version = source.versions.order_by("-number").first()
    since = f" (version {version.number})" if version else ""
    _save_version(diagram, user, f"Started from the network's theory{since}")
    return diagram


@transaction.atomic
def bring_in_network_changes(*, diagram: DriverDiagram, user=None) -> list[str]:
    """Copy into an adaptation the network nodes added since it started (under the copies of
    their parents); returns their names. Nodes the site hid or deleted stay out."""
    source = diagram.based_on
    if source is None:
        raise ValidationError("This diagram is not an adaptation of the network's theory.")
    versions = DiagramVersion.objects.filter(diagram=diagram)
    ever_copied = {
        item["origin"] for v in versions.only("snapshot") for item in v.snapshot["nodes"]
        if item.get("origin")
    }  # fmt: skip
    copies = {n.origin_id: n for n in diagram.nodes.exclude(origin=None)}
    added = []
    for network_node in sorted(source.nodes.all(), key=lambda n: (LEVEL[n.kind], n.position)):
        if network_node.pk in copies or str(network_node.key) in ever_copied:
            continue
        parents = [
            copies[link.parent_id]
            for link in network_node.parent_links.all()
            if link.parent_id in copies
        ]
        if not parents:
            continue
        node = Node.objects.create(
            diagram=diagram, kind=network_node.kind, name=network_node.name,
            description=network_node.description, operational_note=network_node.operational_note,
            position=_next_position(diagram), origin=network_node,
        )  # fmt: skip
        node.measures.set(network_node.measures.all())
        Link.objects.bulk_create([Link(parent=p, child=node) for p in parents])
        copies[network_node.pk] = node
        added.append(node.name)
    if not added:
        raise ValidationError("Nothing new in the network's theory since this adaptation.")
    _save_version(diagram, user, f"Brought in from the network: {', '.join(added)}")
    return added


@transaction.atomic
def restore_version(*, version: DiagramVersion, user=None) -> DiagramVersion:
    """Put the diagram back as it was in `version`, as a new version (undo keeps history)."""
    diagram = version.diagram
    _rebuild(diagram, version.snapshot)
    return _save_version(diagram, user, f"Restored version {version.number}")


def _rebuild(diagram: DriverDiagram, data: dict) -> None:
    """Make the diagram's nodes and links exactly `data`, updating nodes in place (matched by
    key) so that what refers to them — cycles, causes, sites' copies — keeps pointing at them."""
    from melior.measures.models import Measure

    existing = {str(n.key): n for n in diagram.nodes.all()}
    wanted = {item["key"] for item in data["nodes"]}
    _delete_nodes([n for key, n in existing.items() if key not in wanted])
    Link.objects.filter(parent__diagram=diagram).delete()
    origins = {}
    if diagram.based_on_id:
        origins = {str(n.key): n for n in diagram.based_on.nodes.all()}
    measures = {m.pk: m for m in Measure.objects.filter(network=diagram.network_id)}
    made = {}
    for item in data["nodes"]:
        item = dict(item)
        origin = origins.get(item.pop("origin", None) or "")
        linked = [measures[pk] for pk in item.pop("measures", []) if pk in measures]
        node = existing.get(item["key"]) or Node(diagram=diagram)
        for field, value in {**item, "origin": origin}.items():
            setattr(node, field, value)
        node.save()
        node.measures.set(linked)
        made[item["key"]] = node
    Link.objects.bulk_create([Link(parent=made[p], child=made[c]) for p, c in data["links"]])


def _delete_nodes(nodes) -> None:
    """Delete nodes unless PDSA cycles test them: a tested change idea is evidence and stays."""
    if not nodes:
        return
    try:
        Node.objects.filter(pk__in=[n.pk for n in nodes]).delete()
    except ProtectedError as error:
        tested = sorted({obj.change_idea.name for obj in error.protected_objects})
        raise ValidationError(
            f"{', '.join(f'“{n}”' for n in tested)} {'is' if len(tested) == 1 else 'are'} "
            "tested by PDSA cycles, so it stays in the theory (rename it, or leave it be)."
        ) from None


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
        if depth > 4:
            errors.append(
                f"Line {number}: too deep; change ideas come at most fifth (under a tertiary "
                "driver)."
            )
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
    several parents (a secondary driver feeding two primary drivers). The fourth level holds
    change ideas, or tertiary drivers where lines are indented under them (their change ideas
    then come fifth). Nodes whose kind and name stay keep their notes, measures and the rest."""
    lines = parse_outline(text)
    existing = {
        (n.kind, n.name.lower()): n
        for n in diagram.nodes.select_related("origin").prefetch_related("measures")
    }
    keys = {}
    data = {"nodes": [], "links": set()}
    stack: list[str] = []
    for i, (depth, name) in enumerate(lines):
        has_children = i + 1 < len(lines) and lines[i + 1][0] > depth
        kind = [K.AIM, K.PRIMARY, K.SECONDARY, K.CHANGE_IDEA, K.CHANGE_IDEA][depth]
        if depth == 3 and (has_children or (K.TERTIARY, name.lower()) in keys):
            kind = K.TERTIARY
        ident = (kind, name.lower())
        if ident not in keys:
            old = existing.get(ident)
            keys[ident] = str(old.key) if old else str(uuid.uuid4())
            data["nodes"].append(
                {"key": keys[ident], "kind": kind, "name": name, "position": len(data["nodes"]),
                 "description": old.description if old else "",
                 "operational_note": old.operational_note if old else "",
                 "hidden": old.hidden if old else False,
                 "origin": str(old.origin.key) if old and old.origin else None,
                 "measures": [m.pk for m in old.measures.all()] if old else []}
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
    moved = [key for key in after if key in before and before[key]["position"] !=
             after[key]["position"]]  # fmt: skip
    new_links = {tuple(link) for link in new["links"]}
    sentences = []
    for key, node in after.items():
        if key not in before:
            parents = [names[p] for p, c in new_links if c == key]
            under = f" under “{parents[0]}”" if parents else ""
            sentences.append(f"Added {LABEL[node['kind']]} “{node['name']}”{under}.")
        else:
            was = before[key]
            label = LABEL[node["kind"]]
            if was["name"] != node["name"]:
                sentences.append(f"Renamed {label} “{was['name']}” to “{node['name']}”.")
            if (was.get("description"), was.get("operational_note")) != (
                node.get("description"),
                node.get("operational_note"),
            ):
                sentences.append(f"Edited the notes of {label} “{node['name']}”.")
            if was.get("hidden", False) != node.get("hidden", False):
                verb = "Hid" if node.get("hidden") else "Showed again"
                sentences.append(f"{verb} {label} “{node['name']}”.")
            for pk in sorted(set(node.get("measures", [])) - set(was.get("measures", []))):
                sentences.append(f"Linked {_measure_name(pk)} to “{node['name']}”.")
            for pk in sorted(set(was.get("measures", [])) - set(node.get("measures", []))):
                sentences.append(f"Unlinked {_measure_name(pk)} from “{node['name']}”.")
    for key, node in before.items():
        if key not in after:
            sentences.append(f"Removed {LABEL[node['kind']]} “{node['name']}”.")
    for parent, child in sorted(new_links - old_links):
        if parent in before and child in before:
            sentences.append(f"Linked “{names[child]}” under “{names[parent]}”.")
    for parent, child in sorted(old_links - new_links):
        if parent in after and child in after:
            sentences.append(f"Unlinked “{names[child]}” from “{names[parent]}”.")
    if moved and not sentences:
        sentences.append("Changed the order of " + ", ".join(f"“{names[k]}”" for k in moved) + ".")
    return sentences


def _measure_name(pk: int) -> str:
    from melior.measures.models import Measure

    measure = Measure.objects.filter(pk=pk).first()
    return f"measure “{measure.name}”" if measure else "a measure since deleted"


# --- proposed change ideas -------------------------------------------------------------------


@transaction.atomic
def propose_change_idea(*, driver: Node, name: str, description: str = "", user=None):
    name = (name or "").strip()
    if (
        driver.diagram.project_id is not None
        or Node.Kind.CHANGE_IDEA not in CHILD_KINDS[driver.kind]
    ):
        raise ValidationError(
            {"driver": "Choose a secondary (or tertiary) driver of the network's theory."}
        )
    if not name:
        raise ValidationError({"name": "Give the change idea a short name."})
    if len(name) > 120:
        raise ValidationError({"name": "Keep the name to 120 characters."})
    return ChangeIdeaProposal.objects.create(
        diagram=driver.diagram, driver=driver, name=name,
        description=(description or "").strip(), proposed_by=user,
    )  # fmt: skip


def _decide(proposal, *, status, reason, result, user):
    if proposal.status != ChangeIdeaProposal.Status.OPEN:
        raise ValidationError(f"This proposal was already {proposal.get_status_display().lower()}.")
    proposal.status, proposal.reason, proposal.result = status, (reason or "").strip(), result
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def accept_proposal(*, proposal, reason: str = "", user=None):
    """The idea becomes a change idea under its driver (or joins the same-named one there)."""
    if proposal.driver is None:
        raise ValidationError("Its driver has been deleted; merge it or decline it instead.")
    diagram = proposal.diagram
    same = diagram.nodes.filter(kind=Node.Kind.CHANGE_IDEA, name__iexact=proposal.name).first()
    if same is not None:
        raise ValidationError(
            f"There is already a change idea called “{same.name}”: merge the proposal into it."
        )
    node = add_node(
        diagram=diagram,
        kind=Node.Kind.CHANGE_IDEA,
        name=proposal.name,
        parents=[proposal.driver],
        description=proposal.description,
        user=user,
    )
    return _decide(proposal, status=ChangeIdeaProposal.Status.ACCEPTED, reason=reason,
                   result=node, user=user)  # fmt: skip


@transaction.atomic
def merge_proposal(*, proposal, into: Node, reason: str, user=None):
    """The idea is one the theory already has: record which, and hang that idea under the
    proposal's driver too when it is not there yet."""
    if into.diagram_id != proposal.diagram_id or into.kind != Node.Kind.CHANGE_IDEA:
        raise ValidationError({"into": "Choose a change idea of the network's theory."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why it is the same idea, for the proposer."})
    driver = proposal.driver
    if (
        driver is not None
        and Node.Kind.CHANGE_IDEA in CHILD_KINDS[driver.kind]
        and not Link.objects.filter(parent=driver, child=into).exists()
    ):
        link_nodes(parent=driver, child=into, user=user)
    return _decide(proposal, status=ChangeIdeaProposal.Status.MERGED, reason=reason,
                   result=into, user=user)  # fmt: skip


@transaction.atomic
def decline_proposal(*, proposal, reason: str, user=None):
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why, so the proposer learns from it."})
    return _decide(proposal, status=ChangeIdeaProposal.Status.DECLINED, reason=reason,
                   result=None, user=user)  # fmt: skip
