"""The hub's pages: bright spots, what works where, spread, network health, and the hub's
tools. Every page shows only the sites the user may see; the tools change only for the hub,
each change posting to its own address."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from melior.core.csv import csv_response
from melior.core.forms import apply_service_errors
from melior.measures.selectors import measures_for
from melior.networks.selectors import current_sites_for, sites_for
from melior.networks.views import get_network

from . import selectors, services
from .charts import spread_chart
from .forms import (
    ActivityForm,
    AnnouncementForm,
    GroupForm,
    PhaseForm,
    PickForm,
    ResourceForm,
    SpreadStageForm,
    SynthesisForm,
)
from .models import ActivityStatus, Group, NetworkPhase, Resource, SpreadStage
from .permissions import updatable_site_ids, updates
from .spread import ORDER


def _errors(form) -> list[str]:
    """Every reason a form was refused, each said once."""
    return list(dict.fromkeys(m for messages in form.errors.values() for m in messages))


@login_required
def overview(request, network):
    network = get_network(request, network)
    visible = list(sites_for(request.user, network))
    return render(
        request,
        "learning/overview.html",
        {
            "network": network,
            "phase": network.phases.first(),
            "announcements": network.announcements.all()[:10],
            "statuses": selectors.activity_statuses(request.user, network),
            "can_update": updatable_site_ids(request.user, network, visible),
            "can_run_hub": request.user.has_perm("learning.run_hub", network),
            "syntheses": network.syntheses.all()[:10],
            "resources": network.resources.all()[:50],
            "status_choices": ActivityStatus.Status.choices,
        },
    )


@login_required
@require_POST
def activity_status(request, network, pk):
    network = get_network(request, network)
    status = selectors.activity_status(request.user, network, pk)
    if not updates(request.user, network, status.site):
        raise PermissionDenied
    try:
        services.set_activity_status(
            status=status, value=request.POST.get("status", ""), user=request.user
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    return redirect(reverse("learning", kwargs={"network": network.slug}) + "#activities")


@login_required
def bright_spots(request, network):
    network = get_network(request, network)
    measures = list(measures_for(network))
    chosen = next((m for m in measures if m.slug == request.GET.get("measure")), None)
    return render(
        request,
        "learning/bright_spots.html",
        {
            "network": network,
            "measures": measures,
            "chosen": chosen,
            "spots": selectors.bright_spots(request.user, network, chosen),
        },
    )


@login_required
def what_works_where(request, network):
    network = get_network(request, network)
    by = request.GET.get("by", "poverty")
    if by not in selectors.DIMENSIONS:
        by = "poverty"
    matrix = selectors.what_works_where(request.user, network, by)
    if request.GET.get("export") == "csv":
        return _matrix_csv(network, matrix)
    rows = [
        (idea, [(band, matrix["cells"][(idea.pk, band)]) for band in matrix["bands"]])
        for idea in matrix["ideas"]
    ]
    return render(
        request,
        "learning/what_works_where.html",
        {
            "network": network,
            "by": by,
            "dimensions": selectors.DIMENSIONS,
            "matrix": matrix,
            "rows": rows,
            "headers": [(band, matrix["band_sizes"][band]) for band in matrix["bands"]],
        },
    )


def _matrix_csv(network, matrix):
    header = ["change idea", matrix["label"].lower(), "sites in band", "sites tested", "cycles",
              "adopted", "adapted", "abandoned", "adopted and improving"]  # fmt: skip
    return csv_response(
        f"{network.slug}-what-works-where.csv",
        header,
        (
            (
                idea.name,
                band,
                matrix["band_sizes"][band],
                len(c.sites),
                c.tests,
                len(c.adopted),
                len(c.adapted),
                len(c.abandoned),
                len(c.improving),
            )
            for idea in matrix["ideas"]
            for band in matrix["bands"]
            for c in (matrix["cells"][(idea.pk, band)],)
        ),
    )


@login_required
@require_GET
def spread_page(request, network):
    network = get_network(request, network)
    ideas = list(selectors.network_ideas(network))
    chosen = next((i for i in ideas if str(i.key) == request.GET.get("idea")), None)
    return _render_spread(request, network, ideas, chosen)


def _render_spread(request, network, ideas, chosen, errors=()):
    ctx = {
        "network": network,
        "ideas": ideas,
        "chosen": chosen,
        "errors": list(errors),
        "stages": SpreadStage.choices,
        "order": ORDER,
    }
    if chosen is not None:
        current, timeline = selectors.spread_for(request.user, network, chosen)
        ctx.update(
            current=[(row, SpreadStage(row.stage).label) for row in current],
            spec=spread_chart(timeline),
            editable=updatable_site_ids(request.user, network, [row.site for row in current]),
        )
    else:
        ctx["overview"] = [
            (idea, [counts[stage] for stage in ORDER])
            for idea, counts in selectors.spread_overview(request.user, network)
        ]
    return render(request, "learning/spread.html", ctx, status=400 if errors else 200)


@login_required
@require_POST
def set_spread_stage(request, network):
    """Set a site's stage of spread for a change idea by hand (the hub, or the site's managers)."""
    network = get_network(request, network)
    ideas = selectors.network_ideas(network)
    form = SpreadStageForm(
        request.POST, ideas=ideas, sites=current_sites_for(request.user, network)
    )
    if form.is_valid():
        data = form.cleaned_data
        if not updates(request.user, network, data["site"]):
            raise PermissionDenied
        try:
            services.set_spread_stage(
                network=network,
                site=data["site"],
                change_idea=data["idea"],
                stage=data["stage"],
                on=data["on"],
                note=data["note"],
                user=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            page = reverse("learning-spread", kwargs={"network": network.slug})
            return redirect(f"{page}?idea={data['idea'].key}")
    chosen = form.cleaned_data.get("idea")
    return _render_spread(request, network, list(ideas), chosen, _errors(form))


@login_required
def health_page(request, network):
    network = get_network(request, network)
    columns, rows = selectors.health(request.user, network)
    return render(
        request, "learning/health.html", {"network": network, "columns": columns, "rows": rows}
    )


@login_required
@require_GET
def hub_page(request, network):
    """The hub's tools: groups, activities, announcements, resources, syntheses, the phase."""
    network = get_network(request, network)
    return _render_hub(request, network)


def _render_hub(request, network, errors=(), section=""):
    return render(
        request,
        "learning/hub.html",
        {
            "network": network,
            "can_run_hub": request.user.has_perm("learning.run_hub", network),
            "errors": list(errors),
            "section": section,
            "posted": request.POST,
            "groups": network.groups.prefetch_related("sites"),
            "activities": network.activities.all(),
            "announcements": network.announcements.all(),
            "resources": network.resources.all(),
            "syntheses": network.syntheses.prefetch_related("change_ideas", "cycles"),
            "phases": network.phases.all(),
            "sites": current_sites_for(request.user, network).order_by("name"),
            "ideas": selectors.network_ideas(network),
            "group_kinds": Group.Kind.choices,
            "resource_kinds": Resource.Kind.choices,
            "phase_choices": NetworkPhase.Phase.choices,
            "recent_cycles": selectors.evidence_cycles(request.user, network)[:40],
        },
        status=400 if errors else 200,
    )


def _hub_network(request, network_slug):
    network = get_network(request, network_slug)
    if not request.user.has_perm("learning.run_hub", network):
        raise PermissionDenied
    return network


def _hub_change(request, network, section, form, change):
    """Make the change if the form parses and the service accepts it, then go back to its
    section of the hub's page; otherwise show the page with every reason, nothing saved."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect(reverse("hub", kwargs={"network": network.slug}) + f"#{section}")
    return _render_hub(request, network, _errors(form), section)


@login_required
@require_POST
def create_group(request, network):
    network = _hub_network(request, network)
    form = GroupForm(request.POST, sites=current_sites_for(request.user, network))

    def change(data):
        services.create_group(network=network, **data)

    return _hub_change(request, network, "group", form, change)


@login_required
@require_POST
def create_activity(request, network):
    network = _hub_network(request, network)
    form = ActivityForm(request.POST, network=network)

    def change(data):
        services.create_activity(network=network, **data, user=request.user)

    return _hub_change(request, network, "activity", form, change)


@login_required
@require_POST
def announce(request, network):
    network = _hub_network(request, network)
    form = AnnouncementForm(request.POST)

    def change(data):
        services.announce(network=network, **data, user=request.user)

    return _hub_change(request, network, "announcement", form, change)


@login_required
@require_POST
def add_resource(request, network):
    network = _hub_network(request, network)
    form = ResourceForm(request.POST, ideas=selectors.network_ideas(network))

    def change(data):
        idea = data.pop("change_ideas")
        services.add_resource(network=network, **data, change_idea=idea, user=request.user)

    return _hub_change(request, network, "resource", form, change)


@login_required
@require_POST
def write_synthesis(request, network):
    network = _hub_network(request, network)
    form = SynthesisForm(
        request.POST,
        ideas=selectors.network_ideas(network),
        cycles=selectors.evidence_cycles(request.user, network),
    )

    def change(data):
        services.write_synthesis(network=network, **data, user=request.user)

    return _hub_change(request, network, "synthesis", form, change)


@login_required
@require_POST
def set_phase(request, network):
    network = _hub_network(request, network)
    form = PhaseForm(request.POST)

    def change(data):
        services.set_phase(network=network, **data, user=request.user)

    return _hub_change(request, network, "phase", form, change)


def _delete_view(section: str, related: str, delete):
    """A view that deletes one of the network's groups, activities, announcements, resources
    or syntheses (named by ``pk``) for the hub."""

    @login_required
    @require_POST
    def view(request, network):
        network = _hub_network(request, network)
        form = PickForm(request.POST, among=getattr(network, related).all())
        return _hub_change(request, network, section, form, lambda data: delete(data["pk"]))

    view.__name__ = view.__qualname__ = f"delete_{section}"
    return view


delete_group = _delete_view("group", "groups", lambda g: services.delete_group(group=g))
delete_activity = _delete_view(
    "activity", "activities", lambda a: services.delete_activity(activity=a)
)
delete_announcement = _delete_view(
    "announcement", "announcements", lambda a: services.delete_announcement(announcement=a)
)
delete_resource = _delete_view(
    "resource", "resources", lambda r: services.delete_resource(resource=r)
)
delete_synthesis = _delete_view(
    "synthesis", "syntheses", lambda s: services.delete_synthesis(synthesis=s)
)
