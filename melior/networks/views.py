from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from melior.measures.network import ASSURANCE, status_table
from melior.measures.selectors import measures_for
from melior.projects.selectors import projects_for

from .selectors import network_site_for, networks_for, site_ids_with, sites_for


def get_network(request, slug: str):
    """The network named in the URL, or 404 when the user is not part of it."""
    return get_object_or_404(networks_for(request.user), slug=slug)


def get_network_site(request, network, site_slug: str):
    link = network_site_for(request.user, network, site_slug)
    if link is None:
        raise Http404("No such site in this network")
    return link


@login_required
def network_detail(request, network):
    network = get_network(request, network)
    sites = list(sites_for(request.user, network).order_by("parent__name", "name"))
    table = status_table(network)
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "sites": sites,
            "measures": table.measures,
            "status_rows": _status_rows(network, sites, table),
            "projects": projects_for(request.user, network),
            "can_import": bool(site_ids_with(request.user, network, "enter_data")),
        },
    )


def _status_rows(network, sites, table) -> list[tuple]:
    """(site, site url, [(status, css class, symbol, chart url, title, assurance symbol,
    assurance class), ...]) per visible site. URLs are joined here rather than reversed per
    cell: hundreds of sites × measures."""
    symbols = {"improving": "▲", "worsening": "▼", "no change": "●", "no data": "○"}
    base = reverse("network", kwargs={"network": network.slug})
    rows = []
    for site in sites:
        site_url = f"{base}s/{site.slug}/"
        cells = []
        for measure, status, assurance in table.row(site.pk):
            mark, meaning = ASSURANCE.get(assurance, ("", ""))
            title = f"{measure.name} at {site.name}: {status}"
            cells.append(
                (
                    status,
                    status.replace(" ", "-"),
                    symbols[status],
                    f"{site_url}m/{measure.slug}/",
                    f"{title}; {meaning}" if meaning else title,
                    mark,
                    assurance.replace("_", "-"),
                )
            )
        rows.append((site, site_url, cells))
    return rows


@login_required
def site_detail(request, network, site):
    network = get_network(request, network)
    link = get_network_site(request, network, site)
    return render(
        request,
        "networks/site_detail.html",
        {
            "network": network,
            "site": link.organization,
            "measures": measures_for(network),
            "projects": projects_for(request.user, network).filter(site=link.organization),
        },
    )
