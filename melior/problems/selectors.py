"""Reads for problem analyses; the network and project come from networks/projects selectors,
so everything here is already within what the user may see."""

from django.db.models import Sum

from melior.analysis.pareto import pareto_chart
from melior.theory.models import DriverDiagram, Node
from melior.theory.services import DRIVERS

from .models import Cause, CauseTally, ProblemAnalysis


def analysis_or_none(network, project=None) -> ProblemAnalysis | None:
    return ProblemAnalysis.objects.filter(network=network, project=project).first()


def fishbone(analysis: ProblemAnalysis) -> list[tuple]:
    """[(category, [(cause, is_sub_cause), ...])] with each cause followed by its sub-causes."""
    causes = list(
        analysis.causes.select_related("category", "parent").prefetch_related(
            "drivers", "interviews"
        )
    )
    out = []
    for category in analysis.categories.all():
        rows = []
        for cause in (c for c in causes if c.category_id == category.pk and c.parent_id is None):
            rows.append((cause, False))
            rows += [(sub, True) for sub in causes if sub.parent_id == cause.pk]
        out.append((category, rows))
    return out


def pareto(analysis: ProblemAnalysis, since=None):
    """The Pareto chart of the analysis's tallies (all causes with at least one tally)."""
    tallies = CauseTally.objects.filter(cause__analysis=analysis)
    if since is not None:
        tallies = tallies.filter(observed_on__gte=since)
    totals = list(tallies.values("cause__name").annotate(total=Sum("count")))
    if not totals:
        return None
    return pareto_chart([t["total"] for t in totals], [t["cause__name"] for t in totals])


def driver_choices(analysis: ProblemAnalysis):
    """The drivers a cause may be linked to: the project's own diagram when it has one,
    otherwise the network's theory (a queryset, none without a theory)."""
    diagram = None
    if analysis.project_id:
        diagram = DriverDiagram.objects.filter(project=analysis.project).first()
    if diagram is None:
        diagram = DriverDiagram.objects.filter(network=analysis.network, project=None).first()
    if diagram is None:
        return Node.objects.none()
    return diagram.nodes.filter(kind__in=DRIVERS).order_by("kind", "position")


def cause_totals(analysis: ProblemAnalysis) -> dict[int, int | None]:
    """Each cause's tallied total (None for a cause never tallied)."""
    return dict(analysis.causes.annotate(t=Sum("tallies__count")).values_list("pk", "t"))


def tallies(analysis: ProblemAnalysis):
    """The analysis's tallies, latest first, with their causes."""
    return CauseTally.objects.filter(cause__analysis=analysis).select_related("cause")


def causes(analysis: ProblemAnalysis):
    return Cause.objects.filter(analysis=analysis).select_related("category", "parent")
