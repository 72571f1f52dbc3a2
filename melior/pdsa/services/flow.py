"""Changing PDSA cycles. The status flow draft → planned → running → studying → done is the
only way a cycle moves, and each step checks what it needs (no Study without a prediction, no
Act without a study summary). Every change is atomic: a refused one saves nothing."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from melior.measures.models import period_start
from melior.measures.services import record_observation
from melior.theory.models import DriverDiagram, Node

from ..models import Cycle, CycleObservation, LearningQuestion, Scale
from .questions import prediction_problems

S = Cycle.Status
PLAN_FIELDS = (
    "title",
    "objective",
    "who",
    "what",
    "where",
    "scale",
    "scale_detail",
    "planned_start",
    "due",
    "notes",
    "format",
)


def today_or(today=None) -> datetime.date:
    return today or timezone.localdate()


# --- creating ------------------------------------------------------------------------------


def _check_idea(project, idea: Node) -> Node | None:
    """The idea must be a change idea of the network's theory or of this project's own
    adaptation; returns the network theory's change idea it stands for (None if local)."""
    diagram = idea.diagram
    ours = diagram.network_id == project.network_id and diagram.project_id in {None, project.pk}
    if not ours or idea.kind != Node.Kind.CHANGE_IDEA:
        raise ValidationError({"change_idea": "Choose a change idea of this project's theory."})
    if diagram.project_id is None:
        return idea
    return idea.origin


@transaction.atomic
def create_cycle(
    *, project, change_idea: Node, title: str, user=None, previous=None, cloned_from=None, **plan
) -> Cycle:
    network_idea = _check_idea(project, change_idea)
    cycle = Cycle(
        network=project.network,
        project=project,
        change_idea=change_idea,
        network_idea=network_idea,
        created_by=user,
        previous=previous,
        cloned_from=cloned_from,
    )
    _apply_plan(cycle, {"title": title, **plan})
    cycle.save()
    if user is not None:
        cycle.authors.add(user)
    return cycle


def _apply_plan(cycle: Cycle, plan: dict) -> None:
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Not plan fields: {', '.join(sorted(unknown))}")
    for field, value in plan.items():
        setattr(cycle, field, value.strip() if isinstance(value, str) else value)
    errors = {}
    if not cycle.title:
        errors["title"] = "Give the cycle a short title."
    if cycle.scale is not None and cycle.scale not in Scale.values:
        errors["scale"] = "Choose the scale of the test."
    if cycle.planned_start and cycle.due and cycle.due < cycle.planned_start:
        errors["due"] = "The due date is before the start date."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_plan(*, cycle: Cycle, measures=None, **plan) -> Cycle:
    if cycle.status == S.DONE:
        raise ValidationError("This cycle is done; its plan is part of the record now.")
    _apply_plan(cycle, plan)
    cycle.save()
    if measures is not None:
        measures = list(measures)
        if any(m.network_id != cycle.network_id for m in measures):
            raise ValidationError({"measures": "Choose this network's measures."})
        cycle.measures.set(measures)
    return cycle


def plan_problems(cycle: Cycle) -> list[str]:
    problems = []
    if not cycle.objective.strip() and not cycle.notes.strip():
        problems.append("Write the objective: what this test is for.")
    if cycle.scale is None:
        problems.append("Choose the scale of the test (one student, one class, …).")
    if cycle.due is None:
        problems.append("Set a due date.")
    return problems + prediction_problems(cycle)


def study_problems(cycle: Cycle) -> list[str]:
    problems = []
    for q in cycle.questions.all():
        if not q.result.strip() and q.result_value is None:
            problems.append(f"Write what happened for “{q.question}”.")
        if not q.held:
            problems.append(f"Say whether the prediction for “{q.question}” held.")
    if not cycle.study_summary.strip():
        problems.append("Write the study summary: what we learned.")
    return problems


@transaction.atomic
def advance(
    *, cycle: Cycle, to: str, user=None, today=None, started_on: datetime.date | None = None
) -> Cycle:
    """Move the cycle one step along its flow (or a plan back to draft).

    A test starts on the day the team says it did (today unless given): teams often record a
    test after running it, and its observations, chart marker and bright spots follow that date.
    """
    today = today_or(today)
    started_on = started_on or today
    step = (cycle.status, to)
    if step == (S.DRAFT, S.PLANNED):
        problems = plan_problems(cycle)
    elif step == (S.PLANNED, S.DRAFT):
        problems = []
    elif step == (S.PLANNED, S.RUNNING):
        problems = plan_problems(cycle)
        if started_on > today:
            problems.append("The start date is in the future: start the test on the day it begins.")
    elif step == (S.RUNNING, S.STUDYING):
        problems = []
        if not cycle.what_happened.strip() and not cycle.observations.exists():
            problems.append("Write what happened, or add an observation, before studying it.")
    elif step == (S.STUDYING, S.DONE):
        raise ValidationError("Decide to adopt, adapt or abandon to finish the cycle.")
    else:
        raise ValidationError(
            f"A {cycle.get_status_display().lower()} cycle cannot become {S(to).label.lower()}."
            if to in S.values
            else "Unknown status."
        )
    if problems:
        raise ValidationError(problems)
    if to == S.RUNNING:
        cycle.started_on = started_on
        cycle.predictions_locked_at = timezone.now()
        for q in cycle.questions.all():
            q.locked_prediction = q.prediction_text
            q.save(update_fields=["locked_prediction"])
    cycle.status = to
    cycle.save()
    return cycle


def default_start(cycle: Cycle, today=None) -> datetime.date:
    """The start date offered when a team starts its test: the planned day, unless still ahead."""
    today = today_or(today)
    if cycle.planned_start and cycle.planned_start <= today:
        return cycle.planned_start
    return today


@transaction.atomic
def record_do(*, cycle: Cycle, what_happened: str, surprises: str) -> Cycle:
    if cycle.status not in {S.RUNNING, S.STUDYING}:
        raise ValidationError("Record what happened once the test is running.")
    cycle.what_happened, cycle.surprises = what_happened.strip(), surprises.strip()
    cycle.save(update_fields=["what_happened", "surprises", "updated_at"])
    return cycle


@transaction.atomic
def add_observation(
    *,
    cycle: Cycle,
    date: datetime.date,
    note: str,
    measure=None,
    value=None,
    numerator=None,
    denominator=None,
    user=None,
    today=None,
) -> CycleObservation:
    """A dated observation from the Do phase; with a measure, its value is recorded on the
    measure's chart at the project's school for the period containing the date."""
    today = today_or(today)
    if cycle.status not in {S.RUNNING, S.STUDYING}:
        raise ValidationError("Observations are recorded while the test runs.")
    errors = {}
    if not (note or "").strip():
        errors["note"] = "Write what you observed."
    if date is None:
        errors["date"] = "When was it?"
    elif cycle.started_on and date < cycle.started_on:
        errors["date"] = f"The test started on {date_format(cycle.started_on)}, after this date."
    elif date > today:
        errors["date"] = "That date is in the future."
    if measure is not None and not cycle.measures.filter(pk=measure.pk).exists():
        errors["measure"] = "Link the measure to the cycle first (in the plan)."
    if errors:
        raise ValidationError(errors)
    recorded = None
    if measure is not None:
        try:
            recorded = record_observation(
                measure=measure,
                organization=cycle.project.site,
                period=period_start(measure.frequency, date),
                user=user,
                value=value,
                numerator=numerator,
                denominator=denominator,
            )
        except ValidationError as error:
            raise ValidationError(
                {f: m for f, m in error.message_dict.items()}
                if hasattr(error, "error_dict")
                else {"measure": error.messages}
            ) from None
    return CycleObservation.objects.create(
        cycle=cycle,
        date=date,
        note=note.strip(),
        measure=measure,
        observation=recorded,
        author=user,
    )


@transaction.atomic
def save_study(*, cycle: Cycle, summary: str, results: dict) -> Cycle:
    """results: question id -> {result, result_value, held, learned}."""
    if cycle.status != S.STUDYING:
        raise ValidationError("Study the cycle once the test has run.")
    questions = {q.pk: q for q in cycle.questions.all()}
    for pk, values in results.items():
        q = questions.get(pk)
        if q is None:
            raise ValidationError("That question is not part of this cycle.")
        if values.get("held") and values["held"] not in LearningQuestion.Held.values:
            raise ValidationError({"held": "Say whether the prediction held."})
        q.result = (values.get("result") or "").strip()
        q.result_value = values.get("result_value")
        q.held = values.get("held") or ""
        q.learned = (values.get("learned") or "").strip()
        q.save()
    cycle.study_summary = (summary or "").strip()
    cycle.save(update_fields=["study_summary", "updated_at"])
    return cycle


@transaction.atomic
def act(*, cycle: Cycle, decision: str, reason: str, today=None) -> Cycle:
    """Adopt, adapt or abandon, with a reason: the cycle is done."""
    if cycle.status != S.STUDYING:
        raise ValidationError("Decide after studying the results.")
    problems = study_problems(cycle)
    if decision not in Cycle.Decision.values:
        problems.append("Choose adopt, adapt or abandon.")
    if not (reason or "").strip():
        problems.append("Give the reason for the decision.")
    if problems:
        raise ValidationError(problems)
    cycle.decision, cycle.decision_reason = decision, reason.strip()
    cycle.status, cycle.completed_on = S.DONE, today_or(today)
    cycle.save()
    return cycle


def _copy_plan(source: Cycle, **overrides) -> dict:
    plan = {f: getattr(source, f) for f in PLAN_FIELDS if f not in {"planned_start", "due"}}
    return {**plan, **overrides}


def _copy_questions(source: Cycle, target: Cycle) -> None:
    for q in source.questions.all():
        LearningQuestion.objects.create(
            cycle=target,
            position=q.position,
            question=q.question,
            kind=q.kind,
            prediction=q.prediction,
            predicted_value=q.predicted_value,
            predicted_direction=q.predicted_direction,
            data_to_collect=q.data_to_collect,
        )


@transaction.atomic
def next_cycle(*, cycle: Cycle, user=None) -> Cycle:
    """After adapt (same scale) or adopt (one scale up): the next cycle of the ramp, as a draft
    pre-filled from this one."""
    if cycle.status != S.DONE or cycle.decision == Cycle.Decision.ABANDON:
        raise ValidationError("A next cycle follows a cycle that was adopted or adapted.")
    scale = cycle.scale
    if cycle.decision == Cycle.Decision.ADOPT and scale and scale < Scale.WHOLE_SCHOOL:
        scale += 1
    title = re.sub(r"\s*\(cycle \d+\)$", "", cycle.title)
    number = len(ramp_of(cycle)) + 1
    new = create_cycle(
        project=cycle.project,
        change_idea=cycle.change_idea,
        user=user,
        previous=cycle,
        **_copy_plan(cycle, title=f"{title} (cycle {number})", scale=scale),
    )
    new.measures.set(cycle.measures.all())
    _copy_questions(cycle, new)
    return new


def ramp_of(cycle: Cycle) -> list[Cycle]:
    """The chain of cycles this one belongs to, first to last."""
    first = cycle
    seen = {first.pk}
    while first.previous_id and first.previous_id not in seen:
        first = first.previous
        seen.add(first.pk)
    chain, current = [first], first
    while True:
        following = current.next_cycles.order_by("pk").first()
        if following is None or following.pk in {c.pk for c in chain}:
            return chain
        chain.append(following)
        current = following


@transaction.atomic
def clone_cycle(*, source: Cycle, project, user=None) -> Cycle:
    """A new draft plan in `project` from any cycle the user can see (predictions included as a
    starting point; results and decisions are not)."""
    idea = source.change_idea
    if project.pk != source.project_id:
        if source.network_idea is None:
            raise ValidationError(
                "That cycle tests another school's own change idea; it cannot "
                "be cloned into this project."
            )
        adaptation = DriverDiagram.objects.filter(project=project).first()
        copy = adaptation.nodes.filter(origin=source.network_idea).first() if adaptation else None
        idea = copy or source.network_idea
    new = create_cycle(
        project=project,
        change_idea=idea,
        user=user,
        cloned_from=source,
        **_copy_plan(source, title=f"{source.title} (copy)"[:160]),
    )
    new.measures.set(source.measures.all())
    _copy_questions(source, new)
    return new


@transaction.atomic
def set_authors(*, cycle: Cycle, authors) -> None:
    authors = list(authors)
    if not authors:
        raise ValidationError({"authors": "A cycle needs at least one author."})
    cycle.authors.set(authors)
