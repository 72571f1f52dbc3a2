from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from melior.measures.selectors import measures_for
from melior.projects.selectors import projects_for

from .selectors import network_site_for, networks_for, sites_for


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
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "sites": sites_for(request.user, network).order_by("parent__name", "name"),
            "measures": measures_for(network),
            "projects": projects_for(request.user, network),
        },
    )


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
