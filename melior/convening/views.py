"""The convening pack: a page to choose the charts, and the pack as PDF or slides. For the
hub's roles; every figure in it is what they may see."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from melior.networks.views import get_network

from .exports import pack_pdf, pack_pptx
from .pack import build_pack, chart_choices

FORMATS = {
    "pdf": ("application/pdf", pack_pdf),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        pack_pptx,
    ),
}
MAX_CHARTS = 12


def _hub_network(request, network):
    network = get_network(request, network)
    if not request.user.has_perm("learning.run_hub", network):
        raise PermissionDenied
    return network


@login_required
@require_safe
def convening_page(request, network):
    network = _hub_network(request, network)
    choices = chart_choices(network)
    return render(
        request,
        "convening/convening.html",
        {
            "network": network,
            "choices": choices,
            "default": {m.slug for m in choices if m.kind == "outcome"},
            "max_charts": MAX_CHARTS,
        },
    )


@login_required
@require_safe
def convening_pack(request, network, fmt):
    network = _hub_network(request, network)
    chosen = set(request.GET.getlist("measure"))
    choices = chart_choices(network)
    if "measure" not in request.GET:  # one click from the hub: the outcome measures
        chosen = {m.slug for m in choices if m.kind == "outcome"}
    measures = [m for m in choices if m.slug in chosen][:MAX_CHARTS]
    content_type, draw = FORMATS[fmt]
    response = HttpResponse(draw(build_pack(request.user, network, measures)), content_type)
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-convening.{fmt}"'
    return response
