"""Who may configure sign-in, decide join requests and see the tokens near student data."""

import rules

from melior.governance.permissions import steward_site_ids
from melior.networks.models import Role
from melior.networks.permissions import access_for


@rules.predicate
def is_operator(user) -> bool:
    """The instance's operator(s): the accounts made by the first run (superusers)."""
    return user.is_authenticated and user.is_active and user.is_superuser


@rules.predicate
def leads_network(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    return Role.NETWORK_LEAD in access_for(user).roles_in_network(network.pk)


@rules.predicate
def stewards_in_network(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    return bool(steward_site_ids(user, network))


def must_use_second_factor(user) -> bool:
    """Data stewards (anywhere) and operators sign in with a second factor."""
    if is_operator(user):
        return True
    access = access_for(user)
    roles = set().union(*access.network_roles.values(), *access.organization_roles.values())
    return Role.DATA_STEWARD in roles


rules.add_perm("accounts.operate", is_operator)
rules.add_perm("accounts.decide_join_requests", leads_network | is_operator)
rules.add_perm("accounts.see_student_data_tokens", stewards_in_network)
