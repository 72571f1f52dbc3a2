"""A wrong one-time code counts as a failed sign-in (django-axes)."""

from allauth.mfa.signals import authentication_failed
from django.dispatch import receiver

from .limits import count_failure


@receiver(authentication_failed)
def wrong_code_counts(sender, request, user, **kwargs):
    if request is not None:
        count_failure(request, user.get_username())
