"""An outcome by subgroup at each school the user sees, small cells suppressed."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from melior.analysis.suppression import LABEL as SUPPRESSED
from melior.core.csv import csv_response
from melior.networks.views import get_network

from .. import selectors, services
from ..models import SUBGROUPS, AccessLog
from .common import nav_flags


def _outcome(request, network):
    choices = selectors.outcome_choices(network)
    wanted = request.GET.get("outcome", "")
    for kind, name, purpose_id, _purpose_name in choices:
        if f"{kind}|{name}|{purpose_id}" == wanted:
            return choices, (kind, name, purpose_id)
    return choices, (choices[0][:3] if choices else None)


@login_required
def students_page(request, network):
    """An outcome by subgroup at each school the user sees, small cells suppressed."""
    network = get_network(request, network)
    choices, chosen = _outcome(request, network)
    by = request.GET.get("by", "economic_disadvantage_status")
    if by not in SUBGROUPS:
        by = "economic_disadvantage_status"
    ctx = {
        "network": network,
        "choices": choices,
        "chosen": chosen,
        "by": by,
        "subgroups": SUBGROUPS,
        "privacy": services.privacy_for(network),
        **nav_flags(request.user, network),
    }
    if chosen is not None:
        purpose = selectors.purpose_of(network, chosen[2])
        counts, means, s = selectors.aggregate(
            request.user, network, kind=chosen[0], name=chosen[1], by=by, purpose=purpose
        )
        masked = s.mask(means)
        if request.GET.get("export") == "csv":
            services.log(
                user=request.user,
                network=network,
                action=AccessLog.Action.EXPORT_AGGREGATE,
                request=request,
                what=f"{chosen[1]} by {SUBGROUPS[by]} (CSV)",
                records=int(counts.to_numpy().sum()),
            )
            return _aggregate_csv(network, counts, masked, s)
        ctx.update(
            purpose=purpose,
            suppression=s,
            rows=[
                (
                    site,
                    [
                        (col, masked.loc[site, col], counts.loc[site, col], s.hidden.loc[site, col])
                        for col in counts.columns
                    ],
                    s.row_totals[site],
                )
                for site in counts.index
            ],
            columns=list(counts.columns),
            column_totals=list(s.column_totals),
            rows_left_out=bool(s.row_total_hidden.any()),
        )
    return render(request, "governance/students.html", ctx)


def _aggregate_csv(network, counts, masked, s):
    """One row per school and subgroup; a hidden cell shows the suppression label. Means keep
    four significant figures and stay numbers (a negative mean is not text)."""

    def cells(site, col):
        if s.shown.loc[site, col]:
            return int(counts.loc[site, col]), float(f"{masked.loc[site, col]:.4g}")
        return SUPPRESSED, ""

    return csv_response(
        f"{network.slug}-by-subgroup.csv",
        ["school", "subgroup", "students", "mean"],
        ([site, col, *cells(site, col)] for site in counts.index for col in counts.columns),
    )
