"""Is an aim specific and measurable? What, for whom, how much (measure, baseline, target) and
by when — the parts the improvement guides ask for — checked on a project's charter."""

import datetime
import re

from django.utils.formats import date_format

BY_WHEN = re.compile(
    r"\b(by|before|until|in|within)\b.*(\b(19|20)\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
    r"\b(year|years|month|months|week|weeks|semester|spring|summer|fall|autumn|winter)\b)",
    re.IGNORECASE,
)


def statement_gaps(statement: str) -> list[str]:
    """What an aim statement on its own is missing: something to improve, how much, by when.
    Used for the network's shared aim, which has no separate measure, baseline or date."""
    statement = (statement or "").strip()
    if not statement:
        return ["No aim statement: say what will improve."]
    gaps = []
    if not re.search(r"\d", statement):
        gaps.append("The aim statement has no number: say how much.")
    if not BY_WHEN.search(statement):
        gaps.append("The aim statement has no “by when”: name a date or a school year.")
    return gaps


def aim_gaps(project, today: datetime.date | None = None) -> list[str]:
    """What the aim is missing, in words a team can act on; empty when it is complete."""
    today = today or datetime.date.today()
    # a project's "by when" is its target date, checked below
    gaps = [gap for gap in statement_gaps(project.aim_statement) if "by when" not in gap]
    if not project.population.strip():
        gaps.append("No “for whom”: name the students or people the aim is for.")
    if project.aim_measure_id is None:
        gaps.append("No measure: choose the measure that will show the aim is met.")
    if project.baseline_value is None:
        gaps.append("No baseline: where does the measure stand now?")
    if project.target_value is None:
        gaps.append("No target value: how much improvement is the aim?")
    if project.target_date is None:
        gaps.append("No target date: by when?")
    elif project.target_date < today and project.status == "active":
        gaps.append(f"The target date ({date_format(project.target_date)}) has passed.")
    if (
        project.aim_measure_id is not None
        and project.baseline_value is not None
        and project.target_value is not None
    ):
        higher = project.aim_measure.desired_direction == "up"
        better = (
            project.target_value > project.baseline_value
            if higher
            else project.target_value < project.baseline_value
        )
        if not better:
            way = "above" if higher else "below"
            gaps.append(
                f"The target ({project.target_value:g}) is not {way} the baseline "
                f"({project.baseline_value:g}) for a measure where "
                f"{'higher' if higher else 'lower'} is better."
            )
    return gaps
