"""The operator's page: the networks (started, with their leads invited, on the settings
pages) and single sign-on per network and domain."""

from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from melior.core.forms import submit
from melior.networks.models import Network

from .. import services
from ..forms import SingleSignOnForm
from ..permissions import is_operator
from ..selectors import single_sign_on_for_operator


def operator_only(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not is_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _page(request, *, sso_form=None, status=200):
    networks = Network.objects.order_by("name")
    context = {
        "networks": networks,
        "sso_form": sso_form or SingleSignOnForm(networks=networks),
        "providers": single_sign_on_for_operator(),
    }
    return render(request, "accounts/operator.html", context, status=status)


@operator_only
def operator(request):
    return _page(request)


def _server_url(data) -> str:
    if data["preset"] == "google":
        return services.PRESETS["google"][1]
    if data["preset"] == "microsoft" and data["tenant"]:
        return services.PRESETS["microsoft"][1].format(tenant=data["tenant"].strip())
    return data["server_url"]


@operator_only
@require_POST
def add_single_sign_on(request):
    form = SingleSignOnForm(request.POST, networks=Network.objects.order_by("name"))

    def change(data):
        services.add_single_sign_on(
            network=data["network"],
            name=data["name"],
            server_url=_server_url(data),
            client_id=data["client_id"],
            secret=data["secret"],
            domains=data["domains"],
        )

    if not submit(form, change):
        return _page(request, sso_form=form, status=400)
    messages.success(request, f"People can now sign in with {form.cleaned_data['name']}.")
    return redirect("operator")


@operator_only
@require_POST
def remove_single_sign_on(request, pk: int):
    app = get_object_or_404(SocialApp, pk=pk, provider="openid_connect")
    services.remove_single_sign_on(app=app)
    messages.success(request, f"Removed {app.name}.")
    return redirect("operator")
