"""API: the equity-over-time figures — each group's mean by period and each school's gap chart —
suppressed exactly as the pages show them (one suppression per period, read by all)."""

import datetime
import math

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
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
    exist is refused with 400; site narrows the schools to one (400 if you do not see it)."""
    network = network_or_404(request, slug)
    try:
        choice = gaps.choose(network, outcome=outcome, by=by, a=a, b=b, period=period, strict=True)
    except gaps.BadChoice as refusal:
        raise ValidationError({refusal.field: str(refusal)}) from refusal
    state = gaps.state_of(request.user, network, choice)
    if site and not any(s.slug == site for s in state[1].values()):
        raise ValidationError({"site": f"No school {site!r} among those you see."})
    # the answer as sent, cached with the figures (building 5,000 points takes most of a second)
    key = f"gaps-api:{state[0]}:{site}"
    body = cache.get(key)
    if body is None:
        result, sites = gaps.outcome_gaps(request.user, network, choice, state=state)
        chosen = [s for s in sites.values() if not site or s.slug == site]
        body = _answer(network, choice, result, chosen).model_dump_json()
        cache.set(key, body, gaps.CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json")


def _answer(network, choice, result, chosen) -> Gaps:
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
    # built without validation: every value below is of its field's type already, and
    # validating 5,000 points took most of a cold answer's time
    answer.groups = [
        GroupFigure.model_construct(
            period=period.date(),
            subgroup=group,
            students=_count(n),
            mean=_number(mean),
            suppressed=SUPPRESSED if hidden else "",
        )
        for period, group, n, mean, hidden in zip(
            *_columns(result.pooled, GROUP_COLUMNS), strict=True
        )
    ]
    points: dict[int, list[GapPoint]] = {}
    for unit, *point in zip(*_columns(result.data, POINT_COLUMNS), strict=True):
        points.setdefault(unit, []).append(_point(*point))
    readings = result.readings.set_index("unit")[["reading", "cl"]].to_dict("index")
    for school in chosen:
        if school.pk not in points:
            continue
        reading = readings[school.pk]
        answer.schools.append(
            SchoolGap.model_construct(
                school=school.name,
                slug=school.slug,
                reading=reading["reading"],
                center_line=_number(reading["cl"]),
                points=points[school.pk],
            )
        )
    return answer


GROUP_COLUMNS = ("period", "group", "n", "mean", "hidden")
POINT_COLUMNS = (
    "unit", "period", "n_a", "mean_a", "n_b", "mean_b", "gap", "hidden", "cl", "lcl", "ucl",
    "sigma_signal",
)  # fmt: skip


def _columns(frame, names) -> list[list]:
    return [frame[name].tolist() for name in names]


def _point(period, n_a, mean_a, n_b, mean_b, gap, hidden, cl, lcl, ucl, outside) -> GapPoint:
    return GapPoint.model_construct(
        period=period.date(),
        students_a=_count(n_a),
        mean_a=_number(mean_a),
        students_b=_count(n_b),
        mean_b=_number(mean_b),
        gap=_number(gap),
        suppressed=SUPPRESSED if hidden else "",
        center_line=_number(cl),
        lower_limit=_number(lcl),
        upper_limit=_number(ucl),
        outside_limits=bool(outside),
    )
