"""Writing a checked roster (governance.roster's plan) in a few statements, whatever its size:
new students and enrolments go in with melior.bulk's one stream, changed ones in batched updates,
class members in one insert. A district's roster of tens of thousands of students took a query
or two per student."""

import pandas as pd
from django.db import connection
from django.utils import timezone

from melior.bulk import insert_rows, select_in

from .models import Enrollment, Section, Student
from .services import pseudonym

ATTRIBUTES = [
    "sex",
    "race_ethnicity",
    "economic_disadvantage_status",
    "english_learner_status",
    "idea_indicator",
]


def write_students(plan, report) -> None:
    """Inside the caller's transaction, once the plan's schools exist: students, their
    enrolments, the classes and who is in each."""
    rows = pd.DataFrame(plan.pending, columns=["org", "student_id", "grade", "attributes"])
    keys = {}
    student_pks = {}
    if not rows.empty:
        schools = rows["org"].map(plan.schools)
        rows["site_id"] = schools.map(lambda s: s.pk)
        rows["district_id"] = schools.map(lambda s: (s.parent or s).pk)
        rows["key"] = [
            pseudonym(school.parent or school, student_id)
            for school, student_id in zip(schools, rows["student_id"], strict=True)
        ]
        keys = dict(zip(rows["student_id"], rows["key"], strict=True))
        student_pks = _students(rows, report)
        rows["student"] = rows["key"].map(student_pks)
        _enrolments(rows, plan.school_year, report)
    sections = {
        sourced_id: Section.objects.update_or_create(
            site=plan.schools[org],
            sourced_id=sourced_id,
            school_year=plan.school_year,
            defaults={"title": title, "class_code": code},
        )[0]
        for sourced_id, (org, title, code) in plan.classes.items()
    }
    members = Section.students.through
    members.objects.bulk_create(
        [
            members(section_id=sections[class_id].pk, student_id=student_pks[keys[student_id]])
            for class_id, student_id in plan.members
        ],
        batch_size=10_000,
        ignore_conflicts=True,
    )


def _students(rows: pd.DataFrame, report) -> dict[str, int]:
    """Each key's student id in the database, new students inserted and the demographics of
    known ones brought up to date (a field the roster leaves out keeps its value)."""
    with connection.cursor() as cursor:
        existing = select_in(
            cursor, Student, ["key", "id", "district_id", *ATTRIBUTES], "key", rows["key"].tolist()
        )
    known = {row[0]: row for row in existing}
    new = rows[~rows["key"].isin(known)]
    if not new.empty:
        values = pd.DataFrame(new["attributes"].tolist(), index=new.index)
        insert_rows(
            Student,
            pd.DataFrame(
                {
                    "key": new["key"],
                    "district_id": new["district_id"],
                    **{a: values[a].fillna("") if a in values else "" for a in ATTRIBUTES},
                    "created_at": connection.ops.adapt_datetimefield_value(timezone.now()),
                }
            ),
        )
    report.added += len(new)
    changed = []
    for key, district_id, attributes in rows.loc[
        rows["key"].isin(known), ["key", "district_id", "attributes"]
    ].itertuples(index=False):
        _, pk, old_district, *old = known[key]
        now = {**dict(zip(ATTRIBUTES, old, strict=True)), **attributes}
        if old_district != district_id or [now[a] for a in ATTRIBUTES] != old:
            changed.append(Student(pk=pk, district_id=district_id, **now))
    Student.objects.bulk_update(changed, ["district_id", *ATTRIBUTES], batch_size=5_000)
    with connection.cursor() as cursor:
        return dict(select_in(cursor, Student, ["key", "id"], "key", rows["key"].tolist()))


def _enrolments(rows: pd.DataFrame, school_year: int, report) -> None:
    with connection.cursor() as cursor:
        existing = select_in(
            cursor,
            Enrollment,
            ["id", "student_id", "site_id", "grade_level"],
            "student_id",
            sorted(set(rows["student"].tolist())),
            school_year=school_year,
        )
    old = pd.DataFrame(existing, columns=["pk", "student", "site_id", "old_grade"])
    merged = rows[["student", "site_id", "grade"]].merge(old, on=["student", "site_id"], how="left")
    new = merged[merged["pk"].isna()]
    insert_rows(
        Enrollment,
        pd.DataFrame(
            {
                "student_id": new["student"].astype(int),
                "site_id": new["site_id"].astype(int),
                "grade_level": new["grade"],
                "school_year": school_year,
            }
        ),
    )
    report.enrolments += len(new)
    regraded = merged[merged["pk"].notna() & (merged["old_grade"] != merged["grade"])]
    Enrollment.objects.bulk_update(
        [
            Enrollment(pk=int(pk), grade_level=grade)
            for pk, grade in zip(regraded["pk"], regraded["grade"], strict=True)
        ],
        ["grade_level"],
        batch_size=5_000,
    )
