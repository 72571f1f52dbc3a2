"""Reads for fidelity, each limited to what the user may see: a network idea's plan is the
network's (every member reads it), a school's own idea and every check and adaptation belong
to a school (read by those who see that school)."""

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from melior.measures.across_sites.keys import data_version
from melior.measures.across_sites.status import status_table
from melior.measures.models import Measure
from melior.networks.models import Network
from melior.networks.selectors import sites_for
from melior.pdsa.models import Cycle
from melior.theory.models import Node

from . import scoring
from .models import Adaptation, Check, FidelityPlan


def ideas_for(user, network: Network) -> QuerySet[Node]:
    """The change ideas whose fidelity the user may read: the network theory's, and the local
    ideas of the schools the user sees."""
    return (
        Node.objects.filter(diagram__network=network, kind=Node.Kind.CHANGE_IDEA)
        .filter(
            Q(diagram__project=None)
            | Q(origin=None, diagram__project__site__in=sites_for(user, network))
        )
        .select_related("diagram__project__site", "fidelity_plan")
        .order_by("diagram__project", "position", "pk")
    )


def idea_for(user, network: Network, pk: int) -> Node:
    return get_object_or_404(ideas_for(user, network), pk=pk)


def plans_for(user, network: Network) -> QuerySet[FidelityPlan]:
    return FidelityPlan.objects.filter(network=network, idea__in=ideas_for(user, network))


def checks_for(user, network: Network) -> QuerySet[Check]:
    return Check.objects.filter(
        plan__network=network, site__in=sites_for(user, network)
    ).select_related("plan__idea", "site")


def adaptations_for(user, network: Network) -> QuerySet[Adaptation]:
    return Adaptation.objects.filter(
        component__plan__network=network, site__in=sites_for(user, network)
    ).select_related("component__plan__idea", "site", "cycle")


# --- the hub's view: fidelity × outcome across schools ---------------------------------------


@dataclass(frozen=True)
class SchoolRow:
    site_id: int
    site: str
    latest: float | None  # the latest check's score
    latest_on: object
    change: float | None  # since the check before
    checks: int
    trend: str  # the fidelity measure's SPC status at the school
    outcomes: tuple[str, ...]  # status per outcome/driver measure, in `measures` order
    adaptations: tuple[tuple[str, str, bool, bool], ...]  # (component, what, planned, essential)

    @property
    def band(self) -> str:
        return scoring.band(self.latest)


@dataclass(frozen=True)
class Travel:
    """Adaptations of one component for one reason, and where the linked measures improved."""

    component: str
    goal: str
    essential: bool
    improved: tuple[str, ...]
    not_improved: tuple[str, ...]


@dataclass(frozen=True)
class FidelityView:
    measures: tuple[tuple[int, str], ...]  # (id, name) of the outcome and driver measures
    rows: tuple[SchoolRow, ...]
    crosstab: dict = field(default_factory=dict)  # band -> {improving, worsening, neither}
    travel: tuple[Travel, ...] = ()
    without_checks: int = 0  # visible schools with no check and no adaptation


def fidelity_view(user, network: Network, plan: FidelityPlan) -> FidelityView:
    """For one idea, per visible school that carries it: its latest fidelity and trend, its
    outcome and driver measures' status, its adaptations; and which adaptations travel with
    improvement. Cached under the data version (checks write observations, which move it),
    the adaptations logged and the schools the user sees."""
    version = data_version(network.pk)  # before the data
    site_ids = sorted(sites_for(user, network).values_list("pk", flat=True))
    stamp = Adaptation.objects.filter(component__plan=plan).aggregate(n=Count("pk"), last=Max("pk"))
    sites_key = hashlib.sha1(",".join(map(str, site_ids)).encode()).hexdigest()
    key = f"melior:fidelity-view:{plan.pk}:{version}:{stamp['n']}:{stamp['last']}:{sites_key}"
    view = cache.get(key)
    if view is None:
        view = _compute_view(network, plan, site_ids)
        cache.set(key, view, timeout=24 * 3600)
    return view


def _compute_view(network: Network, plan: FidelityPlan, site_ids: list[int]) -> FidelityView:
    table = status_table(network)
    statuses = table.statuses
    watched = [m for m in table.measures if m.kind in (Measure.Kind.OUTCOME, Measure.Kind.DRIVER)]
    names = dict(network.sites.filter(pk__in=site_ids).values_list("pk", "name"))
    history: dict[int, list[tuple]] = {}
    for site_id, day, score in (
        Check.objects.filter(plan=plan, site_id__in=site_ids)
        .order_by("site_id", "-checked_on", "-pk")
        .values_list("site_id", "checked_on", "score")
    ):
        history.setdefault(site_id, []).append((day, score))
    adaptations = list(
        Adaptation.objects.filter(component__plan=plan, site_id__in=site_ids)
        .order_by("made_on", "pk")
        .values_list("site_id", "component__name", "what", "planned", "essential", "goal",
                     "cycle_id")
    )  # fmt: skip
    by_site: dict[int, list] = {}
    for site_id, component, what, planned, essential, *_ in adaptations:
        by_site.setdefault(site_id, []).append((component, what, planned, essential))
    rows = []
    for site_id in sorted(set(history) | set(by_site), key=lambda pk: names[pk]):
        found = history.get(site_id, [])
        rows.append(
            SchoolRow(
                site_id=site_id,
                site=names[site_id],
                latest=found[0][1] if found else None,
                latest_on=found[0][0] if found else None,
                change=round(found[0][1] - found[1][1], 1) if len(found) > 1 else None,
                checks=len(found),
                trend=statuses.get((site_id, plan.measure_id), "no data"),
                outcomes=tuple(statuses.get((site_id, m.pk), "no data") for m in watched),
                adaptations=tuple(by_site.get(site_id, ())),
            )
        )
    order = {"high": 0, "moderate": 1, "low": 2, "none": 3}
    rows.sort(key=lambda r: (order[r.band], -(r.latest or 0), r.site))
    return FidelityView(
        measures=tuple((m.pk, m.name) for m in watched),
        rows=tuple(rows),
        crosstab=_crosstab(rows),
        travel=_travel(adaptations, statuses, watched, names),
        without_checks=len(site_ids) - len(rows),
    )


def _crosstab(rows) -> dict:
    """Schools per fidelity band by whether any outcome or driver measure shows a signal."""
    out = {band: {"improving": 0, "worsening": 0, "neither": 0} for band in scoring.BANDS}
    for row in rows:
        if "improving" in row.outcomes:
            out[row.band]["improving"] += 1
        elif "worsening" in row.outcomes:
            out[row.band]["worsening"] += 1
        else:
            out[row.band]["neither"] += 1
    return out


def _travel(adaptations, statuses, watched, names) -> tuple[Travel, ...]:
    """Group adaptations by component and goal; a school counts as improved when a measure
    linked to the adaptation (its PDSA cycle's measures, else the outcome and driver measures)
    shows improvement there."""
    cycle_ids = {a[6] for a in adaptations if a[6]}
    cycle_measures: dict[int, set[int]] = {}
    for cycle_id, measure_id in Cycle.measures.through.objects.filter(
        cycle_id__in=cycle_ids
    ).values_list("cycle_id", "measure_id"):
        cycle_measures.setdefault(cycle_id, set()).add(measure_id)
    default = {m.pk for m in watched}
    groups: dict[tuple, dict[int, bool]] = {}
    for site_id, component, _, _, essential, goal, cycle_id in adaptations:
        linked = cycle_measures.get(cycle_id) or default
        improved = any(statuses.get((site_id, m)) == "improving" for m in linked)
        seen = groups.setdefault((component, goal, essential), {})
        seen[site_id] = seen.get(site_id, False) or improved
    labels = dict(Adaptation.Goal.choices)
    travel = [
        Travel(
            component=component,
            goal=labels[goal],
            essential=essential,
            improved=tuple(sorted(names[s] for s, ok in sites.items() if ok)),
            not_improved=tuple(sorted(names[s] for s, ok in sites.items() if not ok)),
        )
        for (component, goal, essential), sites in groups.items()
    ]
    travel.sort(key=lambda t: (-len(t.improved), len(t.not_improved), t.component))
    return tuple(travel)


def latest_checks(idea, site_ids) -> dict[int, tuple]:
    """site id -> (date, score) of the school's latest fidelity check of the idea."""
    latest: dict[int, tuple] = {}
    for site_id, day, score in (
        Check.objects.filter(plan__idea=idea, site_id__in=site_ids)
        .order_by("site_id", "-checked_on", "-pk")
        .values_list("site_id", "checked_on", "score")
    ):
        latest.setdefault(site_id, (day, score))
    return latest
