"""Sign-in that the operator configures (single sign-on per network and email domain), the
people waiting to join a network, and the invitations that name a network's first lead."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from melior.networks.models import Network, Organization, Role


class SignInDomain(models.Model):
    """An email domain whose people sign in through one single sign-on provider (an allauth
    SocialApp) and, when new, ask to join one network."""

    domain = models.CharField(
        max_length=253, unique=True, help_text="The part after @, e.g. cedar.k12.example.us."
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="sign_in_domains")
    provider = models.ForeignKey(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="melior_domains"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return f"{self.domain} → {self.network}"


class JoinRequest(models.Model):
    """Someone who arrived by single sign-on and waits for a lead of the network to give them a
    role (or to decline). Until then they have no role anywhere."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a lead"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="join_requests")
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(max_length=30, choices=Role.choices, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending_per_network",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.network} ({self.status})"
