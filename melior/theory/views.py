from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from melior.networks.views import get_network

from . import selectors, services
from .models import Node
from .svg import diagram_svg


def _context(request, network, *, outline=None, errors=()):
    diagram = selectors.network_diagram_or_none(network)
    has_nodes = diagram is not None and diagram.nodes.exists()
    if outline is None:
        outline = services.export_outline(diagram) if has_nodes else ""
    columns = []
    if has_nodes:
        nodes = list(diagram.nodes.order_by("position", "pk"))
        columns = [
            (label, kind, [n for n in nodes if n.kind == kind], child_kind)
            for (kind, label), child_kind in zip(
                Node.Kind.choices, [*list(Node.Kind.values)[1:], None], strict=True
            )
        ]
    return {
        "network": network,
        "diagram": diagram,
        "svg": mark_safe(diagram_svg(diagram)) if has_nodes else "",  # built and escaped by us
        "columns": columns,
        "outline": outline,
        "errors": errors,
        "versions": selectors.history(diagram)[:30],
        "can_edit": request.user.has_perm("networks.edit_theory", network),
    }


def _page(request, network, *, outline=None, errors=(), status=200):
    return render(
        request,
        "theory/network_theory.html",
        _context(request, network, outline=outline, errors=errors),
        status=status,
    )


@login_required
@require_POST
def edit_node(request, network):
    """One change from the in-place editor (add under, rename, delete, undo), answered with the
    re-drawn diagram and editor for htmx, or the whole page."""
    network = get_network(request, network)
    if not request.user.has_perm("networks.edit_theory", network):
        raise PermissionDenied
    diagram = selectors.network_diagram_or_none(network)
    if diagram is None:
        raise Http404("No theory yet")
    action = request.POST.get("action")
    errors = []
    try:
        if action == "undo":
            previous = diagram.versions.order_by("-number")[1:2].first()
            if previous is None:
                raise ValidationError("There is no earlier version to go back to.")
            services.restore_version(version=previous, user=request.user)
        else:
            node = get_object_or_404(diagram.nodes, key=request.POST.get("node"))
            name = request.POST.get("name", "")
            if action == "rename":
                services.rename_node(node=node, name=name, user=request.user)
            elif action == "delete":
                services.delete_node(node=node, user=request.user)
            elif action == "add":
                kind = services.KIND_AT.get(services.LEVEL[node.kind] + 1)
                if kind is None:
                    raise ValidationError("Change ideas are the last level.")
                services.add_node(
                    diagram=diagram, kind=kind, name=name, parents=[node], user=request.user
                )
            else:
                raise ValidationError(f"Unknown change {action!r}.")
    except ValidationError as error:
        errors = error.messages
    ctx = {**_context(request, network), "edit_errors": errors}
    if request.htmx:
        return render(request, "theory/_panel.html", ctx)
    return render(request, "theory/network_theory.html", ctx, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def network_theory(request, network):
    """The network's driver diagram, its history, and (for its editors) the outline."""
    network = get_network(request, network)
    if request.method == "GET":
        return _page(request, network)
    if not request.user.has_perm("networks.edit_theory", network):
        raise PermissionDenied
    text = request.POST.get("outline", "")
    try:
        services.replace_from_outline(
            diagram=services.network_diagram(network), text=text, user=request.user
        )
    except ValidationError as error:
        return _page(request, network, outline=text, errors=error.messages, status=400)
    return redirect("theory", network=network.slug)


@login_required
def version_detail(request, network, number):
    network = get_network(request, network)
    diagram = selectors.network_diagram_or_none(network)
    if diagram is None:
        raise Http404("No theory yet")
    version = get_object_or_404(diagram.versions, number=number)
    previous = diagram.versions.filter(number__lt=number).order_by("-number").first()
    changes = services.diff(previous.snapshot, version.snapshot) if previous else []
    return render(
        request,
        "theory/version.html",
        {
            "network": network,
            "version": version,
            "previous": previous,
            "changes": changes,
            "can_edit": request.user.has_perm("networks.edit_theory", network),
        },
    )


@login_required
@require_POST
def restore(request, network, number):
    network = get_network(request, network)
    if not request.user.has_perm("networks.edit_theory", network):
        raise PermissionDenied
    diagram = selectors.network_diagram_or_none(network)
    if diagram is None:
        raise Http404("No theory yet")
    services.restore_version(
        version=get_object_or_404(diagram.versions, number=number), user=request.user
    )
    return redirect("theory", network=network.slug)
