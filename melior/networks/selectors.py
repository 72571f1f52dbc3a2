"""Reads for networks and sites. Each returns only what the requesting user may see."""

from django.db.models import Count, Q, QuerySet

from .models import Network, NetworkSite, Organization
from .permissions import access_for, grants


def networks_for(user) -> QuerySet[Network]:
    """Networks the user belongs to, directly or through a school or district membership."""
    if not user.is_authenticated:
        return Network.objects.none()
    if user.is_superuser:
        return Network.objects.all()
    access = access_for(user)
    organization_ids = list(access.organization_roles)
    return Network.objects.filter(
        Q(pk__in=list(access.network_roles))
        | Q(sites__in=organization_ids)
        | Q(sites__parent__in=organization_ids)
    ).distinct()


def sites_for(user, network: Network) -> QuerySet[Organization]:
    """The network's schools the user may see: all of them for network-level roles,
    otherwise the user's own schools and the schools of the user's districts."""
    sites = network.sites.select_related("parent")
    if user.is_superuser or access_for(user).roles_in_network(network.pk):
        return sites
    if not user.is_authenticated:
        return sites.none()
    organization_ids = list(access_for(user).organization_roles)
    return sites.filter(Q(pk__in=organization_ids) | Q(parent__in=organization_ids))


def current_sites_for(user, network: Network) -> QuerySet[Organization]:
    """sites_for without the schools retired from the network: for lists and pickers (a
    retired school's own pages and history stay reachable through sites_for)."""
    retired = NetworkSite.objects.filter(network=network, retired_on__isnull=False)
    return sites_for(user, network).exclude(pk__in=retired.values("organization"))


def site_ids_with(user, network: Network, capability: str) -> set[int]:
    """Ids of the network's sites (among those the user sees) where the user has a capability
    of the permission matrix, e.g. "enter_data"."""
    access = access_for(user)
    sites = sites_for(user, network)
    if user.is_superuser or grants(access.roles_in_network(network.pk), capability):
        return set(sites.values_list("pk", flat=True))
    return {
        site_id
        for site_id, district_id in sites.values_list("pk", "parent_id")
        if grants(access.roles_at_site(network.pk, site_id, district_id), capability)
    }


def has_site_with(user, network: Network, capability: str) -> bool:
    """Whether the user has the capability at any site of the network they see (without
    listing the sites when a network-wide role grants it)."""
    if user.is_superuser or grants(access_for(user).roles_in_network(network.pk), capability):
        return sites_for(user, network).exists()
    return bool(site_ids_with(user, network, capability))


def network_site_for(user, network: Network, site_slug: str) -> NetworkSite | None:
    """The link between a network and one of its sites, if the user may see that site."""
    site = sites_for(user, network).filter(slug=site_slug).first()
    if site is None:
        return None
    link = NetworkSite.objects.get(network=network, organization=site)
    link.organization = site  # keep the already-loaded parent district
    return link


def network_summaries(user) -> QuerySet[Network]:
    """The home page list: the user's networks with how many sites and measures each has."""
    return (
        Network.objects.filter(pk__in=networks_for(user).values("pk"))
        .select_related("hub")
        .annotate(
            site_count=Count("site_links", distinct=True),
            measure_count=Count("measures", distinct=True),
        )
        .order_by("name")
    )
