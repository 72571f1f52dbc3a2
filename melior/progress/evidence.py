"""Suggest a project's score on the assessment scale from what Melior already knows of it.

Pure: the evidence comes in as plain values (gathered by `selectors.project_evidence`), so the
rule can be read and tested on its own. Each step of the scale asks for the step before it and
one more thing; the suggestion is the highest step whose evidence is all there, with the
reasons, and what would earn the next step. The team confirms or changes it: the score is
theirs, the suggestion keeps it honest."""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Evidence:
    has_aim: bool  # an aim statement and the measure that shows it
    team_size: int
    cycles_planned: int  # cycles past their first draft
    cycles_under_way: int  # running or being studied
    cycles_decided: int  # run to a decision (adopt, adapt or abandon)
    changes_adopted: int  # distinct change ideas the team adopted
    adopted_elsewhere: int  # of those, ideas another school in the network adopted too
    improving_measures: tuple[str, ...] = ()  # process or driver measures with a better signal
    outcome_status: str = "no data"  # the aim measure's status at the school
    share_of_gain: float | None = None  # (level − baseline) / (target − baseline)
    target_met: bool = False  # the latest level meets the target
    target_held: bool = False  # ... and did in each of the three stretches before it


@dataclass(frozen=True)
class Suggestion:
    score: Decimal
    reasons: list[str] = field(default_factory=list)  # what earned the score
    next_step: str = ""  # what would earn the next one


def _steps(e: Evidence):
    """(score, is it earned, why, what it takes) for each step above 0.5, in order."""
    names = ", ".join(e.improving_measures)
    gain = f"{e.share_of_gain:.0%}" if e.share_of_gain is not None else "—"
    return [
        ("1.0", e.has_aim and e.team_size > 0,
         f"A team of {e.team_size} and a measurable aim with its measure.",
         "Name the team and write a measurable aim with the measure that shows it."),
        ("1.5", e.cycles_planned > 0,
         f"{e.cycles_planned} PDSA cycle{'s' * (e.cycles_planned != 1)} planned.",
         "Plan a first test of change (a PDSA cycle)."),
        ("2.0", e.cycles_under_way + e.cycles_decided > 0,
         "Tests of change are under way.",
         "Start running a planned cycle."),
        ("2.5", e.cycles_decided > 0,
         f"{e.cycles_decided} cycle{'s' * (e.cycles_decided != 1)} run to a decision.",
         "Study a cycle and decide: adopt, adapt or abandon."),
        ("3.0", bool(e.improving_measures),
         f"Improving: {names}.",
         "A process or driver measure at the school shows a signal in the better direction."),
        ("3.5", e.outcome_status == "improving",
         "The aim's outcome measure is improving (a signal in the better direction).",
         "The aim's outcome measure shows a signal in the better direction."),
        ("4.0", e.share_of_gain is not None and e.share_of_gain >= 0.5,
         f"{gain} of the way from the baseline to the target.",
         "The outcome reaches halfway from the baseline to the target."),
        ("4.5", e.target_met and e.changes_adopted > 0,
         f"The target is met, with {e.changes_adopted} change{'s' * (e.changes_adopted != 1)} "
         "adopted.",
         "Meet the target, with the changes that did it adopted."),
        ("5.0", e.target_held and e.changes_adopted >= 2 and e.adopted_elsewhere > 0,
         "The target has held, several changes are adopted and other schools have adopted "
         "them too.",
         "Hold the target, adopt more than one change, and spread them to another school."),
    ]  # fmt: skip


def suggest(evidence: Evidence) -> Suggestion:
    score, reasons = Decimal("0.5"), []
    for step, earned, why, needed in _steps(evidence):
        if not earned:
            return Suggestion(score, reasons, f"For {step}: {needed}")
        score = Decimal(step)
        reasons.append(why)
    return Suggestion(score, reasons, "")
