"""Every change the settings pages make, each validated and in one transaction."""

from .network import define_measure, save_settings, start_network
from .people import (
    accept_invitation,
    cancel_invitation,
    change_role,
    deactivate,
    invitation_from_token,
    invite,
    join_by_invitation,
    remove_role,
    resend_invitation,
)

__all__ = [
    "accept_invitation",
    "cancel_invitation",
    "change_role",
    "deactivate",
    "define_measure",
    "invitation_from_token",
    "invite",
    "join_by_invitation",
    "remove_role",
    "resend_invitation",
    "save_settings",
    "start_network",
]
