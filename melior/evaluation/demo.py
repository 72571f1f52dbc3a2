"""The demo network's EdTech pilot: a math practice app tried in 6 of the 12 schools by lot
(ninth graders, in the last school year that has ended). Its synthetic data have a real, modest
effect (about a quarter of an SD, larger for English learners, so that gap narrows), some
attrition (a little more in the app's schools), a few families who refused or revoked consent,
and weekly app use that goes with larger gains. The plan is registered before the lot; the
decision is left to the team."""

import datetime

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from melior.core.calendar import last_finished_school_year
from melior.governance.models import (
    Consent,
    Enrollment,
    Purpose,
    StudentOutcome,
    UsageRecord,
)
from melior.networks.models import Organization

from . import evidence, services
from .models import Pilot

TITLE = "Math practice app in ninth grade"
BASELINE = "Grade 8 math (spring)"
PRIMARY = "Math end-of-year scale score"
SECONDARY = "Passed Algebra I"


@transaction.atomic
def load_demo_pilot(network, plans, seed: int, today: datetime.date) -> Pilot | None:
    if Pilot.objects.filter(network=network, title=TITLE).exists():
        return None
    year = last_finished_school_year(today)
    starts, ends = datetime.date(year, 9, 15), datetime.date(year + 1, 6, 12)
    schools = [Organization.objects.get(slug=p.slug) for p in plans[:12]]
    if len(schools) < 4:  # a lot needs at least two schools in each arm
        return None
    if not Enrollment.objects.filter(site__in=schools, school_year=year).exists():
        return None
    lead = get_user_model().objects.filter(username="lead").first()
    purpose, _ = Purpose.objects.get_or_create(
        network=network,
        name=f"Math practice app pilot, {year}–{(year + 1) % 100:02d}",
        defaults={
            "description": "Scores and app use of ninth graders in the pilot's schools, under the "
            "districts' evaluation agreement; families may refuse."
        },
    )
    pilot = services.create_pilot(
        network=network,
        user=lead,
        sites=schools,
        title=TITLE,
        tool="Math practice app",
        question="Does a daily math practice app raise ninth graders' end-of-year math scores, "
        "for English learners as much as for their classmates?",
        hypotheses="Students in the app's schools score at least 3 points higher at the end of "
        "the year than similar students elsewhere; the gap for English learners narrows.",
        design=Pilot.Design.RANDOMIZED,
        unit=Pilot.Unit.SCHOOL,
        share=0.5,
        school_year=year,
        grades="09",
        starts=starts,
        ends=ends,
        purpose=purpose,
        baseline=BASELINE,
        subgroups=["english_learner_status", "economic_disadvantage_status"],
        attrition_boundary=Pilot.Boundary.CAUTIOUS,
        certainty=0.75,
        analysis_plan="Intent to treat: every student in a school assigned to the app, used or "
        "not. Regression of the end-of-year score on assignment and the grade 8 score, "
        "standard errors clustered by school. Benjamini–Hochberg across the secondary outcomes.",
    )
    services.add_outcome(
        pilot=pilot,
        user=lead,
        name=PRIMARY,
        role="primary",
        direction="up",
        meaningful_effect=3,
    )
    services.add_outcome(
        pilot=pilot,
        user=lead,
        name=SECONDARY,
        role="secondary",
        direction="up",
        meaningful_effect=0.05,
    )
    services.register(pilot=pilot, user=lead)
    services.assign(pilot=pilot, user=lead, seed=seed)
    _student_data(pilot, purpose, seed)
    _voices(pilot, lead, seed)
    return pilot


CODES = {
    "Easy to start": "Students began without help from the teacher.",
    "Used as homework": "Practice moved out of class time.",
    "Slow logins": "Time lost signing in.",
    "Asked for more": "Students wanted more practice or harder problems.",
    "Setup time": "Teacher time spent on accounts, assignments or reports.",
}
# (respondent, kind, arm the piece comes from, text, codes) — as interview notes read after coding
VOICES = [
    (
        "teacher",
        "interview",
        1,
        "The first week was all logins. After that they just opened it and got going.",
        ["Slow logins", "Easy to start"],
    ),
    (
        "teacher",
        "interview",
        1,
        "I set the practice for homework on Tuesdays and Thursdays so "
        "class time stayed for the lesson.",
        ["Used as homework"],
    ),
    (
        "student",
        "survey",
        1,
        "I like that it tells me right away if I got it wrong.",
        ["Easy to start"],
    ),
    (
        "student",
        "survey",
        1,
        "Some days the problems were too easy. I wanted the harder ones.",
        ["Asked for more"],
    ),
    (
        "teacher",
        "note",
        1,
        "Spent most of my planning period making class rosters in the app.",
        ["Setup time"],
    ),
    ("student", "survey", 1, "It was slow to log in on the school laptops.", ["Slow logins"]),
    (
        "teacher",
        "interview",
        1,
        "My English learners used the read-aloud button a lot; they worked longer than on paper.",
        ["Easy to start"],
    ),
    ("student", "survey", 1, "I did it at home on my phone most nights.", ["Used as homework"]),
    ("teacher", "interview", 0, "We kept our usual warm-up problems; nothing new this year.", []),
    (
        "teacher",
        "note",
        0,
        "Students asked whether they would get the app too.",
        ["Asked for more"],
    ),
    ("student", "survey", 0, "Homework was the worksheet like always.", ["Used as homework"]),
]


def _voices(pilot, lead, seed) -> None:
    """The team's codes and some coded interview notes and survey answers from both arms, a
    few chosen to quote (an arm needs the network's smallest cell of pieces to show)."""
    codes = {name: evidence.add_code(pilot=pilot, name=name, description=about)
             for name, about in CODES.items()}  # fmt: skip
    schools = {
        arm: list(
            Organization.objects.filter(
                pk__in=pilot.assignments.filter(arm=arm).values("site_id")
            ).order_by("name")
        )
        for arm in (0, 1)
    }
    rng = np.random.default_rng([seed, 77])
    start = pilot.starts + datetime.timedelta(weeks=6)
    for round_ in range(2):  # two rounds of interviews and surveys, autumn and spring
        for k, (respondent, kind, arm, text, names) in enumerate(VOICES):
            site = schools[arm][int(rng.integers(len(schools[arm])))]
            piece = evidence.add_evidence(
                pilot=pilot, user=lead, codes=[codes[n] for n in names], respondent=respondent,
                kind=kind, site=site, text=text, source="Interview and survey notes",
                collected_on=start + datetime.timedelta(weeks=20 * round_, days=k),
            )  # fmt: skip
            if round_ == 0 and k in (0, 3, 6):
                evidence.code_evidence(evidence=piece, codes=piece.codes.all(), quoted=True)


def _student_data(pilot, purpose, seed) -> None:
    year = pilot.school_year
    rng = np.random.default_rng([seed, 909])
    rows = list(
        pilot.assignments.order_by("student_id").values_list(
            "student_id",
            "site_id",
            "arm",
            "student__english_learner_status",
            "student__economic_disadvantage_status",
        )
    )
    school_effect = {s: rng.normal(0, 1) for s in {r[1] for r in rows}}
    outcomes, usage, consents = [], [], []
    weeks = (pilot.ends - pilot.starts).days // 7
    mondays = [pilot.starts + datetime.timedelta(weeks=k) for k in range(weeks)]
    for student, site, arm, el, poor in rows:
        el, poor = el == "Yes", poor == "Yes"
        baseline = rng.normal(250 - 10 * el - 6 * poor, 20)
        if rng.random() > 0.02:
            outcomes.append(
                _outcome(student, site, purpose, BASELINE, baseline, datetime.date(year, 5, 20))
            )
        weekly = rng.gamma(3, 12) if arm else 0.0  # minutes a week on the app
        effect = (3.0 + 5.0 * el + 0.05 * (weekly - 36)) if arm else 0.0
        score = 100 + 0.6 * baseline + school_effect[site] + effect + rng.normal(0, 12)
        stays = rng.random() > (0.10 if arm else 0.07)  # a little more attrition with the app
        if stays:
            outcomes.append(
                _outcome(
                    student, site, purpose, PRIMARY, round(score), datetime.date(year + 1, 5, 20)
                )
            )
            passed = rng.random() < 1 / (1 + np.exp(-(score - 243) / 8))
            outcomes.append(
                _outcome(
                    student,
                    site,
                    purpose,
                    SECONDARY,
                    float(passed),
                    datetime.date(year + 1, 6, 10),
                    kind="course_mark",
                )
            )
        if arm:
            for monday in mondays:
                minutes = int(rng.poisson(weekly))
                if minutes:
                    usage.append(
                        UsageRecord(
                            student_id=student,
                            site_id=site,
                            purpose=purpose,
                            product=pilot.tool,
                            date=monday + datetime.timedelta(days=int(rng.integers(0, 5))),
                            minutes=minutes,
                            sessions=max(1, minutes // 15),
                            completions=int(rng.random() < 0.6),
                        )
                    )
        chance = rng.random()
        if chance < 0.025:
            consents.append(
                Consent(
                    student_id=student,
                    purpose=purpose,
                    given_by="guardian",
                    status="refused" if chance < 0.02 else "revoked",
                    date=datetime.date(year, 10, 1),
                    source="Letter home",
                )
            )
    StudentOutcome.objects.bulk_create(outcomes, batch_size=5000)
    UsageRecord.objects.bulk_create(usage, batch_size=5000)
    Consent.objects.bulk_create(consents, batch_size=5000)


def _outcome(student, site, purpose, name, value, date, kind="assessment"):
    return StudentOutcome(
        student_id=student,
        site_id=site,
        purpose=purpose,
        kind=kind,
        name=name,
        value=float(value),
        date=date,
    )
