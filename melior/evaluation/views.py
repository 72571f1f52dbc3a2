"""Pilot pages: the list, the plan (edit, outcomes, register, assign, decide) and the report.
Forms parse, services change, the report module computes; permissions in permissions.py."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from melior.governance.models import SUBGROUPS
from melior.networks.views import get_network

from . import services
from .forms import DecisionForm, OutcomeForm, PilotForm
from .report import build_report
from .selectors import pilots_for


def _apply(form, error: ValidationError) -> None:
    """Put a service's refusal on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def pilots_page(request, network):
    network = get_network(request, network)
    runs = request.user.has_perm("pilots.run", network)
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
                _apply(form, error)
            else:
                return redirect("pilot", network=network.slug, pilot=pilot.pk)
    return render(
        request,
        "evaluation/pilots.html",
        {"network": network, "pilots": pilots_for(request.user, network), "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pilot_page(request, network, pilot):
    network = get_network(request, network)
    pilot = get_object_or_404(pilots_for(request.user, network), pk=pilot)
    runs = request.user.has_perm("pilots.run", network)
    plan = PilotForm(instance=pilot, network=network, initial={"subgroups": pilot.subgroups})
    outcome_form, decision_form, errors = OutcomeForm(), DecisionForm(), []
    if request.method == "POST":
        if not runs:
            raise PermissionDenied
        section = request.POST.get("section")
        try:
            if section == "plan":
                plan = PilotForm(request.POST, instance=pilot, network=network)
                if plan.is_valid():
                    data = dict(plan.cleaned_data)
                    sites, reason = data.pop("sites"), data.pop("reason", "")
                    services.update_plan(
                        pilot=pilot, user=request.user, reason=reason, sites=sites, **data
                    )
                    return redirect("pilot", network=network.slug, pilot=pilot.pk)
                pilot.refresh_from_db()
            elif section == "outcome":
                outcome_form = OutcomeForm(request.POST)
                if outcome_form.is_valid():
                    services.add_outcome(
                        pilot=pilot, user=request.user, **outcome_form.cleaned_data
                    )
                    return redirect("pilot", network=network.slug, pilot=pilot.pk)
            elif section == "remove_outcome":
                services.remove_outcome(
                    outcome=get_object_or_404(pilot.outcomes, pk=request.POST.get("outcome") or 0)
                )
                return redirect("pilot", network=network.slug, pilot=pilot.pk)
            elif section == "register":
                services.register(pilot=pilot, user=request.user)
                return redirect("pilot", network=network.slug, pilot=pilot.pk)
            elif section == "assign":
                services.assign(pilot=pilot, user=request.user)
                return redirect("pilot", network=network.slug, pilot=pilot.pk)
            elif section == "decision":
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    services.record_decision(
                        pilot=pilot, user=request.user, **decision_form.cleaned_data
                    )
                    return redirect("pilot-report", network=network.slug, pilot=pilot.pk)
            else:
                errors = ["Unknown change."]
        except ValidationError as error:
            target = {"plan": plan, "outcome": outcome_form, "decision": decision_form}.get(section)
            if target is not None:
                _apply(target, error)
            else:
                errors = error.messages
            pilot.refresh_from_db()
    failed = errors or plan.errors or outcome_form.errors or decision_form.errors
    return render(
        request,
        "evaluation/pilot.html",
        {
            "network": network,
            "pilot": pilot,
            "runs": runs,
            "plan": plan,
            "outcome_form": outcome_form,
            "decision_form": decision_form,
            "errors": errors,
            "subgroup_names": [SUBGROUPS[s] for s in pilot.subgroups],
            "assigned": pilot.assignments.values("arm").order_by().distinct().count() > 0,
            "hash_matches": pilot.registered
            and services.plan_hash(pilot) == pilot.registration_hash,
            "stored_plan_intact": pilot.registered
            and services.plan_hash(pilot, pilot.registered_plan) == pilot.registration_hash,
        },
        status=400 if failed else 200,
    )


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
            "runs": request.user.has_perm("pilots.run", network),
            "decision_form": DecisionForm(),
        },
    )
