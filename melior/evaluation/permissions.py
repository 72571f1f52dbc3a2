"""Who runs pilots: the network lead and improvement coaches plan, register, assign and record
the decision; everyone in the network reads the report (aggregates only, small cells
suppressed)."""

import rules

from melior.networks.permissions import access_for, belongs_to_network, grants

RUN_PILOTS = "run_hub"  # the hub's roles


@rules.predicate
def runs_pilots(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    return user.is_superuser or grants(access_for(user).roles_in_network(network.pk), RUN_PILOTS)


rules.add_perm("evaluation.run", runs_pilots)
rules.add_perm("evaluation.view", belongs_to_network)
