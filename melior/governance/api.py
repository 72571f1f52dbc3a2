"""API: student outcomes by subgroup (aggregates, small cells suppressed) for every member;
student rows only where the user may see them, each read logged."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from melior.analysis.suppression import LABEL as SUPPRESSED
from melior.core.pagination import Pages
from melior.networks.api import network_or_404

from . import selectors, services
from .models import SUBGROUPS, AccessLog, Purpose
from .permissions import row_site_ids

router = Router(tags=["students"])


class Cell(Schema):
    school: str
    subgroup: str
    students: int | None  # None when suppressed
    mean: float | None
    # "" or "suppressed": fewer than min_cell_size students, or hidden so that such a cell
    # cannot be worked out (one word for both, or it would say which cells are small)
    suppressed: str


class Aggregate(Schema):
    outcome: str
    purpose: str
    min_cell_size: int
    cells: list[Cell]


@router.get("/{slug}/students/aggregate", response=Aggregate)
def student_aggregate(
    request, slug: str, outcome: str, purpose: int, by: str = "economic_disadvantage_status"
):
    """Mean of an outcome (e.g. "Attendance rate") per school × subgroup, suppressed."""
    network = network_or_404(request, slug)
    purpose = get_object_or_404(Purpose, pk=purpose, network=network)
    if by not in SUBGROUPS:
        raise ValidationError({"by": f"Choose one of {', '.join(SUBGROUPS)}."})
    kinds = {name: kind for kind, name, *_ in selectors.outcome_choices(network)}
    if outcome not in kinds:
        raise Http404("No such outcome")
    counts, means, s = selectors.aggregate(
        request.user, network, kind=kinds[outcome], name=outcome, by=by, purpose=purpose
    )
    cells = []
    for school in counts.index:
        for group in counts.columns:
            shown = not s.hidden.loc[school, group]
            cells.append(
                Cell(
                    school=school,
                    subgroup=group,
                    students=int(counts.loc[school, group]) if shown else None,
                    mean=float(means.loc[school, group])
                    if shown and counts.loc[school, group]
                    else None,
                    suppressed="" if shown else SUPPRESSED,
                )
            )
    return Aggregate(outcome=outcome, purpose=purpose.name, min_cell_size=s.min_n, cells=cells)


class StudentRow(Schema):
    key: str
    sex: str
    race_ethnicity: str
    economic_disadvantage_status: str
    english_learner_status: str
    idea_indicator: str


@router.get("/{slug}/students/rows", response=list[StudentRow])
@paginate(Pages, page_size=500)
def student_rows(request, slug: str, site: str):
    """De-identified student rows at one school, for those allowed; every call is logged."""
    network = network_or_404(request, slug)
    school = network.sites.filter(slug=site).first()
    if school is None or school.pk not in row_site_ids(request.user, network):
        raise PermissionDenied
    rows = selectors.student_rows(request.user, network, school.pk)
    services.log(
        user=request.user,
        network=network,
        action=AccessLog.Action.VIEW_ROWS,
        request=request,
        what=f"Student rows at {school.name} (API)",
        records=rows.count(),
    )
    return rows
