"""Enter a week in one place: every measure of a school for one week, checked as you type and
saved in one go through the measures service."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from melior.measures import selectors as measures
from melior.measures import services
from melior.measures.models import period_start
from melior.networks.selectors import current_sites_for, own_site_ids, site_ids_with
from melior.networks.views import get_network, get_network_site

from ..week import Row, build_rows, check_row, entries_from


@login_required
@require_GET
def week_start(request, network):
    """The teacher's way in: straight to their school's grid, or a choice of schools."""
    network = get_network(request, network)
    allowed = site_ids_with(request.user, network, "enter_data")
    mine = own_site_ids(request.user, network) & allowed
    sites = current_sites_for(request.user, network).filter(pk__in=mine or allowed).order_by("name")
    if len(sites) == 1:
        return redirect("week-entry", network=network.slug, site=sites[0].slug)
    return render(request, "workspace/week_pick.html", {"network": network, "sites": sites})


def _context(request, network_slug, site_slug):
    network = get_network(request, network_slug)
    link = get_network_site(request, network, site_slug)
    if not request.user.has_perm("networks.enter_data", link):
        raise PermissionDenied
    return network, link.organization


def _week(request, network, site) -> tuple[datetime.date, str]:
    """The week asked for (its Monday), or the next one due; and what was wrong with the
    date asked for, if anything."""
    today = timezone.localdate()
    raw = (request.POST.get("week") or request.GET.get("week") or "").strip()
    due = measures.next_week_due(network, site, today)
    if not raw:
        return due, ""
    try:
        chosen = datetime.date.fromisoformat(raw)
    except ValueError:
        return due, f"“{raw}” is not a date; showing the next week due instead."
    if chosen > today:
        return due, "That week has not started yet: figures can only be entered once it has."
    return period_start("weekly", chosen), ""


@login_required
@require_http_methods(["GET", "POST"])
def week_entry(request, network, site):
    network, site = _context(request, network, site)
    week, week_error = _week(request, network, site)
    family = list(measures.measures_for(network))
    rows = build_rows(
        network, site, family, week, request.POST if request.method == "POST" else None
    )
    saved = None
    status = 200
    if request.method == "POST":
        try:
            saved = services.record_week(
                organization=site, entries=entries_from(rows), user=request.user
            )
        except ValidationError as error:
            for row in rows:
                row.take_errors(error.message_dict)
            status = 400
        else:
            rows = build_rows(network, site, family, week, None)
    this_week = period_start("weekly", timezone.localdate())
    context = {
        "network": network,
        "site": site,
        "week": week,
        "rows": rows,
        "saved": saved,
        "week_error": week_error,
        "intro": "week",
        "failed": status == 400,
        "previous_week": week - datetime.timedelta(weeks=1),
        "next_week": week + datetime.timedelta(weeks=1) if week < this_week else None,
    }
    return render(request, "workspace/week.html", context, status=status)


@login_required
@require_POST
def week_check(request, network, site):
    """One measure's figures checked as they are typed: the row again, with its messages."""
    network, site = _context(request, network, site)
    week, _ = _week(request, network, site)
    slug = request.POST.get("measure", "")
    measure = measures.measures_for(network).filter(slug=slug).first()
    if measure is None:
        return render(request, "workspace/_week_row.html", {"row": None}, status=400)
    row: Row = build_rows(network, site, [measure], week, request.POST)[0]
    check_row(row, usual=measures.usual_range(site, [measure]).get(measure.pk))
    return render(
        request,
        "workspace/_week_row.html",
        {"row": row, "network": network, "site": site, "week": week},
    )
