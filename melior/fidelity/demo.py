"""Demo fidelity: the demo ideas' core components and configuration maps, checks at the schools
that adopted each idea since they adopted it (most steady, some drifting as the year wears on,
a few low from the start), and adaptations — among them a reactive change to an essential
component at a drifting school, tested in its PDSA cycle. Seeded; written in bulk."""

import datetime
import statistics

import numpy as np
from django.db import transaction

from melior.measures.models import Observation, period_start
from melior.measures.services import data_changed
from melior.pdsa.models import Cycle
from melior.theory.models import Node

from . import scoring, services
from .models import Adaptation, Check, FidelityPlan, Rating

# idea name -> (dimensions, rhythm, [(component, essential, ideal, acceptable, unacceptable)],
#               a reactive change to the first (essential) component, a planned change to the
#               third (adaptable) one: (what, why) each)
PLANS = {
    "Attendance success mentors for chronically absent 9th graders": (
        ["adherence", "dose"],
        "fortnightly",
        [
            (
                "Mentor meets the student every week",
                True,
                "A ten-minute check-in in person every week",
                "A check-in most weeks, or by phone",
                "Check-ins every other week or less",
            ),
            (
                "Family contact after each absence",
                True,
                "The mentor or the office calls home the same day",
                "A call within two school days",
                "Only when absences pile up",
            ),
            (
                "Attendance goal set with the student",
                False,
                "A written goal, reviewed at each check-in",
                "A spoken goal, revisited monthly",
                "No goal",
            ),
        ],
        (
            "Mentor check-ins moved to every other week during testing season",
            "Mentors were covering classes for absent colleagues.",
        ),
        (
            "Goals written on the advisory tracker instead of a separate card",
            "One place for the adviser and the mentor to see them.",
        ),
    ),
    "Weekly on-track check-ins in advisory": (
        ["adherence", "responsiveness"],
        "fortnightly",
        [
            (
                "Advisory reviews the on-track list every week",
                True,
                "Every advisory, every week, with this week's list",
                "Most advisories, most weeks",
                "The list is not looked at",
            ),
            (
                "Each off-track student leaves with a named next step",
                True,
                "A next step the student wrote, checked the following week",
                "A next step the adviser named",
                "No next step",
            ),
            (
                "Student conference format",
                False,
                "One-to-one conferences",
                "Small-group conferences",
                "Announcements to the class",
            ),
        ],
        (
            "The list is reviewed every other week, alternating with SEL lessons",
            "Advisory time was cut to make room for the new SEL curriculum.",
        ),
        (
            "Conferences in pairs of students with the same next step",
            "Advisers have 25 students; one-to-one took three weeks.",
        ),
    ),
    "Daily exit tickets with next-day re-teaching": (
        ["adherence", "quality"],
        "weekly",
        [
            (
                "Exit ticket on the day's objective",
                True,
                "Every lesson ends with a ticket on its objective",
                "Most lessons; the ticket is on the topic",
                "Occasional tickets",
            ),
            (
                "Next-day re-teaching from the results",
                True,
                "The next lesson opens with re-teaching for those who missed",
                "Re-teaching within the week",
                "Results are not used",
            ),
            (
                "Ticket format",
                False,
                "Two questions, sorted into three piles",
                "Paper or app, any short form",
                "No record kept",
            ),
        ],
        (
            "Re-teaching moved to Friday catch-up sessions",
            "Pacing guides left no time at the start of lessons.",
        ),
        (
            "Tickets answered in the learning app",
            "Sorting paper tickets took teachers twenty minutes a day.",
        ),
    ),
}
WEEK = datetime.timedelta(weeks=1)
STEP = {"weekly": WEEK, "fortnightly": 2 * WEEK, "monthly": 4 * WEEK}


def load_demo_fidelity(network, mondays, seed: int, today: datetime.date) -> int:
    """Plans, checks and adaptations for the demo's ideas unless they have plans; returns how
    many checks it wrote. Checks fall in the school weeks (`mondays`) only."""
    ideas = Node.objects.filter(
        diagram__network=network, diagram__project=None, kind=Node.Kind.CHANGE_IDEA,
        name__in=PLANS,
    ).order_by("position", "pk")  # fmt: skip
    if not ideas or ideas.filter(fidelity_plan__isnull=False).exists():
        return 0
    rng = np.random.default_rng(seed + 20)
    written = 0
    with transaction.atomic():
        for idea in ideas:
            written += _load_idea(idea, rng, today, set(mondays))
        # bulk writes send no model signals
        charted = FidelityPlan.objects.filter(network=network).values_list("measure_id", flat=True)
        data_changed(network.pk, [pk for pk in charted if pk is not None])
    return written


def _load_idea(idea, rng, today, in_session: set) -> int:
    dimensions, rhythm, components, reactive, planned = PLANS[idea.name]
    plan = services.define_plan(idea=idea, dimensions=dimensions, rhythm=rhythm)
    made = [
        services.add_component(plan=plan, name=name, essential=essential, ideal=ideal,
                               acceptable=acceptable, unacceptable=unacceptable)
        for name, essential, ideal, acceptable, unacceptable in components
    ]  # fmt: skip
    adopted = {}
    for site_id, done, cycle_id in (
        Cycle.objects.filter(network_idea=idea, decision=Cycle.Decision.ADOPT)
        .order_by("project__site_id", "completed_on")
        .values_list("project__site_id", "completed_on", "pk")
    ):
        adopted.setdefault(site_id, (done, cycle_id))
    profiles = list(
        rng.choice(["steady", "drifting", "low"], size=len(adopted), p=[0.6, 0.25, 0.15])
    )
    if profiles and "drifting" not in profiles:
        profiles[-1] = "drifting"  # every idea shows drift somewhere
    checks, ratings_of = [], []
    for (site_id, (since, cycle_id)), profile in zip(
        sorted(adopted.items()), profiles, strict=True
    ):
        days = _days(max(since, today - 30 * WEEK), today, STEP[rhythm], in_session)
        for k, day in enumerate(days):
            progress = k / max(len(days) - 1, 1)
            levels = _levels(rng, profile, progress, made, dimensions)
            result = scoring.score(
                scoring.Rating(c.pk, c.essential, d, level) for (c, d), level in levels.items()
            )
            checks.append(Check(plan=plan, site_id=site_id, checked_on=day, score=result.value,
                                capped=result.capped, rated_by="Instructional coach"))  # fmt: skip
            ratings_of.append(levels)
        if profile == "drifting" and days:  # the slide starts with a reactive change
            _adapt(made[0], site_id, days[len(days) // 3], planned=False, text=reactive,
                   cycle_id=cycle_id)  # fmt: skip
        elif profile == "steady" and days and rng.random() < 0.4:
            _adapt(made[2], site_id, days[0], planned=True, text=planned)
    Check.objects.bulk_create(checks, batch_size=2000)
    Rating.objects.bulk_create(
        (
            Rating(check_record=check, component=c, dimension=d, level=level)
            for check, levels in zip(checks, ratings_of, strict=True)
            for (c, d), level in levels.items()
        ),
        batch_size=5000,
    )
    _observations(plan, checks)
    return len(checks)


def _days(first, last, step, in_session: set) -> list:
    """A check every `step` from `first` (on a Wednesday) to `last`, in school weeks only."""
    days, day = [], first - datetime.timedelta(days=first.weekday() - 2)
    while day <= last:
        if day - datetime.timedelta(days=2) in in_session:
            days.append(day)
        day += step
    return days


def _levels(rng, profile: str, progress: float, components, dimensions) -> dict:
    """One check's ratings: steady schools mostly ideal; drifting ones slide on the first
    (essential) component as the year goes on; low ones are acceptable at best."""
    levels = {}
    for k, component in enumerate(components):
        for dimension in dimensions:
            if profile == "low":
                level = int(rng.choice([0, 1, 1, 2])) if component.essential else 1
            elif profile == "drifting" and k == 0:
                level = 2 if progress < 0.3 else 1 if progress < 0.7 else int(rng.choice([0, 1]))
            else:
                level = int(rng.choice([1, 2, 2, 2, 2]))
            levels[(component, dimension)] = level
    return levels


def _observations(plan, checks) -> None:
    per_period: dict[tuple, list[float]] = {}
    for check in checks:
        key = (check.site_id, period_start(plan.measure.frequency, check.checked_on))
        per_period.setdefault(key, []).append(check.score)
    Observation.objects.bulk_create(
        [
            Observation(
                measure=plan.measure,
                organization_id=site_id,
                period_start=start,
                value=round(statistics.fmean(scores), 1),
            )
            for (site_id, start), scores in per_period.items()
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def _adapt(component, site_id, day, *, planned: bool, text, cycle_id=None) -> None:
    what, reason = text
    Adaptation.objects.create(
        component=component, site_id=site_id, made_on=day, what=what, reason=reason,
        goal=Adaptation.Goal.FIT_CONTEXT if not planned else Adaptation.Goal.FEASIBILITY,
        decided_by="The school's 9th-grade team", planned=planned,
        essential=component.essential, cycle_id=cycle_id,
    )  # fmt: skip
