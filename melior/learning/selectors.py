"""What the hub learns from the network's data: bright spots, what works where, spread and
network health. Every read starts from the sites the user may see, so a school's members see
their own school in network context only."""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from melior.fidelity import scoring
from melior.fidelity.selectors import latest_checks
from melior.measures.across_sites.site_charts import signal_onsets
from melior.measures.across_sites.status import status_table
from melior.measures.models import Measure, Observation
from melior.networks.models import Membership
from melior.networks.selectors import sites_for
from melior.pdsa.evidence import poverty_band
from melior.pdsa.models import Comment, Cycle, LearningQuestion
from melior.pdsa.selectors import cycles_for
from melior.theory.selectors import network_ideas

from . import spread
from .models import ActivityStatus, SpreadOverride

BEFORE_SIGNAL = datetime.timedelta(days=183)  # "the months before the signal"
AFTER_SIGNAL = datetime.timedelta(days=28)


def activity_statuses(user, network):
    """Each activity's progress at the sites the user sees, soonest due first."""
    return (
        ActivityStatus.objects.filter(activity__network=network, site__in=sites_for(user, network))
        .select_related("activity", "site")
        .order_by("activity__due", "activity__pk", "site__name")
    )


def activity_status(user, network, pk: int) -> ActivityStatus:
    """One activity's progress at a site the user sees (404 for any other)."""
    return get_object_or_404(activity_statuses(user, network), pk=pk)


def evidence_cycles(user, network):
    """Finished cycles the user sees, latest first: the evidence a synthesis may cite."""
    return (
        cycles_for(user, network)
        .filter(status=Cycle.Status.DONE)
        .select_related("project__site")
        .order_by("-completed_on")
    )


def idea_measures(network) -> dict[int, set]:
    """network change idea id -> the measures that watch it: linked on the theory, or linked to
    the cycles that test it."""
    out: dict[int, set] = defaultdict(set)
    for idea in network_ideas(network).prefetch_related("measures"):
        out[idea.pk] |= {m.pk for m in idea.measures.all()}
    linked = (
        Cycle.measures.through.objects.filter(cycle__network=network)
        .exclude(cycle__network_idea=None)
        .values_list("cycle__network_idea_id", "measure_id")
        .distinct()
    )
    for idea_id, measure_id in linked:
        out[idea_id].add(measure_id)
    return out


# --- bright spots ------------------------------------------------------------------------------


@dataclass
class BrightSpot:
    site: object
    measure: object
    onset: datetime.date | None
    ideas: list = field(default_factory=list)  # [(idea node or name, tests, adopted)]


def bright_spots(user, network, measure=None) -> list[BrightSpot]:
    """Sites whose chart shows a current special-cause improvement, with when it began and the
    change ideas they tested in the months before (positive deviance: "what did they do?")."""
    sites = {s.pk: s for s in sites_for(user, network)}
    table = status_table(network)
    measures = [m for m in table.measures if measure is None or m.pk == measure.pk]
    spots = []
    for m in measures:
        improving = [sid for sid in sites if table.statuses.get((sid, m.pk)) == "improving"]
        if improving:
            onsets = _onsets(m, improving)
            spots += [BrightSpot(sites[sid], m, _as_date(onsets.get(sid))) for sid in improving]
    if not spots:
        return []
    cycles = (
        cycles_for(user, network)
        .filter(project__site_id__in={s.site.pk for s in spots})
        .values_list(
            "project__site_id",
            "network_idea__key",
            "change_idea__name",
            "started_on",
            "planned_start",
            "decision",
        )
    )
    by_site = defaultdict(list)
    for row in cycles:
        by_site[row[0]].append(row[1:])
    for spot in spots:
        spot.ideas = _ideas_tested_around(spot.onset, by_site[spot.site.pk])
    spots.sort(key=lambda s: s.onset or datetime.date.min, reverse=True)
    return spots


def _onsets(measure, improving: list[int]) -> dict:
    """When each improving site's signal began (cached until the measure's data changes; its
    version was read with it, before the data)."""
    key = f"melior:onsets:{measure.pk}:{measure.data_version}:{hash(tuple(sorted(improving)))}"
    onsets = cache.get(key)
    if onsets is None:
        onsets = signal_onsets(measure, improving)
        cache.set(key, onsets, timeout=24 * 3600)
    return onsets


def _ideas_tested_around(onset, cycles) -> list[tuple]:
    """The change ideas a site tested from the months before a signal's onset to just after:
    [(name, {"key", "tests", "adopted"})], adopted ones first, then the most tested."""
    if onset is None:
        return []
    tested: dict = {}
    for key, name, started, planned, decision in cycles:
        day = started or planned
        if day is not None and onset - BEFORE_SIGNAL <= day <= onset + AFTER_SIGNAL:
            entry = tested.setdefault(name, {"key": key, "tests": 0, "adopted": False})
            entry["tests"] += 1
            entry["adopted"] |= decision == Cycle.Decision.ADOPT
    return sorted(tested.items(), key=lambda item: (not item[1]["adopted"], -item[1]["tests"]))


def _as_date(value):
    if value is None or value != value:  # NaN
        return None
    return value if isinstance(value, datetime.date) else value.date()


# --- what works where --------------------------------------------------------------------------

DIMENSIONS = {
    "level": ("School level", lambda s: s.get_level_display() or "unknown"),
    "size": ("Size", lambda s: _size_band(s.enrolment)),
    "poverty": ("Poverty", lambda s: poverty_band(s.poverty_share)),
    "locale": ("Locale", lambda s: s.get_locale_display() or "unknown"),
}


def _size_band(enrolment):
    if enrolment is None:
        return "unknown"
    return (
        "small (< 800)" if enrolment < 800 else "medium" if enrolment < 1600 else "large (1,600+)"
    )


@dataclass
class Cell:
    sites: set = field(default_factory=set)
    adopted: set = field(default_factory=set)
    adapted: set = field(default_factory=set)
    abandoned: set = field(default_factory=set)
    improving: set = field(default_factory=set)  # adopting sites whose idea measure improves
    tests: int = 0


def what_works_where(user, network, dimension: str = "poverty"):
    """Change ideas × site context: in each cell the sites that tested the idea, their latest
    decisions, and how many adopting sites see one of the idea's measures improving."""
    label, band_of = DIMENSIONS[dimension]
    sites = {s.pk: s for s in sites_for(user, network)}
    bands = sorted({band_of(s) for s in sites.values()})
    ideas = list(network_ideas(network))
    measures = idea_measures(network)
    statuses = status_table(network).statuses
    cells = {(i.pk, b): Cell() for i in ideas for b in bands}
    latest: dict = {}
    rows = (
        cycles_for(user, network)
        .exclude(network_idea=None)
        .values_list("network_idea_id", "project__site_id", "decision", "completed_on", "pk")
    )
    for idea_id, site_id, decision, completed, pk in rows:
        cell = cells.get((idea_id, band_of(sites[site_id])))
        if cell is None:
            continue
        cell.sites.add(site_id)
        cell.tests += 1
        if decision:
            key = (idea_id, site_id)
            if key not in latest or (completed, pk) > latest[key][0]:
                latest[key] = ((completed, pk), decision)
    for (idea_id, site_id), (_, decision) in latest.items():
        cell = cells[(idea_id, band_of(sites[site_id]))]
        {"adopt": cell.adopted, "adapt": cell.adapted, "abandon": cell.abandoned}[decision].add(
            site_id
        )
        if decision == "adopt" and any(
            statuses.get((site_id, m)) == "improving" for m in measures.get(idea_id, ())
        ):
            cell.improving.add(site_id)
    return {
        "label": label,
        "bands": bands,
        "ideas": ideas,
        "cells": cells,
        "sites": sites,
        "band_sizes": {b: sum(band_of(s) == b for s in sites.values()) for b in bands},
    }


# --- spread ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadRow:
    site: object
    stage: str
    since: datetime.date | None
    cycles: int
    manual: bool  # a stage set by hand
    worsening: tuple[str, ...] = ()  # the idea's own measures getting worse at the site
    balancing: tuple[str, ...] = ()  # balancing measures getting worse (reported, not judged)
    fidelity: float | None = None  # the latest fidelity check's score
    low_fidelity: bool = False


def spread_for(user, network, idea, today=None):
    """Each visible site's stage with one network change idea now, and the network's sites per
    stage month by month. A measure's signal is read only at sites that carry the idea (not
    at one that never started or abandoned it), only for the idea's own measures (linked on
    its theory node or to the site's cycles testing it), each in its own better direction;
    balancing measures are reported as such and do not hold a site back."""
    today = today or datetime.date.today()
    sites = {s.pk: s for s in sites_for(user, network)}
    per_site = {pk: ([], []) for pk in sites}
    for row in (
        cycles_for(user, network)
        .filter(network_idea=idea)
        .values_list("project__site_id", "started_on", "completed_on", "decision", "scale")
    ):
        per_site[row[0]][0].append(spread.CycleEvent(row[1], row[2], row[3], row[4]))
    for o in SpreadOverride.objects.filter(
        network=network, change_idea=idea, site_id__in=list(sites)
    ):
        per_site[o.site_id][1].append(spread.Override(o.on, o.stage))
    table = status_table(network)
    statuses, kinds = table.statuses, {m.pk: m for m in table.measures}
    watch = _site_idea_measures(idea, list(sites))
    fidelity = latest_checks(idea, list(sites))
    current = []
    for pk, (cycles, overrides) in per_site.items():
        carrying = spread.stage_on(today, cycles, overrides)[0] != "not_started"
        watched = watch.get(pk, ()) if carrying else ()
        bad = [kinds[m] for m in watched if statuses.get((pk, m)) == "worsening"]
        own = tuple(sorted(m.name for m in bad if m.kind != Measure.Kind.BALANCING))
        balancing = tuple(sorted(m.name for m in bad if m.kind == Measure.Kind.BALANCING))
        checked_on, score = fidelity.get(pk, (None, None))
        low = scoring.band(score) == "low"
        stage, since = spread.stage_on(
            today, cycles, overrides, measure_worsening=bool(own),
            low_fidelity_since=checked_on if low else None,
        )  # fmt: skip
        current.append(
            SpreadRow(sites[pk], stage, since, len(cycles), bool(overrides), own, balancing,
                      score, low)
        )  # fmt: skip
    current.sort(key=lambda r: (-spread.ORDER.index(r.stage), r.site.name))
    starts = [c.started for cycles, _ in per_site.values() for c in cycles if c.started]
    timeline = spread.network_timeline(per_site, min(starts), today) if starts else []
    return current, timeline


def _site_idea_measures(idea, site_ids) -> dict[int, set[int]]:
    """site id -> the idea's own measures there: those linked on its theory node, and those of
    the site's own cycles testing it (a measure another school watched is not this one's)."""
    on_node = set(idea.measures.values_list("pk", flat=True))
    out = {pk: set(on_node) for pk in site_ids}
    for site_id, measure_id in (
        Cycle.measures.through.objects.filter(
            cycle__network_idea=idea, cycle__project__site_id__in=site_ids
        )
        .values_list("cycle__project__site_id", "measure_id")
        .distinct()
    ):
        out[site_id].add(measure_id)
    return out


def spread_overview(user, network, today=None):
    """Sites per current stage for every change idea of the network's theory."""
    return [
        (idea, _counts(spread_for(user, network, idea, today)[0]))
        for idea in network_ideas(network)
    ]


def _counts(current):
    counts = dict.fromkeys(spread.ORDER, 0)
    for row in current:
        counts[row.stage] += 1
    return counts


# --- network health ----------------------------------------------------------------------------


def health(user, network, today=None, months: int = 12):
    """Per site: PDSA cycles started per month, the share of cycles with every prediction
    written, the share of finished-or-overdue cycles studied, the median days from planned start
    to decision, and members active in the last 90 days."""
    today = today or datetime.date.today()
    back = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(back // 12, back % 12 + 1, 1)
    columns = spread.months(first, today)
    sites = list(sites_for(user, network).order_by("name"))
    cycles = cycles_for(user, network)
    per_month = defaultdict(lambda: defaultdict(int))
    for site_id, started in cycles.filter(started_on__gte=first).values_list(
        "project__site_id", "started_on"
    ):
        per_month[site_id][started.replace(day=1)] += 1
    unpredicted = set(
        LearningQuestion.objects.filter(cycle__in=cycles)
        .filter(Q(prediction="") & Q(predicted_value=None) & Q(predicted_direction=""))
        .values_list("cycle_id", flat=True)
    )
    facts = defaultdict(lambda: {"cycles": 0, "predicted": 0, "due": 0, "studied": 0, "days": []})
    for pk, site_id, status, summary, started, completed, due in cycles.annotate(
        start=Coalesce("started_on", "planned_start")
    ).values_list(
        "pk", "project__site_id", "status", "study_summary", "start", "completed_on", "due"
    ):
        f = facts[site_id]
        f["cycles"] += 1
        f["predicted"] += pk not in unpredicted
        if status == Cycle.Status.DONE or (due and due < today):
            f["due"] += 1
            f["studied"] += status == Cycle.Status.DONE and bool(summary.strip())
        if completed and started:
            f["days"].append((completed - started).days)
    active = _active_members(network, sites, today - datetime.timedelta(days=90))
    rows = []
    for site in sites:
        f = facts[site.pk]
        recent = sum(per_month[site.pk][m] for m in columns[-3:])
        studied = f["studied"] / f["due"] if f["due"] else None
        rows.append(
            {
                "site": site,
                "months": [(per_month[site.pk][m], min(per_month[site.pk][m], 3)) for m in columns],
                "cycles": f["cycles"],
                "predicted": f["predicted"] / f["cycles"] if f["cycles"] else None,
                "studied": studied,
                "median_days": statistics.median(f["days"]) if f["days"] else None,
                "active": active.get(site.pk, 0),
                "needs_support": recent == 0 or (studied is not None and studied < 0.5),
            }
        )
    return columns, rows


def _active_members(network, sites, since) -> dict[int, int]:
    """Distinct people per site who wrote or studied a cycle, commented, or entered data since
    `since`. Observations are reached through the network's members (an indexed lookup), not by
    scanning every observation."""
    start = datetime.datetime.combine(since, datetime.time(), tzinfo=datetime.UTC)
    people = defaultdict(set)
    for site_id, user_id in Cycle.authors.through.objects.filter(
        cycle__network=network, cycle__updated_at__gte=start
    ).values_list("cycle__project__site_id", "user_id"):
        people[site_id].add(user_id)
    for site_id, user_id in Comment.objects.filter(
        cycle__network=network, created_at__gte=start
    ).values_list("cycle__project__site_id", "author_id"):
        people[site_id].add(user_id)
    site_ids = [s.pk for s in sites]
    districts = {s.parent_id for s in sites if s.parent_id}
    members = Membership.objects.filter(
        Q(network=network) | Q(organization_id__in=site_ids) | Q(organization_id__in=districts)
    ).values_list("user_id", flat=True)
    for site_id, user_id in Observation.objects.filter(
        entered_by_id__in=list(members), organization_id__in=site_ids, updated_at__gte=start
    ).values_list("organization_id", "entered_by_id"):
        people[site_id].add(user_id)
    return {site_id: len(users - {None}) for site_id, users in people.items()}


def pending_activities(user, network, site_ids):
    """What the hub has asked of the given schools and is not done yet, soonest due first."""
    return (
        activity_statuses(user, network)
        .filter(site_id__in=set(site_ids))
        .exclude(status=ActivityStatus.Status.DONE)
    )
