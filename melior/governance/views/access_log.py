"""The access log of the network's student data, for its data steward: filter, page, export."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from melior.core.csv import csv_response
from melior.core.pagination import page_of
from melior.networks.views import get_network

from .. import selectors
from ..models import AccessLog


@login_required
def audit_page(request, network):
    network = get_network(request, network)
    if not request.user.has_perm("governance.read_audit", network):
        raise PermissionDenied
    logs = selectors.access_log(
        request.user,
        network,
        who=request.GET.get("user", ""),
        action=request.GET.get("action", ""),
        text=request.GET.get("q", ""),
    )
    if request.GET.get("export") == "csv":
        return _log_csv(network, logs)
    page = page_of(request, logs)
    return render(
        request,
        "governance/audit.html",
        {
            "network": network,
            "page": page,
            "actions": AccessLog.Action.choices,
            "query": request.GET,
        },
    )


def _log_csv(network, logs):
    return csv_response(
        f"{network.slug}-access-log.csv",
        ["when", "who", "action", "what", "records", "from"],
        ([e.at.isoformat(), e.username, e.action, e.what, e.records, e.address] for e in logs),
    )
