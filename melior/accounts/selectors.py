"""Reading accounts and sign-in, scoped to who asks."""

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.db.models import Q

from melior.api.models import ApiToken
from melior.governance.models import RowAccessGrant
from melior.governance.permissions import row_site_ids, steward_site_ids
from melior.networks.models import Network

from .models import JoinRequest, SignInDomain


def has_second_factor(user) -> bool:
    """An authenticator app or a security key (recovery codes alone are no second factor)."""
    kinds = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    return Authenticator.objects.filter(user=user, type__in=kinds).exists()


def sign_in_providers():
    """The single sign-on providers shown on the sign-in page."""
    return SocialApp.objects.filter(provider="openid_connect").order_by("name")


def single_sign_on_for_operator():
    """Each provider with the networks and domains it serves (the operator's page)."""
    domains = SignInDomain.objects.select_related("network", "provider").order_by(
        "provider__name", "domain"
    )
    by_app: dict[int, dict] = {}
    for domain in domains:
        entry = by_app.setdefault(
            domain.provider_id, {"app": domain.provider, "network": domain.network, "domains": []}
        )
        entry["domains"].append(domain.domain)
    return list(by_app.values())


def pending_join_requests(network: Network):
    return JoinRequest.objects.filter(
        network=network, status=JoinRequest.Status.PENDING
    ).select_related("user")


def own_join_requests(user):
    return JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING).select_related(
        "network"
    )


def student_data_tokens(steward, network: Network) -> list[dict]:
    """The active API tokens whose owners can read student rows at a school the steward
    stewards in `network`: owner, name, expiry, last use and the schools it reaches."""
    sites = steward_site_ids(steward, network)
    if not sites:
        return []
    site_list = list(network.sites.filter(pk__in=sites))
    districts = {s.parent_id for s in site_list if s.parent_id}
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(memberships__network=network)
            | Q(memberships__organization__in=sites | districts)
            | Q(pk__in=RowAccessGrant.objects.filter(network=network).values("user"))
        )
        .distinct()
    )
    names = {s.pk: s.name for s in site_list}
    rows = []
    for person in people:
        reach = row_site_ids(person, network) & sites
        if not reach:
            continue
        for token in ApiToken.objects.active().filter(user=person):
            rows.append(
                {
                    "owner": person,
                    "token": token,
                    "schools": sorted(names[pk] for pk in reach),
                }
            )
    rows.sort(key=lambda row: (row["owner"].username, row["token"].name))
    return rows
