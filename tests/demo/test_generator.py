"""The demo network: realistic, seeded, idempotent, scalable."""

import datetime

import numpy as np
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import RequestFactory

from melior.core.calendar import entered_weeks, school_weeks, weekly_calendar
from melior.demo.generator import load_demo
from melior.demo.schools import CHANGE_IDEAS, school_plan, school_series
from melior.measures.models import Annotation, Measure, Observation
from melior.networks.models import Membership, Network, Organization
from melior.projects.models import ImprovementProject
from melior.theory.models import DiagramVersion, Node


def test_school_calendar_skips_holidays_and_summer():
    weeks = school_weeks(2024)
    assert all(day.weekday() == 0 for day in weeks)
    assert weeks[0] == datetime.date(2024, 8, 26) and weeks[-1] <= datetime.date(2025, 6, 5)
    assert datetime.date(2024, 11, 25) not in weeks  # Thanksgiving week
    assert {datetime.date(2024, 12, 23), datetime.date(2024, 12, 30)}.isdisjoint(weeks)
    assert not any(datetime.date(2025, 7, 1) > d > datetime.date(2025, 6, 6) for d in weeks)
    assert 35 <= len(weeks) <= 40
    mondays, years = weekly_calendar(2023, 3)
    assert len(mondays) == len(years) and sorted(set(years)) == [0, 1, 2]


def row_counts():
    from melior.problems.models import Cause, CauseTally, EmpathyNote, ProcessStep
    from melior.theory.models import ChangeIdeaProposal

    models = (
        Observation,
        Organization,
        Annotation,
        ImprovementProject,
        Membership,
        DiagramVersion,
        ChangeIdeaProposal,
        Cause,
        CauseTally,
        ProcessStep,
        EmpathyNote,
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_loading_twice_adds_nothing():
    first = load_demo(seed=7, sites=3)
    counts = row_counts()
    second = load_demo(seed=7, sites=3)
    assert first.schools_added == 3 and second.schools_added == 0
    assert "already loaded" in second.message
    assert row_counts() == counts
    # the theory written once, then each of the 6 measures linked; two schools adapted it
    # (a version each to start, one more to hide or add a node)
    assert counts["DiagramVersion"] == 7 + 2 * 2
    assert counts["ChangeIdeaProposal"] == 1 and counts["Cause"] == 11
    # every school's cycles have a team another school's question reaches
    from melior.pdsa.models import Cycle
    from melior.pdsa.services.sharing import answerers

    cycles = Cycle.objects.select_related("project__site")
    assert {c.project.site.slug for c in cycles} == {c.project.site.slug for c in cycles
                                                      if c.authors.exists()}  # fmt: skip
    teacher = get_user_model().objects.get(username="teacher")
    elsewhere = cycles.exclude(authors=teacher).first()
    assert teacher not in answerers(elsewhere) and len(answerers(elsewhere)) == 2


# a load day in the middle of a school year, so the figures below do not move with the calendar
LOAD_DAY = datetime.date(2026, 12, 7)


@pytest.mark.django_db
def test_default_demo_network_shape():
    result = load_demo(seed=2026, sites=12, today=LOAD_DAY)
    network = Network.objects.get()
    assert network.sites.count() == 12
    assert Organization.objects.filter(kind="district").count() == 3
    # demo districts carry an NCES LEAID (state code 99, which no real state has)
    assert sorted(
        Organization.objects.filter(kind="district").values_list("nces_id", flat=True)
    ) == [
        "9900001",
        "9900002",
        "9900003",
    ]
    measures = Measure.objects.filter(network=network, fidelity_plan=None)  # the weekly six
    assert measures.count() >= 5
    assert set(measures.values_list("kind", flat=True)) == {
        "outcome",
        "driver",
        "process",
        "balancing",
    }
    n_weeks = len(entered_weeks(LOAD_DAY, 3)[0])
    weekly = Observation.objects.filter(measure__in=measures)
    assert weekly.count() == 12 * measures.count() * n_weeks
    assert result.observations_added == weekly.count()
    # proportions are valid everywhere
    assert not Observation.objects.filter(numerator__gt=models_F("denominator")).exists()
    # some schools have a dated change, some none
    changed = set(Annotation.objects.values_list("organization", flat=True))
    assert 0 < len(changed) < 12
    # the theory names the change ideas the schools test
    network_theory = Node.objects.filter(kind="change_idea", diagram__project=None)
    ideas = set(network_theory.values_list("name", flat=True))
    assert {idea.name for idea in CHANGE_IDEAS} == ideas
    # PDSA cycles: at least 150, in ramps on every idea, predictions scored, decisions made
    from melior.pdsa.models import Cycle, LearningQuestion

    assert Cycle.objects.count() >= 150
    ramps = Cycle.objects.exclude(previous=None)
    assert ramps.values("network_idea").distinct().count() == len(CHANGE_IDEAS)
    assert set(Cycle.objects.values_list("decision", flat=True)) == {
        "",
        "adopt",
        "adapt",
        "abandon",
    }
    studied = LearningQuestion.objects.exclude(held="")
    assert studied.count() == 2 * Cycle.objects.filter(status="done").count()
    assert Cycle.objects.exclude(status="done").exists()  # some are going on now
    # synthetic students: at least 20,000, under keys, with subgroups following poverty
    from melior.governance.models import Student

    assert Student.objects.count() >= 20000
    poorest = max(Organization.objects.filter(kind="school"), key=lambda s: s.poverty_share)
    richest = min(Organization.objects.filter(kind="school"), key=lambda s: s.poverty_share)
    share = {
        site: Student.objects.filter(enrollments__site=site)
        .distinct()
        .filter(economic_disadvantage_status="Yes")
        .count()
        / Student.objects.filter(enrollments__site=site).distinct().count()
        for site in (poorest, richest)
    }
    assert share[poorest] > share[richest]
    # an EdTech pilot: registered before a lot that put 6 schools with the app and 6 without,
    # with a modest real effect, low attrition and a larger gain for English learners
    from melior.evaluation.models import Pilot
    from melior.evaluation.report import build_report

    pilot = Pilot.objects.get()
    assert pilot.registered_at < pilot.assigned_at
    report = build_report(pilot)
    assert report.units == {0: 6, 1: 6} and report.excluded_for_consent > 0
    primary = report.primary
    assert primary.attrition.low and primary.equivalence.satisfied
    assert 0.1 < primary.result.effect.value < 0.35 and primary.result.p_value < 0.05
    passed = report.findings[1]  # a yes/no outcome: Cox index, told in percentage points
    assert passed.result.effect.kind == "cox_index" and "percentage points" in passed.caption
    by_el = report.subgroups[0][1]  # English learners, as the plan lists them first
    levels = by_el.data.set_index("level")["impact"]
    assert levels["Yes"] > levels["No"] > 0
    _english_learners_exit_and_the_gap_narrows_at_two_schools(LOAD_DAY)
    # fidelity: every network idea has a plan and components; checks since adoption, with
    # drift at some schools, charted on the idea's measure; a reactive essential adaptation
    from melior.fidelity.models import Adaptation, Check, FidelityPlan
    from melior.fidelity.selectors import latest_checks

    plans = FidelityPlan.objects.select_related("idea", "measure")
    assert plans.count() == len(CHANGE_IDEAS)
    assert all(plan.components.filter(essential=True).count() == 2 for plan in plans)
    for plan in plans:
        assert Observation.objects.filter(measure=plan.measure).exists()
    latest = [
        score
        for plan in plans
        for _, score in latest_checks(plan.idea, network.sites.values("pk")).values()
    ]
    assert min(latest) < 50 <= max(latest)  # some schools implement with fidelity, some not
    assert Check.objects.filter(capped=True).exists()
    reactive = Adaptation.objects.filter(planned=False, essential=True)
    assert reactive.exists() and reactive.exclude(cycle=None).exists()
    assert Adaptation.objects.filter(planned=True, essential=False).exists()
    # every role has an account that can log in
    roles = {a.role for a in result.accounts}
    assert len(roles) == 6
    for account in result.accounts:
        sign_in = RequestFactory().post("/accounts/login/")  # the sign-in limits need a request
        assert authenticate(sign_in, username=account.username, password=account.password)


def _english_learners_exit_and_the_gap_narrows_at_two_schools(today):
    """English learners have a history, a third of the older ones exiting during the latest
    school year; monthly attendance that year shows the gap narrowing (a signal on the I chart
    of the monthly gap) at Roosevelt and Jefferson High, and flat elsewhere."""
    import pandas as pd

    from melior.analysis.spc import control_chart
    from melior.core.calendar import last_finished_school_year
    from melior.governance.models import Enrollment, Student, StudentAttribute, StudentOutcome
    from melior.governance.selectors import groups_at

    year = last_finished_school_year(today)
    history = StudentAttribute.objects.filter(attribute="english_learner_status")
    exits = history.filter(value="No")
    learners_now = Student.objects.filter(english_learner_status="Yes").count()
    assert 300 < exits.count() < learners_now / 2
    assert history.filter(value="Yes").count() == learners_now + exits.count()
    dates = set(exits.values_list("as_of", flat=True))
    assert datetime.date(year, 10, 1) <= min(dates) and max(dates) <= datetime.date(year + 1, 5, 3)
    assert all(day.weekday() < 5 for day in dates)
    # each leaver's own field is the latest value
    assert not Student.objects.filter(attributes__value="No").exclude(english_learner_status="No")
    monthly = StudentOutcome.objects.filter(kind="attendance", name="Attendance rate (monthly)")
    assert sorted({d.month for d in monthly.values_list("date", flat=True)}) == [
        1, 2, 3, 4, 5, 9, 10, 11, 12,
    ]  # fmt: skip
    assert monthly.count() == 9 * Enrollment.objects.filter(school_year=year).count()
    rows = pd.DataFrame(
        monthly.values_list("student_id", "site__name", "date", "value"),
        columns=["student", "school", "date", "value"],
    )
    rows["el"] = groups_at("english_learner_status", rows["student"], rows["date"]).to_numpy()
    means = rows.groupby(["school", "date", "el"])["value"].mean().unstack("el")
    gaps = (means["No"] - means["Yes"]) * 100
    signals = {}
    for school, gap in gaps.groupby(level="school"):
        chart = control_chart(gap.to_numpy(), kind="i").summary().iloc[0]
        signals[school] = chart["sigma_signals"] > 0 or chart["runs_signal"]
        if school in ("Roosevelt High School", "Jefferson High School"):
            assert gap.iloc[0] > 7 and gap.iloc[-1] < 3  # from about 8 points to about 2
        else:
            assert gap.min() > 3 and gap.max() < 7.5  # flat about 5, with noise
    narrowing = {school for school, signal in signals.items() if signal}
    assert narrowing == {"Roosevelt High School", "Jefferson High School"}
    # the network page's panel says the same, of the monthly series by default
    from django.contrib.auth import get_user_model

    from melior.governance.gaps import narrowing as panel
    from melior.networks.models import Network

    network = Network.objects.get(slug="ninth-grade-success")
    shown = panel(get_user_model().objects.get(username="lead"), network)
    assert shown["choice"].name == "Attendance rate (monthly)"
    assert [s.name for s, *_ in shown["schools"]] == [
        "Jefferson High School",
        "Roosevelt High School",
    ]


@pytest.mark.django_db
def test_the_same_seed_and_day_give_the_same_student_history_and_months():
    from melior.core.calendar import entered_weeks as weeks
    from melior.governance.demo import load_demo_students
    from melior.governance.models import Student, StudentAttribute, StudentOutcome

    today = datetime.date(2026, 2, 10)

    def snapshot():
        attributes = StudentAttribute.objects.values_list(
            "student__key", "attribute", "value", "as_of"
        )
        months = StudentOutcome.objects.filter(kind="attendance").values_list(
            "student__key", "date", "value"
        )
        return sorted(attributes), sorted(months)

    result = load_demo(seed=7, sites=2, today=today)
    first = snapshot()
    assert first[0] and first[1]
    # the months of the last school year that ended, and its annual rate (June)
    assert {d.month for _, d, _ in first[1]} == {9, 10, 11, 12, 1, 2, 3, 4, 5, 6}
    Student.objects.all().delete()
    plans = [school_plan(7, i, len(weeks(today, 3)[0])) for i in range(2)]
    load_demo_students(result.network, plans, 7, today)
    assert snapshot() == first


def models_F(name):
    from django.db.models import F

    return F(name)


@pytest.mark.django_db
def test_more_sites_extend_the_same_network_without_changing_the_first_ones():
    load_demo(seed=3, sites=2)
    before = list(
        Observation.objects.order_by("pk").values_list(
            "organization__slug", "measure__slug", "period_start", "numerator", "value"
        )
    )
    load_demo(seed=3, sites=5)
    after = set(
        Observation.objects.values_list(
            "organization__slug", "measure__slug", "period_start", "numerator", "value"
        )
    )
    assert set(before) <= after
    assert Network.objects.get().sites.count() == 5


def test_same_seed_same_data_and_changes_shift_the_measures():
    mondays, years = weekly_calendar(2023, 3)
    n = len(mondays)
    shifted = 0
    for index in range(40):
        plan = school_plan(11, index, n)
        a = school_series(11, plan, n, years)
        b = school_series(11, school_plan(11, index, n), n, years)
        assert all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)
        if plan.idea is not None and "exit-ticket-mastery" in plan.idea.effects:
            num, den = a["exit-ticket-mastery"]
            before = num[: plan.change_week].sum() / den[: plan.change_week].sum()
            after = num[plan.change_week + 4 :].sum() / den[plan.change_week + 4 :].sum()
            assert after - before > 0.05  # a real, visible improvement
            shifted += 1
    assert shifted > 0
    assert {i.key for i in CHANGE_IDEAS} == {
        "exit-tickets",
        "advisory-check-ins",
        "attendance-mentors",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today",
    [datetime.date(2026, 12, 7), datetime.date(2026, 4, 16), datetime.date(2025, 7, 20)],
    ids=["in the fall", "in the spring", "in the summer"],
)
def test_the_demo_looks_live_on_the_day_it_is_loaded(today):
    from melior.evaluation.models import Pilot
    from melior.learning.models import Activity
    from melior.learning.selectors import health
    from melior.pdsa.models import Cycle
    from melior.projects.aims import aim_gaps

    result = load_demo(seed=7, sites=4, today=today)
    last_week = today - datetime.timedelta(days=today.weekday(), weeks=1)
    latest = Observation.objects.latest("period_start").period_start
    in_session = today.month not in (6, 7, 8)
    if in_session:  # data entered up to last week
        assert latest == last_week
    else:  # the school year ended in June: its last week is the latest
        assert datetime.date(today.year, 5, 25) <= latest <= datetime.date(today.year, 6, 5)
    assert not Annotation.objects.filter(date__gt=today).exists()
    # every aim is about a year ahead, so the aim checker finds no passed date
    for project in ImprovementProject.objects.all():
        assert 300 <= (project.target_date - today).days <= 700
        assert not [gap for gap in aim_gaps(project, today=today) if "passed" in gap]
    assert f"By June {project.target_date.year}," in result.network.aim
    # cycles: none started in the future, some going on now and some finished in recent weeks
    assert not Cycle.objects.filter(started_on__gt=today).exists()
    assert not Cycle.objects.filter(completed_on__gt=today).exists()
    assert Cycle.objects.exclude(status="done").exists()
    recent = today - datetime.timedelta(weeks=8)
    assert Cycle.objects.filter(planned_start__gte=recent, planned_start__lte=today).exists()
    assert Activity.objects.get().due > today
    # the pilot ran in a school year that has ended, with its students enrolled that year
    pilot = Pilot.objects.get()
    assert pilot.ends < today and today - pilot.ends < datetime.timedelta(days=366)
    assert pilot.assignments.filter(student__enrollments__school_year=pilot.school_year).exists()
    # network health shows the demo school team active
    lead = get_user_model().objects.get(username="lead")
    _months, rows = health(lead, result.network, today=today)
    assert any(row["active"] > 0 for row in rows)


@pytest.mark.django_db
def test_the_same_seed_and_day_give_the_same_demo():
    today = datetime.date(2026, 2, 10)
    # the weekly measures (fidelity observations come from checks, loaded once with their plans)
    weekly = Observation.objects.filter(measure__fidelity_plan=None)
    load_demo(seed=7, sites=2, today=today)
    first = list(
        weekly.order_by("organization__slug", "measure__slug", "period_start").values_list(
            "numerator", "denominator", "value"
        )
    )
    Observation.objects.all().delete()
    load_demo(seed=7, sites=2, today=today)
    again = list(
        weekly.order_by("organization__slug", "measure__slug", "period_start").values_list(
            "numerator", "denominator", "value"
        )
    )
    assert first == again and len(first) == 2 * 6 * len(entered_weeks(today, 3)[0])
