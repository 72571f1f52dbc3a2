"""EdTech usage as process measures. Week by week, at each school — or in each class — for the
students who count under the usage's purpose (consent):

- **active**: the share of enrolled students who used the product (a proportion),
- **minutes**: the mean minutes of the students who used it (a measured value),
- **sessions**: the mean sessions of the students who used it (a measured value),
- **completion**: the share of those students who completed at least one activity.

`usage_to_measure` writes a school's weeks as ordinary observations of a weekly measure (run it
daily; weeks that changed are corrected). `usage_by_class` gives the same figures per class for
the usage page. Usage arrives by xAPI statements (`xapi.py`) or a vendor's CSV export
(`usage_import.import_usage`)."""

import datetime
from collections.abc import Callable

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction

from melior.analysis.suppression import feasible_ranges, protected
from melior.measures.models import Measure, Observation
from melior.measures.services import record_observation
from melior.measures.tasks import refresh_network_status

from .models import Enrollment, Section, Student, UsageAggregation, UsageRecord
from .selectors import counted, counted_students
from .services import privacy_for

STATISTICS = {
    "active": ("Share of enrolled students who used it", Measure.ValueType.PROPORTION),
    "minutes": ("Mean minutes per student who used it", Measure.ValueType.CONTINUOUS),
    "sessions": ("Mean sessions per student who used it", Measure.ValueType.CONTINUOUS),
    "completion": (
        "Share of students who used it and completed an activity",
        Measure.ValueType.PROPORTION,
    ),
}
KIND_NAMES = {
    Measure.ValueType.PROPORTION: "proportion",
    Measure.ValueType.CONTINUOUS: "measured-value",
}
# the counts each statistic's observation rests on
PUBLISHED_COUNTS = {
    "active": ("enrolled", "active"),
    "completion": ("active", "completers"),
    "minutes": ("active",),
    "sessions": ("active",),
}


def class_figures_shown(students: int, active: int, completers: int, min_n: int) -> dict:
    """Which of a class's figures for a week the usage page shows: a class of fewer counted
    students than min_n not at all; the week's users (and everything about them) when none
    or at least min_n used it; the share who completed when none or at least min_n did."""
    students_shown = students >= min_n
    active_shown = students_shown and (active == 0 or active >= min_n)
    return {
        "students": students_shown,
        "active": active_shown,
        "completers": active_shown and (completers == 0 or completers >= min_n),
    }


def school_week_publishable(
    *, enrolled: set, users: set, completers: set, classes: list[set], statistic: str, min_n: int
) -> bool:
    """Whether a school's figure for a week may be published next to the usage page's classes.
    The counts it rests on must be zero or at least min_n; and, since the school is the sum of
    its classes, no class figure the page hides may be narrowed to fewer than min_n − 1 values
    by a linear program over the figures of both levels. The attacker is taken to know which
    classes each student shares (the school's timetable), not who used the product."""
    counts = {"enrolled": enrolled | users, "active": users, "completers": completers}
    if any(0 < len(counts[name]) < min_n for name in PUBLISHED_COUNTS[statistic]):
        return False
    published, withheld = _school_and_class_figures(counts, classes, min_n)
    if not withheld:
        return True
    # a figure pinned to zero is implied by a published zero, which reveals no one
    return all(
        high < 0.5 or protected(low, high, min_n)
        for low, high in feasible_ranges(published, withheld).values()
    )


# which of a student's statuses each figure counts: not used, used, used and completed
FIGURE_STATUSES = {
    "enrolled": ("not", "used", "completed"),
    "active": ("used", "completed"),
    "completers": ("completed",),
}


def _school_and_class_figures(counts: dict, classes: list[set], min_n: int):
    """The school's and its classes' figures as sums over cells — a cell being the classes a
    student shares, whether they are enrolled at the school, and what they did: (published
    [(cells, total)], withheld {figure: cells}). A school figure is published when it is zero or
    at least min_n; a class's as the usage page shows it (class_figures_shown)."""
    users, completers = counts["active"], counts["completers"]
    everyone = counts["enrolled"].union(*classes)

    def status(student):
        return "completed" if student in completers else "used" if student in users else "not"

    patterns = {
        s: (frozenset(i for i, c in enumerate(classes) if s in c), s in counts["enrolled"])
        for s in everyone
    }
    truth = {}
    for student, pattern in patterns.items():
        truth[pattern, status(student)] = truth.get((pattern, status(student)), 0) + 1
    cells = [(p, st) for p in set(patterns.values()) for st in ("not", "used", "completed")]
    published, withheld = [], {}

    def figure(name, keys, shown):
        if shown:
            published.append((keys, sum(truth.get(k, 0) for k in keys)))
        else:
            withheld[name] = keys

    for name, shown_statuses in FIGURE_STATUSES.items():
        # the school's counts that may be published (by this or another statistic's measure)
        school = [k for k in cells if k[0][1] and k[1] in shown_statuses]
        n = len(counts[name])
        if n == 0 or n >= min_n:
            figure(("school", name), school, True)
    for i, members in enumerate(classes):
        mine = [k for k in cells if i in k[0][0]]
        shown = class_figures_shown(
            len(members), len(members & users), len(members & completers), min_n
        )
        figure((i, "enrolled"), mine, shown["students"])
        for name in ("active", "completers"):
            figure((i, name), [k for k in mine if k[1] in FIGURE_STATUSES[name]], shown[name])
    return published, withheld


def weekly_usage(records: pd.DataFrame, roster: Callable[[int, int], set]) -> pd.DataFrame:
    """One row per (group, week) from per-student daily records (columns group, student, date,
    minutes, sessions, completions): enrolled, active, minutes, sessions, completers.
    `roster(group, school year)` gives the students enrolled in a group; a student who used
    the product counts as enrolled there even if the roster missed them."""
    columns = ["group", "week", "enrolled", "active", "minutes", "sessions", "completers"]
    if records.empty:
        return pd.DataFrame(columns=columns)
    per_student = _per_student_weeks(records)
    weeks = per_student.groupby(["group", "week"], as_index=False).agg(
        active=("student", "size"),
        minutes=("minutes", "mean"),
        sessions=("sessions", "mean"),
        completers=("completer", "sum"),
    )
    users = per_student.groupby(["group", "week"])["student"].agg(set)

    def enrolled_count(row) -> int:
        week = row["week"]
        return len(roster(row["group"], _school_year(week)) | users[(row["group"], week)])

    weeks["enrolled"] = weeks.apply(enrolled_count, axis=1)
    return weeks[columns]


def _per_student_weeks(records: pd.DataFrame) -> pd.DataFrame:
    """Each student's minutes, sessions and completions per group and week (from Monday)."""
    dates = pd.to_datetime(records["date"])
    records = records.assign(week=(dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date)
    per_student = records.groupby(["group", "week", "student"], as_index=False)[
        ["minutes", "sessions", "completions"]
    ].sum()
    per_student["completer"] = per_student["completions"] > 0
    return per_student


def _school_year(week: datetime.date) -> int:
    return week.year if week.month >= 7 else week.year - 1


def _values(statistic: str, row) -> dict:
    if statistic == "active":
        return {"numerator": int(row["active"]), "denominator": int(row["enrolled"])}
    if statistic == "completion":
        return {"numerator": int(row["completers"]), "denominator": int(row["active"])}
    return {"value": round(float(row[statistic]), 1)}


def _statistic_for(measure: Measure, statistic: str) -> str:
    """The statistic to write to the measure (by default active for a proportion measure,
    minutes for a measured value), refused when the measure cannot hold it."""
    if measure.frequency != "weekly":
        raise ValidationError({"measure": "Usage is aggregated by week: choose a weekly measure."})
    if not statistic:
        statistic = {
            Measure.ValueType.PROPORTION: "active",
            Measure.ValueType.CONTINUOUS: "minutes",
        }.get(measure.value_type, "")
    if statistic not in STATISTICS:
        raise ValidationError(
            {"statistic": f"Choose one of {', '.join(STATISTICS)} (“{statistic}” is not one)."}
        )
    label, value_type = STATISTICS[statistic]
    if measure.value_type != value_type:
        raise ValidationError(
            {
                "measure": f"“{label}” needs a {KIND_NAMES[value_type]} measure; "
                f"{measure.name} is not one."
            }
        )
    return statistic


def _counted_rosters(sites, purpose) -> tuple[dict, dict]:
    """The students counted under the purpose enrolled at each school by school year
    {(site, year): {student}}, and in each of its classes {(site, year): {class: {student}}}.
    A student without consent is neither a user nor a non-user."""
    counted_ones = Student.objects.filter(counted_students(purpose))
    enrolled, classes = {}, {}
    for site_id, year, student_id in Enrollment.objects.filter(
        site__in=sites, student__in=counted_ones
    ).values_list("site_id", "school_year", "student_id"):
        enrolled.setdefault((site_id, year), set()).add(student_id)
    for section_id, site_id, year, student_id in Section.students.through.objects.filter(
        section__site__in=sites, student__in=counted_ones
    ).values_list("section_id", "section__site_id", "section__school_year", "student_id"):
        classes.setdefault((site_id, year), {}).setdefault(section_id, set()).add(student_id)
    return enrolled, classes


def _users_and_finishers(records: pd.DataFrame) -> tuple[dict, dict]:
    """Who used it and who completed something, per school and week."""
    users, finishers = {}, {}
    if not records.empty:
        for (site_id, week), group in _per_student_weeks(records).groupby(["group", "week"]):
            users[site_id, week] = set(group["student"])
            finishers[site_id, week] = set(group.loc[group["completer"], "student"])
    return users, finishers


@transaction.atomic
def usage_to_measure(
    *, network, product: str, purpose, measure: Measure, statistic: str = "", today=None
) -> int:
    """Write the weekly figure at each school as observations of `measure`; `statistic` is one
    of STATISTICS (by default active for a proportion measure, minutes for a measured value).
    A week whose figure could give away a small group — fewer than the minimum cell size,
    or a class hidden on the usage page — is not written, and withdrawn if it was
    (school_week_publishable). Returns how many observations were added, corrected or
    withdrawn."""
    if measure.network_id != network.pk:
        raise ValidationError({"measure": "Choose a measure of this network."})
    statistic = _statistic_for(measure, statistic)
    today = today or datetime.date.today()
    sites = {s.pk: s for s in network.sites.all()}
    usage = UsageRecord.objects.filter(site__in=sites, product=product, purpose=purpose)
    records = pd.DataFrame(
        list(
            usage.filter(counted(purpose)).values_list(
                "site_id", "student_id", "date", "minutes", "sessions", "completions"
            )
        ),
        columns=["group", "student", "date", "minutes", "sessions", "completions"],
    )
    # a school's figure must not give a hidden class of counted students away
    enrolled, classes = _counted_rosters(sites, purpose)
    weeks = weekly_usage(records, lambda site, year: enrolled.get((site, year), set()))
    current = {
        (o.organization_id, o.period_start): o
        for o in Observation.objects.filter(measure=measure, organization_id__in=sites)
    }
    users, finishers = _users_and_finishers(records)
    min_n = privacy_for(network).min_cell_size
    written = 0
    for row in weeks.sort_values(["group", "week"]).to_dict("records"):
        if row["week"] > today or (statistic == "completion" and not row["active"]):
            continue
        key, year = (row["group"], row["week"]), _school_year(row["week"])
        existing = current.get(key)
        if not school_week_publishable(
            enrolled=enrolled.get((row["group"], year), set()),
            users=users[key],
            completers=finishers[key],
            classes=list(classes.get((row["group"], year), {}).values()),
            statistic=statistic,
            min_n=min_n,
        ):
            if existing is not None:  # written before the week became too small to show
                existing.delete()
                written += 1
            continue
        values = _values(statistic, row)
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            continue
        record_observation(
            measure=measure,
            organization=sites[row["group"]],
            period=row["week"],
            correcting=existing,
            **values,
        )
        written += 1
    return written


def usage_by_class(*, site, product: str, purpose, weeks: int = 8, today=None) -> list[dict]:
    """The last `weeks` weeks of usage in each class at a school, for the counted students:
    [{"section", "students", "weeks": [{week, enrolled, active, minutes, sessions,
    completers}]}]. Small cells are the caller's to suppress."""
    today = today or datetime.date.today()
    first = today - datetime.timedelta(days=today.weekday() + 7 * (weeks - 1))
    # this school year's classes (or the latest year's the roster has): a student's classes of
    # earlier years would show their usage twice
    this_year = _school_year(today)
    latest = (
        Section.objects.filter(site=site, school_year__lte=this_year)
        .order_by("-school_year")
        .values_list("school_year", flat=True)
        .first()
    )
    sections = list(Section.objects.filter(site=site, school_year=latest).order_by("title"))
    members = {}
    for section_id, student_id in Section.students.through.objects.filter(
        section__in=sections
    ).values_list("section_id", "student_id"):
        members.setdefault(section_id, set()).add(student_id)
    usage = UsageRecord.objects.filter(
        site=site, product=product, purpose=purpose, date__gte=first, date__lte=today
    ).filter(counted(purpose))
    rows = pd.DataFrame(
        list(usage.values_list("student_id", "date", "minutes", "sessions", "completions")),
        columns=["student", "date", "minutes", "sessions", "completions"],
    )
    allowed = set(
        Student.objects.filter(sections__in=sections)
        .filter(counted_students(purpose))
        .values_list("pk", flat=True)
    )
    result = []
    for section in sections:
        roster = members.get(section.pk, set()) & allowed
        if not roster:
            continue
        mine = rows[rows["student"].isin(roster)].assign(group=section.pk)
        table = weekly_usage(mine, lambda _section, _year, roster=roster: roster)
        table = table.set_index("week")
        result.append(
            {
                "section": section,
                "students": len(roster),
                "weeks": [
                    {
                        "week": week,
                        **(
                            table.loc[week].to_dict()
                            if week in table.index
                            else {
                                "enrolled": len(roster),
                                "active": 0,
                                "minutes": None,
                                "sessions": None,
                                "completers": 0,
                            }
                        ),
                    }
                    for week in (first + datetime.timedelta(weeks=i) for i in range(weeks))
                ],
            }
        )
    return result


def remember_aggregation(*, product: str, purpose, measure: Measure, statistic: str = ""):
    """Keep an aggregation for the worker to repeat daily (the statistic chosen last wins)."""
    return UsageAggregation.objects.update_or_create(
        measure=measure, purpose=purpose, product=product, defaults={"statistic": statistic}
    )[0]


def run_remembered_aggregations(*, today=None) -> list[tuple[UsageAggregation, int]]:
    """Repeat every remembered aggregation; returns each with the observations it wrote."""
    done = []
    for each in UsageAggregation.objects.select_related("measure__network", "purpose"):
        written = usage_to_measure(
            network=each.measure.network,
            product=each.product,
            purpose=each.purpose,
            measure=each.measure,
            statistic=each.statistic,
            today=today,
        )
        done.append((each, written))
        if written:
            refresh_network_status(each.measure.network_id)
    return done
