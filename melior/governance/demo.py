"""Synthetic student-level data for the demo network: every student of grades 9–12 over three
school years at the first schools (about 2,000 a school), with CEDS subgroup attributes whose
mix follows each school's poverty share, attendance and an Algebra I score per student, a small
EdTech pilot with opt-in consent, and sharing agreements. Student ids are made up and only their
keyed hashes are stored, as for real data.

English learners have an attribute history: "Yes" from the start of their first school year,
and for about a third of those in grades 10–12 in the latest school year an exit ("No") on a
school day between October and April of that year. The latest school year also has a monthly
attendance rate per student (the first of each month, September to May); English learners'
attendance trails by about 5 points all year, except at the first two schools (Roosevelt and
Jefferson High in the default demo), where the gap narrows from 8 points to 2 — a signal on an
individuals chart of the monthly gap."""

import datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from melior.bulk import insert_rows
from melior.core.calendar import last_finished_school_year, school_weeks
from melior.networks.models import Organization

from . import services
from .models import (
    RACE_ETHNICITY,
    Consent,
    Enrollment,
    Purpose,
    SharingAgreement,
    Student,
    StudentAttribute,
    StudentOutcome,
    UsageRecord,
)

MAX_SCHOOLS = 16  # larger demo networks (benchmarks) get students at their first 16 schools
SCHOOL_YEARS = 3  # of enrolments, ending with the last school year that has ended
RACES = [code for code, _ in RACE_ETHNICITY]
EL = "english_learner_status"
EXIT_SHARE = 1 / 3  # of the English learners in grades 10-12 in the latest school year
NARROWING = (0, 1)  # the schools (plan indexes) where the English-learner attendance gap narrows
MONTHS = (9, 10, 11, 12, 1, 2, 3, 4, 5)  # school ends in the first week of June
# its own name: the year's "Attendance rate" falls on June 1 and would join the months' series
MONTHLY_ATTENDANCE = "Attendance rate (monthly)"


def load_demo_students(network, plans, seed: int, today: datetime.date) -> int:
    """Students of the last three school years that ended before `today`."""
    last = last_finished_school_year(today)
    years = tuple(range(last - SCHOOL_YEARS + 1, last + 1))
    equity, _ = Purpose.objects.get_or_create(
        network=network,
        name="Equity monitoring",
        defaults={"description": "Outcomes by subgroup across the network's schools."},
    )
    pilot, _ = Purpose.objects.get_or_create(
        network=network,
        name="Math practice app pilot evaluation",
        defaults={"description": "Usage and outcomes of the pilot's students.", "opt_in": True},
    )
    services.privacy_for(network)
    added = 0
    for plan in plans[:MAX_SCHOOLS]:
        school = Organization.objects.get(slug=plan.slug)
        if Enrollment.objects.filter(site=school).exists():
            continue
        with transaction.atomic():
            added += _load_school(seed, plan, school, equity, pilot, years)
            _load_history_and_months(seed, plan, school, equity, years, today)
    first = Organization.objects.get(slug=plans[0].slug)
    if not SharingAgreement.objects.filter(network=network).exists():
        services.set_agreement(
            network=network,
            site=first,
            level="rows",
            starts=datetime.date(years[0], 7, 1),
            note="The school shares de-identified rows with the hub.",
        )
    return added


def _load_school(seed, plan, school, equity, pilot, years) -> int:
    rng = np.random.default_rng([seed, plan.index, 11])
    district = school.parent or school
    pov = plan.poverty_share
    race_mix = rng.dirichlet([3, 0.3, 1.2, 2.5, 0.2, 4 * (1 - pov) + 0.5, 1])
    cohort = plan.ninth_graders
    # cohorts by the year they started 9th grade, three before the first year to the last, cover
    # grades 9-12 in every year; keys are numbered as if the last year were 2025, so the same
    # seed gives the same keys whatever the load day
    students, enrolments, outcomes = [], [], []
    key_offset = years[-1] - 2025
    for start in range(years[0] - 3, years[-1] + 1):
        size = int(cohort * rng.uniform(0.9, 1.1))
        for k in range(size):
            econ = rng.random() < pov
            el = rng.random() < 0.04 + 0.2 * pov
            student = Student(
                key=services.pseudonym(district, f"{plan.index}-{start - key_offset}-{k}"),
                district=district,
                sex=rng.choice(["Female", "Male", "NotSelected"], p=[0.49, 0.49, 0.02]),
                race_ethnicity=RACES[int(rng.choice(len(RACES), p=race_mix))],
                economic_disadvantage_status="Yes" if econ else "No",
                english_learner_status="Yes" if el else "No",
                idea_indicator="Yes" if rng.random() < 0.13 else "No",
            )
            students.append((student, start, econ, el))
    Student.objects.bulk_create([s for s, *_ in students], batch_size=2000)
    saved = {s.key: s for s in Student.objects.filter(key__in=[s.key for s, *_ in students])}
    pilot_students = []
    for student, start, econ, el in students:
        student = saved[student.key]
        base = 0.93 - 0.05 * econ - 0.02 * el
        for year in years:
            grade = year - start + 9
            if not 9 <= grade <= 12:
                continue
            enrolments.append(
                Enrollment(
                    student=student, site=school, grade_level=f"{grade:02d}", school_year=year
                )
            )
            rate = float(np.clip(rng.normal(base, 0.06), 0.3, 1.0))
            outcomes.append(
                StudentOutcome(
                    student=student,
                    site=school,
                    purpose=equity,
                    kind="attendance",
                    name="Attendance rate",
                    value=round(rate, 3),
                    date=datetime.date(year + 1, 6, 1),
                )
            )
            if grade == 9:
                score = rng.normal(252 - 14 * econ - 10 * el + 60 * (rate - 0.9), 22)
                outcomes.append(
                    StudentOutcome(
                        student=student,
                        site=school,
                        purpose=equity,
                        kind="assessment",
                        name="Algebra I end-of-course",
                        value=round(float(score)),
                        date=datetime.date(year + 1, 5, 15),
                    )
                )
                if year == years[-1] and plan.index % 3 == 0:
                    pilot_students.append(student)
    Enrollment.objects.bulk_create(enrolments, batch_size=5000)
    StudentOutcome.objects.bulk_create(outcomes, batch_size=5000)
    consents, usage = [], []
    for student in pilot_students:
        granted = rng.random() < 0.85
        consents.append(
            Consent(
                student=student,
                purpose=pilot,
                given_by="guardian",
                status="granted" if granted else "refused",
                date=datetime.date(years[-1], 9, 2),
                source="Paper form",
            )
        )
        for month in (9, 10, 11, 12, 1, 2, 3, 4, 5):
            year = years[-1] + (month < 9)
            usage.append(
                UsageRecord(
                    student=student,
                    site=school,
                    purpose=pilot,
                    product="Math practice app",
                    date=datetime.date(year, month, 1),
                    minutes=int(rng.gamma(2, 60)),
                    sessions=int(rng.poisson(6)),
                )
            )
    Consent.objects.bulk_create(consents, batch_size=5000)
    UsageRecord.objects.bulk_create(usage, batch_size=5000)
    return len(students)


def _load_history_and_months(seed, plan, school, equity, years, today) -> None:
    """English learners' attribute history (some exit in the latest school year) and a monthly
    attendance rate per student of the latest school year (see the module's docstring)."""
    rng = np.random.default_rng([seed, plan.index, 12])  # its own stream: the rest is unchanged
    rows = pd.DataFrame(
        Enrollment.objects.filter(site=school)
        .order_by("student_id", "school_year")
        .values_list("student_id", "school_year", "grade_level", f"student__{EL}",
                     "student__economic_disadvantage_status"),
        columns=["student", "year", "grade", "el", "econ"],
    )  # fmt: skip
    first = rows.drop_duplicates("student", keep="first")
    el = first[first["el"] == "Yes"]
    starts = {year: np.datetime64(school_weeks(year)[0]) for year in years}
    latest = rows[rows["year"] == years[-1]].reset_index(drop=True)
    upper = latest["grade"].astype(int).to_numpy() >= 10
    leaves = (latest["el"] == "Yes").to_numpy() & upper & (rng.random(len(latest)) < EXIT_SHARE)
    october = np.datetime64(f"{years[-1]}-10-01")
    days = october + rng.integers(0, 212, len(latest))  # October to April
    exit_on = np.where(leaves, np.busday_offset(days, 0, roll="forward"), np.datetime64("NaT"))
    history = pd.concat(
        [
            pd.DataFrame(
                {"student_id": el["student"], "value": "Yes", "as_of": el["year"].map(starts)}
            ),
            pd.DataFrame(
                {"student_id": latest["student"][leaves], "value": "No", "as_of": exit_on[leaves]}
            ),
        ]
    )
    history["as_of"] = pd.to_datetime(history["as_of"]).dt.strftime("%Y-%m-%d")
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    insert_rows(StudentAttribute, history.assign(attribute=EL, created_at=stamp))
    leavers = latest["student"][leaves].tolist()
    Student.objects.filter(pk__in=leavers).update(**{EL: "No"})  # the latest value
    _monthly_attendance(rng, plan, school, equity, years[-1], latest, exit_on, today)


def _monthly_attendance(rng, plan, school, equity, year, latest, exit_on, today) -> None:
    months = np.array(
        [np.datetime64(f"{year + (m < 9)}-{m:02d}-01") for m in MONTHS], dtype="datetime64[D]"
    )
    gap = (
        np.linspace(0.08, 0.02, len(MONTHS))
        if plan.index in NARROWING
        else np.full(len(MONTHS), 0.05)
    )
    # full months only: a month counts once it has ended before today
    ended = (months.astype("datetime64[M]") + 1).astype("datetime64[D]") <= np.datetime64(today)
    # a month's common causes: what befalls the learners of one school in one month
    gap = gap + rng.normal(0, 0.004, len(MONTHS))
    months, gap = months[ended], gap[ended]
    if not len(months) or latest.empty:
        return
    learner = (latest["el"] == "Yes").to_numpy()[:, None] & ~(exit_on[:, None] <= months[None, :])
    econ = (latest["econ"] == "Yes").to_numpy()
    level = 0.935 - 0.04 * econ + rng.normal(0, 0.04, len(latest))
    noise = rng.normal(0, 0.03, (len(latest), len(months)))
    rates = np.clip(level[:, None] - gap[None, :] * learner + noise, 0.3, 1.0).round(3)
    insert_rows(
        StudentOutcome,
        pd.DataFrame(
            {
                "student_id": np.repeat(latest["student"].to_numpy(), len(months)),
                "site_id": school.pk,
                "purpose_id": equity.pk,
                "kind": StudentOutcome.Kind.ATTENDANCE.value,
                "name": MONTHLY_ATTENDANCE,
                "value": rates.ravel(),
                "date": np.tile(months.astype(str), len(latest)),
            }
        ),
    )
