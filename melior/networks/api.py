"""API: the networks and sites the requesting user may see."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from melior.core.pagination import Pages

from .models import Network, NetworkSite
from .selectors import network_site_for, networks_for, sites_for

router = Router(tags=["networks"])


class NetworkOut(Schema):
    slug: str
    name: str
    aim: str
    hub: str | None

    @staticmethod
    def resolve_hub(network) -> str | None:
        return network.hub.name if network.hub_id else None


class SiteOut(Schema):
    slug: str
    name: str
    district: str | None
    level: str
    enrolment: int | None
    locale: str
    poverty_share: float | None

    @staticmethod
    def resolve_district(site) -> str | None:
        return site.parent.name if site.parent_id else None


def network_or_404(request, slug: str) -> Network:
    return get_object_or_404(networks_for(request.user), slug=slug)


def site_or_404(request, network: Network, site_slug: str) -> NetworkSite:
    link = network_site_for(request.user, network, site_slug)
    if link is None:
        from django.http import Http404

        raise Http404("No such site")
    return link


@router.get("", response=list[NetworkOut])
@paginate(Pages, page_size=100)
def list_networks(request):
    return networks_for(request.user).select_related("hub").order_by("name")


@router.get("/{slug}", response=NetworkOut)
def get_network(request, slug: str):
    return network_or_404(request, slug)


@router.get("/{slug}/sites", response=list[SiteOut])
@paginate(Pages, page_size=100)
def list_sites(request, slug: str):
    return sites_for(request.user, network_or_404(request, slug)).order_by("name")
