from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from melior.core.forms import submit
from melior.networks.models import Membership

from .. import services
from ..forms import InviteForm, JoinForm, RoleForm
from ..models import Invitation
from ..permissions import grantable_roles, may_grant
from ..selectors import pending_invitations_for, roles_for, roles_in
from .common import nav, settings_network

PERMISSION = "administration.manage_people"


def _page(request, network, *, form=None, status=200):
    user = request.user
    form = form or InviteForm(user=user, network=network, roles=grantable_roles(user, network))
    context = nav(request, network, "people") | {
        "form": form,
        "roles": roles_for(user, network),
        "invitations": pending_invitations_for(user, network),
        "role_form": RoleForm(),
    }
    return render(request, "administration/people.html", context, status=status)


@login_required
def people(request, network):
    return _page(request, settings_network(request, network, PERMISSION))


@login_required
@require_POST
def invite(request, network):
    network = settings_network(request, network, PERMISSION)
    user = request.user
    form = InviteForm(
        request.POST, user=user, network=network, roles=grantable_roles(user, network)
    )

    def send(data):
        services.invite(inviter=user, network=network, email=data["email"], role=data["role"],
                        scope=form.organization(), request=request)  # fmt: skip

    if submit(form, send):
        messages.success(request, f"Sent an invitation to {form.cleaned_data['email']}.")
        return redirect("settings-people", network=network.slug)
    return _page(request, network, form=form, status=400)


def _act(request, network_slug, change, done: str):
    """Run a change on the people page; a refusal is shown there and nothing is saved."""
    network = settings_network(request, network_slug, PERMISSION)
    try:
        change(network)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, network, status=400)
    messages.success(request, done)
    return redirect("settings-people", network=network.slug)


def _invitation(request, network_slug, pk):
    """An invitation of the network the user may change (403 for one they may not)."""
    network = settings_network(request, network_slug, PERMISSION)
    invitation = get_object_or_404(Invitation, pk=pk, network=network)
    if not may_grant(request.user, network, invitation.role, invitation.organization):
        raise PermissionDenied
    return invitation


@login_required
@require_POST
def invitation_resend(request, network, pk):
    invitation = _invitation(request, network, pk)

    def change(n):
        services.resend_invitation(invitation=invitation, user=request.user, request=request)

    return _act(request, network, change, "Sent the invitation again.")


@login_required
@require_POST
def invitation_cancel(request, network, pk):
    invitation = _invitation(request, network, pk)

    def change(n):
        services.cancel_invitation(invitation=invitation, user=request.user, request=request)

    return _act(request, network, change, "Cancelled the invitation.")


def _membership(request, network, pk) -> Membership:
    """A role held in the network that the user may change (403 for one they may not)."""
    network = settings_network(request, network, PERMISSION)
    membership = get_object_or_404(roles_in(network), pk=pk)
    if not may_grant(request.user, network, membership.role, membership.organization):
        raise PermissionDenied
    return membership


@login_required
@require_POST
def role_change(request, network, pk):
    membership = _membership(request, network, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("settings-people", network=network)
    role = form.cleaned_data["role"]

    def change(n):
        services.change_role(user=request.user, network=n, membership=membership, role=role)

    return _act(request, network, change, "Changed the role.")


@login_required
@require_POST
def role_remove(request, network, pk):
    membership = _membership(request, network, pk)
    return _act(request, network, lambda n: services.remove_role(
        user=request.user, network=n, membership=membership), "Removed the role.")  # fmt: skip


@login_required
@require_POST
def person_deactivate(request, network, pk):
    settings_network(request, network, "networks.manage_network")
    person = get_object_or_404(get_user_model(), pk=pk, is_active=True)
    return _act(request, network, lambda n: services.deactivate(
        user=request.user, network=n, person=person, request=request),
        f"Deactivated {person.username}: they can no longer sign in.")  # fmt: skip


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The link in the email: accept as the signed-in person, or make an account and join."""
    try:
        invited = services.invitation_from_token(token)
    except ValidationError as error:
        context = {"problem": " ".join(error.messages)}
        return render(request, "administration/invitation.html", context, status=410)
    user = request.user
    existing = get_user_model().objects.filter(email__iexact=invited.email).exists()
    form = None if user.is_authenticated or existing else JoinForm(request.POST or None)
    if request.method == "POST":
        if user.is_authenticated:
            try:
                services.accept_invitation(token=token, user=user, request=request)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                return _welcome(request, invited)
        elif form is not None:
            joined = {}

            def join(data):
                joined["user"] = services.join_by_invitation(
                    token=token, username=data["username"], password=data["password1"],
                    first_name=data["first_name"], last_name=data["last_name"], request=request,
                )  # fmt: skip

            if submit(form, join):
                login(request, joined["user"], backend="django.contrib.auth.backends.ModelBackend")
                return _welcome(request, invited)
    context = {"invitation": invited, "form": form, "existing": existing}
    status = 400 if request.method == "POST" else 200
    return render(request, "administration/invitation.html", context, status=status)


def _welcome(request, invited):
    messages.success(
        request,
        f"Welcome to {invited.network}: you are {invited.get_role_display()} "
        f"at {invited.scope_name}.",
    )
    return redirect("network", network=invited.network.slug)
