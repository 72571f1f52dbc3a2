"""How allauth signs people in here: nobody signs themselves up; single sign-on lets in those
who have an account (matched by their verified address) and, from a district domain the
operator tied to a network, newcomers as a join request with no role."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

from . import services
from .limits import count_failure, refuse_if_locked
from .models import SignInDomain

NETWORK_KEY = "melior_join_network"


WRONG = "Please enter a correct username and password (an email address works as the username)."


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG,
        "email_password_mismatch": WRONG,
    }

    def is_open_for_signup(self, request):
        return False  # invitations and single sign-on only


def _refuse(request, message: str, status: int = 403):
    return ImmediateHttpResponse(
        render(request, "accounts/sso_refused.html", {"message": message}, status=status)
    )


def _verified_email(sociallogin) -> str:
    for address in sociallogin.email_addresses:
        if address.verified:
            return address.email.lower()
    return ""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return sociallogin.state.get(NETWORK_KEY) is not None

    def pre_social_login(self, request, sociallogin):
        email = _verified_email(sociallogin) or (sociallogin.user.email or "").lower()
        if refuse_if_locked(request, email):
            raise ImmediateHttpResponse(render(request, "registration/locked_out.html", status=429))
        if sociallogin.is_existing:
            return
        if not _verified_email(sociallogin):
            raise _refuse(
                request,
                "Your sign-in provider did not confirm your email address, so Melior cannot "
                "tell which network you belong to. No account was created.",
            )
        domain = services.domain_of(email)
        place = SignInDomain.objects.filter(
            domain=domain, provider__provider_id=sociallogin.account.provider
        ).first()
        if place is None:
            raise _refuse(
                request,
                f"Addresses at {domain} belong to no network on this Melior, so no account "
                "was created. Ask your district's improvement lead to have it added, or to "
                "invite you by email.",
            )
        sociallogin.state[NETWORK_KEY] = place.network_id

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        network = SignInDomain.objects.get(
            network_id=sociallogin.state[NETWORK_KEY],
            domain=services.domain_of(user.email),
        ).network
        services.request_to_join(user=user, network=network, email=user.email)
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        # A failed or forged callback counts against the address, like a wrong password.
        count_failure(request, f"sso:{provider.id}")
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, extra_context=extra_context
        )
