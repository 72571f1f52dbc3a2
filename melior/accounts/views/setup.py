"""The first run (the operator's account) and a network lead accepting their invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from melior.core.forms import submit

from .. import services
from ..forms import AcceptInvitationForm, SetupForm

BACKEND = "django.contrib.auth.backends.ModelBackend"


def setup(request):
    """Creates the operator account, once: afterwards (and, with MELIOR_SETUP_LINK_ONLY, without
    the signed link `melior setup` prints) there is nothing here."""
    if not services.needs_setup():
        raise Http404("Melior is set up.")
    key = request.GET.get("key") or request.POST.get("key") or ""
    if settings.MELIOR_SETUP_LINK_ONLY and not services.setup_key_valid(key):
        raise Http404("Open the link that `melior setup` printed.")
    form = SetupForm(request.POST or None)
    created = {}

    def change(data):
        created["user"] = services.create_operator(**data)

    if request.method == "POST" and submit(form, change):
        login(request, created["user"], backend=BACKEND)
        messages.success(request, "Welcome. Set up a second sign-in step, then add a network.")
        return redirect("operator")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/setup.html", {"form": form, "key": key}, status=status)


def lead_invitation(request, token: str):
    """The link in a lead's invitation: choose a username and password, and lead the network."""
    try:
        invitation = services.invitation_for(token)
    except ValidationError as error:
        return render(
            request, "accounts/invitation_invalid.html", {"message": error.messages[0]}, status=410
        )
    form = AcceptInvitationForm(request.POST or None)
    accepted = {}

    def change(data):
        accepted["user"], accepted["network"] = services.accept_lead_invitation(token=token, **data)

    if request.method == "POST" and submit(form, change):
        login(request, accepted["user"], backend=BACKEND)
        messages.success(request, f"Welcome: you lead {accepted['network'].name}.")
        return redirect("network", network=accepted["network"].slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "invitation": invitation},
        status=status,
    )
