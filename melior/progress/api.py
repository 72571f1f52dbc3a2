"""API: project progress scores on the collaborative assessment scale, for visible projects."""

import datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from melior.core.pagination import Pages
from melior.networks.api import network_or_404

from .selectors import assessments_for

router = Router(tags=["progress"])


class AssessmentOut(Schema):
    project: int = Field(..., alias="project_id")
    site: str = Field(..., alias="project.site.slug")
    score: float
    suggested: float
    assessed_on: datetime.date
    note: str
    evidence: list[str]


@router.get("/{slug}/progress", response=list[AssessmentOut])
@paginate(Pages, page_size=500)
def list_progress(request, slug: str):
    """Every confirmed score of the projects the caller may see, latest first per project."""
    return assessments_for(request.user, network_or_404(request, slug)).order_by(
        "project_id", "-assessed_on", "-created_at"
    )
