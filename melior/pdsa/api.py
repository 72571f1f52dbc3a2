"""API: PDSA cycles at the sites the user may see, found with the same filters as the page."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from melior.core.pagination import Pages
from melior.networks.api import network_or_404
from melior.theory.selectors import network_ideas

from . import selectors

router = Router(tags=["pdsa"])


class QuestionOut(Schema):
    question: str
    kind: str
    prediction: str = Field(..., alias="prediction_text")
    locked_prediction: str
    result: str
    result_value: float | None
    held: str
    learned: str


class CycleOut(Schema):
    id: int
    title: str
    site: str = Field(..., alias="project.site.slug")
    project: int = Field(..., alias="project_id")
    change_idea: str = Field(..., alias="change_idea.name")
    network_idea_key: str | None
    status: str
    scale: int | None
    planned_start: datetime.date | None
    due: datetime.date | None
    started_on: datetime.date | None
    completed_on: datetime.date | None
    decision: str
    decision_reason: str
    previous: int | None = Field(None, alias="previous_id")

    @staticmethod
    def resolve_network_idea_key(cycle) -> str | None:
        return str(cycle.network_idea.key) if cycle.network_idea_id else None


class CycleDetail(CycleOut):
    objective: str
    what_happened: str
    study_summary: str
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(cycle):
        return list(cycle.questions.all())


@router.get("/{slug}/pdsa", response=list[CycleOut])
@paginate(Pages, page_size=100)
def list_cycles(
    request,
    slug: str,
    idea: str = "",
    site: str = "",
    status: str = "",
    decision: str = "",
    q: str = "",
    shared: bool = False,
):
    """Cycles by change idea (its key), school (slug), status, decision or text; with
    shared=true, other schools' shared cycles too."""
    network = network_or_404(request, slug)
    if idea:
        try:
            uuid.UUID(idea)
        except ValueError:
            raise ValidationError({"idea": "Give a change idea's key."}) from None
    params = {"idea": idea, "site": site, "status": status, "decision": decision, "q": q}
    params["shared"] = "1" if shared else ""
    return selectors.search(request.user, network, params).select_related("network_idea")


@router.get("/{slug}/pdsa/{cycle_id}", response=CycleDetail)
def get_cycle(request, slug: str, cycle_id: int):
    """One cycle of the user's schools, or one another school shares (its summary)."""
    network = network_or_404(request, slug)
    return get_object_or_404(
        selectors.visible_cycles(request.user, network).select_related(
            "project__site", "change_idea", "network_idea"
        ),
        pk=cycle_id,
    )


class ChangeIdeaOut(Schema):
    key: str
    name: str
    drivers: list[str]
    tests: int
    sites: int
    adopted: int
    adapted: int
    abandoned: int
    testing: int
    readiness: str
    summary: str


@router.get("/{slug}/change-ideas", response=list[ChangeIdeaOut])
def list_change_ideas(request, slug: str):
    """The network theory's change ideas with the evidence of every visible cycle on each."""
    network = network_or_404(request, slug)
    out = []
    for idea in network_ideas(network).prefetch_related("parent_links__parent"):
        _, evidence = selectors.idea_evidence(request.user, network, idea)
        out.append(
            ChangeIdeaOut(
                key=str(idea.key),
                name=idea.name,
                drivers=[link.parent.name for link in idea.parent_links.all()],
                tests=evidence.tests,
                sites=evidence.sites,
                adopted=evidence.adopted,
                adapted=evidence.adapted,
                abandoned=evidence.abandoned,
                testing=evidence.testing,
                readiness=evidence.readiness,
                summary=evidence.sentence(),
            )
        )
    return out
