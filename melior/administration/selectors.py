"""Reads for the people page: only the roles and invitations the user may change."""

from django.db.models import Q

from melior.networks.models import Membership

from .models import Invitation
from .permissions import may_grant, network_organizations


def roles_in(network):
    """Every role held in the network: across it, or at one of its schools or districts."""
    return (
        Membership.objects.filter(
            Q(network=network) | Q(organization__in=network_organizations(network))
        )
        .select_related("user", "organization")
        .order_by("user__username", "role")
    )


def roles_for(user, network) -> list[Membership]:
    return [m for m in roles_in(network) if may_grant(user, network, m.role, m.organization)]


def pending_invitations_for(user, network) -> list[Invitation]:
    pending = (
        Invitation.objects.filter(network=network, accepted_at=None, cancelled_at=None)
        .select_related("organization", "invited_by")
        .order_by("-sent_at")
    )
    return [i for i in pending if may_grant(user, network, i.role, i.organization)]
