"""The demo network's problem analysis: why 9th graders fall off track, as the hub wrote it
after a year of listening to its schools."""

import datetime

from melior.core.calendar import last_finished_school_year
from melior.networks.models import Network
from melior.theory.models import DriverDiagram

from . import services
from .models import ProblemAnalysis

PROBLEM = (
    "Too many 9th graders fail a core course, and a student who fails one in 9th grade is far "
    "less likely to graduate."
)
WHY = (
    "Across our schools about a third of 9th graders end the year off track. Most of the "
    "failures come from missed school and missing work in the first semester, which teachers "
    "see too late to act on."
)

# category -> [(cause, in our control, driver it is addressed by, sub-causes)]
CAUSES = {
    "Students": [
        ("Chronic absence in the first weeks", "yes", "Students attend every day",
         [("Transport problems", "no"), ("Caring for younger siblings", "no")]),
        ("Missing assignments pile up", "yes", "Students complete and submit their work", []),
    ],
    "Teachers and staff": [
        ("Teachers see grades only at report-card time", "yes",
         "Teachers know each week who is struggling", []),
    ],
    "Methods": [
        ("No routine to follow up a first absence", "yes",
         "Families hear early when a student starts missing school", []),
        ("Re-teaching waits for the unit test", "yes",
         "Students get help the same day they struggle", []),
    ],
    "Materials and tools": [
        ("The gradebook shows no weekly missing-work list", "yes",
         "Teachers know each week who is missing work", []),
    ],
    "Environment": [
        ("Large, anonymous 9th-grade classes", "yes", "Students feel they belong in 9th grade",
         []),
    ],
    "Policies": [
        ("Late work earns a zero", "yes", "Students complete and submit their work", []),
        ("District attendance letters go out after 10 absences", "no", None, []),
    ],
}  # fmt: skip

# reasons recorded for 9th-grade course failures at the end of semester 1
TALLIES = {
    "Missing assignments pile up": 142,
    "Chronic absence in the first weeks": 96,
    "Teachers see grades only at report-card time": 31,
    "Re-teaching waits for the unit test": 27,
    "Late work earns a zero": 22,
    "Transport problems": 14,
    "Caring for younger siblings": 9,
    "Large, anonymous 9th-grade classes": 6,
}

STEPS = [
    ("Student misses a class", "Student", ""),
    ("Teacher marks the absence", "Classroom teacher", ""),
    ("Attendance report is run", "Attendance clerk", "The report reaches counselors a day late."),
    ("Counselor reviews the weekly list", "Counselor",
     "About 400 students per counselor; the list is weekly, not daily."),
    ("Family is called", "Counselor", "One call in three reaches an out-of-date number."),
    ("Student returns to class", "Classroom teacher",
     "Missed work is not followed up, so it becomes missing work."),
]  # fmt: skip

# interviews in the fall, tallies at the end of the first semester, of the last school year
INTERVIEWS = [
    ("9th-grade student", (10, 6),
     "I missed a week when my brother was sick and then I was so behind I didn't want to come "
     "back. Nobody asked me what I missed.",
     ["Caring for younger siblings", "No routine to follow up a first absence"]),
    ("Parent of a 9th grader", (10, 9),
     "The first I heard was the letter after ten absences. If someone had called after the "
     "second one I would have done something.",
     ["District attendance letters go out after 10 absences"]),
    ("Algebra I teacher", (10, 14),
     "I have 150 students. By the time I see the missing-work pattern in the gradebook it is "
     "report-card week.",
     ["Teachers see grades only at report-card time",
      "The gradebook shows no weekly missing-work list"]),
]  # fmt: skip


def load_demo_problem(network: Network, today: datetime.date) -> bool:
    """Write the network's problem analysis unless it has one; True when written."""
    if ProblemAnalysis.objects.filter(network=network, project=None).exists():
        return False
    year = last_finished_school_year(today)
    analysis = services.analysis_for(network)
    services.update_statement(analysis=analysis, problem_statement=PROBLEM, why_it_matters=WHY)
    diagram = DriverDiagram.objects.filter(network=network, project=None).first()
    drivers = {n.name: n for n in diagram.nodes.all()} if diagram else {}
    causes = {}
    for category_name, entries in CAUSES.items():
        category = services.add_category(analysis=analysis, name=category_name)
        for name, control, driver, subs in entries:
            cause = services.save_cause(
                analysis=analysis, category=category, name=name, in_control=control,
                drivers=[drivers[driver]] if driver in drivers else [],
            )  # fmt: skip
            causes[name] = cause
            for sub, sub_control in subs:
                causes[sub] = services.save_cause(analysis=analysis, category=category, name=sub,
                                                  parent=cause, in_control=sub_control)  # fmt: skip
    for name, count in TALLIES.items():
        services.add_tally(cause=causes[name], count=count, source="Semester 1 failure reasons",
                           observed_on=datetime.date(year + 1, 1, 30))  # fmt: skip
    for name, owner, pain in STEPS:
        services.save_step(analysis=analysis, name=name, owner=owner, pain_point=pain)
    for role, (month, day), heard, tagged in INTERVIEWS:
        services.add_interview(analysis=analysis, role=role, heard=heard,
                               interviewed_on=datetime.date(year, month, day),
                               causes=[causes[c] for c in tagged])  # fmt: skip
    return True
