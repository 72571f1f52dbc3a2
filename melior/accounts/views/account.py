"""The account page under the user menu: password, second sign-in step, email address, and
your own API tokens (create with a name and an expiry, shown once; revoke)."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from melior.api.selectors import tokens_of
from melior.api.services import create_token, revoke_token
from melior.web.compression import carries_secret

from ..forms import TokenForm
from ..permissions import must_use_second_factor
from ..selectors import has_second_factor, own_join_requests


def _page(request, *, password_form=None, token_form=None, new_key=None, status=200):
    tokens = tokens_of(request.user)
    context = {
        "password_form": password_form or PasswordChangeForm(request.user),
        "token_form": token_form or TokenForm(),
        "tokens": tokens,
        "has_active_token": any(t.revoked_at is None and not t.expired for t in tokens),
        "new_key": new_key,
        "has_second_factor": has_second_factor(request.user),
        "second_factor_required": must_use_second_factor(request.user),
        "join_requests": own_join_requests(request.user),
    }
    return render(request, "accounts/account.html", context, status=status)


@login_required
def account(request):
    return _page(request)


@login_required
@require_POST
def change_password(request):
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return _page(request, password_form=form, status=400)
    user = form.save()
    update_session_auth_hash(request, user)  # this session stays; the others end
    messages.success(request, "Your password was changed. Other sessions were signed out.")
    return redirect("account")


@login_required
@require_POST
@carries_secret  # the new key is on the page: never compressed (BREACH)
def create_api_token(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, token_form=form, status=400)
    try:
        _, key = create_token(
            user=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
    except ValueError as error:
        form.add_error("name", str(error))
        return _page(request, token_form=form, status=400)
    # Shown on this response only: only its hash is stored.
    return _page(request, new_key=key)


@login_required
@require_POST
def revoke_api_token(request, pk: int):
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    revoke_token(token=token)
    messages.success(request, f"Revoked the token “{token.name}”.")
    return redirect("account")
