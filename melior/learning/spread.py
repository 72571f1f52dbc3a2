"""A site's stage with a change idea, derived from its PDSA cycles (docs/learning.md):

- not started — no cycle has started, or the latest decision was to abandon it (and no cycle
  has started since);
- testing — cycles have started, and none has adopted it yet (adapt keeps it testing);
- implementing — adopted at a scale below a whole grade (1 student … several classes);
- spreading — adopted for a whole grade or the whole school;
- sustaining — spreading for at least 26 weeks, and the idea's own measures at the site are
  not getting worse now (when one is, the site stays at spreading; balancing measures are
  reported beside the stage, they do not set it).

A stage set by hand (with its date) wins over what the cycles say until a later cycle event.
Fidelity has the last word: a school whose latest fidelity check of the idea is below the low
fidelity line (fidelity/scoring.py) is not implementing the idea, whatever its cycles or a
hand say — it is back at testing from the day of that check.
"""

import datetime
from dataclasses import dataclass

ORDER = ["not_started", "testing", "implementing", "spreading", "sustaining"]
WHOLE_GRADE = 5
SUSTAIN_AFTER = datetime.timedelta(weeks=26)


@dataclass(frozen=True)
class CycleEvent:
    started: datetime.date | None
    completed: datetime.date | None
    decision: str  # adopt | adapt | abandon | ""
    scale: int | None


@dataclass(frozen=True)
class Override:
    on: datetime.date
    stage: str


CARRYING = ("implementing", "spreading", "sustaining")


def stage_on(
    day: datetime.date,
    cycles,
    overrides=(),
    measure_worsening: bool = False,
    low_fidelity_since: datetime.date | None = None,
):
    """(stage, since when) of one site with one idea on `day`; `low_fidelity_since` is the
    date of the site's latest fidelity check when that check was low."""
    events = _events_by(day, cycles)
    stage, since = _stage_from(events)
    if stage == "spreading" and since and day - since >= SUSTAIN_AFTER:
        stage, since = "sustaining", since + SUSTAIN_AFTER
    last_event = events[-1][0] if events else None
    for override in sorted(overrides, key=lambda o: o.on):
        if override.on <= day and (last_event is None or override.on >= last_event):
            stage, since = override.stage, override.on
    if stage == "sustaining" and measure_worsening:
        stage = "spreading"
    if stage in CARRYING and low_fidelity_since is not None and low_fidelity_since <= day:
        stage, since = "testing", low_fidelity_since
    return stage, since


def _events_by(day: datetime.date, cycles) -> list[tuple]:
    """The cycles' starts and decisions up to `day`, in order (a start before a decision made
    the same day): [(when, 0 | 1, "start" | decision, cycle)]."""
    events = []
    for c in cycles:
        if c.started and c.started <= day:
            events.append((c.started, 0, "start", c))
        if c.completed and c.completed <= day and c.decision:
            events.append((c.completed, 1, c.decision, c))
    events.sort(key=lambda e: (e[0], e[1]))
    return events


def _stage_from(events) -> tuple[str, datetime.date | None]:
    """The stage the cycles' events reach, and since when (adapt keeps the stage)."""
    stage, since = "not_started", None
    for when, _, kind, cycle in events:
        if kind == "start" and stage == "not_started":
            stage, since = "testing", when
        elif kind == "abandon":
            stage, since = "not_started", when
        elif kind == "adopt":
            reached = "spreading" if (cycle.scale or 0) >= WHOLE_GRADE else "implementing"
            if ORDER.index(reached) > ORDER.index(stage):
                stage, since = reached, when
    return stage, since


def months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def network_timeline(per_site: dict, first: datetime.date, last: datetime.date):
    """Sites per stage at the end of each month: [(month, {stage: count})]; per_site maps a
    site to (cycles, overrides)."""
    rows = []
    for month in months(first, last):
        end = min(
            (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1), last
        )
        counts = dict.fromkeys(ORDER, 0)
        for cycles, overrides in per_site.values():
            counts[stage_on(end, cycles, overrides)[0]] += 1
        rows.append((month, counts))
    return rows
