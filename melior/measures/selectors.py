"""Reads for measures. Callers pass objects they obtained through the networks selectors,
so a user only reaches measures of networks and sites they may see."""

from django.db.models import Case, QuerySet, Value, When

from melior.networks.models import Network, NetworkSite

from .models import Annotation, ChartSetting, Measure, Observation


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
