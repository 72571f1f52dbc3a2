"""The network at a glance and one school's page."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from melior.core.pagination import page_of
from melior.measures.across_sites.status import ASSURANCE, status_table
from melior.measures.models import Measure
from melior.measures.selectors import measures_for
from melior.networks.selectors import current_sites_for, has_site_with
from melior.networks.views import get_network, get_network_site
from melior.projects.selectors import projects_for

STATUS_PAGE_SIZE = 25  # each row is a school's status on every measure: a heavy row
SITE_FILTERS = {
    "all": "All schools",
    "attention": "Needing attention",
    "improving": "Improving",
}


@dataclass(frozen=True)
class Standing:
    """How one school stands across the measures, for ordering and filtering the table."""

    site_id: int
    name: str
    district: str
    worsening: int  # measures whose latest signal is a worsening
    missing_target: int  # measures whose target will reliably be missed
    improving: int

    @property
    def needs_attention(self) -> bool:
        return self.worsening > 0


@login_required
def network_detail(request, network):
    """The network at a glance. The status table is summarised so the page stays light at any
    size: schools needing attention (a worsening signal) first, the rest in pages, with a
    filter by name and standing."""
    network = get_network(request, network)
    table = status_table(network)
    sites = current_sites_for(request.user, network)
    standings = _standings(table, sites.values_list("pk", "name", "parent__name"))
    query = request.GET.get("q", "").strip()
    show = request.GET.get("show", "all")
    if show not in SITE_FILTERS:
        show = "all"
    shown = [s for s in standings if _matches(s, query, show)]
    page = page_of(request, shown, per_page=STATUS_PAGE_SIZE)
    order = {s.site_id: k for k, s in enumerate(page)}
    page_sites = sorted(sites.filter(pk__in=order), key=lambda site: order[site.pk])
    return render(
        request,
        "dashboard/network_detail.html",
        {
            "network": network,
            "measures": table.measures,
            "status_rows": _status_rows(network, page_sites, table),
            "page": page,
            "query": query,
            "show": show,
            "filters": SITE_FILTERS,
            "counts": {
                "all": len(standings),
                "attention": sum(s.needs_attention for s in standings),
                "improving": sum(bool(s.improving) for s in standings),
            },
            "projects": projects_for(request.user, network).filter(site__in=page_sites),
            "can_import": has_site_with(request.user, network, "enter_data"),
        },
    )


def _standings(table, sites) -> list[Standing]:
    """Every visible school from (id, name, district name) rows: the most worsening signals
    first, then the most targets reliably missed, then by name."""
    standings = [
        Standing(site_id, name, district or "", *table.standing.get(site_id, (0, 0, 0)))
        for site_id, name, district in sites
    ]
    standings.sort(key=lambda s: (-s.worsening, -s.missing_target, s.name.casefold()))
    return standings


def _matches(standing: Standing, query: str, show: str) -> bool:
    if query and query.casefold() not in f"{standing.name} {standing.district}".casefold():
        return False
    if show == "attention":
        return standing.needs_attention
    if show == "improving":
        return standing.improving > 0
    return True


def _movement(measure, status: str) -> tuple[str, str]:
    """The symbol of a status and the words on which way the measure moved. Improving and
    worsening are judged in the measure's own better direction; the arrow shows the way it
    moved, so a falling absence rate is "▼ improving"."""
    if status not in ("improving", "worsening"):
        return ("●" if status == "no change" else "○"), ""
    up_is_better = measure.desired_direction == Measure.Direction.UP
    rose = (status == "improving") == up_is_better
    better = "higher" if up_is_better else "lower"
    return (
        ("▲", f" (rising; {better} is better)")
        if rose
        else ("▼", f" (falling; {better} is better)")
    )


def _status_rows(network, sites, table) -> list[tuple]:
    """(site, site url, [(status, css class, symbol, chart url, title, assurance symbol,
    assurance class), ...]) per site shown. URLs are joined here rather than reversed per
    cell."""
    base = reverse("network", kwargs={"network": network.slug})
    rows = []
    for site in sites:
        site_url = f"{base}s/{site.slug}/"
        cells = []
        for measure, status, assurance in table.row(site.pk):
            mark, meaning = ASSURANCE.get(assurance, ("", ""))
            symbol, moved = _movement(measure, status)
            title = f"{measure.name} at {site.name}: {status}{moved}"
            cells.append(
                (
                    status,
                    status.replace(" ", "-"),
                    symbol,
                    f"{site_url}m/{measure.slug}/",
                    f"{title}; {meaning}" if meaning else title,
                    mark,
                    assurance.replace("_", "-"),
                )
            )
        rows.append((site, site_url, cells))
    return rows


@login_required
def site_detail(request, network, site):
    network = get_network(request, network)
    link = get_network_site(request, network, site)
    return render(
        request,
        "dashboard/site_detail.html",
        {
            "network": network,
            "site": link.organization,
            "measures": measures_for(network),
            "projects": projects_for(request.user, network).filter(site=link.organization),
            "can_start_project": link.retired_on is None
            and request.user.has_perm("networks.manage_projects", link),
        },
    )
