"""Who may give which role where, and who may open which settings page
(docs/permissions.md). A network lead gives any role anywhere in the network; a site lead
gives the school team's roles (site lead, team member, viewer) at their own school, or a
district site lead at the district and its schools; a data steward gives the data steward
role within their own reach. No one gives a role above their own or beyond their scope."""

import rules
from django.db.models import Q

from melior.networks.models import Network, Organization, Role
from melior.networks.permissions import access_for

TEAM_ROLES = frozenset({Role.SITE_LEAD, Role.TEAM_MEMBER, Role.VIEWER})
STEWARD_ROLES = frozenset({Role.DATA_STEWARD})


def network_organizations(network: Network):
    """The network's schools and their districts: where a role in it can be held."""
    return Organization.objects.filter(
        Q(network_links__network=network) | Q(children__network_links__network=network)
    ).distinct()


def _reach(organization_id: int, organization: Organization | None) -> bool:
    """Whether a role held at `organization_id` reaches `organization` (itself, or one of the
    schools of a district)."""
    return organization is not None and organization_id in {organization.pk, organization.parent_id}


def may_grant(user, network: Network, role: str, organization: Organization | None) -> bool:
    """Whether `user` may give (or take away) `role` across the network (organization None)
    or at `organization`, which the caller has checked is in the network."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    access = access_for(user)
    network_roles = access.roles_in_network(network.pk)
    if Role.NETWORK_LEAD in network_roles:
        return True
    if role in STEWARD_ROLES and Role.DATA_STEWARD in network_roles:
        return True
    for organization_id, roles in access.organization_roles.items():
        if not _reach(organization_id, organization):
            continue
        if role in TEAM_ROLES and Role.SITE_LEAD in roles:
            return True
        if role in STEWARD_ROLES and Role.DATA_STEWARD in roles:
            return True
    return False


def grantable_roles(user, network: Network) -> list[str]:
    """The roles the user may give somewhere in the network (for the invitation form)."""
    if user.is_superuser or Role.NETWORK_LEAD in access_for(user).roles_in_network(network.pk):
        return list(Role.values)
    organizations = list(network_organizations(network))
    return [
        role
        for role in Role.values
        if may_grant(user, network, role, None)
        or any(may_grant(user, network, role, o) for o in organizations)
    ]


@rules.predicate
def manages_people(user, network: Network | None) -> bool:
    """Anyone who may give some role in the network sees its people page."""
    return network is not None and bool(grantable_roles(user, network))


@rules.predicate
def has_any_settings(user, network: Network | None) -> bool:
    return network is not None and (
        user.has_perm("networks.manage_network", network)
        or user.has_perm("networks.define_measures", network)
        or manages_people(user, network)
    )


rules.add_perm("administration.manage_people", manages_people)
rules.add_perm("administration.see_settings", has_any_settings)
