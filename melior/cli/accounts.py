"""People and their keys: `melior setup`, `melior createuser` and `melior token create|revoke`."""

from typing import Annotated

import typer

from melior.cli.common import console, fail, setup_django


def setup():
    """Print a one-time link to the page that creates the operator account (empty instance)."""
    setup_django()
    from django.conf import settings

    from melior.accounts.services import needs_setup, setup_link

    if not needs_setup():
        fail("Melior is set up already: sign in, or ask the operator.")
    hours = settings.MELIOR_SETUP_LINK_HOURS
    console.print(f"Open this link to create the operator account (valid {hours} hours):")
    console.print(setup_link(), style="bold", soft_wrap=True)


def createuser(
    username: str,
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given).")
    ] = None,
    email: Annotated[str, typer.Option()] = "",
    superuser: Annotated[
        bool, typer.Option(help="Give access to everything and the admin.")
    ] = False,
    network: Annotated[str | None, typer.Option(help="Network slug to give a role in.")] = None,
    organization: Annotated[
        str | None, typer.Option(help="School or district slug to give a role at.")
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            help="network_lead, improvement_coach, site_lead, team_member, data_steward or viewer."
        ),
    ] = None,
):
    """Create a user (or give an existing user a role)."""
    setup_django()
    from django.contrib.auth import get_user_model

    from melior.networks.services import grant_role

    target_network, target_org = _where_the_role_is(role, network, organization)
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = _create_user(username, password, email=email, superuser=superuser)
    if role:
        grant_role(user=user, role=role, network=target_network, organization=target_org)
        console.print(f"{username} is now {role} of {target_network or target_org}.")


def _where_the_role_is(role: str | None, network: str | None, organization: str | None):
    """The (network, organization) a role is given in, after checking the options agree."""
    from melior.networks.models import Network, Organization, Role

    if role and role not in Role.values:
        fail(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    if role and not (network or organization):
        fail("--role needs --network or --organization.")
    if (network or organization) and not role:
        fail("Say which --role the user has there.")
    target_network = target_org = None
    if network:
        target_network = Network.objects.filter(slug=network).first() or fail(
            f"No network with slug {network!r}."
        )
    if organization:
        target_org = Organization.objects.filter(slug=organization).first() or fail(
            f"No school or district with slug {organization!r}."
        )
    if network and organization:
        fail("Give a role across a --network or at an --organization, not both.")
    return target_network, target_org


def _create_user(username: str, password: str | None, *, email: str, superuser: bool):
    """A new user, with a password that passes the password rules (asked for when not given)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    User = get_user_model()
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as error:
        fail(" ".join(error.messages))
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=superuser,
        is_superuser=superuser,
    )
    console.print(f"Created user [bold]{username}[/bold].")
    return user


token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'SIS sync'.")],
):
    """Create an API token for a user; it is printed once and cannot be shown again."""
    setup_django()
    from django.contrib.auth import get_user_model

    from melior.api.services import create_token

    user = get_user_model().objects.filter(username=username).first() or fail(
        f"No user {username!r}."
    )
    try:
        _, key = create_token(user=user, name=name)
    except ValueError as error:
        fail(str(error))
    console.print(f"Token for {username} ({name}) — copy it now, it is not shown again:")
    console.print(key, style="bold", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(prefix: Annotated[str, typer.Argument(help="The token's first characters.")]):
    """Revoke a token (by the first characters it starts with)."""
    setup_django()
    from melior.api.models import ApiToken
    from melior.api.services import revoke_token

    tokens = list(ApiToken.objects.filter(prefix__startswith=prefix[:12], revoked_at__isnull=True))
    if len(tokens) != 1:
        fail(f"{len(tokens)} active tokens start with {prefix!r}; give more characters.")
    revoke_token(token=tokens[0])
    console.print(f"Revoked {tokens[0]}.")
