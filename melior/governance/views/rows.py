"""Student rows at one school: keys and attributes, for those allowed; every view logged."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from melior.core.csv import csv_response
from melior.core.pagination import page_of
from melior.networks.selectors import sites_for
from melior.networks.views import get_network

from .. import selectors, services
from ..models import SUBGROUPS, AccessLog
from ..permissions import row_site_ids


@login_required
def rows_page(request, network):
    """Student rows at one school: keys and attributes, for those allowed; every view logged."""
    network = get_network(request, network)
    allowed = row_site_ids(request.user, network)
    if not allowed:
        raise PermissionDenied
    sites = [s for s in sites_for(request.user, network).order_by("name") if s.pk in allowed]
    site_id = int(request.GET["site"]) if request.GET.get("site", "").isdigit() else sites[0].pk
    if site_id not in allowed:
        raise PermissionDenied
    site = next(s for s in sites if s.pk == site_id)
    students = selectors.student_rows(request.user, network, site_id)
    if request.GET.get("export") == "csv":
        rows = list(students)
        services.log(
            user=request.user,
            network=network,
            action=AccessLog.Action.EXPORT_ROWS,
            request=request,
            what=f"Student rows at {site.name} (CSV)",
            records=len(rows),
        )
        return _rows_csv(site, rows)
    page = page_of(request, students)
    services.log(
        user=request.user,
        network=network,
        action=AccessLog.Action.VIEW_ROWS,
        request=request,
        what=f"Student rows at {site.name}, page {page.number}",
        records=len(page.object_list),
    )
    return render(
        request,
        "governance/rows.html",
        {"network": network, "sites": sites, "site": site, "page": page, "subgroups": SUBGROUPS},
    )


def _rows_csv(site, rows):
    return csv_response(
        f"{site.slug}-students.csv",
        ["key", *SUBGROUPS],
        ([s.key, *(getattr(s, f) for f in SUBGROUPS)] for s in rows),
    )
