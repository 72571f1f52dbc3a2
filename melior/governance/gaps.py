"""Reads for equity over time: an outcome's mean per subgroup by month at the schools a user
sees, and the gap between two groups charted per school (melior.analysis.gaps). Aggregates only:
every member of the network, over the sites they see, consent applied; each period's table of
schools × groups is suppressed once, and every page, CSV and API answer reads that one result."""

import hashlib
from collections import Counter
from dataclasses import dataclass

import pandas as pd
from django.core.cache import cache
from django.db.models import Count

from melior.analysis import gaps as engine
from melior.networks.selectors import sites_for

from .models import DATA_CHANGES, SUBGROUPS, AccessLog, Purpose, StudentOutcome
from .selectors import LABELS
from .services import privacy_for
from .subgroup_counts import counts, groups_of, newest, sources

REST = engine.REST
CACHE_SECONDS = 600


class BadChoice(ValueError):
    """A choice that names no outcome, subgroup or group: (field, message)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Choice:
    """What a gap view shows: an outcome (kind, name, purpose), a subgroup and two groups."""

    kind: str
    name: str
    purpose_id: int
    by: str
    a: str
    b: str
    period: str = "month"

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.name}|{self.purpose_id}"


def default_groups(by: str) -> tuple[str, str]:
    """The group of interest against the rest: Yes against No for a yes/no subgroup, else the
    first group against every other student."""
    labels = list(LABELS[by].values())
    if labels[:2] == ["Yes", "No"]:
        return "Yes", "No"
    return labels[0], REST


def choose(network, *, outcome="", by="", a="", b="", period="month", strict=False) -> Choice:
    """The choice a request names, checked; blanks take the defaults (the network's first
    attendance outcome, English learners Yes against No). strict: a named outcome, subgroup or
    group that does not exist is refused (BadChoice) instead of replaced by the default."""
    chosen = _outcome(network, outcome, strict)
    by = _pick("by", by, list(SUBGROUPS), "english_learner_status", strict, "a subgroup")
    period = _pick("period", period, list(engine.PERIODS), "month", strict, "a period")
    groups = groups_of(by)
    default_a, default_b = default_groups(by)
    a = _pick("a", a, groups, default_a, strict, "a group")
    b = _pick("b", b, [*groups, REST], default_b if default_b != a else REST, strict, "a group")
    if a == b:
        if strict:
            raise BadChoice("b", "Choose two different groups to compare.")
        b = REST
    return Choice(chosen[0], chosen[1], chosen[2], by, a, b, period)


def _outcome(network, outcome: str, strict: bool) -> tuple:
    """(kind, name, purpose id) of the outcome named by its key or its name, else the
    default (default_outcome)."""
    choices = choices_of(network)
    if not choices:
        raise BadChoice("outcome", "No student-level outcomes have been loaded for this network.")
    for c in choices:
        if outcome in (f"{c[0]}|{c[1]}|{c[2]}", c[1]):
            return c
    if outcome and strict:
        raise BadChoice("outcome", f"No outcome {outcome!r} in this network.")
    return default_outcome(network, choices)


def default_outcome(network, choices: list[tuple]) -> tuple:
    """The attendance outcome with the most records — a monthly rate over a yearly one, which
    gives a gap chart three points — else the first outcome."""
    attendance = [c for c in choices if c[0] == StudentOutcome.Kind.ATTENDANCE]
    if not attendance:
        return choices[0]
    records = dict(_outcomes(network))
    return max(attendance, key=lambda c: records.get(c, 0))


def choices_of(network) -> list[tuple]:
    """The network's outcomes: (kind, name, purpose id, purpose name)."""
    return [choice for choice, _ in _outcomes(network)]


def _outcomes(network) -> list[tuple[tuple, int]]:
    """Each outcome with its number of records, from one scan of every record, kept until a
    record is added, replaced or removed."""
    key = f"gaps-outcomes:{network.pk}:{network.created_at.isoformat()}:{_records_changed()}"
    found = cache.get(key)
    if found is None:
        # counted per site, in the (site, kind, name, purpose) index's own order: read from the
        # index alone, with no sort of every record (a network has hundreds of thousands)
        per_site = (
            StudentOutcome.objects.filter(site_id__in=network.sites.values("pk"))
            .values_list("site_id", "kind", "name", "purpose_id")
            .annotate(n=Count("*"))
            .order_by()
        )
        counts = Counter()
        for _, kind, name, purpose_id, n in per_site:
            counts[kind, name, purpose_id] += n
        purposes = Purpose.objects.filter(pk__in={c[2] for c in counts})
        names = dict(purposes.values_list("pk", "name"))
        found = [((*c, names[c[2]]), counts[c]) for c in sorted(counts)]
        cache.set(key, found, CACHE_SECONDS)
    return found


def _records_changed() -> str:
    """Moves on whenever a record is added, replaced or removed."""
    return f"{newest(StudentOutcome)}:{newest(AccessLog, action__in=DATA_CHANGES)}"


def _pick(field: str, value: str, allowed: list, default: str, strict: bool, what: str) -> str:
    if not value:
        return default
    if value in allowed:
        return value
    if strict:
        raise BadChoice(field, f"{value!r} is not {what} here; choose among: {', '.join(allowed)}.")
    return default


def state_of(user, network, choice: Choice) -> tuple[str, dict, tuple]:
    """A digest of everything the figures depend on, the schools the user sees by id, and
    the sources the counts are made from (subgroup_counts.sources)."""
    sites = {s.pk: s for s in sites_for(user, network).order_by("name")}
    # the network's creation time: a rebuilt database never meets an old entry. Not its data
    # version, which every measure's new figure moves on: gaps are of student records only
    source = sources(choice.purpose_id)
    min_n = privacy_for(network).min_cell_size
    state = (network.pk, network.created_at.isoformat(), sorted(sites), choice, source, min_n)
    return hashlib.sha256(repr(state).encode()).hexdigest(), sites, source


def outcome_gaps(
    user, network, choice: Choice, *, state=None
) -> tuple[engine.SubgroupGaps | None, dict]:
    """The suppressed figures and gap charts of every school the user sees, with the schools
    by id; None when there are no records. Cached per set of schools and choice, keyed by
    everything the figures depend on."""
    digest, sites, source = state or state_of(user, network, choice)
    key = f"gaps:{digest}"
    result = cache.get(key)
    if result is None:
        every = counts(network, choice, source)
        seen = every[every["unit"].isin(list(sites))]  # suppressed over these schools alone
        result = (
            engine.gaps_from_counts(
                seen,
                a=choice.a,
                b=choice.b,
                min_n=privacy_for(network).min_cell_size,
                period=choice.period,
                groups=groups_of(choice.by),
            )
            if len(seen)
            else False
        )
        if result is not False:
            _ = result.readings  # computed once, cached with the figures
        cache.set(key, result, CACHE_SECONDS)
    return (result or None), sites


def spec(user, network, choice: Choice, unit=None, *, gap: bool) -> dict | None:
    """The Vega-Lite spec of a school's gap chart (gap=True) or of the groups' means by period
    (one school, or all the user sees: unit None), cached with the figures it draws."""
    state = state_of(user, network, choice)
    key = f"gaps-spec:{gap}:{unit}:{state[0]}"
    drawn = cache.get(key)
    if drawn is None:
        result, _ = outcome_gaps(user, network, choice, state=state)
        chart = None
        if result is not None and not gap:
            chart = result.means_chart(unit)
        elif result is not None and result.gaps.loc[result.gaps["unit"] == unit, "gap"].count():
            chart = result.chart(unit, title=f"{choice.a} − {choice.b}")
        drawn = chart.to_dict(validate=False) if chart is not None else {}
        cache.set(key, drawn, CACHE_SECONDS)
    return drawn or None


def narrowing(user, network) -> dict | None:
    """The network page's panel: the schools (of those the user sees) whose default gap —
    the attendance outcome with the most records, English learners Yes against No — narrows by
    signal."""
    try:
        choice = choose(network)
    except BadChoice:
        return None
    result, sites = outcome_gaps(user, network, choice)
    if result is None:
        return None
    readings = result.readings
    counts = readings["reading"].value_counts()
    schools = [
        (sites[row.unit], row.latest_gap, row.cl)
        for row in readings.itertuples()
        if row.reading == engine.NARROWING
    ]
    return {
        "choice": choice,
        "subgroup": SUBGROUPS[choice.by],
        "schools": sorted(schools, key=lambda s: s[0].name),
        "counts": {reading: int(counts.get(reading, 0)) for reading in engine.READINGS},
        "total": len(readings),
    }


def month_rows(result: engine.SubgroupGaps, unit=None) -> tuple[list, list]:
    """The by-date table of the schools together (unit None) or of one: (columns, rows), a row
    per period of (period, [(mean, n) or None for each group and All students]) — None where
    the figure is suppressed."""
    columns = [*result.groups, engine.ALL]
    if unit is None:
        cells = result.pooled
    else:
        cells = pd.concat(
            [
                result.cells.loc[result.cells["unit"] == unit],
                result.totals.loc[result.totals["unit"] == unit].assign(group=engine.ALL),
            ],
            ignore_index=True,
        )
    table = cells.set_index(["period", "group"])
    rows = []
    for period in sorted(cells["period"].unique()):
        figures = []
        for group in columns:
            row = table.loc[(period, group)]
            figures.append(None if row["hidden"] else (row["mean"], int(row["n"])))
        rows.append((pd.Timestamp(period), figures))
    return columns, rows
