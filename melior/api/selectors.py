"""Reading API tokens: a person sees only their own."""

from .models import ApiToken


def tokens_of(user):
    """The user's tokens, active first, newest first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
