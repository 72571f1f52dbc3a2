"""The permission matrix: which role may do what, and where. The one place it is decided.

A role is held either across a network (network-level membership) or at an organization
(a school, or a district, which covers its schools). docs/permissions.md is the same matrix
in words; keep the two in step.
"""

from dataclasses import dataclass, field

import rules

from .models import Network, NetworkSite, Role

ALL_ROLES = frozenset(Role)
DATA_ENTRY_ROLES = frozenset(
    {Role.NETWORK_LEAD, Role.IMPROVEMENT_COACH, Role.SITE_LEAD, Role.TEAM_MEMBER, Role.DATA_STEWARD}
)

# capability -> roles that grant it
CAPABILITIES: dict[str, frozenset[Role]] = {
    "view": ALL_ROLES,
    "enter_data": DATA_ENTRY_ROLES,
    "manage_projects": frozenset({Role.NETWORK_LEAD, Role.IMPROVEMENT_COACH, Role.SITE_LEAD}),
    "define_measures": frozenset({Role.NETWORK_LEAD, Role.DATA_STEWARD}),
    "manage_network": frozenset({Role.NETWORK_LEAD}),
    "edit_theory": frozenset({Role.NETWORK_LEAD, Role.IMPROVEMENT_COACH}),
    # the hub's tools: groups, activities, announcements, resources, syntheses, phases
    "run_hub": frozenset({Role.NETWORK_LEAD, Role.IMPROVEMENT_COACH}),
}


@dataclass
class Access:
    """Every role a user holds, loaded once per request."""

    network_roles: dict[int, set[str]] = field(default_factory=dict)
    organization_roles: dict[int, set[str]] = field(default_factory=dict)

    def roles_in_network(self, network_id: int) -> set[str]:
        return self.network_roles.get(network_id, set())

    def roles_at_site(self, network_id: int, site_id: int, district_id: int | None) -> set[str]:
        """Roles that apply at a site of a network (the caller has checked the site is in it)."""
        roles = set(self.roles_in_network(network_id))
        roles |= self.organization_roles.get(site_id, set())
        if district_id is not None:
            roles |= self.organization_roles.get(district_id, set())
        return roles


def access_for(user) -> Access:
    if not user.is_authenticated:
        return Access()
    cached = getattr(user, "_melior_access", None)
    if cached is not None:
        return cached
    access = Access()
    for network_id, organization_id, role in user.memberships.values_list(
        "network_id", "organization_id", "role"
    ):
        if network_id is not None:
            access.network_roles.setdefault(network_id, set()).add(role)
        else:
            access.organization_roles.setdefault(organization_id, set()).add(role)
    user._melior_access = access
    return access


def forget_access(user) -> None:
    """Drop the cached roles after a membership change in the same request."""
    if hasattr(user, "_melior_access"):
        del user._melior_access


def grants(roles: set[str], capability: str) -> bool:
    return bool(roles & CAPABILITIES[capability])


def site_roles(user, network_site: NetworkSite) -> set[str]:
    organization = network_site.organization
    return access_for(user).roles_at_site(
        network_site.network_id, organization.pk, organization.parent_id
    )


def _network_capability(capability: str):
    @rules.predicate(name=f"network_{capability}")
    def predicate(user, network: Network | None) -> bool:
        if network is None:
            return False
        return grants(access_for(user).roles_in_network(network.pk), capability)

    return predicate


def _site_capability(capability: str):
    @rules.predicate(name=f"site_{capability}")
    def predicate(user, network_site: NetworkSite | None) -> bool:
        if network_site is None:
            return False
        return grants(site_roles(user, network_site), capability)

    return predicate


@rules.predicate
def belongs_to_network(user, network: Network | None) -> bool:
    if network is None or not user.is_authenticated:
        return False
    if access_for(user).roles_in_network(network.pk):
        return True
    from .selectors import sites_for

    return sites_for(user, network).exists()


rules.add_perm("networks.view_network", belongs_to_network)
rules.add_perm("networks.manage_network", _network_capability("manage_network"))
rules.add_perm("networks.define_measures", _network_capability("define_measures"))
rules.add_perm("networks.edit_theory", _network_capability("edit_theory"))
rules.add_perm("networks.run_hub", _network_capability("run_hub"))
rules.add_perm("networks.view_site", _site_capability("view"))
rules.add_perm("networks.enter_data", _site_capability("enter_data"))
rules.add_perm("networks.manage_projects", _site_capability("manage_projects"))
