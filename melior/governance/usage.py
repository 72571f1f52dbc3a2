"""EdTech usage as a process measure: week by week, at each school, the share of enrolled
students who used the product (a proportion measure) or the mean minutes of those who did (a
measured-value measure), written as ordinary observations — only for the students who count
under the usage's purpose. Running it again corrects the weeks that changed."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction

from melior.measures.models import Measure, Observation, period_start
from melior.measures.services import record_observation

from .models import Enrollment, UsageRecord
from .selectors import counted


@transaction.atomic
def usage_to_measure(*, network, product: str, purpose, measure: Measure, today=None) -> int:
    """Returns how many observations were added or corrected."""
    if measure.network_id != network.pk:
        raise ValidationError({"measure": "Choose a measure of this network."})
    if measure.frequency != "weekly":
        raise ValidationError({"measure": "Usage is aggregated by week: choose a weekly measure."})
    proportion = measure.value_type == Measure.ValueType.PROPORTION
    if not proportion and measure.value_type != Measure.ValueType.CONTINUOUS:
        raise ValidationError(
            {
                "measure": "Choose a proportion (share of students active) or a "
                "measured-value measure (minutes per active student)."
            }
        )
    today = today or datetime.date.today()
    sites = list(network.sites.all())
    records = (
        UsageRecord.objects.filter(site__in=sites, product=product, purpose=purpose)
        .filter(counted(purpose))
        .values_list("site_id", "student_id", "date", "minutes")
    )
    weeks = defaultdict(lambda: defaultdict(float))  # (site, week) -> student -> minutes
    for site_id, student_id, day, spent in records:
        week = period_start("weekly", day)
        if week <= today:
            weeks[(site_id, week)][student_id] += spent
    enrolled = defaultdict(set)
    for site_id, year, student_id in Enrollment.objects.filter(site__in=sites).values_list(
        "site_id", "school_year", "student_id"
    ):
        enrolled[(site_id, year)].add(student_id)
    by_id = {s.pk: s for s in sites}
    written = 0
    for (site_id, week), minutes in sorted(weeks.items()):
        year = week.year if week.month >= 7 else week.year - 1
        if proportion:
            denominator = len(enrolled[(site_id, year)] | set(minutes))
            values = {"numerator": len(minutes), "denominator": denominator}
        else:
            values = {"value": round(sum(minutes.values()) / len(minutes), 1)}
        current = Observation.objects.filter(
            measure=measure, organization_id=site_id, period_start=week
        ).first()
        if current is not None and all(getattr(current, k) == v for k, v in values.items()):
            continue
        record_observation(
            measure=measure, organization=by_id[site_id], period=week, correcting=current, **values
        )
        written += 1
    return written
