"""Changes to a person's workspace state: their visits, checklist steps and its dismissal."""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import Visit

# looks at "My work" closer together than this are one visit: reloading the page does not
# make what changed since the last visit disappear
SAME_VISIT = datetime.timedelta(hours=1)


@transaction.atomic
def record_visit(*, user, now=None) -> Visit:
    """Note a look at "My work"; a new visit moves `since` on to the end of the last one."""
    now = now or timezone.now()
    visit, _ = Visit.objects.select_for_update().get_or_create(user=user)
    if visit.last_seen_at is None or now - visit.last_seen_at > SAME_VISIT:
        visit.since = visit.last_seen_at
    visit.last_seen_at = now
    visit.save(update_fields=["since", "last_seen_at"])
    return visit


@transaction.atomic
def take_step(*, user, step: str) -> None:
    visit, _ = Visit.objects.select_for_update().get_or_create(user=user)
    if step not in visit.steps:
        visit.steps = [*visit.steps, step]
        visit.save(update_fields=["steps"])


@transaction.atomic
def dismiss_checklist(*, user, now=None) -> None:
    visit, _ = Visit.objects.get_or_create(user=user)
    visit.checklist_dismissed_at = now or timezone.now()
    visit.save(update_fields=["checklist_dismissed_at"])
