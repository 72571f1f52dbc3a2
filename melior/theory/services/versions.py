"""A driver diagram as a whole: its snapshot, the rules every saved diagram keeps, and its
versions. Every change to a diagram is checked as a whole and saved as a new version in one
transaction, so a refused change leaves the diagram and its history exactly as they were."""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from melior.measures.models import Measure
from melior.networks.models import Network

from ..models import DiagramVersion, DriverDiagram, Link, Node
from .diff import diff_snapshots
from .kinds import LABEL, PARENT_KINDS, K, measure_placement_problem
from .outline import outline_snapshot, parse_outline, snapshot_outline


def network_diagram(network: Network) -> DriverDiagram:
    diagram, _ = DriverDiagram.objects.get_or_create(network=network, project=None)
    return diagram


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
    aims = [n for n in nodes if n.kind == K.AIM]
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
        if node.kind != K.AIM and not parents[node.pk]:
            above = " or ".join(LABEL[k] for k in K.values if k in PARENT_KINDS[node.kind])
            errors.append(f"The {LABEL[node.kind]} “{node.name}” must hang under a {above}.")
    for node in diagram.nodes.prefetch_related("measures"):
        for measure in node.measures.all():
            problem = measure_placement_problem(measure, node, diagram.network_id)
            if problem:
                errors.append(problem)
    if errors:
        raise ValidationError(errors)


def save_version(diagram: DriverDiagram, user, summary: str) -> DiagramVersion:
    check(diagram)
    last = diagram.versions.order_by("-number").first()
    return DiagramVersion.objects.create(
        diagram=diagram,
        number=(last.number + 1) if last else 1,
        author=user,
        snapshot=snapshot(diagram),
        summary=summary[:300],
    )


@transaction.atomic
def restore_version(*, version: DiagramVersion, user=None) -> DiagramVersion:
    """Put the diagram back as it was in `version`, as a new version (undo keeps history)."""
    diagram = version.diagram
    rebuild(diagram, version.snapshot)
    return save_version(diagram, user, f"Restored version {version.number}")


@transaction.atomic
def undo(*, diagram: DriverDiagram, user=None) -> DiagramVersion:
    """Go back to the version before the latest, as a new version (so undo can be undone)."""
    previous = diagram.versions.order_by("-number")[1:2].first()
    if previous is None:
        raise ValidationError("There is no earlier version to go back to.")
    return restore_version(version=previous, user=user)


def rebuild(diagram: DriverDiagram, data: dict) -> None:
    """Make the diagram's nodes and links exactly `data`, updating nodes in place (matched by
    key) so that what refers to them — cycles, causes, sites' copies — keeps pointing at them."""
    existing = {str(n.key): n for n in diagram.nodes.all()}
    wanted = {item["key"] for item in data["nodes"]}
    delete_nodes([n for key, n in existing.items() if key not in wanted])
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


def delete_nodes(nodes) -> None:
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


@transaction.atomic
def replace_from_outline(*, diagram: DriverDiagram, text: str, user=None) -> DiagramVersion:
    """Make the diagram exactly the outline (outline.outline_snapshot says how it is read);
    nodes whose kind and name stay keep their notes, measures and the rest."""
    data = outline_snapshot(parse_outline(text), snapshot(diagram)["nodes"])
    rebuild(diagram, data)
    return save_version(diagram, user, "Replaced from an outline")


@transaction.atomic
def outline_theory(
    *, network: Network, project=None, diagram: DriverDiagram | None = None, text: str, user=None
) -> DiagramVersion:
    """An outline typed on a theory page. The network's theory is made by its first outline;
    a project's own diagram exists only once the project adapts the network's theory."""
    if diagram is None:
        if project is not None:
            raise ValidationError("Start from the network's theory first.")
        diagram = network_diagram(network)
    return replace_from_outline(diagram=diagram, text=text, user=user)


def export_outline(diagram: DriverDiagram) -> str:
    nodes = diagram.nodes.order_by("position", "pk").values("key", "kind", "name", "position")
    links = Link.objects.filter(parent__diagram=diagram).values_list("parent__key", "child__key")
    return snapshot_outline(
        {
            "nodes": [{**n, "key": str(n["key"])} for n in nodes],
            "links": [(str(p), str(c)) for p, c in links],
        }
    )


def describe_changes(old: dict, new: dict) -> list[str]:
    """Plain sentences for what changed from one snapshot to another (diff.diff_snapshots),
    with the linked measures named as they are called now."""
    ids = {pk for data in (old, new) for n in data["nodes"] for pk in n.get("measures", [])}
    names = dict(Measure.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return diff_snapshots(old, new, names)
