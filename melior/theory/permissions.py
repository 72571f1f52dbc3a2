"""Who may change which driver diagram, and who may propose change ideas. The network's theory
belongs to the hub (the capability edit_theory of the matrix in networks.permissions); a site
project's adaptation belongs to those who may edit that project's charter; any member who may
enter data may propose a change idea."""

import rules

from melior.networks.models import Network
from melior.networks.permissions import access_for, grants
from melior.networks.selectors import site_ids_with

from .models import DriverDiagram


@rules.predicate
def can_edit_theory_of(user, owner) -> bool:
    """`owner` is a driver diagram, or the network or project whose diagram it would be (so
    the same rule answers before the diagram exists)."""
    if owner is None or not user.is_authenticated:
        return False
    if isinstance(owner, DriverDiagram):
        owner = owner.project if owner.project_id is not None else owner.network
    if isinstance(owner, Network):
        return user.has_perm("networks.edit_theory", owner)
    return user.has_perm("projects.edit_charter", owner)


@rules.predicate
def can_propose_change_idea(user, network: Network | None) -> bool:
    if network is None or not user.is_authenticated:
        return False
    if grants(access_for(user).roles_in_network(network.pk), "enter_data"):
        return True
    return bool(site_ids_with(user, network, "enter_data"))


# a diagram, or its network or project before it exists
rules.add_perm("theory.edit_diagram", can_edit_theory_of)
rules.add_perm("theory.propose_change_idea", can_propose_change_idea)
