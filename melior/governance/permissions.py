"""Who may see student rows (docs/privacy.md): a data steward at the school or district, for
its own schools; a network-level data steward for the schools whose sharing agreement gives the
hub de-identified rows; and anyone a data steward granted rows at one school. Everyone else in
the network sees aggregates only, with small cells suppressed."""

import datetime

import rules

from melior.networks.models import Network, Organization, Role
from melior.networks.permissions import access_for
from melior.networks.selectors import sites_for

from .models import RowAccessGrant, SharingAgreement


def row_site_ids(user, network: Network, today: datetime.date | None = None) -> set[int]:
    """The network's sites (among those the user sees) where the user may see student rows."""
    if not user.is_authenticated:
        return set()
    sites = list(sites_for(user, network))
    if user.is_superuser:
        return {s.pk for s in sites}
    today = today or datetime.date.today()
    access = access_for(user)
    allowed = set()
    # an agreement of a district (one that joined the network) covers its schools
    shared = set(
        SharingAgreement.objects.filter(
            network=network, level=SharingAgreement.Level.ROWS, starts__lte=today
        )
        .exclude(ends__lt=today)
        .values_list("site_id", flat=True)
    )
    hub_steward = Role.DATA_STEWARD in access.roles_in_network(network.pk)
    for site in sites:
        local = access.organization_roles.get(site.pk, set()) | access.organization_roles.get(
            site.parent_id, set()
        )
        if Role.DATA_STEWARD in local or (hub_steward and {site.pk, site.parent_id} & shared):
            allowed.add(site.pk)
    granted = RowAccessGrant.objects.filter(
        network=network, user=user, revoked_at=None, site_id__in=[s.pk for s in sites]
    )
    return allowed | set(granted.values_list("site_id", flat=True))


def steward_site_ids(user, network: Network) -> set[int]:
    """Sites where the user is a data steward (who may grant access and record consent)."""
    if user.is_superuser:
        return {s.pk for s in sites_for(user, network)}
    access = access_for(user)
    network_wide = Role.DATA_STEWARD in access.roles_in_network(network.pk)
    return {
        s.pk
        for s in sites_for(user, network)
        if network_wide
        or Role.DATA_STEWARD
        in (
            access.organization_roles.get(s.pk, set())
            | access.organization_roles.get(s.parent_id, set())
        )
    }


def is_district_steward(user, district) -> bool:
    """A data steward of the district itself: the one who decides which networks its records
    go to, and what it shares with them."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Role.DATA_STEWARD in access_for(user).organization_roles.get(
        district.pk, set()
    )


def stewarded_districts(user):
    """The districts the user is the data steward of (at the district itself)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    ids = [
        pk
        for pk, roles in access_for(user).organization_roles.items()
        if Role.DATA_STEWARD in roles
    ]
    return Organization.objects.filter(pk__in=ids, kind=Organization.Kind.DISTRICT)


@rules.predicate
def sees_student_rows(user, network) -> bool:
    return network is not None and bool(row_site_ids(user, network))


@rules.predicate
def is_steward(user, network) -> bool:
    return network is not None and bool(steward_site_ids(user, network))


@rules.predicate
def is_network_steward(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    roles = access_for(user).roles_in_network(network.pk)
    return user.is_superuser or Role.DATA_STEWARD in roles


@rules.predicate
def sets_privacy(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    roles = access_for(user).roles_in_network(network.pk)
    return user.is_superuser or bool(roles & {Role.DATA_STEWARD, Role.NETWORK_LEAD})


rules.add_perm("governance.see_student_rows", sees_student_rows)
rules.add_perm("governance.steward", is_steward)
rules.add_perm("governance.read_audit", is_network_steward)
rules.add_perm("governance.set_privacy", sets_privacy)
