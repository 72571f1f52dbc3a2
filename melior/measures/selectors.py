"""Reads for measures. Callers pass objects they obtained through the networks selectors,
so a user only reaches measures of networks and sites they may see."""

import datetime

from django.db.models import Case, F, Max, Min, QuerySet, Value, When

from melior.networks.models import Network, NetworkSite

from .models import Annotation, ChartSetting, Measure, Observation, period_start


def measures_for(network: Network) -> QuerySet[Measure]:
    """The network's family of measures in the order of the theory: outcome, driver, process,
    balancing."""
    rank = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(Measure.Kind.values)],
        default=Value(len(Measure.Kind.values)),
    )
    return network.measures.annotate(kind_rank=rank).order_by("kind_rank", "name")


def site_series(network_site: NetworkSite, measure: Measure) -> QuerySet[Observation]:
    """A site's observations of a measure in period order."""
    return Observation.objects.filter(
        measure=measure, organization_id=network_site.organization_id
    ).order_by("period_start")


def site_annotations(network_site: NetworkSite, measure: Measure) -> QuerySet[Annotation]:
    return Annotation.objects.filter(
        measure=measure, organization_id=network_site.organization_id
    ).order_by("date")


def chart_setting(network_site: NetworkSite, measure: Measure) -> ChartSetting | None:
    return ChartSetting.objects.filter(
        measure=measure, organization_id=network_site.organization_id
    ).first()


def theory_nodes(measure: Measure, site=None):
    """Where the measure sits in the network's theory (and in the site's adaptations of it)."""
    nodes = measure.theory_nodes.filter(diagram__project=None)
    if site is not None:
        nodes = nodes | measure.theory_nodes.filter(diagram__project__site=site)
    return nodes.select_related("diagram__project").order_by("diagram_id", "position")


def remembered_mapping(network: Network, source: str) -> dict[str, str]:
    """The columns remembered for files from `source` ({} for a new or unnamed source)."""
    found = network.import_mappings.filter(source=(source or "").strip()).first()
    return dict(found.mapping) if found else {}


def current_period(measure: Measure, today: datetime.date) -> datetime.date:
    """The period that contains today: the one a school fills in this week (or month)."""
    return period_start(measure.frequency, today)


def missing_this_period(network: Network, site_ids, today: datetime.date) -> list[tuple]:
    """(site id, measure, period) for each measure with no value yet for its current period at
    each of the given schools, in the order of the family of measures."""
    measures = list(measures_for(network))
    site_ids = set(site_ids)
    if not measures or not site_ids:
        return []
    periods = {m.pk: current_period(m, today) for m in measures}
    have = set(
        Observation.objects.filter(
            measure__in=measures,
            organization_id__in=site_ids,
            period_start__in=set(periods.values()),
        ).values_list("organization_id", "measure_id", "period_start")
    )
    return [
        (site_id, m, periods[m.pk])
        for site_id in sorted(site_ids)
        for m in measures
        if (site_id, m.pk, periods[m.pk]) not in have
    ]


def next_week_due(network: Network, organization, today: datetime.date) -> datetime.date:
    """The Monday of the first week a school still has to fill in: the week after its latest
    entry of each measure, the earliest of those, and never later than this week (nor more
    than a school term back, for a school that stopped entering long ago)."""
    this_week = period_start("weekly", today)
    latest = (
        Observation.objects.filter(measure__network=network, organization=organization)
        .values("measure_id")
        .annotate(last=Max("period_start"))
    )
    measures = {m.pk: m for m in measures_for(network)}
    nexts = []
    for row in latest:
        measure = measures.get(row["measure_id"])
        if measure is not None:
            after = _period_after(measure.frequency, row["last"])
            nexts.append(period_start("weekly", after))
    if len(nexts) < len(measures):  # a measure never entered is due this week
        nexts.append(this_week)
    earliest = min(nexts, default=this_week)
    return min(max(earliest, this_week - datetime.timedelta(weeks=12)), this_week)


def _period_after(frequency: str, start: datetime.date) -> datetime.date:
    if frequency == "daily":
        return start + datetime.timedelta(days=1)
    if frequency == "weekly":
        return start + datetime.timedelta(weeks=1)
    months = 3 if frequency == "quarterly" else 1
    month = start.month - 1 + months
    return datetime.date(start.year + month // 12, month % 12 + 1, 1)


def week_observations(organization, measures, week: datetime.date) -> dict[int, Observation]:
    """measure id → the school's observation of the period that contains `week`, if any."""
    wanted = {m.pk: period_start(m.frequency, week) for m in measures}
    found = Observation.objects.filter(
        organization=organization, measure__in=measures, period_start__in=set(wanted.values())
    )
    return {o.measure_id: o for o in found if wanted[o.measure_id] == o.period_start}


def usual_range(organization, measures) -> dict[int, tuple[float, float]]:
    """measure id → the lowest and highest value the school has recorded (in display units:
    a percentage for proportions), to question a figure far outside them."""
    out = {}
    rows = (
        Observation.objects.filter(organization=organization, measure__in=measures)
        .values("measure_id")
        .annotate(
            low=Min("value"),
            high=Max("value"),
            low_share=Min(F("numerator") / F("denominator")),
            high_share=Max(F("numerator") / F("denominator")),
        )
    )
    scale = {m.pk: m.display_scale for m in measures}
    for row in rows:
        if row["low"] is not None:
            out[row["measure_id"]] = (row["low"], row["high"])
        elif row["low_share"] is not None:
            factor = scale[row["measure_id"]]
            out[row["measure_id"]] = (row["low_share"] * factor, row["high_share"] * factor)
    return out


def entered_since(network: Network, site_ids, since) -> set[tuple[int, int]]:
    """(site id, measure id) pairs with a value entered or corrected since a moment."""
    return set(
        Observation.objects.filter(
            measure__network=network, organization_id__in=set(site_ids), updated_at__gte=since
        )
        .values_list("organization_id", "measure_id")
        .distinct()
    )
