"""API: the equity-over-time figures — each group's mean by period and each school's gap chart —
suppressed exactly as the pages show them (one suppression per period, read by all)."""

import datetime
import math

from django.core.exceptions import ValidationError
from ninja import Router, Schema

from melior.analysis.suppression import LABEL as SUPPRESSED
from melior.networks.api import network_or_404

from . import gaps
from .models import SUBGROUPS
from .selectors import purpose_of

router = Router(tags=["students"])


class GroupFigure(Schema):
    period: datetime.date
    subgroup: str
    students: int | None  # None when suppressed
    mean: float | None
    suppressed: str  # "" or "suppressed"


class GapPoint(Schema):
    period: datetime.date
    students_a: int | None
    mean_a: float | None
    students_b: int | None
    mean_b: float | None
    gap: float | None  # None when suppressed (either group) or a group has no students
    suppressed: str
    center_line: float | None
    lower_limit: float | None
    upper_limit: float | None
    outside_limits: bool  # beyond the control limits


class SchoolGap(Schema):
    school: str
    slug: str
    reading: str  # narrowing by signal, widening by signal, no signal (noise), too few periods
    center_line: float | None
    points: list[GapPoint]


class Gaps(Schema):
    outcome: str
    purpose: str
    subgroup: str
    group_a: str
    group_b: str
    period: str
    min_cell_size: int
    groups: list[GroupFigure]  # every school the caller sees, together
    schools: list[SchoolGap]


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _count(value) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


@router.get("/{slug}/gaps", response=Gaps)
def student_gaps(
    request,
    slug: str,
    outcome: str = "",
    by: str = "",
    a: str = "",
    b: str = "",
    period: str = "month",
    site: str = "",
):
    """Each group's mean of an outcome by month (or week) over the schools you see, and each
    school's gap between two groups with its chart's center line, limits, signals and reading;
    small cells suppressed as on the pages. A named outcome, subgroup or group that does not
    exist is refused with 400; site narrows the schools to one (404 if you cannot see it)."""
    network = network_or_404(request, slug)
    try:
        choice = gaps.choose(network, outcome=outcome, by=by, a=a, b=b, period=period, strict=True)
    except gaps.BadChoice as refusal:
        raise ValidationError({refusal.field: str(refusal)}) from refusal
    result, sites = gaps.outcome_gaps(request.user, network, choice)
    chosen = list(sites.values())
    if site:
        chosen = [s for s in chosen if s.slug == site]
        if not chosen:
            raise ValidationError({"site": f"No school {site!r} among those you see."})
    answer = Gaps(
        outcome=choice.name,
        purpose=purpose_of(network, choice.purpose_id).name,
        subgroup=SUBGROUPS[choice.by],
        group_a=choice.a,
        group_b=choice.b,
        period=choice.period,
        min_cell_size=gaps.privacy_for(network).min_cell_size,
        groups=[],
        schools=[],
    )
    if result is None:
        return answer
    answer.groups = [
        GroupFigure(
            period=row.period.date(),
            subgroup=row.group,
            students=_count(row.n),
            mean=_number(row.mean),
            suppressed=SUPPRESSED if row.hidden else "",
        )
        for row in result.pooled.itertuples()
    ]
    data = result.data
    readings = result.readings.set_index("unit")
    for school in chosen:
        points = data.loc[data["unit"] == school.pk]
        if points.empty:
            continue
        answer.schools.append(
            SchoolGap(
                school=school.name,
                slug=school.slug,
                reading=readings.loc[school.pk, "reading"],
                center_line=_number(readings.loc[school.pk, "cl"]),
                points=[_point(p) for p in points.itertuples()],
            )
        )
    return answer


def _point(p) -> GapPoint:
    return GapPoint(
        period=p.period.date(),
        students_a=_count(p.n_a),
        mean_a=_number(p.mean_a),
        students_b=_count(p.n_b),
        mean_b=_number(p.mean_b),
        gap=_number(p.gap),
        suppressed=SUPPRESSED if p.hidden else "",
        center_line=_number(p.cl),
        lower_limit=_number(p.lcl),
        upper_limit=_number(p.ucl),
        outside_limits=bool(p.sigma_signal),
    )
