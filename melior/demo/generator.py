"""A seeded, realistic demo network: "9th-Grade Success", weekly data over three school years.

Dates follow the day the demo is loaded, so it always looks like a live network: weekly data for
the current school year and the two before it, up to last week; aims a year ahead; cycles,
announcements and the EdTech pilot placed around that day. A given seed and load day always give
the same demo, and the figures depend on the day only through the number of weeks entered.

The schools themselves (their contexts, the change ideas some adopt and their weekly series)
are simulated in schools.py; this module writes them, with everything around them, to the
database.

Loading is idempotent: everything is keyed by slugs and (measure, school, week), and a school that
already has data is left as it is, so running it again adds nothing.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils.text import slugify

from melior.core.calendar import aim_date, entered_weeks
from melior.evaluation.demo import load_demo_pilot
from melior.fidelity.demo import load_demo_fidelity
from melior.governance.demo import load_demo_students
from melior.learning.demo import load_demo_hub
from melior.measures.models import Annotation, Measure, Observation
from melior.measures.services import data_changed
from melior.networks.models import Membership, Network, NetworkSite, Organization, Role
from melior.pdsa.demo import load_demo_cycles
from melior.problems.demo import load_demo_problem
from melior.progress.demo import load_demo_progress
from melior.projects.models import ImprovementProject
from melior.theory.demo import load_demo_theory

from .schools import SchoolPlan, district_leaid, district_name, school_plan, school_series

NETWORK_SLUG = "ninth-grade-success"
SCHOOL_YEARS = 3
DEMO_PASSWORD = "melior-demo"

MEASURES = [
    dict(
        slug="on-track",
        name="9th graders on track to graduate",
        kind="outcome",
        value_type="proportion",
        unit="%",
        default_chart="p",
        desired_direction="up",
        target=85,
        description="Share of enrolled 9th graders with no F in a core course and enough credits "
        "earned or in progress to be promoted, from the gradebook each Friday.",
        numerator_definition="9th graders on track (no core-course F, on pace for 5+ credits)",
        denominator_definition="9th graders enrolled that Friday",
        data_source="Student information system gradebook export",
    ),
    dict(
        slug="attendance",
        name="Weekly attendance rate",
        kind="driver",
        value_type="proportion",
        unit="%",
        default_chart="p_prime",
        desired_direction="up",
        target=95,
        description="Student-days attended as a share of student-days enrolled, 9th grade only.",
        numerator_definition="Student-days attended",
        denominator_definition="Student-days enrolled",
        data_source="Daily attendance records",
    ),
    dict(
        slug="assignment-completion",
        name="Assignment completion",
        kind="driver",
        value_type="proportion",
        unit="%",
        default_chart="p_prime",
        desired_direction="up",
        target=85,
        description="Core-course assignments submitted by the due date as a share of those set.",
        numerator_definition="Assignments submitted on time",
        denominator_definition="Assignments set",
        data_source="Learning management system",
    ),
    dict(
        slug="exit-ticket-mastery",
        name="Exit-ticket mastery",
        kind="process",
        value_type="proportion",
        unit="%",
        default_chart="p",
        desired_direction="up",
        target=75,
        description="Exit tickets in Algebra I and English 9 scored as showing mastery of the "
        "day's learning target.",
        numerator_definition="Exit tickets showing mastery",
        denominator_definition="Exit tickets collected",
        data_source="Teacher tally sheets",
    ),
    dict(
        slug="teacher-feedback-hours",
        name="Teacher hours on grading and feedback",
        kind="balancing",
        value_type="continuous",
        unit="hours",
        default_chart="i",
        desired_direction="down",
        description="Median self-reported hours per 9th-grade teacher spent on grading and "
        "written feedback outside class that week (Friday pulse survey).",
        data_source="Weekly teacher pulse survey",
    ),
    dict(
        slug="discipline-referrals",
        name="Office discipline referrals per 100 students",
        kind="balancing",
        value_type="rate",
        unit="per 100",
        rate_multiplier=100,
        default_chart="u",
        desired_direction="down",
        description="Office discipline referrals of 9th graders that week, per 100 enrolled.",
        numerator_definition="Office discipline referrals",
        denominator_definition="9th graders enrolled",
        data_source="Behavior incident log",
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    scope: str


@dataclass(frozen=True)
class LoadResult:
    network: Network
    schools_added: int
    observations_added: int
    accounts: list[DemoAccount]

    @property
    def message(self) -> str:
        if self.schools_added == 0:
            return f"{self.network.name} is already loaded; nothing was added."
        return (
            f"Loaded {self.network.name}: {self.schools_added} schools added, "
            f"{self.observations_added:,} observations."
        )


def load_demo(
    *,
    seed: int = 2026,
    sites: int = 12,
    progress: Callable[[int, int], None] | None = None,
    today: datetime.date | None = None,
) -> LoadResult:
    """Load the demo as of `today` (the day it is loaded unless given)."""
    today = today or datetime.date.today()
    mondays, year_index = entered_weeks(today, SCHOOL_YEARS)
    n_weeks = len(mondays)
    plans = [school_plan(seed, i, n_weeks) for i in range(sites)]

    with transaction.atomic():
        network, measures = _network_and_measures(aim_date(today))
        schools = _schools(network, plans, joined_on=mondays[0].replace(day=1))
    done_sites = set(
        Observation.objects.filter(measure__network=network, organization__in=schools.values())
        .values_list("organization_id", flat=True)
        .distinct()
    )
    added_schools = added_observations = 0
    for i, plan in enumerate(plans):
        school = schools[plan.slug]
        if school.pk not in done_sites:
            with transaction.atomic():
                added_observations += _load_school(
                    seed, plan, school, network, measures, mondays, year_index, aim_date(today)
                )
            added_schools += 1
        if progress:
            progress(i + 1, len(plans))
    with transaction.atomic():
        accounts = _accounts(network, schools[plans[0].slug])
    load_demo_theory(network, aim_date(today))
    load_demo_problem(network, today)
    with transaction.atomic():
        teams = _school_teams(network, [schools[plan.slug] for plan in plans[1:]])
    teams[plans[0].slug] = list(
        get_user_model().objects.filter(username__in=["teacher", "sitelead"])
    )
    load_demo_cycles(network, plans, mondays, seed, today, authors=teams)
    load_demo_hub(network, mondays[0], today)
    load_demo_students(network, plans, seed, today)
    load_demo_pilot(network, plans, seed, today)
    load_demo_progress(network, today)
    load_demo_fidelity(network, mondays, seed, today)
    if added_schools and connection.vendor == "postgresql":
        # fresh planner statistics after a bulk load, or PostgreSQL guesses a handful of rows
        # where there are hundreds and picks nested loops that take seconds
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return LoadResult(network, added_schools, added_observations, accounts)


def _network_and_measures(aim_by: datetime.date):
    hub, _ = Organization.objects.get_or_create(
        slug="ninth-grade-success-hub",
        defaults={"name": "9th-Grade Success Hub", "kind": Organization.Kind.HUB},
    )
    network, _ = Network.objects.get_or_create(
        slug=NETWORK_SLUG,
        defaults={
            "name": "9th-Grade Success Network",
            "hub": hub,
            "aim": f"By June {aim_by.year}, 85% of 9th graders in every network school will be "
            "on track to graduate, and the gap between schools will have halved.",
        },
    )
    measures = {}
    for spec in MEASURES:
        fields = {k: v for k, v in spec.items() if k != "slug"}
        measures[spec["slug"]], _ = Measure.objects.get_or_create(
            network=network, slug=spec["slug"], defaults={**fields, "frequency": "weekly"}
        )
    return network, measures


def _schools(
    network: Network, plans: list[SchoolPlan], joined_on: datetime.date
) -> dict[str, Organization]:
    districts = {}
    for k in sorted({p.district_index for p in plans}):
        name = district_name(k)
        districts[k], _ = Organization.objects.update_or_create(
            slug=slugify(name),
            defaults={"nces_id": district_leaid(k)},
            create_defaults={
                "name": name,
                "kind": Organization.Kind.DISTRICT,
                "nces_id": district_leaid(k),
            },
        )
    existing = {o.slug: o for o in Organization.objects.filter(slug__in=[p.slug for p in plans])}
    new = [
        Organization(
            name=p.name,
            slug=p.slug,
            kind=Organization.Kind.SCHOOL,
            parent=districts[p.district_index],
            level=Organization.Level.HIGH,
            enrolment=p.enrolment,
            locale=p.locale,
            poverty_share=p.poverty_share,
        )
        for p in plans
        if p.slug not in existing
    ]
    Organization.objects.bulk_create(new, batch_size=500)
    schools = {o.slug: o for o in Organization.objects.filter(slug__in=[p.slug for p in plans])}
    linked = set(network.site_links.values_list("organization_id", flat=True))
    NetworkSite.objects.bulk_create(
        [
            NetworkSite(network=network, organization=o, joined_on=joined_on)
            for o in schools.values()
            if o.pk not in linked
        ],
        batch_size=500,
    )
    return schools


def _load_school(seed, plan, school, network, measures, mondays, year_index, aim_by) -> int:
    series = school_series(seed, plan, len(mondays), year_index)
    rows = []
    for slug, data in series.items():
        measure = measures[slug]
        if measure.has_denominator:
            numerators, denominators = data
            rows += [
                Observation(
                    measure=measure,
                    organization=school,
                    period_start=day,
                    numerator=float(a),
                    denominator=float(b),
                )
                for day, a, b in zip(mondays, numerators, denominators, strict=True)
            ]
        else:
            rows += [
                Observation(measure=measure, organization=school, period_start=day, value=float(v))
                for day, v in zip(mondays, data, strict=True)
            ]
    Observation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    # bulk_create sends no model signals
    data_changed(network.pk, [measure.pk for measure in measures.values()])

    if plan.idea is not None:
        started = mondays[plan.change_week]
        Annotation.objects.bulk_create(
            [
                Annotation(
                    measure=measures[slug],
                    organization=school,
                    date=started,
                    text=f"Started: {plan.idea.name}",
                )
                for slug in plan.idea.effects
            ]
        )
    if not ImprovementProject.objects.filter(network=network, site=school).exists():
        on_track = series["on-track"]
        first_year = year_index == 0
        baseline = round(100 * on_track[0][first_year].sum() / on_track[1][first_year].sum(), 1)
        target = min(round(baseline + 12), 95)
        baseline_year = mondays[0].year
        ImprovementProject.objects.create(
            network=network,
            site=school,
            title=f"9th-grade on-track at {school.name}",
            problem_statement=(
                f"Only {baseline:.0f}% of our 9th graders were on track to graduate in "
                f"{baseline_year}–{(baseline_year + 1) % 100:02d}. "
                "Students who fail a core course in 9th grade are far less likely to graduate; "
                "many of our failures come from missing assignments rather than from tests."
            ),
            aim_statement=(
                f"By {aim_by:%B} {aim_by.day}, {aim_by.year}, raise the share of 9th graders "
                f"on track at {school.name} "
                f"from {baseline:.0f}% to {target}%."
            ),
            aim_measure=measures["on-track"],
            baseline_value=baseline,
            target_value=target,
            target_date=aim_by,
            population=f"All 9th graders at {school.name}",
        )
    return len(rows)


ACCOUNTS = [
    ("lead", Role.NETWORK_LEAD, "network"),
    ("coach", Role.IMPROVEMENT_COACH, "network"),
    ("steward", Role.DATA_STEWARD, "network"),
    ("viewer", Role.VIEWER, "network"),
    ("sitelead", Role.SITE_LEAD, "school"),
    ("teacher", Role.TEAM_MEMBER, "school"),
]


def _accounts(network: Network, first_school: Organization) -> list[DemoAccount]:
    User = get_user_model()
    accounts = []
    for username, role, scope in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
        where = {"network": network} if scope == "network" else {"organization": first_school}
        Membership.objects.get_or_create(user=user, role=role, **where)
        if username == "teacher":
            for project in ImprovementProject.objects.filter(site=first_school):
                project.team.add(user)
        accounts.append(
            DemoAccount(
                username,
                DEMO_PASSWORD,
                Role(role).label,
                network.name if scope == "network" else first_school.name,
            )
        )
    return accounts


def _school_teams(network: Network, schools: list[Organization]) -> dict[str, list]:
    """A site lead and a teacher at each school but the first (where the demo's own accounts
    work): the authors of its cycles, whom another school's question reaches. They sign in
    only once an operator sets them a password."""
    User = get_user_model()
    teams = {}
    for school in schools:
        team = []
        for suffix, role, title in (("lead", Role.SITE_LEAD, "Site lead"),
                                    ("teacher", Role.TEAM_MEMBER, "Teacher")):  # fmt: skip
            user, made = User.objects.get_or_create(
                username=f"{school.slug}-{suffix}",
                defaults={"first_name": title, "last_name": f"at {school.name}"},
            )
            if made:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(user=user, role=role, organization=school)
            team.append(user)
        for project in ImprovementProject.objects.filter(network=network, site=school):
            project.team.add(*team)
        teams[school.slug] = team
    return teams
