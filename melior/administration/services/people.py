"""People: invitations by email (signed, expiring, single-use links), role changes and
deactivation. Role changes reach the access log through the membership signals
(melior/governance/signals.py) with who made them and from where; invitations are logged here."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from melior.accounts.services import record_verified_email
from melior.governance.models import AccessLog
from melior.governance.services import log
from melior.networks.models import Membership, Network, Organization, Role
from melior.networks.permissions import forget_access
from melior.networks.services import grant_role

from ..models import Invitation
from ..permissions import may_grant, network_organizations

SALT = "melior.administration.invitation"
INVITATION_DAYS = getattr(settings, "MELIOR_INVITATION_DAYS", 7)


def _check_scope(network: Network, organization: Organization | None) -> None:
    if (
        organization is not None
        and not network_organizations(network).filter(pk=organization.pk).exists()
    ):
        raise ValidationError(
            {"scope": f"{organization} is not a school or district of {network}."}
        )


def _check_may_grant(inviter, network, role, organization) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    if inviter is not None and not may_grant(inviter, network, role, organization):
        where = organization or network
        raise ValidationError(
            {
                "role": f"You cannot give the role {Role(role).label} at {where}: it is above "
                "your own role or outside your school or district."
            }
        )


def token_for(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def _send(invitation: Invitation, request=None) -> None:
    path = reverse("invitation", kwargs={"token": token_for(invitation)})
    link = request.build_absolute_uri(path) if request is not None else path
    inviter = invitation.invited_by
    who = (inviter.get_full_name() or inviter.username) if inviter else "The operator"
    send_mail(
        subject=f"Join {invitation.network} on Melior",
        message=(
            f"{who} invites you to {invitation.network} as "
            f"{invitation.get_role_display()} at {invitation.scope_name}.\n\n"
            f"Follow this link to accept (it works once, until "
            f"{invitation.expires_at:%d %B %Y}):\n{link}\n\n"
            "If you did not expect this, ignore this email."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def _log(*, request, user, network, what) -> None:
    log(user=user, request=request, network=network, action=AccessLog.Action.PERMISSION, what=what)


@transaction.atomic
def invite(*, inviter, network: Network, email: str, role: str, scope=None, request=None):
    """Invite `email` to `role` across the network (scope None) or at one of its schools or
    districts (scope: that Organization), and email the link. `inviter` None is the command
    line or the operator's own tooling; otherwise they must be allowed to give the role there."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = "Enter an email address, e.g. name@district.org."
        raise ValidationError({"email": message}) from None
    _check_scope(network, scope)
    _check_may_grant(inviter, network, role, scope)
    User = get_user_model()
    existing = User.objects.filter(email__iexact=email).first()
    if (
        existing is not None
        and Membership.objects.filter(
            user=existing, role=role, network=None if scope else network, organization=scope
        ).exists()
    ):
        raise ValidationError({"email": f"{email} already has this role there."})
    if Invitation.objects.filter(
        network=network,
        email=email,
        role=role,
        organization=scope,
        accepted_at=None,
        cancelled_at=None,
        expires_at__gt=timezone.now(),
    ).exists():
        raise ValidationError(
            {"email": f"{email} already has a pending invitation to this role: resend it."}
        )
    now = timezone.now()
    invitation = Invitation.objects.create(
        network=network,
        email=email,
        role=role,
        organization=scope,
        invited_by=inviter if inviter is not None and inviter.is_authenticated else None,
        nonce=secrets.token_hex(16),
        sent_at=now,
        expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
    )
    _log(
        request=request,
        user=inviter,
        network=network,
        what=f"Invited {email} to role {invitation.get_role_display()} at {invitation.scope_name}",
    )
    _send(invitation, request)  # a failed send undoes the invitation
    return invitation


def _check_manages(user, invitation: Invitation) -> None:
    if not may_grant(user, invitation.network, invitation.role, invitation.organization):
        raise ValidationError("You cannot change this invitation.")
    if not invitation.pending:
        raise ValidationError("This invitation was already accepted or cancelled.")


@transaction.atomic
def resend_invitation(*, invitation: Invitation, user, request=None) -> Invitation:
    """Send a new link, valid for another full period; the old link stops working."""
    _check_manages(user, invitation)
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + datetime.timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    _log(request=request, user=user, network=invitation.network,
         what=f"Resent the invitation of {invitation.email}")  # fmt: skip
    _send(invitation, request)
    return invitation


@transaction.atomic
def cancel_invitation(*, invitation: Invitation, user, request=None) -> Invitation:
    _check_manages(user, invitation)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    _log(request=request, user=user, network=invitation.network,
         what=f"Cancelled the invitation of {invitation.email}")  # fmt: skip
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names, or a ValidationError saying why it cannot be used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=INVITATION_DAYS))
    except signing.SignatureExpired:
        raise ValidationError("This invitation link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise ValidationError(
            "This invitation link is not valid. Check it was copied whole."
        ) from None
    invitation = (
        Invitation.objects.select_related("network", "organization", "invited_by")
        .filter(pk=data.get("i"))
        .first()
    )
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n"))):
        raise ValidationError("This invitation link was replaced by a newer one, or withdrawn.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation link was already used. Sign in instead.")
    if invitation.cancelled_at is not None:
        raise ValidationError("This invitation was cancelled.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation link has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user, request=None) -> Invitation:
    """Give `user` the invitation's role, once. The row is locked so a link used twice at
    the same moment still gives the role only once."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.pending:
        raise ValidationError("This invitation link was already used. Sign in instead.")
    if (user.email or "").lower() != invitation.email:
        raise ValidationError(
            f"This invitation is for {invitation.email}; you are signed in as another person."
        )
    network = invitation.network
    if invitation.organization is None:
        grant_role(user=user, role=invitation.role, network=network)
    else:
        grant_role(user=user, role=invitation.role, organization=invitation.organization)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    inviter = invitation.invited_by.username if invitation.invited_by else "the operator"
    _log(request=request, user=user, network=network,
         what=f"{user.username} accepted the invitation of {inviter} to role "
         f"{invitation.get_role_display()} at {invitation.scope_name}")  # fmt: skip
    return invitation


def _lead_ids(network: Network) -> set[int]:
    return set(
        Membership.objects.filter(
            network=network, role=Role.NETWORK_LEAD, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def _check_not_last_lead(membership: Membership) -> None:
    if (
        membership.role == Role.NETWORK_LEAD
        and membership.network is not None
        and _lead_ids(membership.network) == {membership.user_id}
    ):
        raise ValidationError(
            {"role": "This is the network's last lead: make someone else lead first."}
        )


def _check_changes(user, network: Network, membership: Membership) -> None:
    if membership.network_id not in (None, network.pk):
        raise ValidationError("That role belongs to another network.")
    _check_scope(network, membership.organization)
    if not may_grant(user, network, membership.role, membership.organization):
        raise ValidationError({"role": "You cannot change this role."})


@transaction.atomic
def change_role(*, user, network: Network, membership: Membership, role: str) -> Membership:
    """Give the person another role in the same place."""
    _check_changes(user, network, membership)
    _check_may_grant(user, network, role, membership.organization)
    if role == membership.role:
        return membership
    _check_not_last_lead(membership)
    if Membership.objects.filter(
        user=membership.user,
        network=membership.network,
        organization=membership.organization,
        role=role,
    ).exists():
        raise ValidationError({"role": "They already have that role there."})
    membership.role = role
    membership.save(update_fields=["role"])
    forget_access(membership.user)
    return membership


@transaction.atomic
def remove_role(*, user, network: Network, membership: Membership) -> None:
    _check_changes(user, network, membership)
    _check_not_last_lead(membership)
    membership.delete()
    forget_access(membership.user)


@transaction.atomic
def deactivate(*, user, network: Network, person, request=None) -> None:
    """Stop a person signing in. Only a network lead, only for someone whose every role is in
    this network (someone working in another network too loses their roles here instead),
    never oneself and never the last lead. Their roles and history are kept."""
    if not user.has_perm("networks.manage_network", network):
        raise ValidationError("Only the network's lead deactivates people.")
    if person.pk == user.pk:
        raise ValidationError("You cannot deactivate yourself.")
    if person.is_superuser or person.is_staff:
        raise ValidationError("The operator's accounts are managed by the operator.")
    if _lead_ids(network) == {person.pk}:
        raise ValidationError("This is the network's last lead: make someone else lead first.")
    organizations = network_organizations(network)
    elsewhere = person.memberships.exclude(network=network).exclude(organization__in=organizations)
    if elsewhere.exists():
        raise ValidationError(
            "They also have a role in another network: remove their roles here instead."
        )
    if not person.memberships.exists():
        raise ValidationError("They have no role in this network.")
    person.is_active = False
    person.save(update_fields=["is_active"])
    _log(request=request, user=user, network=network, what=f"Deactivated {person.username}")


@transaction.atomic
def join_by_invitation(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    request=None,
):
    """A new account for the invitation's email and its role, or nothing at all."""  # fmt: skip
    invitation = invitation_from_token(token)
    User = get_user_model()
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            f"There is already an account for {invitation.email}: sign in, then follow the link."
        )
    user = User.objects.create_user(
        username, email=invitation.email, password=password,
        first_name=first_name, last_name=last_name,
    )  # fmt: skip
    record_verified_email(user, invitation.email)  # the link proved the address
    accept_invitation(token=token, user=user, request=request)
    return user
