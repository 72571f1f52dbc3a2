"""API: improvement projects (team charters) at the sites the user may see."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from melior.core.pagination import Pages
from melior.networks.api import network_or_404

from .selectors import projects_for

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    title: str
    site: str = Field(..., alias="site.slug")
    status: str
    problem_statement: str
    why_it_matters: str
    aim_statement: str
    aim_measure: str | None
    baseline_value: float | None
    target_value: float | None
    target_date: datetime.date | None
    population: str

    @staticmethod
    def resolve_aim_measure(project) -> str | None:
        return project.aim_measure.slug if project.aim_measure_id else None


@router.get("/{slug}/projects", response=list[ProjectOut])
@paginate(Pages, page_size=100)
def list_projects(request, slug: str):
    return projects_for(request.user, network_or_404(request, slug))


@router.get("/{slug}/projects/{project_id}", response=ProjectOut)
def get_project(request, slug: str, project_id: int):
    return get_object_or_404(
        projects_for(request.user, network_or_404(request, slug)), pk=project_id
    )
