"""The data steward's page: consent, purposes, who sees rows, sharing agreements, the
district's other networks and the privacy settings. The page is read with GET; each change
posts to its own address, and a refused change shows the page again with what was wrong."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from melior.core.forms import apply_service_errors
from melior.networks.views import get_network

from .. import selectors, services
from ..forms import (
    AgreementForm,
    ConsentForm,
    GrantForm,
    JoinForm,
    PrivacyForm,
    PurposeForm,
    RevokeForm,
)
from ..models import Consent, SharingAgreement
from ..permissions import steward_site_ids


def _steward_access(request, network_slug: str, *, sets_privacy: bool = False):
    """The network, and whether the user may set its privacy; 403 for anyone who is neither a
    data steward of one of its schools nor allowed to set its privacy (or, for a change of the
    settings or purposes, not allowed to set them)."""
    network = get_network(request, network_slug)
    can_set = request.user.has_perm("governance.set_privacy", network)
    if not can_set and (sets_privacy or not steward_site_ids(request.user, network)):
        raise PermissionDenied
    return network, can_set


@login_required
@require_GET
def steward_page(request, network):
    network, can_set = _steward_access(request, network)
    return _render(request, network, can_set)


def _render(request, network, can_set, errors=(), section=""):
    user = request.user
    districts = selectors.stewarded_districts_in(user, network)
    return render(
        request,
        "governance/steward.html",
        {
            "network": network,
            "errors": list(errors),
            "section": section,
            "sites": list(selectors.stewarded_sites(user, network)),
            "can_set": can_set,
            "privacy": services.privacy_for(network),
            "purposes": network.purposes.all(),
            "consents": selectors.consents_for(user, network)[:50],
            "grants": selectors.row_grants(user, network),
            "agreements": selectors.agreements_for(user, network),
            "districts": [
                (district, selectors.networks_of_district(district).order_by("name"))
                for district in districts
            ],
            "joined_districts": selectors.districts_joined(network, districts),
            "statuses": Consent.Status.choices,
            "given_by": Consent.GivenBy.choices,
            "levels": SharingAgreement.Level.choices,
        },
        status=400 if errors else 200,
    )


def _apply(request, network, can_set, section, form, change):
    """Make the change if the form parses and the service accepts it, then go back to its
    section; otherwise show the page with every reason, nothing saved."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            page = reverse("students-stewardship", kwargs={"network": network.slug})
            return redirect(f"{page}#{section}")
    errors = [message for messages in form.errors.values() for message in messages]
    return _render(request, network, can_set, errors, section)


@login_required
@require_POST
def record_consent(request, network):
    network, can_set = _steward_access(request, network)
    form = ConsentForm(
        request.POST,
        sites=selectors.stewarded_sites(request.user, network),
        purposes=network.purposes.all(),
    )

    def change(data):
        site = data["site"]
        student = selectors.enrolled_student(site, data["student_id"])
        if student is None:
            raise ValidationError(
                {"student_id": f"No student with that id is enrolled at {site.name}."}
            )
        services.record_consent(
            student=student,
            purpose=data["purpose"],
            status=data["status"],
            given_by=data["given_by"],
            date=data["date"],
            source=data["source"],
            user=request.user,
            request=request,
        )

    return _apply(request, network, can_set, "consent", form, change)


@login_required
@require_POST
def add_purpose(request, network):
    network, can_set = _steward_access(request, network, sets_privacy=True)
    form = PurposeForm(request.POST)

    def change(data):
        services.add_purpose(network=network, **data)

    return _apply(request, network, can_set, "purpose", form, change)


@login_required
@require_POST
def grant_rows(request, network):
    network, can_set = _steward_access(request, network)
    form = GrantForm(request.POST, sites=selectors.stewarded_sites(request.user, network))

    def change(data):
        person = selectors.person_named(data["username"])
        if person is None:
            raise ValidationError({"username": "No one has that username."})
        services.grant_rows(
            network=network,
            site=data["site"],
            user=person,
            granted_by=request.user,
            request=request,
        )

    return _apply(request, network, can_set, "grant", form, change)


@login_required
@require_POST
def revoke_grant(request, network):
    network, can_set = _steward_access(request, network)
    form = RevokeForm(request.POST, grants=selectors.revocable_grants(request.user, network))

    def change(data):
        services.revoke_grant(grant=data["grant"], user=request.user, request=request)

    return _apply(request, network, can_set, "grant", form, change)


@login_required
@require_POST
def set_agreement(request, network):
    network, can_set = _steward_access(request, network)
    form = AgreementForm(
        request.POST,
        sites=selectors.stewarded_sites(request.user, network),
        districts=selectors.stewarded_districts_in(request.user, network),
    )

    def change(data):
        services.set_agreement(
            network=network,
            site=data["site"],
            level=data["level"],
            starts=data["starts"],
            ends=data["ends"],
            note=data["note"],
            user=request.user,
            request=request,
        )

    return _apply(request, network, can_set, "agreement", form, change)


@login_required
@require_POST
def join_network(request, network):
    network, can_set = _steward_access(request, network)
    form = JoinForm(request.POST, districts=selectors.stewarded_districts_in(request.user, network))

    def change(data):
        target = selectors.network_at(data["network"])
        if target is None:
            raise ValidationError({"network": "No network has that address."})
        services.bring_district_into_network(
            district=data["district"],
            network=target,
            level=data["level"],
            starts=data["starts"],
            ends=data["ends"],
            user=request.user,
            request=request,
        )

    return _apply(request, network, can_set, "join", form, change)


@login_required
@require_POST
def update_privacy(request, network):
    network, can_set = _steward_access(request, network, sets_privacy=True)
    form = PrivacyForm(request.POST)

    def change(data):
        services.update_privacy(network=network, **data, user=request.user, request=request)

    return _apply(request, network, can_set, "privacy", form, change)
