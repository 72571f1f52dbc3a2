"""Who may do what with fidelity (docs/permissions.md):

- define an idea's components, dimensions and rhythm: for a change idea of the network's theory,
  its editors (the network lead and coaches); for a school's local idea, those who manage
  projects at that school (its site lead, and the hub's lead and coaches);
- record a fidelity check or log an adaptation at a school: those who may enter data there;
- read: every member sees a network idea's components; checks and adaptations only at the
  schools they may see (selectors.py)."""

import rules

from melior.networks.models import NetworkSite
from melior.theory.models import Node


def idea_site(idea: Node):
    """The school whose local idea this is, or None for an idea of the network's theory."""
    project = idea.diagram.project
    return project.site if project is not None else None


@rules.predicate
def can_define(user, idea: Node | None) -> bool:
    if idea is None or not user.is_authenticated:
        return False
    site = idea_site(idea)
    if site is None:
        return user.has_perm("networks.edit_theory", idea.diagram.network)
    link = NetworkSite(network=idea.diagram.network, organization=site)
    return user.has_perm("networks.manage_projects", link)


@rules.predicate
def can_record_at(user, network_site: NetworkSite | None) -> bool:
    if network_site is None or not user.is_authenticated:
        return False
    return user.has_perm("networks.enter_data", network_site)


rules.add_perm("fidelity.define", can_define)
rules.add_perm("fidelity.record", can_record_at)  # a check or an adaptation at a school
