"""The words of improvement science as Melior uses them, for the glossary page and the
`{% term %}` tag and `link_terms` filter that link a word to its entry wherever it appears."""

from django.utils.text import slugify

# term -> (plain definition, the help page and anchor that explain the method)
TERMS: dict[str, tuple[str, str]] = {
    "run": (
        "One or more points in a row on the same side of the centre line (points on it are "
        "skipped). An unusually long run is a sign that something changed.",
        "spc#runs-analysis-the-anhoj-rules-default",
    ),
    "shift": (
        "A long run of points all above or all below the centre line — six or more on the IHI "
        "rules, longer than chance allows on the Anhøj rules. A sign of special cause.",
        "spc#the-ihi-run-chart-rules-rulesihi",
    ),
    "trend": (
        "Five or more points in a row each going up (or each going down). On the IHI rules, a "
        "sign of special cause.",
        "spc#the-ihi-run-chart-rules-rulesihi",
    ),
    "crossings": (
        "How many times the line crosses the centre line. Too few crossings means the points "
        "cling to one side: a sign that the process changed.",
        "spc#runs-analysis-the-anhoj-rules-default",
    ),
    "common cause": (
        "The everyday ups and downs of a stable process. Reacting to each point of common-cause "
        "variation as if it meant something is tampering; to improve, change the system.",
        "spc#reading-a-chart-in-plain-words",
    ),
    "special cause": (
        "Variation that the usual ups and downs do not explain — a shift, a trend, a point "
        "outside the limits. It calls for a look at what happened: a change that worked, or a "
        "problem.",
        "spc#reading-a-chart-in-plain-words",
    ),
    "centre line": (
        "The middle of the data on a chart: the median on a run chart, the mean on a control "
        "chart. Signals are read against it.",
        "spc#centre-lines-and-limits",
    ),
    "control limits": (
        "Lines about three standard deviations either side of the centre line of a control "
        "chart. Nearly every point of a stable process falls between them; a point outside is "
        "a signal. They are not targets.",
        "spc#centre-lines-and-limits",
    ),
    "signal": (
        "A pattern on a chart that chance alone is unlikely to make (a shift, a trend, too few "
        "crossings, a point outside the limits): evidence of special cause.",
        "spc#reading-a-chart-in-plain-words",
    ),
    "run chart": (
        "A line chart of a measure over time with its median. The quickest way to tell a real "
        "change from noise with few data.",
        "spc",
    ),
    "control chart": (
        "A run chart with control limits worked out from the data (an I, P, U or C chart), "
        "which also finds single unusual points.",
        "spc#centre-lines-and-limits",
    ),
    "aim": (
        "What the team or network will improve, for whom, by how much and by when — e.g. "
        "“raise on-track rates for 9th graders from 70% to 85% by June”.",
        "problems#the-aim-checker",
    ),
    "driver diagram": (
        "A team's theory of improvement on one page: the aim, the drivers believed to move it "
        "and the change ideas to test on each.",
        "theory",
    ),
    "driver": (
        "Something the team believes must change for the aim to be reached (a part of the "
        "system, a process, a norm).",
        "theory",
    ),
    "primary driver": (
        "One of the few big levers, right next to the aim on the driver diagram, that together "
        "are believed enough to reach it.",
        "theory",
    ),
    "secondary driver": (
        "A more specific part of a primary driver, where change ideas attach: a place in the "
        "system to act on.",
        "theory",
    ),
    "change idea": (
        "A concrete change to the way work is done, tested in PDSA cycles before anyone "
        "adopts it (e.g. “a weekly check-in with each student off track”).",
        "theory",
    ),
    "PDSA": (
        "Plan–Do–Study–Act: a small, fast test of a change. Plan it with a prediction, do it, "
        "study what happened against the prediction, and act — adopt, adapt or abandon.",
        "pdsa#a-cycle",
    ),
    "prediction": (
        "What the team expects a PDSA cycle to show, written before it runs. Comparing it with "
        "what happened is where the learning is.",
        "pdsa#prediction-calibration",
    ),
    "ramp": (
        "A chain of PDSA cycles on one change idea, each building on the last, from one "
        "classroom to a grade to the whole school as confidence grows.",
        "pdsa#ramps-evidence-and-readiness",
    ),
    "funnel plot": (
        "Each school's rate against its size, with limits that widen for small schools. It shows "
        "which schools differ from the network by more than chance.",
        "learning#the-network-measure-view",
    ),
    "effect size": (
        "How big a difference is, in standard deviations (Hedges' g), so outcomes on different "
        "scales can be compared. About 0.25 or more is substantively important to the What Works "
        "Clearinghouse.",
        "evaluation",
    ),
    "balancing measure": (
        "A measure that watches for harm elsewhere in the system from a change (e.g. teacher "
        "time, or suspensions when attendance rises).",
        "spc",
    ),
    "outcome measure": (
        "A measure of the aim itself: the result the network is working towards.",
        "spc",
    ),
    "process measure": (
        "A measure of whether a change is being carried out as intended, week by week. It moves "
        "before the outcome does.",
        "spc",
    ),
    "bright spot": (
        "A school whose chart shows a real improvement (special cause in the good direction). "
        "Asking “what did they do?” is how a network learns from its own variation.",
        "learning#bright-spots",
    ),
    "what works where": (
        "The evidence on each change idea across the network, grouped by kinds of school, so a "
        "team can see whether an idea has worked in places like theirs.",
        "learning#what-works-where",
    ),
    "spread": (
        "How a change idea moves from the first school that tested it to the rest: stages from "
        "not started through testing to adopted and sustained.",
        "learning#spread",
    ),
    "fidelity": (
        "How closely a change, or an EdTech product, was used as intended. Low fidelity can "
        "hide a change that would work.",
        "evaluation",
    ),
    "variation": (
        "The differences in results between schools, classrooms and weeks. Improvement science "
        "treats them as the problem to understand, not as noise to average away.",
        "learning",
    ),
    "networked improvement community": (
        "Schools and districts working on one shared aim with a common theory and common "
        "measures, so each one learns from the others' tests.",
        "learning",
    ),
    "fishbone": (
        "A cause-and-effect diagram: the problem at the head, the causes grouped on its bones, "
        "to see the system that produces today's results.",
        "problems",
    ),
    "Pareto chart": (
        "Causes counted and sorted from most to least frequent, to find the vital few worth "
        "working on first.",
        "problems",
    ),
    "small cell": (
        "A figure about so few students that someone could be recognised from it; Melior hides "
        "it, and any figure that would let it be worked out.",
        "privacy",
    ),
}

_LOWER = {term.lower(): term for term in TERMS}


def anchor(term: str) -> str:
    return slugify(term)


def entry(term: str) -> tuple[str, str, str] | None:
    """(the term as written in the glossary, its definition, its anchor) or None."""
    name = _LOWER.get(term.lower().rstrip("s")) or _LOWER.get(term.lower())
    if name is None:
        return None
    return name, TERMS[name][0], anchor(name)


def help_url(page: str) -> str:
    """/help/<page>/#<anchor> for "page#anchor"."""
    from django.urls import reverse

    name, _, fragment = page.partition("#")
    return reverse("help-page", kwargs={"page": name}) + (f"#{fragment}" if fragment else "")


def entries() -> list[tuple[str, str, str, str]]:
    """Every entry in alphabetical order: (term, definition, anchor, its help page's URL)."""
    return [
        (term, text, anchor(term), help_url(page))
        for term, (text, page) in sorted(TERMS.items(), key=lambda item: item[0].lower())
    ]
