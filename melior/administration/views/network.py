from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from melior.core.forms import submit
from melior.projects.aims import statement_gaps

from .. import services
from ..forms import NetworkForm, NewNetworkForm
from .common import nav, settings_network


@login_required
@require_http_methods(["GET", "POST"])
def network_settings(request, network):
    network = settings_network(request, network, "networks.manage_network")
    current = network.phases.first()
    initial = {
        "name": network.name,
        "aim": network.aim,
        "problem_statement": network.problem_statement,
        "why_it_matters": network.why_it_matters,
        "phase": current.phase if current else "",
    }
    form = NetworkForm(request.POST or None, initial=initial)
    if request.method == "POST" and submit(
        form, lambda data: services.save_settings(network=network, user=request.user, **data)
    ):
        messages.success(request, "Saved the network's settings.")
        return redirect("settings", network=network.slug)
    context = nav(request, network, "network") | {
        "form": form,
        "aim_gaps": statement_gaps(network.aim),
    }
    return render(
        request, "administration/network.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_network(request):
    """The operator starts a network and invites its lead."""
    if not request.user.is_superuser:
        raise PermissionDenied
    form = NewNetworkForm(request.POST or None)
    created = {}

    def start(data):
        created["network"], _ = services.start_network(
            operator=request.user, name=data["name"], aim=data["aim"],
            lead_email=data["lead_email"], request=request,
        )  # fmt: skip

    if request.method == "POST" and submit(form, start):
        network = created["network"]
        messages.success(
            request,
            f"Created {network.name} and sent the invitation to {form.cleaned_data['lead_email']}.",
        )
        return redirect("network", network=network.slug)
    return render(
        request,
        "administration/new_network.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
