"""Change ideas proposed by members under a driver of the network's theory, and the hub's
decision on each: accept, merge into an idea the theory has, or decline."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ChangeIdeaProposal, Link, Node
from .kinds import CHILD_KINDS
from .nodes import add_node, link_nodes


@transaction.atomic
def propose_change_idea(*, driver: Node, name: str, description: str = "", user=None):
    name = (name or "").strip()
    if (
        driver.diagram.project_id is not None
        or Node.Kind.CHANGE_IDEA not in CHILD_KINDS[driver.kind]
    ):
        raise ValidationError(
            {"driver": "Choose a secondary (or tertiary) driver of the network's theory."}
        )
    if not name:
        raise ValidationError({"name": "Give the change idea a short name."})
    if len(name) > 120:
        raise ValidationError({"name": "Keep the name to 120 characters."})
    return ChangeIdeaProposal.objects.create(
        diagram=driver.diagram, driver=driver, name=name,
        description=(description or "").strip(), proposed_by=user,
    )  # fmt: skip


def _decide(proposal, *, status, reason, result, user):
    if proposal.status != ChangeIdeaProposal.Status.OPEN:
        raise ValidationError(f"This proposal was already {proposal.get_status_display().lower()}.")
    proposal.status, proposal.reason, proposal.result = status, (reason or "").strip(), result
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.save()
    return proposal


@transaction.atomic
def accept_proposal(*, proposal, reason: str = "", user=None):
    """The idea becomes a change idea under its driver (or joins the same-named one there)."""
    if proposal.driver is None:
        raise ValidationError("Its driver has been deleted; merge it or decline it instead.")
    diagram = proposal.diagram
    same = diagram.nodes.filter(kind=Node.Kind.CHANGE_IDEA, name__iexact=proposal.name).first()
    if same is not None:
        raise ValidationError(
            f"There is already a change idea called “{same.name}”: merge the proposal into it."
        )
    node = add_node(
        diagram=diagram,
        kind=Node.Kind.CHANGE_IDEA,
        name=proposal.name,
        parents=[proposal.driver],
        description=proposal.description,
        user=user,
    )
    return _decide(proposal, status=ChangeIdeaProposal.Status.ACCEPTED, reason=reason,
                   result=node, user=user)  # fmt: skip


@transaction.atomic
def merge_proposal(*, proposal, into: Node, reason: str, user=None):
    """The idea is one the theory already has: record which, and hang that idea under the
    proposal's driver too when it is not there yet."""
    if into.diagram_id != proposal.diagram_id or into.kind != Node.Kind.CHANGE_IDEA:
        raise ValidationError({"into": "Choose a change idea of the network's theory."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why it is the same idea, for the proposer."})
    driver = proposal.driver
    if (
        driver is not None
        and Node.Kind.CHANGE_IDEA in CHILD_KINDS[driver.kind]
        and not Link.objects.filter(parent=driver, child=into).exists()
    ):
        link_nodes(parent=driver, child=into, user=user)
    return _decide(proposal, status=ChangeIdeaProposal.Status.MERGED, reason=reason,
                   result=into, user=user)  # fmt: skip


@transaction.atomic
def decline_proposal(*, proposal, reason: str, user=None):
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why, so the proposer learns from it."})
    return _decide(proposal, status=ChangeIdeaProposal.Status.DECLINED, reason=reason,
                   result=None, user=user)  # fmt: skip
