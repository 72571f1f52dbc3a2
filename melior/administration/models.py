"""Invitations: how a network's people join it without anyone touching the admin site."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.networks.models import Network, Organization, Role


class Invitation(models.Model):
    """An emailed, expiring, single-use offer of a role in a network: across the network
    (no organization) or at one of its districts or schools."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=30, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The link carries this signed; a resend draws a new one, so an older link stops working.
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="invitation_accepted_or_cancelled",
            ),
        ]

    def __str__(self):
        return f"{self.email}: {self.get_role_display()} at {self.scope_name}"

    @property
    def scope_name(self) -> str:
        return str(self.organization or self.network)

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None
