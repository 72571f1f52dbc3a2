"""PDSA cycles for the demo network: each school tests change ideas in ramps — small tests
growing in scale, predictions written before each test and scored after it, decisions marked.
A school that adopted an idea (the generator's dated change) got there through a ramp of
cycles ending in "adopt" just before that date; every school also tried other ideas, some
abandoned, some still being adapted, a few running now. Seeded, so the same data every time;
loaded once per school."""

import datetime

import numpy as np
from django.db import transaction

from melior.theory.models import DriverDiagram, Node

from .models import Cycle, LearningQuestion, Scale

# per change idea: (the process measure its cycles watch, quantitative question, unit,
# typical predicted value, qualitative question, qualitative prediction)
IDEAS = {
    "Daily exit tickets with next-day re-teaching": (
        "exit-ticket-mastery",
        "What share of students will master the exit ticket by day 3?",
        "%",
        65,
        "Will re-teaching fit in the first 10 minutes of the next lesson?",
        "Yes, if the exit ticket has at most 3 questions",
    ),
    "Weekly on-track check-ins in advisory": (
        "assignment-completion",
        "How many students with missing work will leave with a plan?",
        "students",
        8,
        "Will advisors find the weekly on-track list useful?",
        "Yes, if it arrives by Monday morning",
    ),
    "Attendance success mentors for chronically absent 9th graders": (
        "attendance",
        "How many mentored students will attend 4 or more days next week?",
        "students",
        4,
        "Will families pick up the mentor's call?",
        "Most will, if the mentor calls before 10am",
    ),
}
WHO = [
    "Two Algebra I teachers",
    "The 9th-grade advisory team",
    "The attendance mentor and the counselor",
    "One English 9 teacher",
    "The 9th-grade team lead",
]
HAPPENED = [
    "Ran as planned for the first days; one day lost to an assembly.",
    "Went mostly to plan; two students were absent on the test days.",
    "Started a day late; the materials were ready by Tuesday.",
    "Ran as planned; students asked to keep doing it.",
]
REASONS = {
    "adopt": [
        "It worked at this scale; ready to go bigger.",
        "Results held twice; make it routine.",
        "Teachers want to keep it and it fits the schedule.",
    ],
    "adapt": [
        "Promising, but the timing needs changing.",
        "Worked for some students; change the script and test again.",
        "Too much teacher time as it stands; simplify it.",
    ],
    "abandon": [
        "Took too much time for too little change.",
        "Did not fit our schedule; another idea suits us better.",
    ],
}


def load_demo_cycles(network, plans, mondays, seed: int, today, authors=None) -> int:
    """Write each school's cycles unless its project already has some; returns how many."""
    ideas = {
        n.name: n
        for n in DriverDiagram.objects.get(network=network, project=None).nodes.filter(
            kind=Node.Kind.CHANGE_IDEA
        )
    }
    measures = {m.slug: m for m in network.measures.all()}
    written = 0
    for plan in plans:
        project = network.projects.filter(site__slug=plan.slug).order_by("pk").first()
        if project is None or project.cycles.exists():
            continue
        with transaction.atomic():
            users = (authors or {}).get(plan.slug, [])
            written += _load_school(seed, plan, project, ideas, measures, mondays, users, today)
    return written


def _load_school(seed, plan, project, ideas, measures, mondays, users, today) -> int:
    rng = np.random.default_rng([seed, plan.index, 7])
    calibration = float(rng.beta(5, 3))  # how often this team's predictions hold
    adaptation = DriverDiagram.objects.filter(project=project).first()
    local = {n.origin_id: n for n in adaptation.nodes.all()} if adaptation else {}
    written = 0
    for name, end, scales, ending in _ramps(rng, plan, mondays, today):
        idea = ideas[name]
        n = len(scales)
        starts = [end - datetime.timedelta(weeks=3 * (n - i)) for i in range(n)]
        previous = None
        for i, (scale, start) in enumerate(zip(scales, starts, strict=True)):
            status, decision = _outcome(rng, i, scales, ending)
            cycle = _cycle(rng, project, name, local.get(idea.pk, idea), idea, scale, start,
                           i, status, decision, previous, today)  # fmt: skip
            measure_slug = IDEAS[name][0]
            cycle.measures.set([measures[measure_slug]] if measure_slug in measures else [])
            cycle.authors.set(users)
            _questions(rng, cycle, name, scale, calibration)
            previous = cycle
            written += 1
    return written


def _ramps(rng, plan, mondays, today) -> list[tuple]:
    """(idea, end, scales, ending) per ramp: the one that led to the school's dated change,
    one per other idea (abandoned or adapted), and now and then one going on now."""
    ramps = []
    if plan.idea is not None:  # the ramp that led to the school's dated change
        end = mondays[plan.change_week]
        ramps.append((plan.idea.name, end, [1, 2, 3, 5, 6][: int(rng.integers(4, 6))], "adopt"))
    others = [name for name in IDEAS if plan.idea is None or name != plan.idea.name]
    for k, name in enumerate(others):
        end = mondays[int(rng.integers(20, len(mondays) - 5))]
        scales = [1, 2, 3, 3][: int(rng.integers(3, 5))]
        ramps.append((name, end, scales, "abandon" if rng.random() < 0.45 else "adapt"))
        going_on = rng.random() < 0.4
        if k == 0 and (going_on or plan.index == 0):  # a ramp going on now (always at the
            # first school, the demo accounts' own)
            end = today + datetime.timedelta(days=int(rng.integers(-10, 20)))
            ramps.append((name, end, [1, 2, 3][: int(rng.integers(2, 4))], "now"))
    return ramps


def _outcome(rng, i: int, scales: list, ending: str) -> tuple[str, str]:
    """The status and decision of the i-th cycle of a ramp."""
    last = i == len(scales) - 1
    status, decision = Cycle.Status.DONE, Cycle.Decision.ADAPT
    if last and ending in Cycle.Decision.values:
        decision = ending
    elif ending == "adopt" and scales[i + 1] > scales[i]:
        decision = Cycle.Decision.ADOPT  # on the way to adoption: the next test is bigger
    if last and ending == "now":
        status = [Cycle.Status.RUNNING, Cycle.Status.PLANNED, Cycle.Status.STUDYING][
            int(rng.integers(3))
        ]
        decision = ""
    return status, decision


def _cycle(rng, project, name, idea, network_idea, scale, start, i, status, decision, previous,
           today) -> Cycle:  # fmt: skip
    running = status != Cycle.Status.DONE
    planned = status == Cycle.Status.PLANNED
    due = start + datetime.timedelta(days=13)
    # the draws happen in this order (the arguments' order): keep it, so the demo stays the same
    cycle = Cycle.objects.create(
        network=project.network,
        project=project,
        change_idea=idea,
        network_idea=network_idea,
        format=["guided", "classic", "freeform"][int(rng.integers(3))],
        title=f"{name.split(' with')[0].split(' for')[0]} — {Scale(scale).label} (cycle {i + 1})",
        objective=f"Learn whether “{name.lower()}” works at the scale of "
        f"{Scale(scale).label} at {project.site.name}.",
        who=WHO[int(rng.integers(len(WHO)))],
        what=name,
        where=project.site.name,
        scale=scale,
        planned_start=start,
        due=due,
        started_on=None if planned else start,
        status=status,
        previous=previous,
        what_happened="" if planned else HAPPENED[int(rng.integers(len(HAPPENED)))],
        study_summary="" if running else _summary(name, scale),
        decision=decision,
        decision_reason=""
        if running
        else REASONS[decision][int(rng.integers(len(REASONS[decision])))],
        completed_on=None
        if running
        else min(due + datetime.timedelta(days=int(rng.integers(-3, 12))), today),
    )
    if not planned:
        Cycle.objects.filter(pk=cycle.pk).update(
            predictions_locked_at=datetime.datetime.combine(
                start, datetime.time(8), tzinfo=datetime.UTC
            )
        )
    return cycle


def _questions(rng, cycle, name, scale, calibration) -> None:
    """The cycle's two questions, predicted before it ran and (once it is done) scored."""
    _, quant, unit, typical, qual, qual_prediction = IDEAS[name]
    running = cycle.status != Cycle.Status.DONE
    predicted = round(typical * (0.8 + 0.1 * scale) * rng.uniform(0.85, 1.15))
    held_q = _held(rng, calibration) if not running else ""
    held_s = _held(rng, calibration) if not running else ""
    factor = {"yes": 1.0, "partly": 0.8, "no": 0.55, "": 1.0}[held_q]
    if running:
        learned = ""
    elif held_q == "yes":
        learned = "Numbers were close to what we expected."
    else:
        learned = "Fewer than we hoped; the first days were slow."
    LearningQuestion.objects.bulk_create(
        [
            LearningQuestion(
                cycle=cycle,
                position=0,
                question=quant,
                kind="quantitative",
                predicted_value=predicted,
                locked_prediction=f"{predicted:g}",
                data_to_collect=f"Count ({unit}) on each day of the test",
                result="" if running else f"{round(predicted * factor)} {unit}",
                result_value=None if running else round(predicted * factor),
                held=held_q,
                learned=learned,
            ),
            LearningQuestion(
                cycle=cycle,
                position=1,
                question=qual,
                kind="qualitative",
                prediction=qual_prediction,
                locked_prediction=qual_prediction,
                data_to_collect="Notes from the teachers after each day",
                result=""
                if running
                else ("As predicted." if held_s == "yes" else "Only some of the time."),
                held=held_s,
                learned="" if running else "Timing is what makes it work.",
            ),
        ]
    )


def _held(rng, calibration: float) -> str:
    draw = rng.random()
    if draw < calibration:
        return "yes"
    return "partly" if draw < calibration + (1 - calibration) / 3 else "no"


def _summary(name: str, scale: int) -> str:
    return (
        f"At the scale of {Scale(scale).label}, {name.lower()} did most of what we predicted; "
        "the next step is about timing and who does it."
    )
