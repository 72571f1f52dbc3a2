"""Comments on a cycle; an @username mention notifies that person if they can see the cycle."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Comment, Cycle
from .notifications import notify

MENTION = re.compile(r"@([\w.@+-]+)")


@transaction.atomic
def add_comment(*, cycle: Cycle, user, text: str, can_see) -> Comment:
    """A comment; @username mentions notify those users (if they can see the cycle), and the
    cycle's authors hear of every comment."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write a comment."})
    if len(text) > 5000:
        raise ValidationError({"text": "Keep comments under 5,000 characters."})
    names = {n.rstrip(".") for n in MENTION.findall(text)}
    users = get_user_model().objects.filter(username__in=names) if names else []
    mentioned = [u for u in users if u != user and can_see(u, cycle)]
    unknown = names - {u.username for u in users}
    if unknown:
        raise ValidationError(
            {"text": f"No one called @{sorted(unknown)[0]} works on this network."}
        )
    comment = Comment.objects.create(cycle=cycle, author=user, text=text)
    comment.mentions.set(mentioned)
    who = user.get_full_name() or user.username
    for person in mentioned:
        notify(person, cycle, "mention", f"{who} mentioned you on “{cycle.title}”")
    for author in cycle.authors.exclude(pk=user.pk):
        if author not in mentioned:
            notify(author, cycle, "comment", f"{who} commented on “{cycle.title}”")
    return comment
