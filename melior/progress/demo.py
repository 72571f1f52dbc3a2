"""Demo progress scores: each school team's climb up the assessment scale over the year, ending
at what the demo's evidence suggests today."""

import datetime
from decimal import Decimal

from melior.projects.models import ImprovementProject

from .evidence import suggest
from .models import ProgressAssessment
from .selectors import project_evidence

# Days before the load day and the score a team had reached by then (capped by today's evidence).
MILESTONES = [
    (300, Decimal("1.0")),
    (210, Decimal("2.0")),
    (120, Decimal("2.5")),
    (40, Decimal("3.0")),
]


def load_demo_progress(network, today: datetime.date) -> int:
    """Add the history of every demo project that has none (idempotent); returns how many."""
    added = 0
    for project in ImprovementProject.objects.filter(network=network).prefetch_related("team"):
        if project.progress_assessments.exists():
            continue
        suggestion = suggest(project_evidence(project))
        team = list(project.team.all())
        history = [(days, min(score, suggestion.score)) for days, score in MILESTONES]
        history.append((7, suggestion.score))
        shown = []
        for days, score in history:
            if shown and shown[-1][1] >= score:
                continue
            shown.append((days, score))
        for days, score in shown:
            ProgressAssessment.objects.create(
                project=project,
                score=score,
                suggested=score,
                evidence=suggestion.reasons if days == 7 else [],
                assessed_on=today - datetime.timedelta(days=days),
                confirmed_by=team[0] if team else None,
            )
            added += 1
    return added
