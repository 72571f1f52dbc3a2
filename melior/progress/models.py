"""A project team's progress on the collaborative assessment scale, dated, with the score the
evidence suggested beside the one the team confirmed: the history is the project's story."""

from django.conf import settings
from django.db import models

from melior.projects.models import ImprovementProject

from .scale import SCALE

SCORES = [(score, label) for score, (label, _) in SCALE.items()]


class ProgressAssessment(models.Model):
    project = models.ForeignKey(
        ImprovementProject, on_delete=models.CASCADE, related_name="progress_assessments"
    )
    score = models.DecimalField(max_digits=2, decimal_places=1, choices=SCORES)
    suggested = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        choices=SCORES,
        help_text="What the evidence suggested when the team confirmed its score.",
    )
    evidence = models.JSONField(default=list, help_text="The reasons behind the suggestion.")
    note = models.TextField(
        blank=True, help_text="Why the team chose a different score, if it did."
    )
    assessed_on = models.DateField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-assessed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0.5) & models.Q(score__lte=5),
                name="progress_score_on_the_scale",
            )
        ]

    def __str__(self):
        return f"{self.project} {self.score} on {self.assessed_on}"
