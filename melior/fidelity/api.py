"""API: fidelity plans (components and their configuration maps), checks and adaptations of a
network, limited to what the caller may see; and recording a check."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from melior.core.pagination import Pages
from melior.networks.api import network_or_404, site_or_404

from . import selectors, services
from .models import Check

router = Router(tags=["fidelity"])


class ComponentOut(Schema):
    id: int
    name: str
    essential: bool
    ideal: str
    acceptable: str
    unacceptable: str


class PlanOut(Schema):
    idea: int = Field(..., alias="idea_id")
    idea_name: str = Field(..., alias="idea.name")
    site: str | None  # the school of a local idea; none for the network's theory
    dimensions: list[str]
    rhythm: str
    measure: str | None = Field(None, alias="measure.slug")
    components: list[ComponentOut]

    @staticmethod
    def resolve_site(plan):
        project = plan.idea.diagram.project
        return project.site.slug if project else None

    @staticmethod
    def resolve_components(plan):
        return list(plan.components.all())


class RatingOut(Schema):
    component: int = Field(..., alias="component_id")
    dimension: str
    level: int


class RatingIn(Schema):
    component: int
    dimension: str
    level: int


class CheckOut(Schema):
    id: int
    idea: int = Field(..., alias="plan.idea_id")
    site: str = Field(..., alias="site.slug")
    checked_on: datetime.date
    rated_by: str
    score: float
    capped: bool
    notes: str
    ratings: list[RatingOut]

    @staticmethod
    def resolve_ratings(check):
        return list(check.ratings.all())


class CheckIn(Schema):
    idea: int
    site: str
    checked_on: datetime.date
    rated_by: str
    notes: str = ""
    ratings: list[RatingIn]


class AdaptationOut(Schema):
    id: int
    idea: int = Field(..., alias="component.plan.idea_id")
    component: int = Field(..., alias="component_id")
    site: str = Field(..., alias="site.slug")
    made_on: datetime.date
    what: str
    goal: str
    reason: str
    decided_by: str
    planned: bool
    essential: bool
    fidelity_consistent: bool
    cycle: int | None = Field(None, alias="cycle_id")


@router.get("/{slug}/fidelity/components", response=list[PlanOut])
def list_fidelity_components(request, slug: str):
    """Every change idea the caller may see that has a fidelity plan, with its components."""
    network = network_or_404(request, slug)
    return (
        selectors.plans_for(request.user, network)
        .select_related("idea__diagram__project__site", "measure")
        .prefetch_related("components")
        .order_by("pk")
    )


@router.get("/{slug}/fidelity/checks", response=list[CheckOut])
@paginate(Pages, page_size=500)
def list_fidelity_checks(request, slug: str):
    """Checks at the schools the caller may see, latest first."""
    network = network_or_404(request, slug)
    return (
        selectors.checks_for(request.user, network)
        .prefetch_related("ratings")
        .order_by("-checked_on", "-pk")
    )


@router.post("/{slug}/fidelity/checks", response={201: CheckOut})
def add_fidelity_check(request, slug: str, payload: CheckIn):
    """Record a check at a school (every component on every dimension of the idea's plan, each
    2 ideal, 1 acceptable or 0 unacceptable); 400 names what is missing or wrong."""
    network = network_or_404(request, slug)
    link = site_or_404(request, network, payload.site)
    if not request.user.has_perm("fidelity.record", link):
        raise PermissionDenied
    plan = get_object_or_404(selectors.plans_for(request.user, network), idea_id=payload.idea)
    levels = {}
    for rating in payload.ratings:
        if rating.level not in (0, 1, 2):
            raise ValidationError({"ratings": "A level is 2 (ideal), 1 (acceptable) or 0."})
        levels[(rating.component, rating.dimension)] = rating.level
    check = services.record_check(
        plan=plan, site=link.organization, user=request.user, checked_on=payload.checked_on,
        rated_by=payload.rated_by, notes=payload.notes, levels=levels,
    )  # fmt: skip
    saved = Check.objects.select_related("plan", "site").prefetch_related("ratings")
    return Status(201, saved.get(pk=check.pk))


@router.get("/{slug}/fidelity/adaptations", response=list[AdaptationOut])
@paginate(Pages, page_size=500)
def list_fidelity_adaptations(request, slug: str):
    """Adaptations logged at the schools the caller may see, latest first."""
    network = network_or_404(request, slug)
    return selectors.adaptations_for(request.user, network)
