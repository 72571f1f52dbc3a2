"""Every change to fidelity: an idea's plan and components, checks (each charted as an
observation of the idea's fidelity measure at the school) and adaptations. Each is validated
and atomic; refusals are ValidationErrors keyed by field."""

import datetime
import statistics

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from melior.measures import services as measures
from melior.measures.models import Frequency, Measure, Observation, period_start
from melior.networks.models import NetworkSite, Organization
from melior.pdsa.models import Cycle
from melior.theory.models import Node

from . import scoring
from .models import Adaptation, Check, Component, Dimension, FidelityPlan, Rating, Rhythm
from .permissions import idea_site

FREQUENCY = {Rhythm.WEEKLY: Frequency.WEEKLY, Rhythm.FORTNIGHTLY: Frequency.WEEKLY,
             Rhythm.MONTHLY: Frequency.MONTHLY}  # fmt: skip


def _require(user, perm: str, obj, message: str) -> None:
    if user is not None and not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _not_future(day, field: str, errors: dict, today) -> None:
    if day is None:
        errors[field] = "Enter the date."
    elif day > (today or timezone.localdate()):
        errors[field] = "The date cannot be in the future."


@transaction.atomic
def define_plan(*, idea: Node, user=None, dimensions: list[str], rhythm: str) -> FidelityPlan:
    """Set how fidelity to a change idea is checked; the first time, create its measure."""
    _require(user, "fidelity.define", idea, "Only the idea's owners define its fidelity.")
    errors = {}
    if idea.kind != Node.Kind.CHANGE_IDEA or (
        idea.diagram.project_id is not None and idea.origin_id is not None
    ):
        errors["idea"] = "Choose a change idea of the network's theory or a school's own idea."
    dimensions = [d for d in Dimension.values if d in set(dimensions or [])]
    if not dimensions:
        errors["dimensions"] = "Check at least one dimension, e.g. adherence."
    if rhythm not in Rhythm.values:
        errors["rhythm"] = "Choose weekly, every two weeks or monthly."
    plan = FidelityPlan.objects.filter(idea=idea).select_related("measure").first()
    if (
        not errors
        and plan is not None
        and plan.measure is not None
        and plan.measure.frequency != FREQUENCY[rhythm]
        and plan.measure.observations.exists()
    ):
        errors["rhythm"] = (
            "Checks are already charted on a "
            f"{plan.measure.get_frequency_display().split(' ')[0].lower()} grid; "
            "choose a rhythm on the same grid."
        )
    if errors:
        raise ValidationError(errors)
    if plan is None:
        plan = FidelityPlan(network=idea.diagram.network, idea=idea)
    plan.dimensions, plan.rhythm = dimensions, rhythm
    if plan.measure is None:
        plan.measure = _create_measure(idea, FREQUENCY[rhythm])
    elif plan.measure.frequency != FREQUENCY[rhythm]:
        plan.measure.frequency = FREQUENCY[rhythm]
        plan.measure.save(update_fields=["frequency"])
    plan.save()
    return plan


def _create_measure(idea: Node, frequency: str) -> Measure:
    network = idea.diagram.network
    base = ("fidelity-" + slugify(idea.name))[:70].rstrip("-")
    slug, n = base, 2
    while Measure.objects.filter(network=network, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return measures.create_measure(
        network=network,
        name=f"Fidelity of {idea.name}"[:200],
        slug=slug,
        kind=Measure.Kind.PROCESS,
        value_type=Measure.ValueType.CONTINUOUS,
        unit="%",
        frequency=frequency,
        desired_direction=Measure.Direction.UP,
        default_chart=Measure.Chart.RUN,
        description="The school's fidelity score for the change idea: the weighted share of the "
        "best rating on its configuration map, 0–100 (docs/fidelity.md). The mean of the "
        "period's fidelity checks; written by each check.",
        data_source="Fidelity checks in Melior",
    )


@transaction.atomic
def add_component(
    *, plan: FidelityPlan, user=None, name: str, essential: bool, ideal: str, acceptable: str,
    unacceptable: str,
) -> Component:  # fmt: skip
    _require(user, "fidelity.define", plan.idea, "Only the idea's owners define its components.")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Name the component, e.g. “Mentor meets the student weekly”."
    elif plan.components.filter(name__iexact=name).exists():
        errors["name"] = f"The idea already has a component “{name}”."
    texts = {"ideal": ideal, "acceptable": acceptable, "unacceptable": unacceptable}
    for field, text in texts.items():
        if not (text or "").strip():
            errors[field] = f"Say what {field} use of this component looks like."
    if errors:
        raise ValidationError(errors)
    position = plan.components.count()
    return Component.objects.create(
        plan=plan,
        name=name,
        essential=bool(essential),
        position=position,
        **{field: text.strip() for field, text in texts.items()},
    )


def _site_of(plan: FidelityPlan, site: Organization, errors: dict):
    own = idea_site(plan.idea)
    if own is not None and own.pk != site.pk:
        errors["site"] = f"This is {own.name}'s own idea; record it there."
    elif not NetworkSite.objects.filter(network_id=plan.network_id, organization=site).exists():
        errors["site"] = f"{site.name} is not a school of this network."


@transaction.atomic
def record_check(
    *,
    plan: FidelityPlan,
    site: Organization,
    user=None,
    checked_on: datetime.date,
    rated_by: str,
    levels: dict[tuple[int, str], int | None],
    notes: str = "",
    today: datetime.date | None = None,
) -> Check:
    """A fidelity check: `levels` maps (component id, dimension) to 2, 1 or 0 for every
    component of the idea on every dimension of its plan."""
    _require(user, "fidelity.record", NetworkSite(network=plan.network, organization=site),
             "Only those who enter data at the school record its fidelity checks.")  # fmt: skip
    errors: dict = {}
    _site_of(plan, site, errors)
    _not_future(checked_on, "checked_on", errors, today)
    if not (rated_by or "").strip():
        errors["rated_by"] = "Say who rated, e.g. “Instructional coach”."
    components = list(plan.components.all())
    if not components:
        errors["__all__"] = "The idea has no core components yet: define them first."
    ratings, missing = [], []
    for component in components:
        for dimension in plan.dimensions:
            level = levels.get((component.pk, dimension))
            if level not in scoring.LEVELS:
                missing.append(f"{component.name} ({Dimension(dimension).label.split(' (')[0]})")
                continue
            ratings.append(scoring.Rating(component.pk, component.essential, dimension, level))
    if missing and components:
        errors["levels"] = "Rate every component: " + "; ".join(missing) + "."
    if errors:
        raise ValidationError(errors)
    result = scoring.score(ratings)
    check = Check.objects.create(
        plan=plan, site=site, checked_on=checked_on, rated_by=rated_by.strip(),
        notes=(notes or "").strip(), score=result.value, capped=result.capped, recorded_by=user,
    )  # fmt: skip
    Rating.objects.bulk_create(
        Rating(check_record=check, component_id=r.component, dimension=r.dimension, level=r.level)
        for r in ratings
    )
    chart_period(plan=plan, site=site, day=checked_on, user=user)
    return check


def chart_period(*, plan: FidelityPlan, site: Organization, day: datetime.date, user=None) -> None:
    """Write the school's fidelity observation for the period holding `day`: the mean score of
    that period's checks."""
    if plan.measure is None:  # someone deleted the measure: chart the checks afresh
        plan.measure = _create_measure(plan.idea, FREQUENCY[plan.rhythm])
        plan.save(update_fields=["measure"])
    measure = plan.measure
    start = period_start(measure.frequency, day)
    end = (
        start + datetime.timedelta(days=6)
        if measure.frequency == Frequency.WEEKLY
        else period_start(Frequency.MONTHLY, start + datetime.timedelta(days=32))
        - datetime.timedelta(days=1)
    )
    scores = list(
        Check.objects.filter(plan=plan, site=site, checked_on__range=(start, end)).values_list(
            "score", flat=True
        )
    )
    existing = Observation.objects.filter(
        measure=measure, organization=site, period_start=start
    ).first()
    measures.record_observation(
        measure=measure, organization=site, period=start, user=user,
        value=round(statistics.fmean(scores), 1), correcting=existing,
    )  # fmt: skip


@transaction.atomic
def log_adaptation(
    *,
    component: Component,
    site: Organization,
    user=None,
    made_on: datetime.date,
    what: str,
    goal: str,
    decided_by: str,
    planned: bool,
    reason: str = "",
    cycle: Cycle | None = None,
    today: datetime.date | None = None,
) -> Adaptation:
    """An adaptation of a component at a school. Changing an essential component is logged
    as fidelity-inconsistent (FRAME)."""
    plan = component.plan
    _require(user, "fidelity.record", NetworkSite(network=plan.network, organization=site),
             "Only those who enter data at the school log its adaptations.")  # fmt: skip
    errors: dict = {}
    _site_of(plan, site, errors)
    _not_future(made_on, "made_on", errors, today)
    if not (what or "").strip():
        errors["what"] = "Say what was changed."
    if goal not in Adaptation.Goal.values:
        errors["goal"] = "Choose why it was changed."
    if not (decided_by or "").strip():
        errors["decided_by"] = "Say who decided, e.g. “the 9th-grade team”."
    if cycle is not None and (
        cycle.project.site_id != site.pk
        or plan.idea_id not in (cycle.change_idea_id, cycle.network_idea_id)
    ):
        errors["cycle"] = "Choose a PDSA cycle of this school that tests this idea."
    if errors:
        raise ValidationError(errors)
    return Adaptation.objects.create(
        component=component, site=site, made_on=made_on, what=what.strip(), goal=goal,
        reason=(reason or "").strip(), decided_by=decided_by.strip(), planned=bool(planned),
        essential=component.essential, cycle=cycle, recorded_by=user,
    )  # fmt: skip
