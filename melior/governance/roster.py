"""Students from a OneRoster bulk export (CSV files, as a folder or a zip; versions 1.1 and
1.2): schools matched to the network's sites, students keyed by the district's student id
(`identifier`, hashed — never stored), their grade and CEDS-style demographics. Strict and
all-or-nothing: every problem is listed by file, row and column, and nothing is saved unless
the whole export is good."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Enrollment, Student
from .services import pseudonym

RACE_FLAGS = [
    ("americanIndianOrAlaskaNative", "AmericanIndianOrAlaskaNative"),
    ("asian", "Asian"),
    ("blackOrAfricanAmerican", "BlackOrAfricanAmerican"),
    ("nativeHawaiianOrOtherPacificIslander", "NativeHawaiianOrOtherPacificIslander"),
    ("white", "White"),
]
SEX = {
    "female": "Female",
    "male": "Male",
    "": "",
    "other": "NotSelected",
    "unspecified": "NotSelected",
}
TRUE = {"true", "yes", "1"}


@dataclass
class RosterReport:
    students: int = 0
    added: int = 0
    enrolments: int = 0
    skipped_users: int = 0  # teachers, administrators…
    errors: list[str] = field(default_factory=list)


def read_export(path_or_bytes) -> dict[str, str]:
    """The CSV files of an export by name (e.g. "users.csv"), from a folder, a zip file's path,
    or a zip's bytes."""
    files = {}
    if isinstance(path_or_bytes, bytes | bytearray):
        archive = zipfile.ZipFile(io.BytesIO(path_or_bytes))
    elif Path(path_or_bytes).is_dir():
        for item in Path(path_or_bytes).glob("*.csv"):
            files[item.name] = _text(item.read_bytes(), item.name)
        return files
    else:
        archive = zipfile.ZipFile(path_or_bytes)
    for name in archive.namelist():
        if name.endswith(".csv"):
            files[Path(name).name] = _text(archive.read(name), name)
    return files


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{name} is not UTF-8 text.") from None


def _rows(files, name, required, errors):
    if name not in files:
        errors.append(f"{name} is missing from the export.")
        return []
    reader = csv.DictReader(io.StringIO(files[name]))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        errors.append(f"{name}: missing column(s) {', '.join(missing)}.")
        return []
    return [
        (number, {k: (v or "").strip() for k, v in row.items() if k})
        for number, row in enumerate(reader, start=2)
    ]


def import_roster(
    *, network, files: dict[str, str], school_year: int, dry_run: bool = False
) -> RosterReport:
    report = RosterReport()
    errors = report.errors
    sites = {s.slug: s for s in network.sites.all()}
    by_name = {s.name.lower(): s for s in sites.values()}
    schools = {}
    for number, row in _rows(files, "orgs.csv", ["sourcedId", "name", "type"], errors):
        if row["type"] != "school":
            continue
        site = sites.get(row.get("identifier", "")) or by_name.get(row["name"].lower())
        if site is None:
            errors.append(
                f"orgs.csv row {number}, name: no school “{row['name']}” in "
                f"{network.name} (match by its slug in identifier, or by name)."
            )
        else:
            schools[row["sourcedId"]] = site
    users = _rows(files, "users.csv", ["sourcedId", "identifier"], errors)
    student_ids = set()
    role_of = {}
    if "roles.csv" in files:  # OneRoster 1.2
        for _, row in _rows(files, "roles.csv", ["userSourcedId", "role", "orgSourcedId"], errors):
            role_of.setdefault(row["userSourcedId"], (row["role"], row["orgSourcedId"]))
    demographics = (
        {
            row["sourcedId"]: row
            for _, row in _rows(files, "demographics.csv", ["sourcedId", "sex"], errors)
        }
        if "demographics.csv" in files
        else {}
    )
    pending = []
    for number, row in users:
        role, org = role_of.get(
            row["sourcedId"], (row.get("role", ""), row.get("orgSourcedIds", ""))
        )
        org = org or row.get("primaryOrgSourcedId", "")
        if role != "student":
            report.skipped_users += 1
            continue
        school = schools.get(org.split(",")[0].strip())
        if school is None:
            errors.append(
                f"users.csv row {number}, orgSourcedIds: the student's school "
                f"“{org}” is not a school of this network in orgs.csv."
            )
            continue
        if not row["identifier"]:
            errors.append(f"users.csv row {number}, identifier: no district student id.")
            continue
        if row["identifier"] in student_ids:
            errors.append(f"users.csv row {number}, identifier: {row['identifier']} appears twice.")
            continue
        student_ids.add(row["identifier"])
        grade = (row.get("grades", "").split(",")[0].strip() or "")[:2]
        if grade and not grade.isdigit() and grade not in {"KG", "PK"}:
            errors.append(f"users.csv row {number}, grades: “{grade}” is not a grade level code.")
            continue
        attributes = _demographics(demographics.get(row["sourcedId"]), number, errors)
        pending.append(
            (school, row["identifier"], grade.zfill(2) if grade.isdigit() else grade, attributes)
        )
    if errors:
        raise ValidationError(errors)
    if not pending:
        raise ValidationError("The export has no students.")
    report.students = len(pending)
    if dry_run:
        return report
    with transaction.atomic():
        for school, student_id, grade, attributes in pending:
            district = school.parent or school
            key = pseudonym(district, student_id)
            student, created = Student.objects.update_or_create(
                key=key, defaults={"district": district, **attributes}
            )
            report.added += created
            _, made = Enrollment.objects.update_or_create(
                student=student,
                site=school,
                school_year=school_year,
                defaults={"grade_level": grade},
            )
            report.enrolments += made
    return report


def _demographics(row, number, errors) -> dict:
    if row is None:
        return {}
    sex = SEX.get(row.get("sex", "").lower())
    if sex is None:
        errors.append(
            f"demographics.csv for users.csv row {number}, sex: “{row['sex']}” is not "
            "female, male, other or unspecified."
        )
        return {}
    races = [code for flag, code in RACE_FLAGS if row.get(flag, "").lower() in TRUE]
    if row.get("hispanicOrLatinoEthnicity", "").lower() in TRUE:
        race = "HispanicOrLatino"
    elif row.get("demographicRaceTwoOrMoreRaces", "").lower() in TRUE or len(races) > 1:
        race = "DemographicRaceTwoOrMoreRaces"
    else:
        race = races[0] if races else ""
    return {"sex": sex, "race_ethnicity": race}
