"""Fidelity pages: the hub's fidelity × outcome view across schools, and one idea's page (its
configuration map, checks and adaptations) with one endpoint per change."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from melior.core.forms import submit
from melior.networks.models import NetworkSite
from melior.networks.selectors import current_sites_for, site_ids_with
from melior.networks.views import get_network
from melior.pdsa.selectors import cycles_for

from . import scoring, selectors, services
from .forms import AdaptationForm, CheckForm, ComponentForm, PlanForm
from .models import RHYTHM_DAYS, Dimension, FidelityPlan
from .permissions import idea_site


@login_required
@require_GET
def fidelity_page(request, network):
    """Every idea with a fidelity plan; for the chosen one, fidelity × outcome per school."""
    network = get_network(request, network)
    ideas = list(selectors.ideas_for(request.user, network))
    planned = [i for i in ideas if _plan(i) is not None]
    chosen = next((i for i in planned if str(i.pk) == request.GET.get("idea")), None)
    if chosen is None and planned:
        chosen = planned[0]
    view = selectors.fidelity_view(request.user, network, chosen.fidelity_plan) if chosen else None
    overdue = _overdue(view, chosen.fidelity_plan, datetime.date.today()) if view else set()
    return render(
        request,
        "fidelity/fidelity.html",
        {
            "network": network,
            "ideas": ideas,
            "planned": planned,
            "chosen": chosen,
            "view": view,
            "overdue": overdue,
            "bands": [(b, view.crosstab[b]) for b in scoring.BANDS] if view else [],
            "low_below": scoring.LOW_FIDELITY_BELOW,
            "high_from": scoring.HIGH_FIDELITY_FROM,
        },
    )


def _overdue(view, plan, today) -> set[int]:
    """Schools whose next check is overdue: one is due every rhythm, with a week's grace."""
    late = RHYTHM_DAYS[plan.rhythm] + 7
    return {r.site_id for r in view.rows if r.latest_on and (today - r.latest_on).days > late}


def _plan(idea) -> FidelityPlan | None:
    try:
        return idea.fidelity_plan
    except FidelityPlan.DoesNotExist:
        return None


@login_required
@require_GET
def idea_page(request, network, idea):
    network = get_network(request, network)
    return _render_idea(request, network, selectors.idea_for(request.user, network, idea))


def _record_sites(user, network, idea):
    sites = current_sites_for(user, network).filter(
        pk__in=site_ids_with(user, network, "enter_data")
    )
    own = idea_site(idea)
    return sites.filter(pk=own.pk) if own is not None else sites


def _idea_cycles(user, network, idea):
    return (
        cycles_for(user, network)
        .filter(Q(change_idea=idea) | Q(network_idea=idea))
        .select_related("project__site")
        .order_by("project__site__name", "-started_on")
    )


def _render_idea(request, network, idea, status=200, **bound):
    plan = _plan(idea)
    user = request.user
    may_define = user.has_perm("fidelity.define", idea)
    record_sites = _record_sites(user, network, idea)
    may_record = plan is not None and plan.components.exists() and record_sites.exists()
    ctx = {
        "network": network,
        "idea": idea,
        "plan": plan,
        "own_site": idea_site(idea),
        "may_define": may_define,
        "may_record": may_record,
        "levels": scoring.LEVELS,
    }
    if may_define:
        initial = {"dimensions": plan.dimensions, "rhythm": plan.rhythm} if plan else None
        ctx["plan_form"] = bound.get("plan_form") or PlanForm(initial=initial)
        if plan is not None:
            ctx["component_form"] = bound.get("component_form") or ComponentForm()
    if plan is not None:
        ctx["components"] = list(plan.components.all())
        checks = selectors.checks_for(user, network).filter(plan=plan)
        ctx["checks"] = list(checks.order_by("-checked_on", "-pk")[:50])
        ctx["adaptations"] = list(
            selectors.adaptations_for(user, network).filter(component__plan=plan)[:50]
        )
        ctx["dimensions"] = [Dimension(d).label for d in plan.dimensions]
    if may_record:
        ctx["check_form"] = bound.get("check_form") or CheckForm(plan=plan, sites=record_sites)
        ctx["adaptation_form"] = bound.get("adaptation_form") or AdaptationForm(
            plan=plan, sites=record_sites, cycles=_idea_cycles(user, network, idea)
        )
    return render(request, "fidelity/idea.html", ctx, status=status)


def _idea_for_define(request, network, idea):
    network = get_network(request, network)
    idea = selectors.idea_for(request.user, network, idea)
    if not request.user.has_perm("fidelity.define", idea):
        raise PermissionDenied
    return network, idea


def _back(network, idea, anchor=""):
    page = reverse("fidelity-idea", kwargs={"network": network.slug, "idea": idea.pk})
    return redirect(page + anchor)


@login_required
@require_POST
def set_plan(request, network, idea):
    network, idea = _idea_for_define(request, network, idea)
    form = PlanForm(request.POST)
    if submit(form, lambda d: services.define_plan(idea=idea, user=request.user, **d)):
        messages.success(request, "Fidelity plan saved.")
        return _back(network, idea)
    return _render_idea(request, network, idea, status=400, plan_form=form)


@login_required
@require_POST
def add_component(request, network, idea):
    network, idea = _idea_for_define(request, network, idea)
    plan = _plan(idea)
    if plan is None:
        messages.error(request, "Save the fidelity plan first.")
        return _render_idea(request, network, idea, status=400)
    form = ComponentForm(request.POST)
    if submit(form, lambda d: services.add_component(plan=plan, user=request.user, **d)):
        messages.success(request, f"Component “{form.cleaned_data['name']}” added.")
        return _back(network, idea, "#components")
    return _render_idea(request, network, idea, status=400, component_form=form)


def _recording(request, network, idea):
    """The network, idea, plan and the schools the user may record at; 403 unless the school
    the request names is one of them."""
    network = get_network(request, network)
    idea = selectors.idea_for(request.user, network, idea)
    site = current_sites_for(request.user, network).filter(pk=request.POST.get("site") or 0).first()
    link = NetworkSite(network=network, organization=site) if site else None
    if site is None or not request.user.has_perm("fidelity.record", link):
        raise PermissionDenied
    plan = _plan(idea)
    return network, idea, plan, _record_sites(request.user, network, idea)


@login_required
@require_POST
def record_check(request, network, idea):
    network, idea, plan, sites = _recording(request, network, idea)
    if plan is None:
        return _render_idea(request, network, idea, status=400)
    form = CheckForm(request.POST, plan=plan, sites=sites)

    def change(data):
        return services.record_check(
            plan=plan, user=request.user, site=data["site"], checked_on=data["checked_on"],
            rated_by=data["rated_by"], notes=data["notes"], levels=form.levels(),
        )  # fmt: skip

    if submit(form, change):
        messages.success(request, f"Fidelity check at {form.cleaned_data['site'].name} recorded.")
        return _back(network, idea, "#checks")
    return _render_idea(request, network, idea, status=400, check_form=form)


@login_required
@require_POST
def log_adaptation(request, network, idea):
    network, idea, plan, sites = _recording(request, network, idea)
    if plan is None:
        return _render_idea(request, network, idea, status=400)
    form = AdaptationForm(
        request.POST, plan=plan, sites=sites, cycles=_idea_cycles(request.user, network, idea)
    )
    if submit(form, lambda d: services.log_adaptation(user=request.user, **d)):
        messages.success(request, "Adaptation logged.")
        return _back(network, idea, "#adaptations")
    return _render_idea(request, network, idea, status=400, adaptation_form=form)
