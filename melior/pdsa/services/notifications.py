"""Notifications to the people on a cycle: comments, mentions, overdue reminders, the digest."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from ..models import Cycle, Notification
from .flow import today_or

S = Cycle.Status


def notify(user, cycle, kind: str, text: str) -> Notification:
    return Notification.objects.create(user=user, cycle=cycle, kind=kind, text=text[:300])


@transaction.atomic
def notify_overdue(*, today=None) -> int:
    """One reminder to each author of each cycle past its due date and not done (once per
    cycle and author). Returns how many were sent."""
    today = today_or(today)
    sent = 0
    overdue = Cycle.objects.exclude(status=S.DONE).filter(due__lt=today)
    for cycle in overdue.prefetch_related("authors"):
        for author in cycle.authors.all():
            if not Notification.objects.filter(user=author, cycle=cycle, kind="overdue").exists():
                notify(
                    author, cycle, "overdue", f"“{cycle.title}” was due on {date_format(cycle.due)}"
                )
                sent += 1
    return sent


@transaction.atomic
def mark_read(*, user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def send_digest(*, connection=None) -> int:
    """Email each user the notifications not yet emailed (the console backend by default);
    returns how many emails were sent."""
    from django.core.mail import send_mail

    sent = 0
    pending = Notification.objects.filter(emailed_at=None).select_related("user", "cycle")
    by_user: dict = {}
    for note in pending:
        by_user.setdefault(note.user, []).append(note)
    for user, notes in by_user.items():
        if not user.email:
            continue
        lines = [f"- {n.text}" for n in notes]
        plural = "s" if len(notes) > 1 else ""
        send_mail(
            subject=f"Melior: {len(notes)} update{plural} on your PDSA cycles",
            message="\n".join(["What happened on your cycles since the last digest:", "", *lines]),
            from_email=None,
            recipient_list=[user.email],
            connection=connection,
        )
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        sent += 1
    return sent
