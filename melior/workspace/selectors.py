"""What "My work" shows a person, gathered from each domain app's own selectors (which scope
every read to what the person may see)."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from melior.learning import selectors as learning
from melior.learning.models import Announcement, Synthesis
from melior.measures import selectors as measures
from melior.measures.across_sites.status import status_table
from melior.measures.models import Observation
from melior.networks.selectors import (
    current_sites_for,
    main_role,
    network_summaries,
    own_site_ids,
    site_ids_with,
)
from melior.pdsa import selectors as pdsa
from melior.pdsa.models import Comment, Cycle

from . import checklist
from .models import Visit

SIGNAL_WORDS = {"improving", "worsening"}


@dataclass
class NetworkWork:
    network: object
    missing: list = field(default_factory=list)  # [(site, measure, period)]
    entry_sites: list = field(default_factory=list)  # schools whose week the user may enter
    cycles: list = field(default_factory=list)
    asked: list = field(default_factory=list)  # hub activities pending at my schools
    signals: list = field(default_factory=list)  # [(site, measure, status)] new since last visit
    bright_spots: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    checklist: list = field(default_factory=list)
    role: str = "viewer"


def visit_of(user) -> Visit | None:
    return Visit.objects.filter(user=user).first()


def my_work(user, since: datetime.datetime | None, today: datetime.date | None = None):
    today = today or timezone.localdate()
    visit = visit_of(user)
    done = set(visit.steps if visit else ())
    done |= _steps_from_data(user)
    show_checklist = visit is None or visit.checklist_dismissed_at is None
    role = main_role(user)
    out = []
    for network in network_summaries(user):
        out.append(_network_work(user, network, since, today, role, done, show_checklist))
    return out


def _network_work(user, network, since, today, role, done, show_checklist) -> NetworkWork:
    work = NetworkWork(network=network, role=role)
    sites = {s.pk: s for s in current_sites_for(user, network)}
    mine = own_site_ids(user, network) & set(sites)
    entry_ids = site_ids_with(user, network, "enter_data") & mine
    work.entry_sites = sorted((sites[pk] for pk in entry_ids), key=lambda s: s.name)
    work.missing = [
        (sites[site_id], measure, period)
        for site_id, measure, period in measures.missing_this_period(network, mine, today)
    ]
    work.cycles = list(pdsa.due_cycles(user, network, mine, today)[:20])
    work.asked = list(learning.pending_activities(user, network, mine)[:20])
    if since is not None:
        work.signals, work.bright_spots = _changed(user, network, sites, mine, since)
        work.finished = list(pdsa.finished_since(user, network, since.date())[:20])
    if show_checklist:
        work.checklist = checklist.steps_for(role, network, done)
    return work


def _changed(user, network, sites, mine, since):
    """New signals at my schools (all visible schools for network-wide roles) and new bright
    spots across the network: charts that show a signal now and had data entered since."""
    watched = mine or set(sites)
    fresh = measures.entered_since(network, set(sites), since)
    if not fresh:
        return [], []
    table = status_table(network)
    by_pk = {m.pk: m for m in table.measures}
    signals, spots = [], []
    for site_id, measure_id in sorted(fresh):
        status = table.statuses.get((site_id, measure_id))
        if status not in SIGNAL_WORDS or measure_id not in by_pk:
            continue
        if site_id in watched:
            signals.append((sites[site_id], by_pk[measure_id], status))
        if status == "improving":
            spots.append((sites[site_id], by_pk[measure_id]))
    return signals, spots


def _steps_from_data(user) -> set[str]:
    """Checklist steps read from what the person has made."""
    done = set()
    if Observation.objects.filter(entered_by=user).exists():
        done.add("entered")
    if Cycle.objects.filter(created_by=user).exists():
        done.add("planned")
    if Comment.objects.filter(author=user).exists():
        done.add("commented")
    made = (
        Announcement.objects.filter(author=user).exists()
        or Synthesis.objects.filter(author=user).exists()
        or learning.ActivityStatus.objects.filter(activity__created_by=user).exists()
    )
    if made:
        done.add("convening")
    return done


def mentions(user, limit: int = 20):
    """Unread mentions and comments addressed to the user."""
    return list(pdsa.unread_for(user)[:limit])
