"""Confirm a project's progress score, beside what the evidence suggested."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from melior.projects.models import ImprovementProject

from .evidence import suggest
from .models import ProgressAssessment
from .scale import SCALE
from .selectors import project_evidence

# A score a whole step or more from the evidence needs the team's reason beside it.
EXPLAIN_FROM = Decimal("1.0")


@transaction.atomic
def confirm_progress(
    *,
    project: ImprovementProject,
    user,
    score,
    assessed_on: datetime.date,
    note: str = "",
    today: datetime.date | None = None,
) -> ProgressAssessment:
    if not user.has_perm("progress.assess", project):
        raise PermissionDenied("Only the school's managers and the project team confirm its score.")
    today = today or datetime.date.today()
    errors = {}
    try:
        score = Decimal(str(score))
    except InvalidOperation:
        score = None
    if score not in SCALE:
        errors["score"] = "Choose a score on the scale, from 0.5 to 5.0 in steps of 0.5."
    if assessed_on > today:
        errors["assessed_on"] = "The assessment date cannot be in the future."
    suggestion = suggest(project_evidence(project))
    note = note.strip()
    if score in SCALE and abs(score - suggestion.score) >= EXPLAIN_FROM and not note:
        errors["note"] = (
            f"The evidence suggests {suggestion.score}; say why the team chose {score}."
        )
    if errors:
        raise ValidationError(errors)
    return ProgressAssessment.objects.create(
        project=project,
        score=score,
        suggested=suggestion.score,
        evidence=[*suggestion.reasons, *([suggestion.next_step] if suggestion.next_step else [])],
        note=note,
        assessed_on=assessed_on,
        confirmed_by=user,
    )
