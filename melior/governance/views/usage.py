"""EdTech usage class by class at a school, week by week."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from melior.networks.selectors import sites_for
from melior.networks.views import get_network

from .. import selectors, services
from .common import nav_flags


@login_required
def usage_page(request, network):
    """EdTech usage class by class at a school, week by week, for the students counted under
    the usage's purpose; a figure resting on fewer students than the network's minimum cell
    size is hidden."""
    network = get_network(request, network)
    products = selectors.usage_products(network)
    sites = list(sites_for(request.user, network).order_by("name"))
    wanted = request.GET.get("usage", "")
    chosen = next((p for p in products if f"{p[0]}|{p[1]}" == wanted), None) or (
        products[0] if products else None
    )
    site = next((s for s in sites if s.slug == request.GET.get("school")), None) or (
        sites[0] if sites else None
    )
    classes = []
    if chosen is not None and site is not None:
        classes = selectors.usage_classes(
            request.user, network, site=site, product=chosen[0], purpose_id=chosen[1]
        )
    return render(
        request,
        "governance/usage.html",
        {
            "network": network,
            "products": products,
            "chosen": chosen,
            "sites": sites,
            "site": site,
            "classes": classes,
            "weeks": classes[0]["weeks"] if classes else [],
            "privacy": services.privacy_for(network),
            **nav_flags(request.user, network),
        },
    )
