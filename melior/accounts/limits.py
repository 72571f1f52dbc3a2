"""django-axes' attempt limits on the sign-in paths that do not pass a password through
Django's authenticate(): one-time codes and single sign-on. A failure there counts like a wrong
password (per account and per address), and a locked-out account or address is refused."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed


def count_failure(request, username: str) -> None:
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def refuse_if_locked(request, username: str) -> bool:
    """True (and the request marked, so AxesMiddleware answers with the lockout page) when the
    account or address has reached the limit."""
    if AxesProxyHandler.is_allowed(request, {"username": username}):
        return False
    request.axes_locked_out = True
    request.axes_credentials = {"username": username}
    return True
