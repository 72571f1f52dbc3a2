"""Pilot pages: the list, the pilot (its plan, outcomes, registration, assignment and decision,
each changed through its own URL and form) and the report. Forms parse, services change, the
report module computes from what the selectors read; permissions in permissions.py."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from melior.core.forms import apply_service_errors, submit
from melior.governance.models import SUBGROUPS
from melior.networks.views import get_network

from . import evidence, selectors, services
from .forms import (
    CodeForm,
    CodingForm,
    DecisionForm,
    EvidenceForm,
    EvidenceImportForm,
    OutcomeForm,
    PilotForm,
)
from .report import build_report
from .selectors import pilots_for


@login_required
@require_http_methods(["GET", "POST"])
def pilots_page(request, network):
    network = get_network(request, network)
    runs = request.user.has_perm("evaluation.run", network)
    form = PilotForm(network=network) if runs else None
    if request.method == "POST":
        if not runs:
            raise PermissionDenied
        form = PilotForm(request.POST, network=network)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in {"sites", "reason"}}
            try:
                pilot = services.create_pilot(
                    network=network, user=request.user, sites=form.cleaned_data["sites"], **data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect("pilot", network=network.slug, pilot=pilot.pk)
    return render(
        request,
        "evaluation/pilots.html",
        {"network": network, "pilots": pilots_for(request.user, network), "form": form},
        status=400 if form is not None and form.errors else 200,
    )


def _pilot(request, network, pk):
    network = get_network(request, network)
    return network, get_object_or_404(pilots_for(request.user, network), pk=pk)


def _pilot_page(request, network, pilot, *, status=200, errors=(), **forms):
    """The pilot's page; a refused action passes its bound form (plan, outcome_form or
    decision_form) or its errors, and the page answers 400."""
    forms.setdefault(
        "plan", PilotForm(instance=pilot, network=network, initial={"subgroups": pilot.subgroups})
    )
    forms.setdefault("outcome_form", OutcomeForm())
    forms.setdefault("decision_form", DecisionForm())
    return render(
        request,
        "evaluation/pilot.html",
        {
            "network": network,
            "pilot": pilot,
            "runs": request.user.has_perm("evaluation.run", network),
            **forms,
            "errors": errors,
            "subgroup_names": [SUBGROUPS[s] for s in pilot.subgroups],
            "assigned": selectors.is_assigned(pilot),
            "units": selectors.assigned_units(pilot),
            "hash_matches": pilot.registered
            and services.plan_hash(pilot) == pilot.registration_hash,
            "stored_plan_intact": pilot.registered
            and services.plan_hash(pilot, pilot.registered_plan) == pilot.registration_hash,
        },
        status=status,
    )


@login_required
def pilot_page(request, network, pilot):
    network, pilot = _pilot(request, network, pilot)
    return _pilot_page(request, network, pilot)


def _pilot_change(refused):
    """A decorator for one change to a pilot, posted to its own URL: those who run pilots only;
    a refusal the view does not put on a form shows at the top of `refused`'s page (the
    pilot's, or its evidence page), with nothing saved."""

    def decorate(view):
        @login_required
        @require_POST
        @functools.wraps(view)
        def action(request, network, pilot, **kwargs):
            network, pilot = _pilot(request, network, pilot)
            if not request.user.has_perm("evaluation.run", network):
                raise PermissionDenied
            try:
                return view(request, network, pilot, **kwargs)
            except ValidationError as error:
                pilot.refresh_from_db()
                return refused(request, network, pilot, status=400, errors=error.messages)

        return action

    return decorate


pilot_action = _pilot_change(_pilot_page)


def _back(network, pilot, name="pilot"):
    return redirect(name, network=network.slug, pilot=pilot.pk)


@pilot_action
def edit_plan(request, network, pilot):
    form = PilotForm(request.POST, instance=pilot, network=network)

    def change(data):
        data = dict(data)
        sites, reason = data.pop("sites"), data.pop("reason", "")
        services.update_plan(pilot=pilot, user=request.user, reason=reason, sites=sites, **data)

    if submit(form, change):
        return _back(network, pilot)
    pilot.refresh_from_db()  # the form filled the instance; show the plan as saved
    return _pilot_page(request, network, pilot, status=400, plan=form)


@pilot_action
def add_outcome(request, network, pilot):
    form = OutcomeForm(request.POST)

    def change(data):
        services.add_outcome(pilot=pilot, user=request.user, **data)

    if submit(form, change):
        return _back(network, pilot)
    pilot.refresh_from_db()
    return _pilot_page(request, network, pilot, status=400, outcome_form=form)


@pilot_action
def remove_outcome(request, network, pilot, outcome):
    services.remove_outcome(outcome=get_object_or_404(pilot.outcomes, pk=outcome))
    return _back(network, pilot)


@pilot_action
def register(request, network, pilot):
    services.register(pilot=pilot, user=request.user)
    return _back(network, pilot)


@pilot_action
def assign(request, network, pilot):
    services.assign(pilot=pilot, user=request.user)
    return _back(network, pilot)


@pilot_action
def record_decision(request, network, pilot):
    form = DecisionForm(request.POST)

    def change(data):
        services.record_decision(pilot=pilot, user=request.user, **data)

    if submit(form, change):
        return _back(network, pilot, "pilot-report")
    pilot.refresh_from_db()
    return _pilot_page(request, network, pilot, status=400, decision_form=form)


@login_required
def report_page(request, network, pilot):
    network = get_network(request, network)
    pilot = get_object_or_404(pilots_for(request.user, network), pk=pilot)
    return render(
        request,
        "evaluation/report.html",
        {
            "network": network,
            "pilot": pilot,
            "report": build_report(pilot),
            "voices": selectors.evidence_summary(pilot),
            "runs": request.user.has_perm("evaluation.run", network),
            "decision_form": DecisionForm(),
        },
    )


EVIDENCE_PAGE_SIZE = 50


def _evidence_page(request, network, pilot, *, status=200, errors=(), **forms):
    """The pilot's qualitative evidence, for those who run it: codes, pieces (filtered to the
    uncoded ones on request) with their coding forms, and the forms to add more."""
    pieces = selectors.evidence_for(request.user, pilot)
    uncoded = request.GET.get("uncoded") == "1"
    if uncoded:
        pieces = pieces.filter(codes__isnull=True)
    page = Paginator(pieces, EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    forms.setdefault("code_form", CodeForm())
    forms.setdefault("evidence_form", EvidenceForm(pilot=pilot))
    forms.setdefault("import_form", EvidenceImportForm())
    return render(
        request,
        "evaluation/evidence.html",
        {
            "network": network,
            "pilot": pilot,
            "page": page,
            "uncoded": uncoded,
            "codes": pilot.codes.annotate(pieces=Count("evidence")),
            "coding": [(piece, _coding_form(pilot, piece)) for piece in page],
            "errors": errors,
            **forms,
        },
        status=status,
    )


def _coding_form(pilot, piece, data=None):
    initial = {"codes": list(piece.codes.all()), "quoted": piece.quoted}
    return CodingForm(data, pilot=pilot, initial=initial, prefix=f"e{piece.pk}")


evidence_action = _pilot_change(_evidence_page)


def _to_evidence(network, pilot):
    return redirect("pilot-evidence", network=network.slug, pilot=pilot.pk)


@login_required
def evidence_page(request, network, pilot):
    network, pilot = _pilot(request, network, pilot)
    if not request.user.has_perm("evaluation.run", network):
        raise PermissionDenied
    return _evidence_page(request, network, pilot)


@evidence_action
def add_code(request, network, pilot):
    form = CodeForm(request.POST)
    if submit(form, lambda data: evidence.add_code(pilot=pilot, **data)):
        return _to_evidence(network, pilot)
    return _evidence_page(request, network, pilot, status=400, code_form=form)


@evidence_action
def remove_code(request, network, pilot, code):
    evidence.remove_code(code=get_object_or_404(pilot.codes, pk=code))
    return _to_evidence(network, pilot)


@evidence_action
def add_evidence(request, network, pilot):
    form = EvidenceForm(request.POST, pilot=pilot)

    def change(data):
        evidence.add_evidence(pilot=pilot, user=request.user, **data)

    if submit(form, change):
        return _to_evidence(network, pilot)
    return _evidence_page(request, network, pilot, status=400, evidence_form=form)


@evidence_action
def import_evidence(request, network, pilot):
    form = EvidenceImportForm(request.POST, request.FILES)

    def change(data):
        upload = data["file"]
        evidence.import_evidence(
            pilot=pilot, data=upload.read(), source=upload.name, user=request.user
        )

    if submit(form, change):
        return _to_evidence(network, pilot)
    return _evidence_page(request, network, pilot, status=400, import_form=form)


@evidence_action
def code_evidence(request, network, pilot, item):
    piece = get_object_or_404(selectors.evidence_for(request.user, pilot), pk=item)
    form = _coding_form(pilot, piece, request.POST)

    def change(data):
        evidence.code_evidence(evidence=piece, codes=data["codes"], quoted=data["quoted"])

    saved = submit(form, change)
    if request.htmx:
        context = {"network": network, "pilot": pilot, "piece": piece, "form": form, "saved": saved}
        return render(
            request, "evaluation/_evidence_piece.html", context, status=200 if saved else 400
        )
    return _to_evidence(network, pilot)


@evidence_action
def remove_evidence(request, network, pilot, item):
    piece = get_object_or_404(selectors.evidence_for(request.user, pilot), pk=item)
    evidence.remove_evidence(evidence=piece)
    return _to_evidence(network, pilot)
