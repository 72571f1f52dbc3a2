"""The simulated schools of the demo network: their names and contexts, the change ideas some
of them adopt, and the weekly series of every demo measure at each.

Each school draws its own context (size, locale, poverty share) and baseline levels from a random
stream keyed by (seed, school number), so the first 12 schools are the same whether 12 or 500 are
loaded. About 60% of schools adopt one of three change ideas during the second or third year; the
measures that idea acts on shift after it (with a short ramp and, for the outcome, a lag). The
other schools only show common-cause variation, week-to-week overdispersion and the shared
seasonal pattern of a school year.
"""

from dataclasses import dataclass

import numpy as np
from django.utils.text import slugify

SCHOOLS_PER_DISTRICT = 4

PLACES = [
    "Riverside",
    "Lakeview",
    "Cedar Valley",
    "Northgate",
    "Harbor City",
    "Pine Ridge",
    "Maple Grove",
    "Stonebridge",
    "Fairmount",
    "Eastbrook",
    "Westfield",
    "Silver Creek",
    "Oak Hollow",
    "Bayshore",
    "Granite Falls",
    "Clearwater",
    "Red Hill",
    "Sunnyvale",
    "Willow Bend",
    "Forest Park",
    "Highland",
    "Meadowbrook",
    "Kingsport",
    "Ashford",
    "Brookhaven",
    "Summit",
    "Mill Valley",
    "Prairie View",
    "Lincoln Park",
    "Glenwood",
]
SCHOOL_NAMES = [
    "Roosevelt",
    "Jefferson",
    "Lincoln",
    "Washington",
    "Kennedy",
    "Franklin",
    "Madison",
    "Carver",
    "Douglass",
    "Chavez",
    "King",
    "Parks",
    "Tubman",
    "Truman",
    "Hamilton",
    "Adams",
    "Monroe",
    "Jackson",
    "Grant",
    "Wilson",
    "Edison",
    "Mandela",
    "Curie",
    "Einstein",
    "Sojourner",
    "Whitman",
    "Hughes",
    "Morrison",
    "Angelou",
    "Ride",
    "Earhart",
    "Lovelace",
    "Banneker",
    "Bethune",
    "Du Bois",
    "Marshall",
    "Sotomayor",
    "Ochoa",
    "Hopper",
    "Johnson",
]
LOCALES = ["city", "suburb", "town", "rural"]


@dataclass(frozen=True)
class ChangeIdea:
    key: str
    name: str
    # effect at full strength on the logit scale (proportions) or in units (hours), and lag in weeks
    effects: dict[str, tuple[float, int]]


CHANGE_IDEAS = [
    ChangeIdea(
        "exit-tickets",
        "Daily exit tickets with next-day re-teaching",
        {
            "exit-ticket-mastery": (0.6, 0),
            "assignment-completion": (0.25, 2),
            "on-track": (0.35, 6),
            "teacher-feedback-hours": (0.9, 0),
        },
    ),
    ChangeIdea(
        "advisory-check-ins",
        "Weekly on-track check-ins in advisory",
        {
            "assignment-completion": (0.4, 1),
            "on-track": (0.4, 4),
            "discipline-referrals": (-0.25, 2),
        },
    ),
    ChangeIdea(
        "attendance-mentors",
        "Attendance success mentors for chronically absent 9th graders",
        {"attendance": (0.35, 1), "on-track": (0.2, 6)},
    ),
]


@dataclass(frozen=True)
class SchoolPlan:
    index: int
    name: str
    slug: str
    district_index: int
    enrolment: int
    ninth_graders: int
    locale: str
    poverty_share: float
    idea: ChangeIdea | None
    change_week: int | None


def district_name(k: int) -> str:
    place = PLACES[k % len(PLACES)]
    return f"{place} Unified School District" + (
        f" {k // len(PLACES) + 1}" if k >= len(PLACES) else ""
    )


def district_leaid(k: int) -> str:
    """A demo district's NCES LEAID: seven digits like a real one, under the state code 99,
    which no state has, so a demo district is never taken for a real one."""
    return f"99{k + 1:05d}"


def school_plan(seed: int, index: int, n_weeks: int) -> SchoolPlan:
    rng = np.random.default_rng([seed, index])
    district_index = index // SCHOOLS_PER_DISTRICT
    base = SCHOOL_NAMES[index % len(SCHOOL_NAMES)]
    name = f"{base} High School"
    if index >= len(SCHOOL_NAMES):
        name += f" ({district_name(district_index).removesuffix(' Unified School District')})"
    ninth = int(rng.integers(110, 560))
    adopts = rng.random() < 0.6
    idea = CHANGE_IDEAS[int(rng.integers(len(CHANGE_IDEAS)))] if adopts else None
    change_week = int(rng.integers(int(n_weeks * 0.4), int(n_weeks * 0.8))) if adopts else None
    return SchoolPlan(
        index=index,
        name=name,
        slug=slugify(name),
        district_index=district_index,
        enrolment=int(ninth * rng.uniform(3.6, 4.1)),
        ninth_graders=ninth,
        locale=LOCALES[int(rng.choice(4, p=[0.35, 0.3, 0.15, 0.2]))],
        poverty_share=round(float(rng.beta(2.2, 3.0)), 2),
        idea=idea,
        change_week=change_week,
    )


def _effect(plan: SchoolPlan, measure_slug: str, n_weeks: int) -> np.ndarray:
    """The change idea's effect on one measure, week by week: 0 before, ramping up over 4 weeks."""
    if plan.idea is None or measure_slug not in plan.idea.effects:
        return np.zeros(n_weeks)
    size, lag = plan.idea.effects[measure_slug]
    weeks_in = np.arange(n_weeks) - (plan.change_week + lag)
    return size * np.clip((weeks_in + 1) / 4, 0, 1)


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def school_series(seed: int, plan: SchoolPlan, n_weeks: int, year_index: np.ndarray):
    """Numerators, denominators or values for every demo measure at one school.

    Without a change, each measure varies only by common causes that its default chart expects:
    binomial or Poisson noise (P, U and C charts), a little extra week-to-week variation where the
    default is a Laney chart (attendance and completion, whose large denominators make it visible)
    and normal noise for the I chart. A change idea then shifts the measures it acts on.
    """
    rng = np.random.default_rng([seed, plan.index, 1])
    week_of_year = np.arange(n_weeks) - np.searchsorted(year_index, year_index)
    n = plan.ninth_graders
    pov = plan.poverty_share

    def proportion(level: float, slug: str, extra_sd: float = 0.0, seasonal=0.0) -> np.ndarray:
        shocks = rng.normal(0, extra_sd, n_weeks) if extra_sd else 0.0
        return _logistic(level + seasonal + shocks + _effect(plan, slug, n_weeks))

    winter = -0.05 * np.exp(-(((week_of_year - 15) / 2.0) ** 2))  # the week before winter break
    series = {}

    enrolled = np.maximum(n + rng.integers(-4, 5, n_weeks).cumsum() // 6, 20)
    p = proportion(0.55 + 1.2 * (0.45 - pov) + rng.normal(0, 0.25), "on-track")
    series["on-track"] = (rng.binomial(enrolled, p), enrolled)

    days = enrolled * rng.choice([4, 5], n_weeks, p=[0.15, 0.85])
    p = proportion(2.3 - 0.9 * pov + rng.normal(0, 0.2), "attendance", 0.05, winter)
    series["attendance"] = (rng.binomial(days, p), days)

    assigned = enrolled * rng.integers(4, 8, n_weeks)
    p = proportion(0.85 - 0.6 * pov + rng.normal(0, 0.25), "assignment-completion", 0.06)
    series["assignment-completion"] = (rng.binomial(assigned, p), assigned)

    tickets = np.maximum((enrolled * rng.uniform(0.6, 1.4, n_weeks)).astype(int), 10)
    p = proportion(0.1 - 0.5 * pov + rng.normal(0, 0.3), "exit-ticket-mastery")
    series["exit-ticket-mastery"] = (rng.binomial(tickets, p), tickets)

    hours = (
        rng.normal(5.5, 1.0)
        + rng.normal(0, 0.55, n_weeks)
        + _effect(plan, "teacher-feedback-hours", n_weeks)
    )
    series["teacher-feedback-hours"] = np.round(np.clip(hours, 0.5, None), 1)

    rate = (1.5 + 4.0 * pov) * np.exp(_effect(plan, "discipline-referrals", n_weeks)) / 100
    series["discipline-referrals"] = (rng.poisson(rate * enrolled), enrolled)
    return series
