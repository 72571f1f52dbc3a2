from django.core.exceptions import PermissionDenied

from melior.networks.views import get_network


def settings_network(request, slug: str, permission: str):
    """The network named in the URL (404 to outsiders), if the user has the permission."""
    network = get_network(request, slug)
    if not request.user.has_perm(permission, network):
        raise PermissionDenied
    return network


def nav(request, network, current: str) -> dict:
    user = request.user
    return {
        "network": network,
        "current": current,
        "can_manage": user.has_perm("networks.manage_network", network),
        "can_define": user.has_perm("networks.define_measures", network),
        "can_people": user.has_perm("administration.manage_people", network),
    }
