"""Reads for theories of improvement; callers reach the network through networks.selectors."""

from melior.networks.models import Network

from .models import DiagramVersion, DriverDiagram


def network_diagram_or_none(network: Network) -> DriverDiagram | None:
    return DriverDiagram.objects.filter(network=network, project=None).first()


def history(diagram: DriverDiagram | None):
    if diagram is None:
        return DiagramVersion.objects.none()
    return diagram.versions.select_related("author").order_by("-number")
