"""Who may change which driver diagram, and who may propose change ideas. The network's theory
belongs to the hub (networks.edit_theory); a site project's adaptation belongs to those who may
edit that project's charter; any member who may enter data may propose a change idea."""

import rules

from melior.networks.models import Network
from melior.networks.permissions import access_for, grants
from melior.networks.selectors import site_ids_with

from .models import DriverDiagram


@rules.predicate
def can_edit_diagram(user, diagram: DriverDiagram | None) -> bool:
    if diagram is None or not user.is_authenticated:
        return False
    if diagram.project_id is not None:
        return user.has_perm("projects.edit_charter", diagram.project)
    return user.has_perm("networks.edit_theory", diagram.network)


@rules.predicate
def can_propose_change_idea(user, network: Network | None) -> bool:
    if network is None or not user.is_authenticated:
        return False
    if grants(access_for(user).roles_in_network(network.pk), "enter_data"):
        return True
    return bool(site_ids_with(user, network, "enter_data"))


rules.add_perm("theory.edit_diagram", can_edit_diagram)
rules.add_perm("theory.propose_change_idea", can_propose_change_idea)
