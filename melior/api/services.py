"""Creating, checking and revoking API tokens."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken

PREFIX = "mlr_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """A new token for `user`, working until `expires_at` (None: until revoked); returns the
    record and the token text (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the token a name that says what it is for.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("Choose an expiry date in the future.")
    key = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:12], key_hash=_hash(key), expires_at=expires_at
    )
    return token, key


def user_for_key(key: str):
    """The active user a token belongs to, or None."""
    if not key or not key.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=_hash(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_token(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
