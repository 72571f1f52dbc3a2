"""Response policies that hold for every page: idle sessions end, pages are not stored."""

from django.conf import settings
from django.utils.cache import patch_cache_control

from melior.networks.models import Role
from melior.networks.permissions import access_for


def session_idle_timeout(get_response):
    """A session ends after SESSION_IDLE_SECONDS without a request (SESSION_SAVE_EVERY_REQUEST
    moves the end on at each one); people who may see student rows get STEWARD_IDLE_SECONDS."""

    def middleware(request):
        if request.user.is_authenticated:
            idle = (
                settings.STEWARD_IDLE_SECONDS
                if sees_student_rows(request.user)
                else settings.SESSION_IDLE_SECONDS
            )
            if request.session.get_expiry_age() != idle:
                request.session.set_expiry(idle)
        return get_response(request)

    return middleware


def sees_student_rows(user) -> bool:
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
