"""The hub's pages: bright spots, what works where, spread, network health, and the hub's
tools. Every page shows only the sites the user may see; the tools change only for the hub."""

import csv
import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from melior.measures.exports import safe_cell
from melior.measures.selectors import measures_for
from melior.networks.models import NetworkSite
from melior.networks.selectors import sites_for
from melior.networks.views import get_network
from melior.pdsa.models import Cycle

from . import selectors, services
from .charts import spread_chart
from .models import ActivityStatus, Group, NetworkPhase, Resource, SpreadStage
from .spread import ORDER


def _run_hub(request, network) -> bool:
    return request.user.has_perm("networks.run_hub", network)


@login_required
def overview(request, network):
    network = get_network(request, network)
    visible = list(sites_for(request.user, network))
    statuses = (
        ActivityStatus.objects.filter(activity__network=network, site__in=visible)
        .select_related("activity", "site")
        .order_by("activity__due", "activity__pk", "site__name")
    )
    can_update = {s.pk for s in visible if _manages(request.user, network, s)}
    return render(
        request,
        "learning/overview.html",
        {
            "network": network,
            "phase": network.phases.first(),
            "announcements": network.announcements.all()[:10],
            "statuses": statuses,
            "can_update": can_update,
            "can_run_hub": _run_hub(request, network),
            "syntheses": network.syntheses.all()[:10],
            "resources": network.resources.all()[:50],
            "status_choices": ActivityStatus.Status.choices,
        },
    )


def _manages(user, network, site) -> bool:
    return user.has_perm("networks.run_hub", network) or user.has_perm(
        "networks.manage_projects", NetworkSite(network=network, organization=site)
    )


@login_required
@require_http_methods(["POST"])
def activity_status(request, network, pk):
    network = get_network(request, network)
    status = get_object_or_404(
        ActivityStatus, pk=pk, activity__network=network, site__in=sites_for(request.user, network)
    )
    if not _manages(request.user, network, status.site):
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


def _matrix_csv(network, matrix) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-what-works-where.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "change idea",
            matrix["label"].lower(),
            "sites in band",
            "sites tested",
            "cycles",
            "adopted",
            "adapted",
            "abandoned",
            "adopted and improving",
        ]
    )
    for idea in matrix["ideas"]:
        for band in matrix["bands"]:
            c = matrix["cells"][(idea.pk, band)]
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
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
                ]
            )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def spread_page(request, network):
    network = get_network(request, network)
    ideas = list(selectors.network_ideas(network))
    chosen = next((i for i in ideas if str(i.key) == request.GET.get("idea")), None)
    errors = []
    if request.method == "POST":
        chosen = next((i for i in ideas if str(i.key) == request.POST.get("idea")), None)
        site = sites_for(request.user, network).filter(pk=_int(request.POST.get("site"))).first()
        if chosen is None or site is None:
            errors.append("Choose a change idea and a site.")
        elif not _manages(request.user, network, site):
            raise PermissionDenied
        else:
            try:
                services.set_spread_stage(
                    network=network,
                    site=site,
                    change_idea=chosen,
                    stage=request.POST.get("stage", ""),
                    on=_date(request.POST.get("on")),
                    note=request.POST.get("note", ""),
                    user=request.user,
                )
            except ValidationError as error:
                errors += error.messages
            else:
                return redirect(
                    reverse("learning-spread", kwargs={"network": network.slug})
                    + f"?idea={chosen.key}"
                )
    ctx = {
        "network": network,
        "ideas": ideas,
        "chosen": chosen,
        "errors": errors,
        "stages": SpreadStage.choices,
        "order": ORDER,
    }
    if chosen is not None:
        current, timeline = selectors.spread_for(request.user, network, chosen)
        visible = [row[0] for row in current]
        ctx.update(
            current=[
                (site, stage, SpreadStage(stage).label, *rest) for site, stage, *rest in current
            ],
            spec=spread_chart(timeline),
            editable={s.pk for s in visible if _manages(request.user, network, s)},
        )
    else:
        ctx["overview"] = [
            (idea, [counts[stage] for stage in ORDER])
            for idea, counts in selectors.spread_overview(request.user, network)
        ]
    return render(request, "learning/spread.html", ctx, status=400 if errors else 200)


def _int(value):
    return int(value) if str(value or "").isdigit() else None


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValidationError({"on": f"“{value}” is not a date (YYYY-MM-DD)."}) from None


@login_required
def health_page(request, network):
    network = get_network(request, network)
    columns, rows = selectors.health(request.user, network)
    return render(
        request, "learning/health.html", {"network": network, "columns": columns, "rows": rows}
    )


@login_required
@require_http_methods(["GET", "POST"])
def hub_page(request, network):
    """The hub's tools: groups, activities, announcements, resources, syntheses, the phase."""
    network = get_network(request, network)
    errors, section = [], request.POST.get("section", "")
    if request.method == "POST":
        if not _run_hub(request, network):
            raise PermissionDenied
        try:
            _hub_change(request, network, section)
        except ValidationError as error:
            errors = error.messages
        else:
            return redirect(reverse("hub", kwargs={"network": network.slug}) + f"#{section}")
    theory_ideas = selectors.network_ideas(network)
    return render(
        request,
        "learning/hub.html",
        {
            "network": network,
            "can_run_hub": _run_hub(request, network),
            "errors": errors,
            "section": section,
            "posted": request.POST,
            "groups": network.groups.prefetch_related("sites"),
            "activities": network.activities.all(),
            "announcements": network.announcements.all(),
            "resources": network.resources.all(),
            "syntheses": network.syntheses.prefetch_related("change_ideas", "cycles"),
            "phases": network.phases.all(),
            "sites": sites_for(request.user, network).order_by("name"),
            "ideas": theory_ideas,
            "group_kinds": Group.Kind.choices,
            "resource_kinds": Resource.Kind.choices,
            "phase_choices": NetworkPhase.Phase.choices,
            "recent_cycles": Cycle.objects.filter(network=network, status="done")
            .select_related("project__site")
            .order_by("-completed_on")[:40],
        },
        status=400 if errors else 200,
    )


def _hub_change(request, network, section):
    post, user = request.POST, request.user
    sites = list(network.sites.filter(pk__in=[v for v in post.getlist("sites") if v.isdigit()]))
    ideas = list(
        selectors.network_ideas(network).filter(
            pk__in=[v for v in post.getlist("change_ideas") if v.isdigit()]
        )
    )
    if section == "group":
        services.create_group(
            network=network,
            name=post.get("name"),
            kind=post.get("kind"),
            description=post.get("description", ""),
            sites=sites,
        )
    elif section == "activity":
        group = network.groups.filter(pk=_int(post.get("group"))).first()
        services.create_activity(
            network=network,
            title=post.get("title"),
            description=post.get("description", ""),
            due=_date(post.get("due")),
            group=group,
            user=user,
        )
    elif section == "announcement":
        services.announce(
            network=network,
            title=post.get("title"),
            body=post.get("body"),
            pinned=post.get("pinned") == "on",
            user=user,
        )
    elif section == "resource":
        idea = ideas[0] if ideas else None
        services.add_resource(
            network=network,
            title=post.get("title"),
            url=post.get("url", ""),
            kind=post.get("kind"),
            description=post.get("description", ""),
            change_idea=idea,
            user=user,
        )
    elif section == "synthesis":
        cycles = list(
            Cycle.objects.filter(
                network=network, pk__in=[v for v in post.getlist("cycles") if v.isdigit()]
            )
        )
        services.write_synthesis(
            network=network,
            title=post.get("title"),
            body=post.get("body"),
            change_ideas=ideas,
            cycles=cycles,
            user=user,
        )
    elif section == "phase":
        services.set_phase(
            network=network,
            phase=post.get("phase"),
            started_on=_date(post.get("started_on")),
            note=post.get("note", ""),
            user=user,
        )
    elif section.startswith("delete_"):
        kinds = {
            "delete_group": network.groups,
            "delete_activity": network.activities,
            "delete_announcement": network.announcements,
            "delete_resource": network.resources,
            "delete_synthesis": network.syntheses,
        }
        if section not in kinds:
            raise ValidationError("Unknown change.")
        get_object_or_404(kinds[section], pk=_int(post.get("pk"))).delete()
    else:
        raise ValidationError("Unknown change.")
