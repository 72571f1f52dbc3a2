"""Response policies that hold for every page: idle sessions end, pages are not stored."""

import time

from django.conf import settings
from django.utils.cache import patch_cache_control

from melior.networks.models import Role
from melior.networks.permissions import access_for

# How often an active session's end is moved on: saving the session on every request would
# make every page view a database write (and wait behind a long import on SQLite).
IDLE_REFRESH_SECONDS = 60
SEEN = "melior_seen_at"  # when the session's end was last moved on (epoch seconds)


def session_idle_timeout(get_response):
    """A session ends after SESSION_IDLE_SECONDS without a request, STEWARD_IDLE_SECONDS for
    data stewards and superusers; a request moves the end on (at most once a minute)."""

    def middleware(request):
        if request.user.is_authenticated:
            session = request.session
            idle = (
                settings.STEWARD_IDLE_SECONDS
                if is_steward(request.user)
                else settings.SESSION_IDLE_SECONDS
            )
            if session.get_expiry_age() != idle:
                session.set_expiry(idle)
            now = int(time.time())
            if now - session.get(SEEN, 0) >= IDLE_REFRESH_SECONDS:
                session[SEEN] = now  # saving the session renews its expiry
        return get_response(request)

    return middleware


def is_steward(user) -> bool:
    if user.is_superuser:
        return True
    access = access_for(user)
    roles = set().union(*access.network_roles.values(), *access.organization_roles.values())
    return Role.DATA_STEWARD in roles


def no_store(get_response):
    """`Cache-Control: no-store` on every response Melior renders (static files are served
    before this by WhiteNoise): pages and downloads may hold student rows, and a shared
    computer's browser cache or a proxy must not keep them."""

    def middleware(request):
        response = get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return middleware
