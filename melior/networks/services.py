"""State changes for networks, organizations and memberships. Each runs in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from .models import Membership, Network, NetworkSite, Organization, Role
from .permissions import forget_access


def unique_slug(model, text: str, max_length: int = 80) -> str:
    """A slug for `text` not yet used by `model` (adds -2, -3, ... when taken)."""
    base = slugify(text)[: max_length - 6] or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def bump_data_version(network_id: int) -> None:
    """Mark the network's data as changed, so views cached under its data version are
    recomputed. Call it inside the transaction of the write; F() makes concurrent bumps add up."""
    Network.objects.filter(pk=network_id).update(data_version=F("data_version") + 1)


@transaction.atomic
def create_organization(*, name: str, kind: str = Organization.Kind.SCHOOL, **attributes):
    organization = Organization(
        name=name, slug=attributes.pop("slug", None) or unique_slug(Organization, name), kind=kind
    )
    for key, value in attributes.items():
        setattr(organization, key, value)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def create_network(*, name: str, aim: str = "", hub: Organization | None = None, slug=None):
    network = Network(name=name, slug=slug or unique_slug(Network, name), aim=aim, hub=hub)
    network.full_clean()
    network.save()
    return network


@transaction.atomic
def add_site(*, network: Network, organization: Organization, joined_on=None) -> NetworkSite:
    link, _ = NetworkSite.objects.get_or_create(
        network=network, organization=organization, defaults={"joined_on": joined_on}
    )
    return link


@transaction.atomic
def grant_role(*, user, role: str, network: Network | None = None, organization=None) -> Membership:
    """Give `user` a role across a network or at one organization (idempotent)."""
    if (network is None) == (organization is None):
        raise ValueError("A role is held either across a network or at one organization.")
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    membership, _ = Membership.objects.get_or_create(
        user=user, network=network, organization=organization, role=role
    )
    forget_access(user)
    return membership


NETWORK_SETTINGS = ("name", "aim", "problem_statement", "why_it_matters")


@transaction.atomic
def update_network(*, network: Network, **fields) -> Network:
    """Change the network's name, shared aim and problem statement."""
    unknown = set(fields) - set(NETWORK_SETTINGS)
    if unknown:
        raise ValueError(f"Not network settings: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(network, name, value.strip() if isinstance(value, str) else value)
    if not network.name:
        raise ValidationError({"name": "Give the network a name."})
    network.full_clean()
    network.save()
    return network


@transaction.atomic
def set_retired(*, link: NetworkSite, retired: bool) -> NetworkSite:
    """Retire a school from the network (it leaves lists and pickers, its history stays) or
    bring it back. Nothing is deleted."""
    link.retired_on = timezone.localdate() if retired else None
    link.save(update_fields=["retired_on"])
    return link
