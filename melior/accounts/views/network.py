"""Pages of one network: the lead's join requests, the steward's view of tokens that reach
student data."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from melior.core.forms import submit
from melior.networks.views import get_network

from .. import services
from ..forms import JoinDecisionForm
from ..selectors import pending_join_requests, student_data_tokens


def _network(request, slug: str, permission: str):
    network = get_network(request, slug)
    if not request.user.has_perm(permission, network):
        raise PermissionDenied
    return network


def _join_page(request, network, *, forms=None, status=200):
    forms = forms or {}
    rows = [
        (join, forms.get(join.pk) or JoinDecisionForm(network=network, prefix=f"r{join.pk}"))
        for join in pending_join_requests(network)
    ]
    return render(
        request,
        "accounts/join_requests.html",
        {"network": network, "rows": rows},
        status=status,
    )


@login_required
def join_requests(request, network: str):
    network = _network(request, network, "accounts.decide_join_requests")
    return _join_page(request, network)


@login_required
@require_POST
def decide_join_request(request, network: str, pk: int):
    network = _network(request, network, "accounts.decide_join_requests")
    join = get_object_or_404(pending_join_requests(network), pk=pk)
    form = JoinDecisionForm(request.POST, network=network, prefix=f"r{join.pk}")

    def change(data):
        services.decide_join_request(
            join_request=join,
            by=request.user,
            approve=data["decision"] == "approve",
            role=data["role"],
            organization=data["organization"],
        )

    if not submit(form, change):
        return _join_page(request, network, forms={join.pk: form}, status=400)
    verb = "approved" if form.cleaned_data["decision"] == "approve" else "declined"
    messages.success(request, f"The request of {join.email} was {verb}.")
    return redirect("join-requests", network=network.slug)


@login_required
def tokens(request, network: str):
    network = _network(request, network, "accounts.see_student_data_tokens")
    return render(
        request,
        "accounts/student_data_tokens.html",
        {"network": network, "rows": student_data_tokens(request.user, network)},
    )
