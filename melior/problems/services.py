"""Changing a problem analysis. Each change is validated and made in one transaction; a refused
change (or a tally file with any bad row) saves nothing."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from melior.theory.models import Node
from melior.theory.services import DRIVERS

from .models import Cause, CauseCategory, CauseTally, EmpathyNote, ProblemAnalysis, ProcessStep

DEFAULT_CATEGORIES = [
    "Students",
    "Teachers and staff",
    "Methods",
    "Materials and tools",
    "Environment",
    "Policies",
]


def analysis_for(network, project=None) -> ProblemAnalysis:
    analysis, _ = ProblemAnalysis.objects.get_or_create(network=network, project=project)
    return analysis


def _next(queryset) -> int:
    last = queryset.aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


def _name(value: str, field: str = "name", limit: int = 160) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "This needs a name."})
    if len(value) > limit:
        raise ValidationError({field: f"Keep it to {limit} characters."})
    return value


@transaction.atomic
def update_statement(*, analysis: ProblemAnalysis, problem_statement: str, why_it_matters: str):
    """The problem statement and why it matters belong to the charter (project) or network."""
    owner = analysis.project or analysis.network
    owner.problem_statement = (problem_statement or "").strip()
    owner.why_it_matters = (why_it_matters or "").strip()
    owner.save(update_fields=["problem_statement", "why_it_matters"])


# --- fishbone ------------------------------------------------------------------------------


@transaction.atomic
def add_category(*, analysis: ProblemAnalysis, name: str) -> CauseCategory:
    name = _name(name, limit=80)
    if analysis.categories.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a category called “{name}”."})
    return CauseCategory.objects.create(
        analysis=analysis, name=name, position=_next(analysis.categories)
    )


@transaction.atomic
def use_default_categories(*, analysis: ProblemAnalysis) -> list[CauseCategory]:
    if analysis.categories.exists():
        raise ValidationError("This analysis already has categories.")
    return [add_category(analysis=analysis, name=name) for name in DEFAULT_CATEGORIES]


@transaction.atomic
def rename_category(*, category: CauseCategory, name: str) -> CauseCategory:
    name = _name(name, limit=80)
    if category.analysis.categories.exclude(pk=category.pk).filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a category called “{name}”."})
    category.name = name
    category.save(update_fields=["name"])
    return category


@transaction.atomic
def delete_category(*, category: CauseCategory) -> None:
    if category.causes.exists():
        raise ValidationError(f"“{category.name}” still has causes; move or delete them first.")
    category.delete()


def _check_drivers(analysis: ProblemAnalysis, drivers) -> list[Node]:
    """Drivers from the network's theory, or from the project's own adaptation of it."""
    drivers = list(drivers)
    for node in drivers:
        diagram = node.diagram
        in_scope = diagram.network_id == analysis.network_id and diagram.project_id in {
            None,
            analysis.project_id,
        }
        if not in_scope or node.kind not in DRIVERS:
            raise ValidationError({"drivers": f"“{node.name}” is not a driver of this theory."})
    return drivers


@transaction.atomic
def save_cause(
    *,
    analysis: ProblemAnalysis,
    cause: Cause | None = None,
    category: CauseCategory,
    name: str,
    parent: Cause | None = None,
    in_control: str = "",
    evidence: str = "",
    links: str = "",
    drivers=(),
) -> Cause:
    """Add a cause (cause=None) or change one."""
    if category.analysis_id != analysis.pk:
        raise ValidationError({"category": "Choose one of this analysis's categories."})
    if parent is not None:
        if parent.analysis_id != analysis.pk or (cause and parent.pk == cause.pk):
            raise ValidationError({"parent": "Choose another cause of this analysis."})
        if parent.parent_id is not None:
            raise ValidationError({"parent": "Sub-causes go one level deep; choose a cause."})
        if parent.category_id != category.pk:
            raise ValidationError({"parent": f"“{parent.name}” is in another category."})
        if cause is not None and cause.sub_causes.exists():
            raise ValidationError({"parent": "This cause has sub-causes of its own."})
    if in_control not in Cause.Control.values:
        raise ValidationError({"in_control": "Say whether it is in our control."})
    bad = [
        line
        for line in (links or "").splitlines()
        if line.strip() and not line.strip().startswith(("http://", "https://", "/"))
    ]
    if bad:
        raise ValidationError({"links": f"Not a web address: “{bad[0].strip()}”."})
    drivers = _check_drivers(analysis, drivers)
    if cause is None:
        cause = Cause(analysis=analysis, position=_next(analysis.causes))
    cause.category, cause.parent, cause.name = category, parent, _name(name)
    cause.in_control, cause.evidence, cause.links = in_control, evidence.strip(), links.strip()
    cause.save()
    cause.drivers.set(drivers)
    if cause.sub_causes.exclude(category=category).exists():
        cause.sub_causes.update(category=category)  # sub-causes follow their cause
    return cause


@transaction.atomic
def delete_cause(*, cause: Cause) -> None:
    cause.delete()  # its sub-causes and tallies go with it


# --- Pareto tallies ------------------------------------------------------------------------


@transaction.atomic
def add_tally(*, cause: Cause, count, observed_on=None, source: str = "", user=None):
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValidationError({"count": "Give a whole number."}) from None
    if count < 0:
        raise ValidationError({"count": "A tally cannot be negative."})
    if observed_on and observed_on > datetime.date.today():
        raise ValidationError({"observed_on": "That date is in the future."})
    return CauseTally.objects.create(
        cause=cause,
        count=count,
        observed_on=observed_on,
        source=(source or "").strip()[:120],
        recorded_by=user,
    )


def import_tallies(*, analysis: ProblemAnalysis, data: bytes, source: str = "", user=None) -> int:
    """A CSV of tallies (problems/imports.py), all or nothing; returns how many were added."""
    from melior.core.imports import run

    from .imports import TallyImporter

    importer = TallyImporter(analysis, source=source, user=user)
    return run(importer, data, name=source).added


# --- process map ---------------------------------------------------------------------------


@transaction.atomic
def delete_tally(*, tally: CauseTally) -> None:
    tally.delete()


@transaction.atomic
def save_step(*, analysis, step=None, name: str, owner: str = "", pain_point: str = ""):
    if step is None:
        step = ProcessStep(analysis=analysis, position=_next(analysis.steps))
    step.name = _name(name, limit=120)
    step.owner, step.pain_point = (owner or "").strip()[:120], (pain_point or "").strip()
    step.save()
    return step


@transaction.atomic
def move_step(*, step: ProcessStep, step_by: int) -> None:
    steps = list(step.analysis.steps.all())
    at = steps.index(step)
    to = at + step_by
    if not 0 <= to < len(steps):
        raise ValidationError(f"“{step.name}” is already {'first' if step_by < 0 else 'last'}.")
    steps.insert(to, steps.pop(at))
    for position, item in enumerate(steps):
        ProcessStep.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def delete_step(*, step: ProcessStep) -> None:
    step.delete()  # the steps after it keep their order


# --- empathy interviews --------------------------------------------------------------------


@transaction.atomic
def add_interview(*, analysis, role: str, interviewed_on, heard: str, causes=(), user=None):
    role = _name(role, field="role", limit=120)
    if not (heard or "").strip():
        raise ValidationError({"heard": "Write what you heard."})
    if interviewed_on is None:
        raise ValidationError({"interviewed_on": "When was the interview?"})
    if interviewed_on > datetime.date.today():
        raise ValidationError({"interviewed_on": "That date is in the future."})
    causes = list(causes)
    if any(c.analysis_id != analysis.pk for c in causes):
        raise ValidationError({"causes": "Tag causes of this analysis only."})
    note = EmpathyNote.objects.create(
        analysis=analysis,
        role=role,
        interviewed_on=interviewed_on,
        heard=heard.strip(),
        author=user,
    )
    note.causes.set(causes)
    return note


@transaction.atomic
def delete_interview(*, note: EmpathyNote) -> None:
    note.delete()  # the causes it was tagged with stay
