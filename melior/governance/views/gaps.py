"""Equity over time: an outcome's mean per subgroup by month at the schools the user sees (and
its CSV), and a school's gap chart between two groups. Aggregates only, small cells hidden."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from melior.analysis import gaps as engine
from melior.analysis.suppression import LABEL as SUPPRESSED
from melior.core.csv import csv_response
from melior.networks.views import get_network

from .. import gaps, services
from ..models import SUBGROUPS, AccessLog
from .common import nav_flags


def _choice(request, network):
    q = request.GET
    try:
        return gaps.choose(
            network,
            outcome=q.get("outcome", ""),
            by=q.get("by", ""),
            a=q.get("a", ""),
            b=q.get("b", ""),
            period=q.get("period", "month"),
        )
    except gaps.BadChoice:
        return None


def _context(request, network, choice):
    return {
        "network": network,
        "choice": choice,
        "choices": gaps.choices_of(network),
        "subgroups": SUBGROUPS,
        "periods": engine.PERIODS,
        "privacy": services.privacy_for(network),
        **nav_flags(request.user, network),
    }


@login_required
def by_date_page(request, network):
    """Each group's mean by month, at every school the user sees together or at one."""
    network = get_network(request, network)
    choice = _choice(request, network)
    ctx = _context(request, network, choice)
    if choice is None:
        return render(request, "governance/by_date.html", ctx)
    result, sites = gaps.outcome_gaps(request.user, network, choice)
    site = next((s for s in sites.values() if s.slug == request.GET.get("school")), None)
    ctx.update(sites=list(sites.values()), site=site)
    if result is not None:
        unit = site.pk if site else None
        columns, rows = gaps.month_rows(result, unit)
        if request.GET.get("export") == "csv":
            return _by_date_csv(request, network, choice, site, columns, rows)
        ctx.update(
            columns=columns,
            rows=rows,
            spec=gaps.spec(request.user, network, choice, unit, gap=False),
            hidden=any(f is None for _, figures in rows for f in figures),
        )
    return render(request, "governance/by_date.html", ctx)


def _by_date_csv(request, network, choice, site, columns, rows):
    where = site.name if site else "all schools"
    services.log(
        user=request.user,
        network=network,
        action=AccessLog.Action.EXPORT_AGGREGATE,
        request=request,
        what=f"{choice.name} by {SUBGROUPS[choice.by]} by {choice.period}, {where} (CSV)",
        records=sum(f[1] for _, figures in rows for f in figures[-1:] if f is not None),
    )

    def lines():
        for period, figures in rows:
            for group, figure in zip(columns, figures, strict=True):
                if figure is None:
                    yield [period.date().isoformat(), group, SUPPRESSED, ""]
                else:
                    mean, n = figure
                    yield [period.date().isoformat(), group, n, _mean(mean, n)]

    return csv_response(
        f"{network.slug}-by-{choice.period}.csv",
        ["period", "subgroup", "students", "mean"],
        lines(),
    )


def _mean(mean, n):
    return float(f"{mean:.4g}") if n else ""


@login_required
def gap_page(request, network, site):
    """One school's gap between two groups, charted with its centre line and limits."""
    network = get_network(request, network)
    choice = _choice(request, network)
    ctx = _context(request, network, choice)
    if choice is None:
        raise Http404("No student-level outcomes have been loaded for this network.")
    result, sites = gaps.outcome_gaps(request.user, network, choice)
    school = next((s for s in sites.values() if s.slug == site), None)
    if school is None:
        raise Http404("No such school in the network, or not one you can see.")
    ctx.update(
        site=school,
        subgroup_label=SUBGROUPS[choice.by],
        groups=gaps.groups_of(choice.by),
        rest=gaps.REST,
        reading=engine.TOO_FEW,
    )
    if result is not None and school.pk in set(result.gaps["unit"]):
        points = result.gaps.loc[result.gaps["unit"] == school.pk]
        ctx.update(
            points=list(points.itertuples()),
            reading=result.reading(school.pk),
            summary=result.summary(school.pk),
            hidden_periods=[p.period for p in points.itertuples() if p.hidden],
        )
        ctx["spec"] = gaps.spec(request.user, network, choice, school.pk, gap=True)
    return render(request, "governance/gap.html", ctx)


@login_required
def gaps_panel(request, network):
    """The network page's "Gaps narrowing" panel, fetched once the page is shown: worked out
    cold over hundreds of schools it takes seconds the page itself should not wait for."""
    network = get_network(request, network)
    found = gaps.narrowing(request.user, network)
    if found is None:
        return HttpResponse("")
    return render(request, "governance/_gaps_panel.html", {"network": network, "gaps": found})
