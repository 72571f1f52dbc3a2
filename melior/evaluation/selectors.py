"""Reads for pilots. A pilot is reached through `pilots_for` (members of its network only);
the rest read the records of that pilot's students for its report, in aggregate-ready form,
and only the records of students counted under the pilot's purpose (consent and opt-outs,
governance.selectors) where outcomes and usage are concerned."""

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from melior.governance.models import SUBGROUPS, Enrollment, Student, StudentOutcome, UsageRecord
from melior.governance.selectors import counted, counted_students, privacy_for

from .models import Evidence, Pilot


def pilots_for(user, network):
    """The network's pilots, for anyone in the network (their reports are aggregates only)."""
    if not user.has_perm("evaluation.view", network):
        return Pilot.objects.none()
    return (
        Pilot.objects.filter(network=network)
        .select_related("purpose")
        .prefetch_related("sites", "outcomes")
    )


def is_assigned(pilot: Pilot) -> bool:
    """Whether any unit of the pilot has been assigned to an arm."""
    return pilot.assignments.exists()


def assigned_units(pilot: Pilot) -> list[dict]:
    """What the lot assigned, unit by unit (a school, or a class at its school), tool arm first.
    Units only: a head count per unit beside each arm's total would let a small class's size
    be worked out by subtraction."""
    rows = (
        pilot.assignments.values_list("arm", "site__name", "section__title")
        .distinct()
        .order_by("-arm", "site__name", "section__title")
    )
    return [
        {"arm": "tool" if arm else "comparison", "school": school, "class": title or ""}
        for arm, school, title in rows
    ]


def grade_levels(pilot: Pilot) -> list[str]:
    return [g.strip().zfill(2) for g in pilot.grades.split(",") if g.strip()]


def enrolled(pilot: Pilot) -> QuerySet[Enrollment]:
    """The enrolments of the pilot's students: its schools, school year and grades."""
    rows = Enrollment.objects.filter(site__in=pilot.sites.all(), school_year=pilot.school_year)
    levels = grade_levels(pilot)
    return rows.filter(grade_level__in=levels) if levels else rows


def pilot_students(pilot: Pilot):
    """The pilot's students as a subquery (lists of ids would overrun SQLite's limit on the
    number of values in one query for a large pilot)."""
    if pilot.design == Pilot.Design.RANDOMIZED:
        return pilot.assignments.values("student_id")
    return enrolled(pilot).values("student_id")


def assignment_rows(pilot: Pilot) -> list[tuple]:
    """(student, school, class, arm) for each assigned student of a randomized pilot."""
    return list(pilot.assignments.values_list("student_id", "site_id", "section_id", "arm"))


def enrolment_rows(pilot: Pilot) -> list[tuple]:
    """(student, school) for each enrolment of the pilot's students."""
    return list(enrolled(pilot).values_list("student_id", "site_id"))


def tool_users(pilot: Pilot) -> set[int]:
    """Students who used the pilot's tool (some minutes) in the pilot's window."""
    return set(
        UsageRecord.objects.filter(
            purpose=pilot.purpose,
            product=pilot.tool,
            date__gte=pilot.starts,
            date__lte=pilot.ends,
            minutes__gt=0,
        ).values_list("student_id", flat=True)
    )


def student_attributes(pilot: Pilot) -> list[tuple]:
    """(student, *subgroups) for the pilot's students."""
    return list(Student.objects.filter(pk__in=pilot_students(pilot)).values_list("pk", *SUBGROUPS))


def counted_student_ids(pilot: Pilot) -> set[int]:
    """The pilot's students whose records the purpose may count."""
    return set(
        Student.objects.filter(pk__in=pilot_students(pilot))
        .filter(counted_students(pilot.purpose))
        .values_list("pk", flat=True)
    )


def outcomes_in_window(pilot: Pilot) -> QuerySet[StudentOutcome]:
    """Outcome records of the pilot's counted students, dated within the pilot."""
    return StudentOutcome.objects.filter(
        purpose=pilot.purpose,
        student_id__in=pilot_students(pilot),
        date__gte=pilot.starts,
        date__lte=pilot.ends,
    ).filter(counted(pilot.purpose))


def baseline_outcomes(pilot: Pilot) -> QuerySet[StudentOutcome]:
    """The baseline records of the pilot's counted students, dated before it starts."""
    return StudentOutcome.objects.filter(
        purpose=pilot.purpose,
        student_id__in=pilot_students(pilot),
        name=pilot.baseline,
        date__lt=pilot.starts,
    ).filter(counted(pilot.purpose))


def usage_minutes(pilot: Pilot) -> dict[int, int]:
    """student -> minutes with the tool in the pilot's window, for its counted students."""
    return dict(
        UsageRecord.objects.filter(
            purpose=pilot.purpose,
            product=pilot.tool,
            student_id__in=pilot_students(pilot),
            date__gte=pilot.starts,
            date__lte=pilot.ends,
        )
        .filter(counted(pilot.purpose))
        .values("student_id")
        .annotate(total=Sum("minutes"))
        .values_list("student_id", "total")
    )


def evidence_for(user, pilot: Pilot) -> QuerySet[Evidence]:
    """The pilot's qualitative evidence in full, for those who run pilots only: what a teacher
    or student said stays with the team; the report shows counts and chosen quotes."""
    if not user.has_perm("evaluation.run", pilot.network):
        return Evidence.objects.none()
    return pilot.evidence.select_related("site").prefetch_related("codes")


@dataclass(frozen=True)
class EvidenceSummary:
    """Counts per code by arm and the chosen quotes, for the report. An arm with fewer pieces of
    evidence than the network's smallest cell shows no counts and no quotes (None)."""

    arms: list[tuple[str, int | None]]  # (arm label, pieces of evidence or None)
    codes: list[tuple[str, list[int | None]]]  # (code, a count per arm as in `arms`)
    quotes: list[Evidence]
    min_cell_size: int

    @property
    def empty(self) -> bool:
        return not self.arms

    @property
    def hidden(self) -> bool:
        return any(pieces is None for _, pieces in self.arms)


ARM_LABELS = {"tool": "Tool", "comparison": "Comparison", "": "Not in an arm"}


def evidence_summary(pilot: Pilot) -> EvidenceSummary:
    smallest = privacy_for(pilot.network).min_cell_size
    sizes = dict(pilot.evidence.values("arm").annotate(n=Count("pk")).values_list("arm", "n"))
    shown = [arm for arm in ARM_LABELS if sizes.get(arm, 0) >= smallest]
    counts = {
        (code, arm): n
        for code, arm, n in pilot.evidence.filter(codes__isnull=False)
        .values("codes__name", "arm")
        .annotate(n=Count("pk"))
        .values_list("codes__name", "arm", "n")
    }
    arms = [arm for arm in ARM_LABELS if arm in sizes]
    return EvidenceSummary(
        arms=[(ARM_LABELS[arm], sizes[arm] if arm in shown else None) for arm in arms],
        codes=[
            (code.name, [counts.get((code.name, arm), 0) if arm in shown else None for arm in arms])
            for code in pilot.codes.all()
        ],
        quotes=list(
            pilot.evidence.filter(quoted=True, arm__in=shown)
            .select_related("site")
            .order_by("arm", "collected_on", "pk")
        ),
        min_cell_size=smallest,
    )
