"""Reads for theories of improvement; callers reach the network through networks.selectors and
a project through projects.selectors, so nothing here returns what the user may not see."""

from collections import defaultdict

from django.db.models import Q

from melior.measures.spc_status import latest_signals
from melior.networks.models import Network
from melior.projects.selectors import projects_for

from .models import ChangeIdeaProposal, DiagramVersion, DriverDiagram, Link, Node
from .services import LEVEL


def network_diagram_or_none(network: Network) -> DriverDiagram | None:
    return DriverDiagram.objects.filter(network=network, project=None).first()


def project_diagram_or_none(project) -> DriverDiagram | None:
    return DriverDiagram.objects.filter(project=project).select_related("based_on").first()


def history(diagram: DriverDiagram | None):
    if diagram is None:
        return DiagramVersion.objects.none()
    return diagram.versions.select_related("author").order_by("-number")


def visible_diagrams(user, network: Network):
    """The network's theory and the adaptations of the projects the user may see."""
    return DriverDiagram.objects.filter(network=network).filter(
        project__isnull=True
    ) | DriverDiagram.objects.filter(project__in=projects_for(user, network))


def node_for(user, network: Network, key) -> Node | None:
    return (
        Node.objects.filter(diagram__in=visible_diagrams(user, network), key=key)
        .select_related("diagram__project__site", "origin")
        .first()
    )


def node_causes(user, network: Network, node: Node) -> list:
    """The causes a node addresses, from the network's problem analysis and the analyses of
    the projects the user may see — never from a school out of the user's reach."""
    visible = Q(analysis__project__isnull=True) | Q(
        analysis__project__in=projects_for(user, network)
    )
    return list(
        node.causes.filter(visible, analysis__network=network).select_related(
            "analysis__project", "category"
        )
    )


def shown_nodes(diagram: DriverDiagram) -> set[int]:
    """Ids of the nodes a drawing shows: not hidden, and hanging under a shown node (hiding a
    driver hides what hangs only under it)."""
    nodes = list(diagram.nodes.all())
    parents = defaultdict(list)
    for parent_id, child_id in Link.objects.filter(parent__diagram=diagram).values_list(
        "parent_id", "child_id"
    ):
        parents[child_id].append(parent_id)
    shown: set[int] = set()
    for node in sorted(nodes, key=lambda n: LEVEL[n.kind]):
        if node.hidden:
            continue
        if node.kind == Node.Kind.AIM or any(p in shown for p in parents[node.pk]):
            shown.add(node.pk)
    return shown


def measure_badges(diagram: DriverDiagram) -> dict[int, list[tuple]]:
    """node id → [(measure, latest signal)] for the measures linked to each node: at the
    project's school for an adaptation, for the network as a whole for the network's theory."""
    through = Node.measures.through.objects.filter(node__diagram=diagram).select_related("measure")
    pairs = [(row.node_id, row.measure) for row in through]
    if not pairs:
        return {}
    site = diagram.project.site if diagram.project_id else None
    status = latest_signals({m.pk: m for _, m in pairs}.values(), organization=site)
    badges = defaultdict(list)
    for node_id, measure in sorted(pairs, key=lambda p: p[1].name):
        badges[node_id].append((measure, status[measure.pk]))
    return dict(badges)


def adaptation_report(user, network: Network) -> list[dict]:
    """For each adaptation the user may see: what the site hid, added, renamed, and which
    nodes of the network's theory it does not carry."""
    source = network_diagram_or_none(network)
    if source is None:
        return []
    network_nodes = {n.pk: n for n in source.nodes.all()}
    report = []
    adaptations = (
        DriverDiagram.objects.filter(based_on=source, project__in=projects_for(user, network))
        .select_related("project__site")
        .prefetch_related("nodes")
        .order_by("project__site__name", "project__title")
    )
    for diagram in adaptations:
        nodes = list(diagram.nodes.all())
        carried = {n.origin_id for n in nodes if n.origin_id}
        report.append(
            {
                "diagram": diagram,
                "project": diagram.project,
                "hidden": [n for n in nodes if n.hidden],
                "added": [n for n in nodes if n.origin_id is None],
                "renamed": [
                    (network_nodes[n.origin_id].name, n)
                    for n in nodes
                    if n.origin_id in network_nodes and network_nodes[n.origin_id].name != n.name
                ],
                "missing": [n for pk, n in network_nodes.items() if pk not in carried],
            }
        )
    return report


def proposals(diagram: DriverDiagram | None):
    if diagram is None:
        return ChangeIdeaProposal.objects.none()
    return diagram.proposals.select_related("driver", "result", "proposed_by", "decided_by")


def editor_nodes(diagram: DriverDiagram) -> list[Node]:
    """Every node of a diagram, with its measures and parents, in the drawing's order."""
    return list(
        diagram.nodes.prefetch_related("measures", "parent_links__parent").order_by(
            "position", "pk"
        )
    )


def nodes_of_kinds(diagram: DriverDiagram | None, kinds) -> list[Node]:
    if diagram is None:
        return []
    return list(diagram.nodes.filter(kind__in=list(kinds)))


def network_theory_nodes(network: Network, kinds):
    """Nodes of the network's theory (not of sites' adaptations) of the given kinds."""
    return Node.objects.filter(diagram__network=network, diagram__project=None, kind__in=kinds)


def network_node(network: Network, key, kind: str) -> Node | None:
    """One node of the network's theory, by its key: every member sees the network's theory."""
    return network_theory_nodes(network, [kind]).filter(key=key).first()


def copies_of(user, network: Network, node: Node):
    """Sites' copies of a node of the network's theory, in the adaptations the user may see."""
    return Node.objects.filter(
        origin=node, diagram__in=visible_diagrams(user, network)
    ).select_related("diagram__project__site")


def version_before(diagram: DriverDiagram, number: int) -> DiagramVersion | None:
    return diagram.versions.filter(number__lt=number).order_by("-number").first()


def testable_change_ideas(project):
    """Change ideas a project can test: its own adaptation's if it has one, else the
    network's (hidden ones left out)."""
    diagram = project_diagram_or_none(project) or network_diagram_or_none(project.network)
    if diagram is None:
        return Node.objects.none()
    return diagram.nodes.filter(kind=Node.Kind.CHANGE_IDEA, hidden=False).order_by("position")


def network_ideas(network):
    """The change ideas of the network's own theory (not a site's adaptation), in order."""
    return Node.objects.filter(
        diagram__network=network, diagram__project=None, kind=Node.Kind.CHANGE_IDEA
    ).order_by("position")
