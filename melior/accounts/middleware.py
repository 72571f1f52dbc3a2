"""The operator's first run, and the second factor that data stewards and operators must
set up before anything else."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, resolve_url

from .permissions import must_use_second_factor
from .selectors import has_second_factor
from .services import needs_setup

# Paths that answer whatever the state of the instance or of the user's second factor:
# machines (health, API, xAPI, static files) and the pages that sign in, out and enrol.
OPEN_PREFIXES = ("/static/", "/health", "/api/", "/xapi/", "/favicon.ico")
ENROL_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
    "/accounts/oidc/",
    "/accounts/3rdparty/",
    "/accounts/invitation/",
    "/setup/",
)


def first_run(get_response):
    """On an empty instance the sign-in page, and every page that would send a visitor to it,
    leads to /setup/ instead, where the operator account is made."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated or (
            response.status_code != 302 and not request.path.startswith("/accounts/login")
        ):
            return response
        login_url = resolve_url(settings.LOGIN_URL)
        to_login = request.path == login_url or (
            response.status_code == 302 and response.get("Location", "").startswith(login_url)
        )
        if to_login and needs_setup():
            return redirect("setup")
        return response

    return middleware


def second_factor_required(get_response):
    """A data steward or operator without a second factor is sent to choose one first — an
    authenticator app or a security key (MELIOR_MFA_REQUIRED, on by default)."""

    def middleware(request):
        user = request.user
        if (
            settings.MELIOR_MFA_REQUIRED
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES + ENROL_PREFIXES)
            and must_use_second_factor(user)
            and not has_second_factor(user)
        ):
            messages.info(
                request,
                "Your role reaches student data or runs this instance: set up a second "
                "sign-in step before you go on.",
            )
            return redirect("mfa_index")
        return get_response(request)

    return middleware
