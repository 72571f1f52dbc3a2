"""The access log of the network's student data, for its data steward: filter, page, export."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from melior.measures.exports import safe_cell
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
    page = Paginator(logs, 100).get_page(request.GET.get("page"))
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


def _log_csv(network, logs) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-access-log.csv"'
    writer = csv.writer(response)
    writer.writerow(["when", "who", "action", "what", "records", "from"])
    for entry in logs:
        writer.writerow(
            [
                entry.at.isoformat(),
                safe_cell(entry.username),
                entry.action,
                safe_cell(entry.what),
                entry.records,
                entry.address,
            ]
        )
    return response
