from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from melior.networks.views import get_network

from . import selectors, services
from .svg import diagram_svg


def _page(request, network, *, outline=None, errors=(), status=200):
    diagram = selectors.network_diagram_or_none(network)
    has_nodes = diagram is not None and diagram.nodes.exists()
    if outline is None:
        outline = services.export_outline(diagram) if has_nodes else ""
    return render(
        request,
        "theory/network_theory.html",
        {
            "network": network,
            "diagram": diagram,
            "svg": mark_safe(diagram_svg(diagram)) if has_nodes else "",  # built and escaped by us
            "outline": outline,
            "errors": errors,
            "versions": selectors.history(diagram)[:30],
            "can_edit": request.user.has_perm("networks.edit_theory", network),
        },
        status=status,
    )


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
