"""Changing accounts and sign-in: the operator's first run, lead invitations, verified email
addresses, single sign-on configuration and the join requests it produces."""

import datetime

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from melior.networks.models import Network, Organization, Role
from melior.networks.services import grant_role

from .models import JoinRequest, SignInDomain

SETUP_SALT = "melior.accounts.setup"
# Server URLs of the providers districts use most; any standard OpenID Connect issuer works.
PRESETS = {
    "google": ("Google Workspace", "https://accounts.google.com"),
    "microsoft": ("Microsoft Entra ID", "https://login.microsoftonline.com/{tenant}/v2.0"),
}


def _absolute(path: str) -> str:
    return f"{settings.MELIOR_SITE_URL}{path}"


@transaction.atomic
def record_verified_email(user, email: str) -> EmailAddress:
    """Mark `email` as `user`'s verified, primary address, so they can sign in with it (and by
    single sign-on from their district). Refuses an address another account already has."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid email address."}) from error
    if EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        raise ValidationError({"email": "Another account already uses this email address."})
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=email).update(
        primary=False
    )
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    return address


# --- the first run ------------------------------------------------------------------------------


def needs_setup() -> bool:
    """An empty instance: nobody has an account yet."""
    return not get_user_model().objects.exists()


def setup_link() -> str:
    """A one-time link to the setup page, signed and valid for MELIOR_SETUP_LINK_HOURS."""
    token = signing.TimestampSigner(salt=SETUP_SALT).sign("operator")
    return _absolute(reverse("setup") + f"?key={token}")


def setup_key_valid(key: str) -> bool:
    max_age = datetime.timedelta(hours=settings.MELIOR_SETUP_LINK_HOURS)
    try:
        return signing.TimestampSigner(salt=SETUP_SALT).unsign(key, max_age=max_age) == "operator"
    except signing.BadSignature:
        return False


@transaction.atomic
def create_operator(*, username: str, email: str, password: str):
    """The instance's first account: the operator, who may use the Django admin. Once."""
    User = get_user_model()
    if User.objects.exists():
        raise ValidationError("Melior is already set up; sign in instead.")
    if not (username or "").strip():
        raise ValidationError({"username": "Choose a username."})
    user = User.objects.create_superuser(username=username.strip(), email="", password=password)
    record_verified_email(user, email)
    return user


# --- single sign-on -----------------------------------------------------------------------------


def _domains(text: str) -> list[str]:
    domains = sorted({d.strip().lower().lstrip("@") for d in text.replace(",", " ").split()})
    bad = [d for d in domains if "." not in d or "/" in d or "@" in d]
    if not domains or bad:
        raise ValidationError(
            {"domains": "List the email domains, e.g. cedar.k12.example.us, separated by commas."}
        )
    return domains


@transaction.atomic
def add_single_sign_on(
    *, network: Network, name: str, server_url: str, client_id: str, secret: str, domains: str
) -> SocialApp:
    """An OpenID Connect provider for the people of `domains`, who join `network`."""
    errors = {}
    try:
        URLValidator(schemes=["https", "http"])(server_url)
    except ValidationError:
        errors["server_url"] = "Enter the provider's issuer URL, e.g. https://accounts.google.com."
    for field, value in (("name", name), ("client_id", client_id), ("secret", secret)):
        if not (value or "").strip():
            errors[field] = "This is needed to sign in with the provider."
    try:
        listed = _domains(domains or "")
    except ValidationError as error:
        errors.update(error.message_dict)
        listed = []
    taken = SignInDomain.objects.filter(domain__in=listed).values_list("domain", flat=True)
    if taken:
        errors["domains"] = f"Already tied to a network: {', '.join(taken)}."
    if errors:
        raise ValidationError(errors)
    provider_id = slugify(f"{network.slug}-{name}")[:180]
    if SocialApp.objects.filter(provider_id=provider_id).exists():
        raise ValidationError({"name": "This network has a provider of this name already."})
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name=name.strip(),
        client_id=client_id.strip(),
        secret=secret.strip(),
        settings={"server_url": server_url.strip().rstrip("/")},
    )
    try:
        with transaction.atomic():
            SignInDomain.objects.bulk_create(
                SignInDomain(domain=d, network=network, provider=app) for d in listed
            )
    except IntegrityError as error:
        raise ValidationError(
            {"domains": "One of these domains was just tied elsewhere."}
        ) from error
    return app


@transaction.atomic
def remove_single_sign_on(*, app: SocialApp) -> None:
    """Stop a provider: its domains, and the links of accounts to it (the accounts remain)."""
    app.delete()


def domain_of(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


@transaction.atomic
def request_to_join(*, user, network: Network, email: str) -> JoinRequest:
    """A newcomer by single sign-on asks to join; the network's leads are told by email."""
    request, created = JoinRequest.objects.get_or_create(
        user=user, network=network, status=JoinRequest.Status.PENDING, defaults={"email": email}
    )
    if created:
        leads = list(
            get_user_model()
            .objects.filter(
                memberships__network=network,
                memberships__role=Role.NETWORK_LEAD,
                is_active=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
        link = _absolute(reverse("join-requests", kwargs={"network": network.slug}))
        if leads:
            transaction.on_commit(
                lambda: send_mail(
                    f"[Melior] {email} asks to join {network.name}",
                    f"{email} signed in by single sign-on and asks to join {network.name}.\n"
                    f"Give them a role, or decline: {link}\n",
                    None,
                    leads,
                )
            )
    return request


@transaction.atomic
def decide_join_request(
    *,
    join_request: JoinRequest,
    by,
    approve: bool,
    role: str = "",
    organization: Organization | None = None,
) -> JoinRequest:
    """Approve with a role (across the network, or at one of its schools or districts) or
    decline. A lead gives any role but a data steward's: student data roles are the stewards'."""
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError("This request was decided already.")
    network = join_request.network
    if approve:
        if role not in Role.values:
            raise ValidationError({"role": "Choose a role."})
        if role == Role.DATA_STEWARD:
            raise ValidationError(
                {"role": "A data steward role is given by the network's data steward."}
            )
        if organization is not None and not (
            network.sites.filter(pk=organization.pk).exists()
            or network.sites.filter(parent=organization).exists()
        ):
            raise ValidationError({"organization": "Choose a school or district of this network."})
        if organization is None:
            grant_role(user=join_request.user, role=role, network=network)
        else:
            grant_role(user=join_request.user, role=role, organization=organization)
        join_request.role = role
        join_request.organization = organization
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save()
    return join_request
