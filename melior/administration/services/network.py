"""The network's own settings, a new network by the operator, and its measures."""

from django.core.exceptions import ValidationError
from django.db import transaction

from melior.learning.services import set_phase
from melior.measures.models import Measure
from melior.measures.services import create_measure, update_measure
from melior.networks.models import Network, Role
from melior.networks.services import create_network, update_network
from melior.theory.models import Node
from melior.theory.services import link_measure, unlink_measure

from .people import invite


@transaction.atomic
def save_settings(*, network: Network, user, phase: str = "", **fields) -> Network:
    """Name, shared aim, problem statement; a changed phase starts a new one today."""
    update_network(network=network, **fields)
    current = network.phases.first()
    if phase and (current is None or current.phase != phase):
        set_phase(network=network, phase=phase, user=user)
    return network


@transaction.atomic
def start_network(*, operator, name: str, aim: str, lead_email: str, request=None):
    """The operator's new network and the invitation of its lead, together or not at all."""
    if not (name or "").strip():
        raise ValidationError({"name": "Give the network a name."})
    network = create_network(name=name.strip(), aim=(aim or "").strip())
    invitation = invite(
        inviter=operator, network=network, email=lead_email, role=Role.NETWORK_LEAD,
        request=request,
    )  # fmt: skip
    return network, invitation


def _measure_slug(network: Network, name: str, measure: Measure | None) -> str:
    from django.utils.text import slugify

    base = slugify(name)[:70] or "measure"
    taken = set(
        network.measures.exclude(pk=getattr(measure, "pk", None)).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def define_measure(
    *, network: Network, user, measure: Measure | None = None, node: Node | None = None, **fields
) -> Measure:
    """A new measure of the network, or a change to one, and where it sits on the network's
    theory (a node of its driver diagram). The target rule: measures.services.check_target."""
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": "Name the measure."})
    if measure is None:
        slug = _measure_slug(network, fields["name"], None)
        measure = create_measure(network=network, slug=slug, **fields)
    else:
        measure = update_measure(measure=measure, **fields)
    if node is not None and node.diagram.network_id != network.pk:
        raise ValidationError({"node": "Choose a node of this network's theory."})
    for old in measure.theory_nodes.filter(diagram__project=None).exclude(
        pk=getattr(node, "pk", None)
    ):
        unlink_measure(node=old, measure=measure, user=user)
    if node is not None and not node.measures.filter(pk=measure.pk).exists():
        try:
            link_measure(node=node, measure=measure, user=user)
        except ValidationError as error:
            raise ValidationError({"node": error.messages}) from None
    return measure
