"""Who may change a project charter: managers at its site (see networks.permissions) and the
project's own team members."""

import rules

from melior.networks.models import NetworkSite
from melior.networks.permissions import grants, site_roles

from .models import ImprovementProject


@rules.predicate
def can_edit_project(user, project: ImprovementProject | None) -> bool:
    if project is None or not user.is_authenticated:
        return False
    link = NetworkSite(network_id=project.network_id, organization=project.site)
    roles = site_roles(user, link)
    if grants(roles, "manage_projects"):
        return True
    return grants(roles, "enter_data") and project.team.filter(pk=user.pk).exists()


rules.add_perm("projects.edit_charter", can_edit_project)
