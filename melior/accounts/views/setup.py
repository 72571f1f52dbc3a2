"""The first run: the operator's account, once."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render

from melior.core.forms import submit

from .. import services
from ..forms import SetupForm

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
