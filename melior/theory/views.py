"""Pages of a driver diagram: the network's theory, or a site project's adaptation of it. The
same views serve both; `Scope` says which diagram a URL names and who may change it."""

from dataclasses import dataclass

import vl_convert
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from melior.measures.selectors import measures_for
from melior.networks.views import get_network
from melior.projects.selectors import projects_for

from . import selectors, services
from .models import Node
from .panels import panels_for
from .svg import diagram_svg


@dataclass
class Scope:
    request: object
    network: object
    project: object = None
    diagram: object = None

    @property
    def prefix(self) -> str:
        return "project-theory" if self.project else "theory"

    def url(self, suffix: str = "", **kwargs) -> str:
        kwargs["network"] = self.network.slug
        if self.project:
            kwargs["project"] = self.project.pk
        return reverse(self.prefix + suffix, kwargs=kwargs)

    @property
    def can_edit(self) -> bool:
        owner = self.diagram or self.project or self.network
        return self.request.user.has_perm("theory.edit_diagram", owner)

    def require_edit(self):
        if not self.can_edit:
            raise PermissionDenied

    def require_diagram(self):
        if self.diagram is None:
            raise Http404("No driver diagram yet")
        return self.diagram


def _scope(request, network, project=None) -> Scope:
    network = get_network(request, network)
    if project is None:
        return Scope(request, network, None, selectors.network_diagram_or_none(network))
    project = get_object_or_404(projects_for(request.user, network), pk=project)
    return Scope(request, network, project, selectors.project_diagram_or_none(project))


def _drawing(scope: Scope, *, links=True) -> str:
    diagram = scope.diagram
    if diagram is None or not diagram.nodes.exists():
        return ""
    link_for = None
    if links:

        def link_for(node):
            return reverse("theory-node", kwargs={"network": scope.network.slug, "key": node.key})

    return diagram_svg(
        diagram,
        shown=selectors.shown_nodes(diagram),
        link_for=link_for,
        badges=selectors.measure_badges(diagram),
    )


def _editor(scope: Scope) -> list:
    """The in-place editor's columns: each node with what may be done to it."""
    nodes = selectors.editor_nodes(scope.diagram)
    measures = list(measures_for(scope.network).order_by("name"))
    present = {n.kind for n in nodes}
    columns = []
    for kind, label in Node.Kind.choices:
        if kind == Node.Kind.TERTIARY and kind not in present:
            continue  # the column appears once a team adds a tertiary driver
        above = [n for n in nodes if n.kind in services.PARENT_KINDS.get(kind, ())]
        child_kinds = [(k, Node.Kind(k).label) for k in services.CHILD_KINDS[kind]]
        items = []
        for node in (n for n in nodes if n.kind == kind):
            parents = [link.parent for link in node.parent_links.all()]
            linked = list(node.measures.all())
            items.append(
                {
                    "node": node,
                    "parents": parents,
                    "other_parents": [n for n in above if n not in parents],
                    "measures": linked,
                    "linkable": [
                        m for m in measures
                        if m not in linked and kind in services.MEASURE_LEVELS[m.kind]
                    ],
                }
            )  # fmt: skip
        columns.append((label, kind, items, child_kinds))
    return columns


def _context(scope: Scope, **extra) -> dict:
    diagram = scope.diagram
    has_nodes = diagram is not None and diagram.nodes.exists()
    ctx = {
        "scope": scope,
        "network": scope.network,
        "project": scope.project,
        "diagram": diagram,
        "svg": mark_safe(_drawing(scope)),  # built and escaped by us
        "can_edit": scope.can_edit,
        "outline": services.export_outline(diagram) if has_nodes else "",
        "versions": [
            (v, scope.url("-version", number=v.number)) for v in selectors.history(diagram)[:30]
        ],
        "columns": _editor(scope) if has_nodes and scope.can_edit else [],
        "edit_url": scope.url("-edit"),
        "errors": (),
        "edit_errors": (),
    }
    if scope.project is None:
        ctx["adaptations"] = selectors.adaptation_report(scope.request.user, scope.network)
        ctx["proposals"] = list(selectors.proposals(diagram))
        ctx["can_propose"] = has_nodes and scope.request.user.has_perm(
            "theory.propose_change_idea", scope.network
        )
        ctx["idea_drivers"] = selectors.nodes_of_kinds(
            diagram, [Node.Kind.SECONDARY, Node.Kind.TERTIARY]
        )
        ctx["change_ideas"] = selectors.nodes_of_kinds(diagram, [Node.Kind.CHANGE_IDEA])
    elif diagram is not None and diagram.based_on_id:
        report = [
            row
            for row in selectors.adaptation_report(scope.request.user, scope.network)
            if row["diagram"].pk == diagram.pk
        ]
        ctx["adaptation"] = report[0] if report else None
    ctx.update(extra)
    return ctx


def _page(scope: Scope, status=200, **extra):
    return render(scope.request, "theory/theory.html", _context(scope, **extra), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def theory_page(request, network, project=None):
    """The driver diagram, its history, and (for its editors) the outline and in-place editor."""
    scope = _scope(request, network, project)
    if request.method == "GET":
        return _page(scope)
    scope.require_edit()
    text = request.POST.get("outline", "")
    try:
        services.outline_theory(network=scope.network, project=scope.project,
                                diagram=scope.diagram, text=text, user=request.user)  # fmt: skip
    except ValidationError as error:
        return _page(scope, status=400, outline=text, errors=error.messages)
    return redirect(scope.url())


def _other_node(diagram, key):
    return get_object_or_404(diagram.nodes, key=key)


def _measure(scope, pk):
    if not str(pk or "").isdigit():
        raise ValidationError("Choose a measure.")
    return get_object_or_404(measures_for(scope.network), pk=pk)


# action -> what it does to the node named in the form
ACTIONS = {
    "rename": lambda s, n, p, u: services.rename_node(node=n, name=p.get("name", ""), user=u),
    "delete": lambda s, n, p, u: services.delete_node(node=n, user=u),
    "up": lambda s, n, p, u: services.reorder(node=n, step=-1, user=u),
    "down": lambda s, n, p, u: services.reorder(node=n, step=1, user=u),
    "move": lambda s, n, p, u: services.move_under(
        node=n, parent=_other_node(s.diagram, p.get("parent")), user=u
    ),
    "link": lambda s, n, p, u: services.link_nodes(
        parent=_other_node(s.diagram, p.get("parent")), child=n, user=u
    ),
    "unlink": lambda s, n, p, u: services.unlink_nodes(
        parent=_other_node(s.diagram, p.get("parent")), child=n, user=u
    ),
    "details": lambda s, n, p, u: services.edit_details(
        node=n,
        description=p.get("description", ""),
        operational_note=p.get("operational_note", ""),
        user=u,
    ),
    "add": lambda s, n, p, u: services.add_child(
        parent=n, kind=p.get("kind") or None, name=p.get("name", ""), user=u
    ),
    "hide": lambda s, n, p, u: services.set_hidden(node=n, hidden=True, user=u),
    "show": lambda s, n, p, u: services.set_hidden(node=n, hidden=False, user=u),
    "link_measure": lambda s, n, p, u: services.link_measure(
        node=n, measure=_measure(s, p.get("measure")), user=u
    ),
    "unlink_measure": lambda s, n, p, u: services.unlink_measure(
        node=n, measure=_measure(s, p.get("measure")), user=u
    ),
}


@login_required
@require_POST
def edit_node(request, network, project=None):
    """One change from the in-place editor, answered with the re-drawn diagram and editor for
    htmx, or the whole page."""
    scope = _scope(request, network, project)
    scope.require_edit()
    diagram = scope.require_diagram()
    action = request.POST.get("action")
    errors = []
    try:
        if action == "undo":
            services.undo(diagram=diagram, user=request.user)
        elif action in ACTIONS:
            node = _other_node(diagram, request.POST.get("node"))
            ACTIONS[action](scope, node, request.POST, request.user)
        else:
            raise ValidationError(f"Unknown change {action!r}.")
    except ValidationError as error:
        errors = error.messages
    ctx = _context(scope, edit_errors=errors)
    if request.htmx:
        return render(request, "theory/_panel.html", ctx)
    return render(request, "theory/theory.html", ctx, status=400 if errors else 200)


@login_required
@require_POST
def adapt(request, network, project):
    """Start a project's own driver diagram from the network's theory."""
    scope = _scope(request, network, project)
    scope.require_edit()
    try:
        services.adapt(project=scope.project, user=request.user)
    except ValidationError as error:
        return _page(scope, status=400, errors=error.messages)
    return redirect(scope.url())


@login_required
@require_POST
def bring_in(request, network, project):
    scope = _scope(request, network, project)
    scope.require_edit()
    try:
        services.bring_in_network_changes(diagram=scope.require_diagram(), user=request.user)
    except ValidationError as error:
        return _page(scope, status=400, errors=error.messages)
    return redirect(scope.url())


@login_required
def version_detail(request, network, number, project=None):
    """One version: what changed since the one before (or since any version chosen)."""
    scope = _scope(request, network, project)
    diagram = scope.require_diagram()
    version = get_object_or_404(diagram.versions, number=number)
    compare = request.GET.get("compare", "")
    if compare.isdigit():
        previous = get_object_or_404(diagram.versions, number=int(compare))
    else:
        previous = selectors.version_before(diagram, number)
    changes = services.describe_changes(previous.snapshot, version.snapshot) if previous else []
    return render(
        request,
        "theory/version.html",
        {
            "scope": scope,
            "network": scope.network,
            "project": scope.project,
            "version": version,
            "previous": previous,
            "changes": changes,
            "numbers": list(
                diagram.versions.exclude(pk=version.pk).values_list("number", flat=True)
            ),
            "can_edit": scope.can_edit,
            "restore_url": scope.url("-restore", number=number),
        },
    )


@login_required
@require_POST
def restore(request, network, number, project=None):
    scope = _scope(request, network, project)
    scope.require_edit()
    diagram = scope.require_diagram()
    try:
        services.restore_version(
            version=get_object_or_404(diagram.versions, number=number), user=request.user
        )
    except ValidationError as error:
        return _page(scope, status=400, errors=error.messages)
    return redirect(scope.url())


EXPORTS = {
    "svg": ("image/svg+xml", lambda svg: svg.encode()),
    "png": ("image/png", lambda svg: vl_convert.svg_to_png(svg, scale=2)),
    "pdf": ("application/pdf", lambda svg: vl_convert.svg_to_pdf(svg)),
}


@login_required
def export(request, network, fmt, project=None):
    """The diagram as drawn (hidden nodes left out, signals as of now), drawn offline."""
    scope = _scope(request, network, project)
    if fmt not in EXPORTS:
        raise Http404("Export as svg, png or pdf")
    svg = _drawing(scope, links=False)
    if not svg:
        raise Http404("No driver diagram yet")
    content_type, convert = EXPORTS[fmt]
    # a white background and a title, so the file stands alone when printed or pasted
    owner = scope.project.title if scope.project else scope.network.name
    svg = svg.replace(
        'font-size="12">',
        'font-size="12"><rect width="100%" height="100%" fill="#ffffff"/>',
        1,
    )
    response = HttpResponse(convert(svg), content_type=content_type)
    name = slugify(f"{owner} driver diagram")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def node_detail(request, network, key):
    """One node and everything hanging off it: the causes it addresses, what it hangs under
    and what hangs under it, its measures with their signals, proposals, sites' copies."""
    network = get_network(request, network)
    node = selectors.node_for(request.user, network, key)
    if node is None:
        raise Http404("No such node")
    diagram = node.diagram
    scope = Scope(request, network, diagram.project, diagram)
    badges = selectors.measure_badges(diagram).get(node.pk, [])
    site = diagram.project.site if diagram.project_id else None
    measures = [
        (
            measure,
            signal,
            reverse(
                "site-measure",
                kwargs={"network": network.slug, "site": site.slug, "measure": measure.slug},
            )
            if site
            else reverse("measure", kwargs={"network": network.slug, "measure": measure.slug}),
        )
        for measure, signal in badges
    ]
    copies = selectors.copies_of(request.user, network, node)
    return render(
        request,
        "theory/node.html",
        {
            "scope": scope,
            "network": network,
            "project": diagram.project,
            "node": node,
            "parents": [link.parent for link in node.parent_links.select_related("parent")],
            "children": [link.child for link in node.child_links.select_related("child")],
            "measures": measures,
            "causes": selectors.node_causes(request.user, network, node),
            "copies": list(copies),
            "proposals": list(node.proposals.all()),
            "panels": panels_for(user=request.user, network=network, node=node),
        },
    )


@login_required
@require_POST
def propose(request, network):
    """A member proposes a change idea under a secondary driver of the network's theory."""
    scope = _scope(request, network)
    if not request.user.has_perm("theory.propose_change_idea", scope.network):
        raise PermissionDenied
    diagram = scope.require_diagram()
    try:
        driver = _other_node(diagram, request.POST.get("driver"))
        services.propose_change_idea(
            driver=driver,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            user=request.user,
        )
    except ValidationError as error:
        return _page(scope, status=400, proposal_errors=error.messages, proposal=request.POST)
    return redirect(scope.url() + "#proposals")


@login_required
@require_POST
def decide(request, network, pk):
    """The hub accepts, merges or declines a proposal, with a reason."""
    scope = _scope(request, network)
    scope.require_edit()
    diagram = scope.require_diagram()
    proposal = get_object_or_404(diagram.proposals, pk=pk)
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")
    try:
        if decision == "accept":
            services.accept_proposal(proposal=proposal, reason=reason, user=request.user)
        elif decision == "merge":
            into = _other_node(diagram, request.POST.get("into"))
            services.merge_proposal(proposal=proposal, into=into, reason=reason, user=request.user)
        elif decision == "decline":
            services.decline_proposal(proposal=proposal, reason=reason, user=request.user)
        else:
            raise ValidationError("Accept, merge or decline.")
    except ValidationError as error:
        return _page(scope, status=400, proposal_errors=error.messages)
    return redirect(scope.url() + "#proposals")
