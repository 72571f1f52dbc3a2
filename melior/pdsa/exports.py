"""The PDSA search as a spreadsheet: one row per cycle, with its predictions and how many held."""

from melior.core.csv import csv_response

from .models import LearningQuestion

CSV_COLUMNS = [
    "id",
    "title",
    "site",
    "project",
    "change idea",
    "status",
    "scale",
    "planned start",
    "due",
    "completed",
    "decision",
    "reason",
    "predictions",
    "held",
]


def cycles_csv(network, cycles):
    return csv_response(
        f"{network.slug}-pdsa-cycles.csv",
        CSV_COLUMNS,
        (_row(c) for c in cycles.select_related("project__site", "change_idea")),
    )


def _row(c) -> tuple:
    questions = list(c.questions.all())
    held = sum(q.held == LearningQuestion.Held.YES for q in questions)
    return (
        c.pk,
        c.title,
        c.project.site.name,
        c.project.title,
        c.change_idea.name,
        c.get_status_display(),
        c.get_scale_display() if c.scale else "",
        c.planned_start,
        c.due,
        c.completed_on,
        c.get_decision_display(),
        c.decision_reason,
        len(questions),
        held,
    )
