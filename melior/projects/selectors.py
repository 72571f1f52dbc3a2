"""Reads for improvement projects, limited to sites the user may see."""

from django.db.models import QuerySet

from melior.networks.models import Network
from melior.networks.selectors import sites_for

from .models import ImprovementProject


def projects_for(user, network: Network) -> QuerySet[ImprovementProject]:
    return (
        ImprovementProject.objects.filter(network=network, site__in=sites_for(user, network))
        .select_related("site", "aim_measure")
        .order_by("site__name", "title")
    )
