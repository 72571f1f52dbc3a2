"""Cycles across the network: the search (and its CSV), the evidence and ramps per change idea,
and the calibration of predictions."""

import datetime
import uuid

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.theory import selectors as theory
from melior.theory.models import Node

from .. import selectors
from ..charts import ramp_chart
from ..exports import cycles_csv
from ..forms import NetworkSharingForm
from ..models import Cycle

CYCLES_PER_PAGE = 25  # a phone shows them as cards; the CSV has every one


@login_required
def cycle_list(request, network):
    """Find PDSAs across the network; the same filters export as CSV."""
    network = get_network(request, network)
    params = {k: request.GET.get(k, "").strip() for k in selectors.FILTERS}
    notes = []
    for key in ("idea", "driver"):
        if params[key]:
            try:
                uuid.UUID(params[key])
            except ValueError:
                notes.append(f"Ignored an unknown {key}.")
                params[key] = ""
    for key in ("since", "until"):
        if params[key] and not _is_date(params[key]):
            notes.append(f"Ignored “{params[key]}”: dates are YYYY-MM-DD.")
            params[key] = ""
    cycles = selectors.search(request.user, network, params)
    if request.GET.get("export") == "csv":
        return cycles_csv(network, cycles.prefetch_related("questions"))
    drivers = [Node.Kind.PRIMARY, Node.Kind.SECONDARY, Node.Kind.TERTIARY]
    page = Paginator(cycles, CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pdsa/list.html",
        {
            "network": network,
            "cycles": page,
            "page": page,
            "count": page.paginator.count,
            "params": params,
            "notes": notes,
            "ideas": theory.network_theory_nodes(network, [Node.Kind.CHANGE_IDEA]),
            "drivers": theory.network_theory_nodes(network, drivers),
            "sites": sites_for(request.user, network).order_by("name"),
            "statuses": Cycle.Status.choices,
            "decisions": Cycle.Decision.choices,
            "projects": selectors.plannable_projects(request.user, network),
            "overdue": selectors.overdue(
                selectors.cycles_for(request.user, network).filter(authors=request.user)
            ),
            "query": query.urlencode(),
            "sharing_form": NetworkSharingForm(
                initial={"enabled": selectors.sharing_enabled(network)}
            )
            if request.user.has_perm("networks.manage_network", network)
            else None,
        },
    )


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


IDEA_PAGE_ROWS = 300  # the rest are one click away in the PDSA search (and its CSV)


@login_required
def idea_page(request, network, key):
    """Every cycle on one change idea across the network: ramps per school and the evidence."""
    network = get_network(request, network)
    node = theory.network_node(network, key, Node.Kind.CHANGE_IDEA)
    if node is None:
        raise Http404("No such change idea")
    cycles, summary = selectors.idea_evidence(request.user, network, node)
    ramps = selectors.ramps(cycles)
    return render(
        request,
        "pdsa/idea.html",
        {
            "network": network,
            "node": node,
            "cycles": cycles[:IDEA_PAGE_ROWS],
            "more": max(len(cycles) - IDEA_PAGE_ROWS, 0),
            "summary": summary,
            "ramps": ramps,
            "ramp_spec": ramp_chart(ramps) if ramps else None,
        },
    )


@login_required
def calibration_page(request, network):
    network = get_network(request, network)
    by = "team" if request.GET.get("by") == "team" else "site"
    result = selectors.calibration(request.user, network, by=by)
    return render(
        request,
        "pdsa/calibration.html",
        {
            "network": network,
            "by": by,
            "result": result,
            "spec": result.chart().to_dict() if result is not None else None,
        },
    )
