"""Who may change what on the network's learning pages, from the capability matrix
(melior/networks/permissions.py): the hub runs the hub's tools; a site's progress on an
activity, or its spread stage, is set by the hub or by those who manage projects there."""

import rules

from melior.networks.models import NetworkSite


@rules.predicate
def runs_hub(user, network) -> bool:
    return network is not None and user.has_perm("networks.run_hub", network)


@rules.predicate
def updates_site(user, network_site: NetworkSite | None) -> bool:
    if network_site is None:
        return False
    return user.has_perm("networks.run_hub", network_site.network) or user.has_perm(
        "networks.manage_projects", network_site
    )


rules.add_perm("learning.run_hub", runs_hub)
rules.add_perm("learning.update_site", updates_site)


def updates(user, network, site) -> bool:
    """Whether the user may set the site's activity progress and spread stages."""
    return user.has_perm("learning.update_site", NetworkSite(network=network, organization=site))


def updatable_site_ids(user, network, sites) -> set[int]:
    """Those of the sites whose progress and spread the user may set."""
    return {site.pk for site in sites if updates(user, network, site)}
