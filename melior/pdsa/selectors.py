"""Reads for PDSA cycles. Every query starts from the sites the user may see, so a cycle at a
school out of reach is never returned."""

import datetime

import pandas as pd
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from melior.analysis.calibration import prediction_calibration
from melior.networks.models import Membership
from melior.networks.permissions import DATA_ENTRY_ROLES
from melior.networks.selectors import sites_for
from melior.projects.selectors import projects_for

from . import evidence
from .models import Cycle, CycleSharing, LearningQuestion, Notification


def cycles_for(user, network) -> QuerySet[Cycle]:
    return Cycle.objects.filter(network=network, project__site__in=sites_for(user, network))


def cycle_for(user, network, pk) -> Cycle | None:
    return (
        cycles_for(user, network)
        .select_related("project__site", "change_idea", "network_idea", "previous", "cloned_from")
        .filter(pk=pk)
        .first()
    )


def sharing_enabled(network) -> bool:
    return CycleSharing.objects.filter(network=network, enabled=False).first() is None


def shared_cycles(user, network) -> QuerySet[Cycle]:
    """Cycles other schools share with every member: on a network change idea, past the draft,
    the team's choice and the network's. Only their summary is shown (files and comments where
    the team shares them; never student-level data)."""
    if not user.has_perm("networks.view_network", network) or not sharing_enabled(network):
        return Cycle.objects.none()
    return Cycle.objects.filter(network=network, shared=True, network_idea__isnull=False).exclude(
        status=Cycle.Status.DRAFT
    )


def visible_cycles(user, network) -> QuerySet[Cycle]:
    """Every cycle the user may read at least the summary of."""
    return Cycle.objects.filter(
        Q(pk__in=cycles_for(user, network).values("pk"))
        | Q(pk__in=shared_cycles(user, network).values("pk"))
    )


def shared_cycle_for(user, network, pk) -> Cycle | None:
    """A cycle of another school, shared with this member (None when it is not)."""
    return (
        shared_cycles(user, network)
        .select_related("project__site__parent", "change_idea", "network_idea")
        .prefetch_related("questions", "authors")
        .filter(pk=pk)
        .first()
    )


def can_see(user, cycle: Cycle) -> bool:
    return cycles_for(user, cycle.network).filter(pk=cycle.pk).exists()


def plannable_projects(user, network):
    return [p for p in projects_for(user, network) if user.has_perm("pdsa.plan_cycle", p)]


FILTERS = ("idea", "driver", "site", "decision", "status", "since", "until", "q", "shared")


def search(user, network, params) -> QuerySet[Cycle]:
    """Cycles matching the filters a hub analyst uses: change idea (network key), driver (its
    change ideas), site, decision, status, date range (planned start), free text; with
    shared=1, other schools' shared cycles too."""
    reach = visible_cycles if params.get("shared") == "1" else cycles_for
    cycles = reach(user, network).select_related("project__site", "change_idea")
    if params.get("idea"):
        cycles = cycles.filter(
            Q(network_idea__key=params["idea"]) | Q(change_idea__key=params["idea"])
        )
    if params.get("driver"):
        cycles = cycles.filter(
            Q(network_idea__parent_links__parent__key=params["driver"])
            | Q(change_idea__parent_links__parent__key=params["driver"])
        ).distinct()
    if params.get("site"):
        cycles = cycles.filter(project__site__slug=params["site"])
    if params.get("decision"):
        cycles = cycles.filter(decision=params["decision"])
    if params.get("status"):
        cycles = cycles.filter(status=params["status"])
    # a cycle's date is the day it started, or the day it is planned to start until then
    cycles = cycles.annotate(start=Coalesce("started_on", "planned_start"))
    if params.get("since"):
        cycles = cycles.filter(start__gte=params["since"])
    if params.get("until"):
        cycles = cycles.filter(start__lte=params["until"])
    if params.get("q"):
        text = params["q"]
        cycles = cycles.filter(
            Q(title__icontains=text)
            | Q(objective__icontains=text)
            | Q(study_summary__icontains=text)
            | Q(decision_reason__icontains=text)
            | Q(what_happened__icontains=text)
            | Q(questions__question__icontains=text)
        ).distinct()
    return cycles.order_by(F("start").desc(nulls_last=True), "-pk")


def idea_evidence(user, network, node):
    """Every cycle testing a change idea of the network's theory that the user may read (their
    schools' and those other schools share), with the summary."""
    cycles = list(
        visible_cycles(user, network)
        .filter(Q(network_idea=node) | Q(change_idea=node))
        .select_related("project__site", "network")
        .order_by("project__site__name", "planned_start", "pk")
    )
    return cycles, evidence.summarise(cycles)


def ramps(cycles) -> list[tuple]:
    """Cycles on one change idea grouped per project, each group in order of start."""
    by_project: dict = {}
    for cycle in cycles:
        by_project.setdefault(cycle.project, []).append(cycle)
    return sorted(by_project.items(), key=lambda item: item[0].site.name)


def calibration(user, network, by: str = "site"):
    """Prediction calibration per site (or per project team) from studied questions."""
    rows = (
        LearningQuestion.objects.filter(cycle__in=cycles_for(user, network))
        .exclude(held="")
        .values(
            "held",
            "cycle__completed_on",
            "cycle__updated_at",
            "cycle__project__title",
            "cycle__project__site__name",
        )
    )
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return None
    frame["group"] = frame[
        "cycle__project__site__name" if by == "site" else "cycle__project__title"
    ]
    frame["date"] = frame["cycle__completed_on"].fillna(
        frame["cycle__updated_at"].map(lambda t: t.date() if t else None)
    )
    return prediction_calibration(frame, by="group", date="date", held="held")


def overdue(cycles, today: datetime.date | None = None):
    today = today or datetime.date.today()
    return cycles.exclude(status=Cycle.Status.DONE).filter(due__lt=today)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at=None).count()


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (the model's order)."""
    return Notification.objects.filter(user=user).select_related("cycle__network")


def author_candidates(cycle: Cycle) -> set:
    """Who may be a co-author: those who may enter data at the cycle's school, through the
    network, the school or its district."""
    site = cycle.project.site
    members = Membership.objects.filter(role__in=DATA_ENTRY_ROLES).filter(
        Q(network=cycle.network) | Q(organization=site) | Q(organization_id=site.parent_id)
    )
    return {m.user for m in members.select_related("user")}


def due_cycles(user, network, site_ids, today: datetime.date, within_days: int = 7):
    """Unfinished cycles due within a week or already overdue: the user's own (as an author or
    their maker) and those of the given schools; soonest first."""
    soon = today + datetime.timedelta(days=within_days)
    mine = Q(authors=user) | Q(created_by=user) | Q(project__site_id__in=set(site_ids))
    return (
        cycles_for(user, network)
        .exclude(status=Cycle.Status.DONE)
        .filter(mine, due__lte=soon)
        .select_related("project__site")
        .distinct()
        .order_by("due", "pk")
    )


def finished_since(user, network, since: datetime.date):
    """Cycles the user sees that were finished (a decision taken) on or after a day."""
    return (
        cycles_for(user, network)
        .filter(status=Cycle.Status.DONE, completed_on__gte=since)
        .select_related("project__site")
        .order_by("-completed_on", "-pk")
    )


def unread_for(user, kinds=("mention", "comment")) -> QuerySet[Notification]:
    """The user's unread notifications of some kinds: mentions and comments by default."""
    return notifications_for(user).filter(read_at=None, kind__in=kinds)
