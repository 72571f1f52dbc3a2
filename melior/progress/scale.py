"""The collaborative assessment scale that IHI Breakthrough Series collaboratives and Life QI use
to report a team's progress, from 0.5 (intent to take part) to 5.0 (outstanding, sustained
results). Each step in Melior's own words, with what a team has to show for it."""

from decimal import Decimal

SCALE: dict[Decimal, tuple[str, str]] = {
    Decimal("0.5"): ("Intent to take part", "The team has said it will take part; no charter yet."),
    Decimal("1.0"): (
        "Team forming",
        "A team, the students the work is for and a measurable aim are named; baseline data "
        "are being gathered.",
    ),
    Decimal("1.5"): ("Planning", "The team meets and has planned its first tests of change."),
    Decimal("2.0"): (
        "Activity, no changes tested yet",
        "Tests of change are under way but none has been studied to a decision.",
    ),
    Decimal("2.5"): (
        "Changes tested, no improvement yet",
        "PDSA cycles have been run to a decision; the measures show no improvement yet.",
    ),
    Decimal("3.0"): (
        "Modest improvement",
        "Process or driver measures show improvement (a signal in the better direction).",
    ),
    Decimal("3.5"): ("Improvement", "The outcome measure the aim names is improving."),
    Decimal("4.0"): (
        "Significant improvement",
        "The outcome has improved at least halfway from the baseline to the target.",
    ),
    Decimal("4.5"): (
        "Sustainable improvement",
        "The target is met and the changes that did it have been adopted.",
    ),
    Decimal("5.0"): (
        "Outstanding sustainable results",
        "The target is met and held, several changes are adopted, and they are spreading to "
        "other schools.",
    ),
}

CHOICES = [(str(score), f"{score} — {label}") for score, (label, _) in SCALE.items()]


def label(score) -> str:
    return SCALE[Decimal(str(score))][0]
