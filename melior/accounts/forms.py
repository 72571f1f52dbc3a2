"""Sign-in forms: allauth's, with the names Melior's sign-in page always had, and the limits."""

import datetime

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property

from melior.networks.models import Organization, Role

from .limits import refuse_if_locked


class LoginForm(AllauthLoginForm):
    """Username or email address and password. The login field keeps the name `username`
    (scripts, password managers and bookmarked forms post it), which is also what the
    attempt limits count by."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        self.fields["login"].widget.attrs.update(autocomplete="username", autofocus=True)
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""

    def add_prefix(self, field_name):
        return "username" if field_name == "login" else super().add_prefix(field_name)


class SecondFactorForm(AuthenticateForm):
    """The one-time code after the password: refused once the account or address is locked
    out; each wrong code counts (melior.accounts.receivers)."""

    @cached_property
    def _kinds(self) -> set[str]:
        return set(Authenticator.objects.filter(user=self.user).values_list("type", flat=True))

    @property
    def has_security_key(self) -> bool:
        return Authenticator.Type.WEBAUTHN in self._kinds

    @property
    def has_app(self) -> bool:
        return Authenticator.Type.TOTP in self._kinds

    def clean_code(self):
        if refuse_if_locked(context.request, self.user.get_username()):
            raise ValidationError("Too many failed sign-in attempts. Try again later.")
        return super().clean_code()


class SecurityKeyForm(AuthenticateWebAuthnForm):
    """The security key after the password, refused like a code once the account or address
    is locked out."""

    def clean_credential(self):
        if self.user is not None and refuse_if_locked(context.request, self.user.get_username()):
            raise ValidationError("Too many failed sign-in attempts. Try again later.")
        return super().clean_credential()


class SetupForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    email = forms.EmailField(label="Email address")
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class SingleSignOnForm(forms.Form):
    network = forms.ModelChoiceField(queryset=None, label="Network")
    preset = forms.ChoiceField(
        label="Provider",
        choices=[
            ("", "Another OpenID Connect provider"),
            ("google", "Google Workspace"),
            ("microsoft", "Microsoft Entra ID"),
        ],
        required=False,
    )
    name = forms.CharField(max_length=40, label="Name on the sign-in button")
    server_url = forms.CharField(
        max_length=300,
        required=False,
        label="Issuer (server) URL",
        help_text="Filled in for Google; for Microsoft, give the tenant id below instead.",
    )
    tenant = forms.CharField(max_length=80, required=False, label="Microsoft tenant id")
    client_id = forms.CharField(max_length=191, label="Client id")
    secret = forms.CharField(
        max_length=191, label="Client secret", widget=forms.PasswordInput(render_value=False)
    )
    domains = forms.CharField(
        max_length=1000,
        label="Email domains",
        help_text="Whose people sign in here and ask to join the network, e.g. cedar.k12.us.",
    )

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks


ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.DATA_STEWARD]


class JoinDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    role = forms.ChoiceField(choices=[("", "—"), *ROLE_CHOICES], required=False, label="Role")
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        required=False,
        label="Where",
        empty_label="Across the whole network",
    )

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=[s.pk for s in network.sites.all()]
            + [s.parent_id for s in network.sites.all() if s.parent_id]
        )


EXPIRY_CHOICES = [("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'SIS sync'.", label="Token name"
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES, initial="90", required=False, label="Expires"
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires")
        return timezone.now() + datetime.timedelta(days=int(days)) if days else None
