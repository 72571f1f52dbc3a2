"""Reads for measures. Callers pass objects they obtained through the networks selectors,
so a user only reaches measures of networks and sites they may see."""

from django.db.models import QuerySet

from melior.networks.models import Network, NetworkSite

from .models import Annotation, ChartSetting, Measure, Observation


def measures_for(network: Network) -> QuerySet[Measure]:
    return network.measures.all()


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
