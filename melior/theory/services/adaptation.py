"""A site project's adaptation of the network's theory: started as a copy, later bringing in
what the network added since."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import DiagramVersion, DriverDiagram, Link, Node
from .kinds import LEVEL
from .nodes import next_position
from .versions import rebuild, save_version, snapshot


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
    rebuild(diagram, copied)
    version = source.versions.order_by("-number").first()
    since = f" (version {version.number})" if version else ""
    save_version(diagram, user, f"Started from the network's theory{since}")
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
            position=next_position(diagram), origin=network_node,
        )  # fmt: skip
        node.measures.set(network_node.measures.all())
        Link.objects.bulk_create([Link(parent=p, child=node) for p in parents])
        copies[network_node.pk] = node
        added.append(node.name)
    if not added:
        raise ValidationError("Nothing new in the network's theory since this adaptation.")
    save_version(diagram, user, f"Brought in from the network: {', '.join(added)}")
    return added
