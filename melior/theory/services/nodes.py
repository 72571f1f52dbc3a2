"""Changing the nodes of a driver diagram one at a time, each change a new version."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import DriverDiagram, Link, Node
from .kinds import CHILD_KINDS, LABEL, LEVEL, measure_placement_problem
from .versions import delete_nodes, save_version


def next_position(diagram: DriverDiagram) -> int:
    last = diagram.nodes.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


@transaction.atomic
def add_node(*, diagram, kind: str, name: str, parents=(), user=None, description="",
             operational_note="") -> Node:  # fmt: skip
    if kind not in LEVEL:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    node = Node.objects.create(
        diagram=diagram, kind=kind, name=(name or "").strip(), description=description,
        operational_note=operational_note, position=next_position(diagram),
    )  # fmt: skip
    for parent in parents:
        Link.objects.create(parent=parent, child=node)
    under = f" under “{parents[0].name}”" if parents else ""
    save_version(diagram, user, f"Added {LABEL[kind]} “{node.name}”{under}")
    return node


@transaction.atomic
def rename_node(*, node: Node, name: str, user=None) -> Node:
    old, node.name = node.name, (name or "").strip()
    node.save(update_fields=["name"])
    save_version(node.diagram, user, f"Renamed {LABEL[node.kind]} “{old}” to “{node.name}”")
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
    delete_nodes([node])
    save_version(diagram, user, f"Deleted {LABEL[kind]} “{name}”")


@transaction.atomic
def link_nodes(*, parent: Node, child: Node, user=None) -> None:
    if parent.diagram_id != child.diagram_id:
        raise ValidationError("Both nodes must belong to the same diagram.")
    Link.objects.get_or_create(parent=parent, child=child)
    save_version(parent.diagram, user, f"Linked “{child.name}” under “{parent.name}”")


@transaction.atomic
def unlink_nodes(*, parent: Node, child: Node, user=None) -> None:
    Link.objects.filter(parent=parent, child=child).delete()
    save_version(parent.diagram, user, f"Unlinked “{child.name}” from “{parent.name}”")


@transaction.atomic
def move_under(*, node: Node, parent: Node, user=None) -> None:
    """Hang a node under another parent instead of all its current ones."""
    if parent.diagram_id != node.diagram_id:
        raise ValidationError("Both nodes must belong to the same diagram.")
    node.parent_links.exclude(parent=parent).delete()
    Link.objects.get_or_create(parent=parent, child=node)
    save_version(node.diagram, user, f"Moved “{node.name}” under “{parent.name}”")


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
    save_version(node.diagram, user, f"Moved “{node.name}” {'up' if step < 0 else 'down'}")


@transaction.atomic
def edit_details(*, node: Node, description: str, operational_note: str, user=None) -> None:
    node.description = (description or "").strip()
    node.operational_note = (operational_note or "").strip()
    node.save(update_fields=["description", "operational_note"])
    save_version(node.diagram, user, f"Edited the notes of {LABEL[node.kind]} “{node.name}”")


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
    save_version(node.diagram, user, f"{verb} {LABEL[node.kind]} “{node.name}”")


@transaction.atomic
def link_measure(*, node: Node, measure, user=None) -> None:
    problem = measure_placement_problem(measure, node, node.diagram.network_id)
    if problem:
        raise ValidationError(problem)
    node.measures.add(measure)
    save_version(node.diagram, user, f"Linked measure “{measure.name}” to “{node.name}”")


@transaction.atomic
def unlink_measure(*, node: Node, measure, user=None) -> None:
    node.measures.remove(measure)
    save_version(node.diagram, user, f"Unlinked measure “{measure.name}” from “{node.name}”")


def add_child(*, parent: Node, name: str, kind: str | None = None, user=None) -> Node:
    """A new node under `parent`: of the kind given, or the first kind that hangs there."""
    allowed = CHILD_KINDS[parent.kind]
    kind = kind or (allowed[0] if allowed else None)
    if kind is None:
        raise ValidationError("Change ideas are the last level.")
    if kind not in allowed:
        raise ValidationError(
            f"Nothing of that kind hangs under a {parent.get_kind_display().lower()}."
        )
    return add_node(diagram=parent.diagram, kind=kind, name=name, parents=[parent], user=user)
