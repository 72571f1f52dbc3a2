"""Every change the settings pages make, each validated and in one transaction."""

from .people import (
    accept_invitation,
    cancel_invitation,
    change_role,
    deactivate,
    invitation_from_token,
    invite,
    remove_role,
    resend_invitation,
)

__all__ = [
    "accept_invitation",
    "cancel_invitation",
    "change_role",
    "deactivate",
    "invitation_from_token",
    "invite",
    "remove_role",
    "resend_invitation",
]
