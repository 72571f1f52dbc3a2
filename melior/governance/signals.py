"""Every change of a role is a permission change, wherever it is made (page, CLI, admin)."""

from .actors import CURRENT_REQUEST
from .models import AccessLog


def _log_role(instance, verb: str) -> None:
    from melior.networks.models import Network

    from .services import log

    network = instance.network
    if network is None and instance.organization is not None:
        # a school's network, or for a district the network of one of its schools
        organization = instance.organization
        network = Network.objects.filter(
            sites__in=[organization, *organization.children.all()]
        ).first()
    where = instance.network or instance.organization
    # made on a page: the signed-in user and their address; outside a request no one is
    # signed in, and the command line signs for itself
    request = CURRENT_REQUEST.get()
    log(
        user=getattr(request, "user", None),
        request=request,
        network=network,
        action=AccessLog.Action.PERMISSION,
        what=f"{verb} role {instance.get_role_display()} for {instance.user.username} at {where}",
    )


def role_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # restored from an archive, whose access log already has it
        return
    _log_role(instance, "Granted" if created else "Changed")


def role_removed(sender, instance, **kwargs):
    _log_role(instance, "Removed")


def student_saved(sender, instance, **kwargs):
    """A student's own field edited one at a time (imports write in bulk and log the change):
    it may move the student to another group, so no network's counts are kept past it."""
    from .models import SubgroupCounts

    SubgroupCounts.objects.all().delete()
