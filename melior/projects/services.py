"""State changes for improvement projects."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import ImprovementProject

CHARTER_FIELDS = (
    "title",
    "problem_statement",
    "why_it_matters",
    "aim_statement",
    "aim_measure",
    "baseline_value",
    "target_value",
    "target_date",
    "population",
    "status",
)


def _check_aim_measure(project: ImprovementProject) -> None:
    if project.aim_measure_id and project.aim_measure.network_id != project.network_id:
        raise ValidationError({"aim_measure": "Choose one of this network's measures."})


@transaction.atomic
def create_project(*, network, site, user=None, team=(), **charter) -> ImprovementProject:
    project = ImprovementProject(network=network, site=site, created_by=user, **charter)
    if not network.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": f"{site} is not a site of {network}."})
    _check_aim_measure(project)
    project.full_clean()
    project.save()
    project.team.set(team)
    return project


@transaction.atomic
def update_charter(*, project: ImprovementProject, **charter) -> ImprovementProject:
    unknown = set(charter) - set(CHARTER_FIELDS)
    if unknown:
        raise ValueError(f"Not charter fields: {', '.join(sorted(unknown))}")
    for field, value in charter.items():
        setattr(project, field, value)
    _check_aim_measure(project)
    project.full_clean()
    project.save()
    return project
