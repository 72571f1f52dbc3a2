"""Reads for project progress, limited to the projects the user may see."""

from django.db.models import QuerySet

from melior.measures.across_sites.status import status_table
from melior.measures.models import Measure, Observation
from melior.networks.models import Network
from melior.pdsa.models import Cycle
from melior.projects.models import ImprovementProject
from melior.projects.selectors import projects_for

from .evidence import Evidence
from .models import ProgressAssessment

STRETCH = 4  # periods averaged into one reading of the aim measure's level
STRETCHES_HELD = 4  # the latest stretch and the three before it: "the target has held"


def assessments_for(user, network: Network) -> QuerySet[ProgressAssessment]:
    return ProgressAssessment.objects.filter(
        project__in=projects_for(user, network)
    ).select_related("project__site", "confirmed_by")


def history(project: ImprovementProject) -> QuerySet[ProgressAssessment]:
    """A project's assessments, latest first (the caller has already checked it may see it)."""
    return project.progress_assessments.select_related("confirmed_by")


def progress_table(user, network: Network) -> list[dict]:
    """Every visible project with its latest confirmed score and the one before it: the hub's
    table across projects, most advanced first, then the projects not yet assessed."""
    projects = list(projects_for(user, network))
    latest: dict[int, list[ProgressAssessment]] = {}
    for assessment in ProgressAssessment.objects.filter(project__in=projects).order_by(
        "project", "-assessed_on", "-created_at"
    ):
        latest.setdefault(assessment.project_id, []).append(assessment)
    rows = []
    for project in projects:
        found = latest.get(project.pk, [])
        current = found[0] if found else None
        previous = found[1] if len(found) > 1 else None
        rows.append(
            {
                "project": project,
                "current": current,
                "previous": previous,
                "change": _change_in_words(current, previous),
                "assessments": len(found),
            }
        )
    rows.sort(
        key=lambda row: (
            row["current"] is None,
            -(row["current"].score if row["current"] else 0),
            row["project"].site.name,
        )
    )
    return rows


def _change_in_words(current, previous) -> str:
    if current is None or previous is None:
        return "—"
    change = current.score - previous.score
    if change == 0:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {abs(change)}"


def project_evidence(project: ImprovementProject) -> Evidence:
    """What Melior knows of a project's progress, gathered for `evidence.suggest`."""
    cycles = Cycle.objects.filter(project=project)
    done = cycles.filter(status=Cycle.Status.DONE).exclude(decision="")
    adopted = done.filter(decision=Cycle.Decision.ADOPT)
    adopted_ideas = set(adopted.values_list("change_idea_id", flat=True))
    network_ideas = set(
        adopted.exclude(network_idea=None).values_list("network_idea_id", flat=True)
    )
    elsewhere = (
        Cycle.objects.filter(
            network_id=project.network_id,
            network_idea_id__in=network_ideas,
            status=Cycle.Status.DONE,
            decision=Cycle.Decision.ADOPT,
        )
        .exclude(project__site_id=project.site_id)
        .values("network_idea_id")
        .distinct()
        .count()
    )
    table = status_table(project.network)
    row = table.row(project.site_id)
    improving = tuple(
        measure.name
        for measure, status, _ in row
        if status == "improving" and measure.kind in {Measure.Kind.PROCESS, Measure.Kind.DRIVER}
    )
    outcome = next((s for m, s, _ in row if m.pk == project.aim_measure_id), "no data")
    return Evidence(
        has_aim=bool(project.aim_statement.strip()) and project.aim_measure_id is not None,
        team_size=project.team.count(),
        cycles_planned=cycles.exclude(status=Cycle.Status.DRAFT).count(),
        cycles_under_way=cycles.filter(
            status__in=[Cycle.Status.RUNNING, Cycle.Status.STUDYING]
        ).count(),
        cycles_decided=done.count(),
        changes_adopted=len(adopted_ideas),
        adopted_elsewhere=elsewhere,
        improving_measures=improving,
        outcome_status=outcome,
        **_aim_levels(project),
    )


def _aim_levels(project: ImprovementProject) -> dict:
    """How far the aim measure's latest level has come from the baseline towards the target,
    and whether it meets the target now and has for the stretches before."""
    measure = project.aim_measure
    if measure is None or project.baseline_value is None or project.target_value is None:
        return {}
    rows = list(
        Observation.objects.filter(measure=measure, organization_id=project.site_id)
        .order_by("-period_start")
        .values_list("value", "numerator", "denominator")[: STRETCH * STRETCHES_HELD]
    )
    levels = [
        _level(measure, rows[k : k + STRETCH]) for k in range(0, len(rows) - STRETCH + 1, STRETCH)
    ]
    levels = [level for level in levels if level is not None]
    if not levels:
        return {}
    baseline, target = project.baseline_value, project.target_value
    higher = measure.desired_direction == Measure.Direction.UP

    def meets(level: float) -> bool:
        return level >= target if higher else level <= target

    share = (levels[0] - baseline) / (target - baseline) if target != baseline else None
    return {
        "share_of_gain": share,
        "target_met": meets(levels[0]),
        "target_held": len(levels) == STRETCHES_HELD and all(meets(level) for level in levels),
    }


def _level(measure: Measure, rows: list) -> float | None:
    """The measure's level over a stretch of periods, in the units people read (% or per N)."""
    if measure.has_denominator:
        numerator = sum(r[1] for r in rows if r[1] is not None and r[2])
        denominator = sum(r[2] for r in rows if r[1] is not None and r[2])
        return numerator / denominator * measure.display_scale if denominator else None
    values = [r[0] for r in rows if r[0] is not None]
    return sum(values) / len(values) if values else None
