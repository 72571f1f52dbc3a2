"""The sign-in page: allauth's, with the single sign-on providers' addresses allowed as form
targets (the Content-Security-Policy's form-action covers the redirect to the provider)."""

from urllib.parse import urlsplit

from allauth.account import views as allauth_views

from ..selectors import sign_in_providers


def login(request, *args, **kwargs):
    response = allauth_views.login(request, *args, **kwargs)
    origins = sorted(
        {
            f"{parts.scheme}://{parts.netloc}"
            for app in sign_in_providers()
            if (parts := urlsplit(app.settings.get("server_url", ""))).netloc
        }
    )
    if origins:
        response._csp_update = {"form-action": origins}
    return response
