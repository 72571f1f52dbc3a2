from .models import Pilot


def pilots_for(user, network):
    """The network's pilots, for anyone in the network (their reports are aggregates only)."""
    if not user.has_perm("pilots.view", network):
        return Pilot.objects.none()
    return (
        Pilot.objects.filter(network=network)
        .select_related("purpose")
        .prefetch_related("sites", "outcomes")
    )
