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


def own_site_ids(user, network: Network) -> set[int]:
    """The schools of the network that are the user's own: held through a school or district
    membership (a network-wide role makes every school visible, but none of them "mine")."""
    organization_ids = set(access_for(user).organization_roles)
    if not organization_ids:
        return set()
    return set(
        network.sites.filter(
            Q(pk__in=organization_ids) | Q(parent__in=organization_ids)
        ).values_list("pk", flat=True)
    )


ROLE_ORDER = ("network_lead", "improvement_coach", "data_steward", "site_lead", "team_member")


def main_role(user) -> str:
    """The role that shapes the user's first steps: the widest one they hold anywhere."""
    access = access_for(user)
    held = set().union(*access.network_roles.values(), *access.organization_roles.values())
    return next((role for role in ROLE_ORDER if role in held), "viewer")


def people_for(user, network: Network, text: str, limit: int = 20):
    """Members of the network whose name matches, among those the user may see: everyone with a
    role across the network, and the members of the schools (and their districts) the user sees."""
    from django.contrib.auth import get_user_model

    from .models import Membership

    sites = sites_for(user, network)
    members = Membership.objects.filter(
        Q(network=network)
        | Q(organization__in=sites)
        | Q(organization__in=sites.exclude(parent=None).values("parent"))
    ).values("user")
    words = Q(username__icontains=text) | Q(first_name__icontains=text)
    words |= Q(last_name__icontains=text)
    return (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .filter(words)
        .order_by("last_name", "first_name", "username")[:limit]
    )
