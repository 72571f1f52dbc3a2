"""Schools learning from each other: what a cycle's team shares with the network, the network's
own choice, and a question to the team that ran a cycle."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Comment, Cycle, CycleSharing
from .notifications import notify

QUESTION_LIMIT = 2000


@transaction.atomic
def set_sharing(*, cycle: Cycle, shared: bool, shares_details: bool) -> Cycle:
    """The team's choice for one cycle: the summary, and its files and comments besides."""
    if shares_details and not shared:
        raise ValidationError(
            {"shares_details": "Share the summary too: files and comments go with it."}
        )
    cycle.shared, cycle.shares_details = shared, shares_details
    cycle.save(update_fields=["shared", "shares_details", "updated_at"])
    return cycle


@transaction.atomic
def set_network_sharing(*, network, enabled: bool) -> CycleSharing:
    setting, _ = CycleSharing.objects.update_or_create(
        network=network, defaults={"enabled": enabled}
    )
    return setting


def answerers(cycle: Cycle) -> list:
    """Who hears a question about a cycle: its authors, or else its project's team."""
    return list(cycle.authors.all()) or list(cycle.project.team.all())


@transaction.atomic
def ask_authors(*, cycle: Cycle, user, text: str, school: str = "") -> int:
    """A member of another school asks the cycle's team a question: kept on the cycle as a
    comment (the team answers where they work) and sent to each of its authors (or, for a
    cycle without authors, its project's team) as a notification.
    Returns how many people were told."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write your question."})
    if len(text) > QUESTION_LIMIT:
        raise ValidationError({"text": f"Keep the question under {QUESTION_LIMIT} characters."})
    authors = [a for a in answerers(cycle) if a.pk != user.pk]
    if not authors:
        raise ValidationError("Nobody on this cycle's team can be asked.")
    asker = user.get_full_name() or user.username
    where = f" ({school})" if school else ""
    Comment.objects.create(cycle=cycle, author=user, text=f"Question from {asker}{where}: {text}")
    for author in authors:
        notify(author, cycle, "question", f"{asker}{where} asks about “{cycle.title}”: {text}")
    return len(authors)
