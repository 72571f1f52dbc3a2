"""What every app's views use to read the network and school named in the URL: a 404 for
anyone who is not part of them. The network's own pages are in `melior.dashboard`."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .selectors import network_site_for, networks_for


def get_network(request, slug: str):
    """The network named in the URL, or 404 when the user is not part of it."""
    return get_object_or_404(networks_for(request.user), slug=slug)


def get_network_site(request, network, site_slug: str):
    link = network_site_for(request.user, network, site_slug)
    if link is None:
        raise Http404("No such site in this network")
    return link
