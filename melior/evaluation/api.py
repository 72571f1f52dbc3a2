"""API: the network's EdTech pilots for its members — the plan, whether it was registered
before the pilot started, and what the lot assigned, unit by unit (never a student or a head
count)."""

import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from melior.core.pagination import Pages
from melior.networks.api import network_or_404

from .selectors import assigned_units, pilots_for

router = Router(tags=["pilots"])


class OutcomeOut(Schema):
    name: str
    role: str
    direction: str
    meaningful_effect: float
    pre_registered: bool


class UnitOut(Schema):
    arm: str
    school: str
    class_title: str


class PilotOut(Schema):
    id: int
    title: str
    tool: str
    question: str
    design: str
    unit: str
    schools: list[str]
    starts: datetime.date
    ends: datetime.date
    registered_at: datetime.datetime | None
    registered_late: bool
    assigned_at: datetime.datetime | None
    seed: int | None
    decision: str
    outcomes: list[OutcomeOut]

    @staticmethod
    def resolve_schools(pilot) -> list[str]:
        return sorted(site.slug for site in pilot.sites.all())

    @staticmethod
    def resolve_outcomes(pilot) -> list:
        return list(pilot.outcomes.all())


class PilotDetailOut(PilotOut):
    assignment: list[UnitOut]

    @staticmethod
    def resolve_assignment(pilot) -> list[dict]:
        return [{**unit, "class_title": unit["class"]} for unit in assigned_units(pilot)]


@router.get("/{slug}/pilots", response=list[PilotOut])
@paginate(Pages, page_size=100)
def list_pilots(request, slug: str):
    """The network's pilots, newest first."""
    return pilots_for(request.user, network_or_404(request, slug))


@router.get("/{slug}/pilots/{pilot_id}", response=PilotDetailOut)
def get_pilot(request, slug: str, pilot_id: int):
    """One pilot with the units (schools, or classes at their schools) the lot assigned to
    each arm; never a student or a head count."""
    return get_object_or_404(pilots_for(request.user, network_or_404(request, slug)), pk=pilot_id)
