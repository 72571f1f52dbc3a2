"""The PDSA search as a spreadsheet: one row per cycle, with its predictions and how many held."""

import csv

from django.http import HttpResponse

from melior.measures.exports import safe_cell

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


def cycles_csv(network, cycles) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-pdsa-cycles.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for c in cycles.select_related("project__site", "change_idea"):
        questions = list(c.questions.all())
        held = sum(q.held == LearningQuestion.Held.YES for q in questions)
        writer.writerow(
            [
                safe_cell(v)
                for v in (
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
            ]
        )
    return response
