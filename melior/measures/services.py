"""State changes for measures, observations and annotations, each validated and atomic."""

import datetime
import math
import statistics

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from melior.networks.models import Network, Organization
from melior.networks.services import bump_data_version

from .models import (
    Annotation,
    ChartSetting,
    Measure,
    Observation,
    SeriesStatus,
    period_start,
)


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
    _check_period(measure, period, today or timezone.localdate(), errors)
    if measure.has_denominator:
        _check_ratio(measure, numerator, denominator, value, errors)
    else:
        _check_single_value(measure, value, numerator, denominator, errors)
    if errors:
        raise ValidationError(errors)
    return {"value": value, "numerator": numerator, "denominator": denominator}


def _check_period(measure: Measure, period: datetime.date, today: datetime.date, errors: dict):
    """The period starts on the measure's grid (a Monday for a weekly measure) and has begun."""
    expected = period_start(measure.frequency, period)
    if expected != period:
        errors["period_start"] = (
            f"Periods of this {measure.frequency} measure start on {expected:%A}, "
            f"{date_format(expected)}; {period:%A}, {date_format(period)} is not on its grid."
        )
    elif period > today:
        errors["period_start"] = "This period has not started yet."


def _check_ratio(measure: Measure, numerator, denominator, value, errors: dict):
    """A measure with a denominator takes a numerator and a denominator, never a value."""
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


def _check_single_value(measure: Measure, value, numerator, denominator, errors: dict):
    """A measure without a denominator takes one value (a whole, non-negative one for a count)."""
    if value is None and "value" not in errors:
        errors["value"] = "Enter a value."
    if numerator is not None or denominator is not None:
        errors["numerator"] = "This measure takes a single value, not a numerator/denominator."
    if measure.value_type == Measure.ValueType.COUNT and value is not None:
        if value < 0:
            errors["value"] = "A count cannot be negative."
        elif value != int(value):
            errors["value"] = "A count is a whole number."
    between = measure.value_type == Measure.ValueType.TIME_BETWEEN
    if between and value is not None and value <= 0:
        errors["value"] = "A time between events is more than 0."


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


def current_centre(measure: Measure) -> float | None:
    """Where the measure stands now across the network, in display units: the median of the
    latest 12 periods' pooled values (all sites' numerators over all their denominators for a
    proportion or rate, the sites' mean for a single value). None before any data."""
    rows = (
        Observation.objects.filter(measure=measure)
        .values("period_start")
        .annotate(
            value=models.Avg("value"),
            numerator=models.Sum("numerator"),
            denominator=models.Sum("denominator"),
        )
        .order_by("-period_start")[:12]
    )
    if measure.has_denominator:
        values = [
            r["numerator"] / r["denominator"] * measure.display_scale
            for r in rows
            if r["numerator"] is not None and r["denominator"]
        ]
    else:
        values = [r["value"] for r in rows if r["value"] is not None]
    return float(statistics.median(values)) if values else None


def check_target(measure: Measure) -> None:
    """A target must be possible for the measure's type and lie on the better side of where
    the measure stands now (docs/admin.md): with "higher is better" a target below the current
    centre would be met by getting worse, and the other way round."""
    target = measure.target
    if target is None:
        return
    if not math.isfinite(target):
        raise ValidationError({"target": "Enter a finite number."})
    if measure.value_type == Measure.ValueType.PROPORTION and not 0 <= target <= 100:
        raise ValidationError({"target": "A proportion's target is a percentage, 0 to 100."})
    if target < 0 or (measure.value_type == Measure.ValueType.TIME_BETWEEN and target == 0):
        raise ValidationError({"target": "This measure cannot be negative or zero there."})
    centre = current_centre(measure) if measure.pk else None
    if centre is None:
        return
    up = measure.desired_direction == Measure.Direction.UP
    if (up and target < centre) or (not up and target > centre):
        better, side = ("higher", "below") if up else ("lower", "above")
        raise ValidationError(
            {
                "target": f"The target ({target:g}) is {side} where the measure stands now "
                f"({centre:.3g}, the median of its latest periods) although {better} is "
                "better: it would be met by getting worse. Check the target or the direction."
            }
        )


def versions_moved(network_id: int, measure_ids, **also) -> None:
    """Move on the versions that views of the network and of these measures are cached under,
    for a change that leaves every status as it was (a note, a chart setting); `also` sets other
    fields of the measures in the same update. Inside the write's transaction; the network's
    row first, as everywhere."""
    bump_data_version(network_id)
    Measure.objects.filter(pk__in=sorted(set(measure_ids))).update(
        data_version=F("data_version") + 1, **also
    )


def data_changed(network_id: int, measure_ids) -> None:
    """Move on the versions and leave every series' status of these measures to be computed
    again: a change to a measure's definition, or a bulk write that sends no model signals and
    does not say which sites it changed (imports, the demo)."""
    versions_moved(network_id, measure_ids, statuses_engine=None)


def series_changed(network_id: int, measure_id: int, organization_id: int) -> None:
    """Move on the versions and mark one site's series of a measure stale, moving its version
    on so a view that read the series before cannot write its old status back. The row is made
    if the site had none. Row locks in order: network, measure, series."""
    versions_moved(network_id, [measure_id])
    row = SeriesStatus.objects.filter(measure_id=measure_id, organization_id=organization_id)
    if not row.update(stale=True, version=F("version") + 1):
        SeriesStatus.objects.bulk_create(
            [SeriesStatus(measure_id=measure_id, organization_id=organization_id)],
            ignore_conflicts=True,  # made meanwhile by another write: moved on below all the same
        )
        row.update(stale=True, version=F("version") + 1)


MEASURE_FIELDS = (
    "name", "kind", "description", "value_type", "unit", "rate_multiplier",
    "numerator_definition", "denominator_definition", "data_source", "frequency",
    "desired_direction", "target", "default_chart",
)  # fmt: skip


@transaction.atomic
def create_measure(*, network: Network, name: str, slug: str, **fields) -> Measure:
    measure = Measure(network=network, name=name, slug=slug, **fields)
    measure.full_clean()
    check_target(measure)
    measure.save()
    return measure


@transaction.atomic
def update_measure(*, measure: Measure, **fields) -> Measure:
    """Change a measure's definition. Its type and frequency stay once it has data: the
    recorded values were entered under them."""
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise ValueError(f"Not measure fields: {', '.join(sorted(unknown))}")
    if measure.observations.exists():
        for name in ("value_type", "frequency"):
            if name in fields and fields[name] != getattr(measure, name):
                label = Measure._meta.get_field(name).verbose_name
                raise ValidationError(
                    {name: f"The {label} cannot change once values are recorded under it."}
                )
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    check_target(measure)
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
