"""Accounts and sign-in. allauth's own pages (sign-in, password reset, email, single sign-on,
the second step) are included under accounts/ by melior.urls."""

from django.urls import path

from .views import account, network, operator, setup

urlpatterns = [
    path("accounts/", account.account, name="account"),
    path("accounts/password/", account.change_password, name="change-password"),
    path("accounts/tokens/", account.create_api_token, name="create-api-token"),
    path("accounts/tokens/<int:pk>/revoke/", account.revoke_api_token, name="revoke-api-token"),
    path("setup/", setup.setup, name="setup"),
    path("operator/", operator.operator, name="operator"),
    path("operator/sign-on/", operator.add_single_sign_on, name="operator-sso"),
    path(
        "operator/sign-on/<int:pk>/remove/",
        operator.remove_single_sign_on,
        name="operator-sso-remove",
    ),
    path("n/<slug:network>/join-requests/", network.join_requests, name="join-requests"),
    path(
        "n/<slug:network>/join-requests/<int:pk>/",
        network.decide_join_request,
        name="join-request-decide",
    ),
    path("n/<slug:network>/tokens/", network.tokens, name="student-data-tokens"),
]
