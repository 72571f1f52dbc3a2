"""Who may do what with PDSA cycles. Seeing a cycle follows seeing its school (selectors);
planning one needs the project's charter rights; its authors may also edit it; anyone who may
enter data at the school (or across the network) may comment."""

import rules

from melior.networks.models import NetworkSite

from .models import Cycle


@rules.predicate
def can_plan_in(user, project) -> bool:
    return project is not None and user.has_perm("projects.edit_charter", project)


@rules.predicate
def can_edit_cycle(user, cycle: Cycle | None) -> bool:
    if cycle is None or not user.is_authenticated:
        return False
    if user.has_perm("projects.edit_charter", cycle.project):
        return True
    return cycle.authors.filter(pk=user.pk).exists() and user.has_perm(
        "networks.enter_data",
        NetworkSite(network_id=cycle.network_id, organization=cycle.project.site),
    )


@rules.predicate
def can_comment(user, cycle: Cycle | None) -> bool:
    if cycle is None or not user.is_authenticated:
        return False
    site = NetworkSite(network_id=cycle.network_id, organization=cycle.project.site)
    return user.has_perm("networks.enter_data", site)


rules.add_perm("pdsa.plan_cycle", can_plan_in)
rules.add_perm("pdsa.edit_cycle", can_edit_cycle)
rules.add_perm("pdsa.comment", can_comment)
