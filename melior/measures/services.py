"""State changes for measures, observations and annotations, each validated and atomic."""

import datetime
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from melior.networks.models import Network, Organization

from .models import Annotation, ChartSetting, Measure, Observation, period_start


def _number(value, field: str, errors: dict) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = f"{value!r} is not a number."
        return None
    if not math.isfinite(number):
        errors[field] = "Enter a finite number."
        return None
    return number


def validate_observation(
    measure: Measure,
    period: datetime.date,
    *,
    value=None,
    numerator=None,
    denominator=None,
    today: datetime.date | None = None,
) -> dict[str, float | None]:
    """Check one observation against the measure's definition.

    Returns the cleaned numbers; raises ValidationError with a message per field that is wrong.
    (`today` lets an import of many rows look the date up once.)
    """
    errors: dict[str, str] = {}
    value = _number(value, "value", errors)
    numerator = _number(numerator, "numerator", errors)
    denominator = _number(denominator, "denominator", errors)

    expected = period_start(measure.frequency, period)
    if expected != period:
        errors["period_start"] = (
            f"Periods of this {measure.frequency} measure start on {expected:%A}, "
            f"{date_format(expected)}; {period:%A}, {date_format(period)} is not on its grid."
        )
    elif period > (today or timezone.localdate()):
        errors["period_start"] = "This period has not started yet."

    if measure.has_denominator:
        if numerator is None and "numerator" not in errors:
            errors["numerator"] = "Enter the numerator: " + (
                measure.numerator_definition or "the count of events."
            )
        if denominator is None and "denominator" not in errors:
            errors["denominator"] = "Enter the denominator: " + (
                measure.denominator_definition or "the number at risk."
            )
        if numerator is not None and numerator < 0:
            errors["numerator"] = "A count cannot be negative."
        if denominator is not None and denominator <= 0:
            errors["denominator"] = "The denominator must be more than 0."
        if (
            measure.value_type == Measure.ValueType.PROPORTION
            and numerator is not None
            and denominator is not None
            and numerator > denominator
            and not errors.keys() & {"numerator", "denominator"}
        ):
            errors["numerator"] = (
                f"The numerator ({numerator:g}) cannot be larger than the denominator "
                f"({denominator:g}) for a proportion."
            )
        if value is not None:
            errors["value"] = "Leave the value empty: it is worked out from numerator/denominator."
    else:
        if value is None and "value" not in errors:
            errors["value"] = "Enter a value."
        if numerator is not None or denominator is not None:
            errors["numerator"] = "This measure takes a single value, not a numerator/denominator."
        if measure.value_type == Measure.ValueType.COUNT and value is not None:
            if value < 0:
                errors["value"] = "A count cannot be negative."
            elif value != int(value):
                errors["value"] = "A count is a whole number."
    if errors:
        raise ValidationError(errors)
    return {"value": value, "numerator": numerator, "denominator": denominator}


@transaction.atomic
def record_observation(
    *,
    measure: Measure,
    organization: Organization,
    period: datetime.date,
    user=None,
    value=None,
    numerator=None,
    denominator=None,
    correcting: Observation | None = None,
) -> Observation:
    """Add a new observation, or correct an existing one (`correcting`)."""
    numbers = validate_observation(
        measure, period, value=value, numerator=numerator, denominator=denominator
    )
    clash = Observation.objects.filter(
        measure=measure, organization=organization, period_start=period
    )
    if correcting is not None:
        clash = clash.exclude(pk=correcting.pk)
    if clash.exists():
        raise ValidationError(
            {
                "period_start": f"There is already a value for the period starting "
                f"{date_format(period)}; correct that one instead."
            }
        )
    observation = correcting or Observation(measure=measure, organization=organization)
    observation.period_start = period
    observation.value = numbers["value"]
    observation.numerator = numbers["numerator"]
    observation.denominator = numbers["denominator"]
    if correcting is None:
        observation.entered_by = user
    observation.save()
    return observation


@transaction.atomic
def add_annotation(
    *, measure: Measure, organization: Organization, date: datetime.date, text: str, user=None
) -> Annotation:
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Say what happened, e.g. “Started exit tickets in Algebra I”."
    elif len(text) > 200:
        errors["text"] = f"Keep it to 200 characters (this is {len(text)})."
    if date is None:
        errors["date"] = "Enter the date it happened."
    if errors:
        raise ValidationError(errors)
    return Annotation.objects.create(
        measure=measure, organization=organization, date=date, text=text, created_by=user
    )


@transaction.atomic
def create_measure(*, network: Network, name: str, slug: str, **fields) -> Measure:
    measure = Measure(network=network, name=name, slug=slug, **fields)
    measure.full_clean()
    measure.save()
    return measure


@transaction.atomic
def save_chart_setting(
    *,
    measure: Measure,
    organization: Organization,
    chart: str = "",
    split_dates: list[datetime.date] | None = None,
    freeze_points: int | None = None,
) -> ChartSetting:
    if chart and chart not in Measure.Chart.values:
        raise ValidationError({"chart": f"Unknown chart {chart!r}."})
    if freeze_points is not None and freeze_points < 2:
        raise ValidationError({"freeze_points": "A baseline needs at least 2 points."})
    setting, _ = ChartSetting.objects.update_or_create(
        measure=measure,
        organization=organization,
        defaults={
            "chart": chart,
            "split_dates": sorted({d.isoformat() for d in split_dates or []}),
            "freeze_points": freeze_points,
        },
    )
    return setting


@transaction.atomic
def remember_mapping(*, network: Network, source: str, mapping: dict, user=None) -> None:
    """Remember the columns of a file from `source` (nothing to remember without a name)."""
    from .models import ImportMapping

    source = (source or "").strip()[:120]
    if not source:
        return
    ImportMapping.objects.update_or_create(
        network=network, source=source, defaults={"mapping": mapping, "updated_by": user}
    )


@transaction.atomic
def record_week(*, organization: Organization, entries: list[dict], user=None) -> int:
    """Save a school's figures for several measures in one go, all or nothing.

    Each entry is {"measure", "period", "value", "numerator", "denominator"}; an entry with no
    figure at all is skipped, one for a period already entered corrects it. A refusal names
    each wrong figure as "<measure slug>-<field>". Returns how many values were saved."""
    errors: dict[str, list[str]] = {}
    saved = 0
    for entry in entries:
        numbers = {k: entry.get(k) for k in ("value", "numerator", "denominator")}
        if all(v in (None, "") for v in numbers.values()):
            continue
        measure = entry["measure"]
        existing = Observation.objects.filter(
            measure=measure, organization=organization, period_start=entry["period"]
        ).first()
        if existing is not None and _unchanged(existing, numbers):
            continue
        try:
            record_observation(
                measure=measure,
                organization=organization,
                period=entry["period"],
                user=user,
                correcting=existing,
                **numbers,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(f"{measure.slug}-{field}", []).extend(messages)
        else:
            saved += 1
    if errors:
        raise ValidationError(errors)
    return saved


def _unchanged(observation: Observation, numbers: dict) -> bool:
    def same(old, new):
        try:
            return (old is None and new in (None, "")) or (old is not None and float(new) == old)
        except (TypeError, ValueError):
            return False

    return all(same(getattr(observation, k), v) for k, v in numbers.items())
