"""API: the network's theory of improvement (driver diagram), read by every member and
replaced from an outline by its editors."""

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from melior.networks.api import network_or_404

from . import selectors, services

router = Router(tags=["theory"])


class NodeOut(Schema):
    key: str
    kind: str
    name: str
    description: str
    operational_note: str
    parents: list[str]
    measures: list[str]


class TheoryOut(Schema):
    version: int | None
    outline: str
    nodes: list[NodeOut]


class OutlineIn(Schema):
    outline: str


def _theory(network) -> TheoryOut:
    diagram = selectors.network_diagram_or_none(network)
    if diagram is None:
        return TheoryOut(version=None, outline="", nodes=[])
    nodes = diagram.nodes.prefetch_related("measures", "parent_links__parent").order_by(
        "position", "pk"
    )
    latest = diagram.versions.order_by("-number").first()
    return TheoryOut(
        version=latest.number if latest else None,
        outline=services.export_outline(diagram),
        nodes=[
            NodeOut(
                key=str(n.key),
                kind=n.kind,
                name=n.name,
                description=n.description,
                operational_note=n.operational_note,
                parents=[str(link.parent.key) for link in n.parent_links.all()],
                measures=[m.slug for m in n.measures.all()],
            )
            for n in nodes
        ],
    )


@router.get("/{slug}/theory", response=TheoryOut)
def get_theory(request, slug: str):
    """The network's driver diagram: nodes with their parents and measures, and as an outline."""
    return _theory(network_or_404(request, slug))


@router.put("/{slug}/theory", response=TheoryOut)
def put_theory(request, slug: str, data: OutlineIn):
    """Replace the driver diagram from an indented outline (a new version; 400 with the lines
    that are wrong)."""
    network = network_or_404(request, slug)
    if not request.user.has_perm("networks.edit_theory", network):
        raise PermissionDenied
    services.replace_from_outline(
        diagram=services.network_diagram(network), text=data.outline, user=request.user
    )
    return _theory(network)
