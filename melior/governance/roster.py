"""Students from a OneRoster bulk export (CSV files, as a folder or a zip; versions 1.1 and
1.2): schools matched to the network's sites — or added to it, with their district —, classes
and who is in them, students keyed by the district's student id (`identifier`, hashed — never
stored), their grade and CEDS-style demographics. Strict and all-or-nothing: every problem is
listed by file, row and column, and nothing is saved unless the whole export is good."""

import csv
import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from melior import files
from melior.networks.models import Organization
from melior.networks.services import add_site, create_organization

from .models import Enrollment, Section, Student
from .selectors import district_is_member
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
VERSIONS = {"1.1", "1.2"}


@dataclass
class RosterReport:
    students: int = 0
    added: int = 0
    enrolments: int = 0
    schools_added: int = 0
    classes: int = 0
    skipped_users: int = 0  # teachers, administrators…
    school_year: int | None = None
    errors: list[str] = field(default_factory=list)


def read_export(path_or_bytes) -> dict[str, str]:
    """The CSV files of an export by name (e.g. "users.csv"), from a folder, a zip file's path,
    or a zip's bytes — each within the size, unpacking, row and column limits of
    `melior.files`."""
    try:
        if not isinstance(path_or_bytes, bytes | bytearray) and Path(path_or_bytes).is_dir():
            found = {item.name: files.read_file(item) for item in Path(path_or_bytes).glob("*.csv")}
        else:
            with files.open_zip(path_or_bytes) as archive:
                found = {
                    Path(name).name: data
                    for name, data in files.read_members(archive, ".csv").items()
                }
        return {name: _text(data, name) for name, data in found.items()}
    except files.FileRefused as refused:
        raise ValidationError(str(refused)) from None


def _text(data: bytes, name: str) -> str:
    text = files.decode_text(data, name)
    files.check_table(text, name=name)
    return text


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


def _check_manifest(files, errors) -> None:
    if "manifest.csv" not in files:
        return  # many exports leave it out; the files say enough
    rows = dict(csv.reader(io.StringIO(files["manifest.csv"])))
    version = rows.get("oneroster.version", "")
    if version not in VERSIONS:
        errors.append(f"manifest.csv: oneroster.version is “{version}”; 1.1 or 1.2 is read.")


def _school_year(files, given: int | None, errors) -> tuple[int | None, set[str]]:
    """The school year the roster is for (the year it starts) and the export's session ids.
    Read from academicSessions.csv's schoolYear sessions (by their start date, since OneRoster's
    own `schoolYear` names the year the school year ends); `given` chooses among several, and
    must be one of them."""
    if "academicSessions.csv" not in files:
        if given is None:
            errors.append(
                "academicSessions.csv is missing from the export: give the school year "
                "(the year it starts, e.g. 2025)."
            )
        return given, set()
    years, ids = set(), set()
    for number, row in _rows(
        files, "academicSessions.csv", ["sourcedId", "type", "startDate", "endDate"], errors
    ):
        ids.add(row["sourcedId"])
        try:
            starts = datetime.date.fromisoformat(row["startDate"])
            ends = datetime.date.fromisoformat(row["endDate"])
        except ValueError:
            errors.append(
                f"academicSessions.csv row {number}, startDate/endDate: give dates as YYYY-MM-DD "
                f"(“{row['startDate']}”, “{row['endDate']}”)."
            )
            continue
        if ends < starts:
            errors.append(f"academicSessions.csv row {number}, endDate: before the start date.")
        elif row["type"] == "schoolYear":
            years.add(starts.year if starts.month >= 7 else starts.year - 1)
    if given is not None:
        if years and given not in years:
            listed = ", ".join(f"{y}–{y + 1}" for y in sorted(years))
            errors.append(
                f"academicSessions.csv: the export is for {listed}, not {given}–{given + 1}."
            )
        return given, ids
    if len(years) == 1:
        return years.pop(), ids
    if years:
        listed = ", ".join(f"{y}–{y + 1}" for y in sorted(years))
        errors.append(f"academicSessions.csv covers {listed}: choose the school year to import.")
    else:
        errors.append("academicSessions.csv has no schoolYear session: give the school year.")
    return None, ids


def import_roster(
    *,
    network,
    files: dict[str, str],
    school_year: int | None = None,
    allowed_site_ids: set[int] | None = None,
    dry_run: bool = False,
) -> RosterReport:
    """`school_year` (the year it starts) is read from academicSessions.csv when not given.
    With `allowed_site_ids` (a school or district data steward) every school must be one of
    those, and none is added to the network."""
    report = RosterReport()
    errors = report.errors
    _check_manifest(files, errors)
    school_year, sessions = _school_year(files, school_year, errors)
    report.school_year = school_year
    sites = {s.slug: s for s in network.sites.all()}
    by_name = _unique_names(sites.values())
    orgs = _rows(files, "orgs.csv", ["sourcedId", "name", "type"], errors)
    district_rows = {r["sourcedId"]: (n, r) for n, r in orgs if r["type"] == "district"}
    districts = {}  # only the districts of new schools are looked up, each once

    def district_of(school_row):
        sourced_id = school_row.get("parentSourcedId", "")
        if sourced_id not in district_rows:
            return None  # a school without a district is its own
        if sourced_id not in districts:
            districts[sourced_id] = _district(network, *district_rows[sourced_id], errors)
        return districts[sourced_id]

    schools, new_schools, refused = {}, {}, set()
    for number, row in orgs:
        if row["type"] != "school":
            continue
        if not row["name"]:
            errors.append(f"orgs.csv row {number}, name: the school has no name.")
            continue
        identifier = row.get("identifier", "")
        site = sites.get(identifier) or _site_by_id(sites.values(), identifier)
        if site is None and by_name.get(row["name"].lower(), "") is None:
            errors.append(
                f"orgs.csv row {number}, name: two schools of the network are called "
                f"“{row['name']}”; give the school's slug or id in identifier."
            )
            continue
        site = site or by_name.get(row["name"].lower())
        if allowed_site_ids is not None and (site is None or site.pk not in allowed_site_ids):
            refused.add(row["sourcedId"])  # named once here; its students and classes are skipped
            errors.append(
                f"orgs.csv row {number}, name: you are not the data steward for "
                f"“{row['name']}”"
                + ("." if site else " (only the network's data steward adds schools).")
            )
        elif site is not None:
            schools[row["sourcedId"]] = site
        else:  # a school new to the network: added, under its district
            district = district_of(row)
            existing = _school(network, number, row, errors)
            if existing is False or district is False:  # refused: the reason is in errors
                refused.add(row["sourcedId"])
            else:
                new_schools[row["sourcedId"]] = (row["name"], identifier, district, existing)
    known = set(schools) | set(new_schools)
    role_of = {}
    if "roles.csv" in files:  # OneRoster 1.2
        for _, row in _rows(files, "roles.csv", ["userSourcedId", "role", "orgSourcedId"], errors):
            role_of.setdefault(row["userSourcedId"], (row["role"], row["orgSourcedId"]))
    demographics = {}
    if "demographics.csv" in files:
        demographics = {
            row["sourcedId"]: row
            for _, row in _rows(files, "demographics.csv", ["sourcedId", "sex"], errors)
        }
    pending, identifiers, seen_ids = [], {}, set()
    for number, row in _rows(files, "users.csv", ["sourcedId", "identifier"], errors):
        role, org = role_of.get(
            row["sourcedId"], (row.get("role", ""), row.get("orgSourcedIds", ""))
        )
        org = (org or row.get("primaryOrgSourcedId", "")).split(",")[0].strip()
        if role != "student":
            report.skipped_users += 1
            continue
        if org in refused:
            refused.add(row["sourcedId"])
            continue
        if org not in known:
            errors.append(
                f"users.csv row {number}, orgSourcedIds: the student's school “{org}” "
                "is not a school in orgs.csv."
            )
            continue
        if not row["identifier"]:
            errors.append(f"users.csv row {number}, identifier: no district student id.")
            continue
        if row["identifier"] in seen_ids:
            errors.append(f"users.csv row {number}, identifier: {row['identifier']} appears twice.")
            continue
        seen_ids.add(row["identifier"])
        grade = (row.get("grades", "").split(",")[0].strip() or "")[:2]
        if grade and not grade.isdigit() and grade not in {"KG", "PK"}:
            errors.append(f"users.csv row {number}, grades: “{grade}” is not a grade level code.")
            continue
        attributes = _demographics(demographics.get(row["sourcedId"]), number, errors)
        identifiers[row["sourcedId"]] = row["identifier"]
        pending.append(
            (org, row["identifier"], grade.zfill(2) if grade.isdigit() else grade, attributes)
        )
    classes, members = {}, []
    if "classes.csv" in files:
        for number, row in _rows(
            files, "classes.csv", ["sourcedId", "title", "schoolSourcedId"], errors
        ):
            if row["schoolSourcedId"] in refused:
                refused.add(row["sourcedId"])
                continue
            if row["schoolSourcedId"] not in known:
                errors.append(
                    f"classes.csv row {number}, schoolSourcedId: “{row['schoolSourcedId']}"
                    "” is not a school in orgs.csv."
                )
                continue
            terms = [t.strip() for t in row.get("termSourcedIds", "").split(",") if t.strip()]
            unknown = [t for t in terms if sessions and t not in sessions]
            if unknown:
                errors.append(
                    f"classes.csv row {number}, termSourcedIds: “{unknown[0]}” is not a session "
                    "in academicSessions.csv."
                )
                continue
            classes[row["sourcedId"]] = (
                row["schoolSourcedId"],
                row["title"],
                row.get("classCode", ""),
            )
    if "enrollments.csv" in files:
        for number, row in _rows(
            files, "enrollments.csv", ["classSourcedId", "userSourcedId", "role"], errors
        ):
            if row["role"] != "student" or {row["classSourcedId"], row["userSourcedId"]} & refused:
                continue
            if row["classSourcedId"] not in classes:
                errors.append(
                    f"enrollments.csv row {number}, classSourcedId: no class "
                    f"“{row['classSourcedId']}” in classes.csv."
                )
            elif row["userSourcedId"] not in identifiers:
                errors.append(
                    f"enrollments.csv row {number}, userSourcedId: no student "
                    f"“{row['userSourcedId']}” in users.csv."
                )
            else:
                members.append((row["classSourcedId"], identifiers[row["userSourcedId"]]))
    if errors:
        raise ValidationError(errors)
    if not pending:
        raise ValidationError("The export has no students.")
    report.students, report.schools_added, report.classes = (
        len(pending),
        len(new_schools),
        len(classes),
    )
    if dry_run:
        return report
    with transaction.atomic():
        created = {}  # a district new to Melior, by its identifier
        for sourced_id, (name, identifier, district, existing) in new_schools.items():
            school = existing
            if school is None:
                if isinstance(district, tuple):  # (name, identifier): new to Melior
                    name_of_district, identifier_of_district = district
                    if identifier_of_district not in created:
                        created[identifier_of_district] = create_organization(
                            name=name_of_district,
                            kind="district",
                            **_district_ids(identifier_of_district),
                        )
                    district = created[identifier_of_district]
                nces = {"nces_id": identifier} if _is_nces(identifier, 12) else {}
                school = create_organization(name=name, parent=district, **nces)
            add_site(network=network, organization=school)
            schools[sourced_id] = school
        keys = {}
        for org, student_id, grade, attributes in pending:
            school = schools[org]
            district = school.parent or school
            key = keys[student_id] = pseudonym(district, student_id)
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
        sections = {}
        for sourced_id, (org, title, code) in classes.items():
            sections[sourced_id], _ = Section.objects.update_or_create(
                site=schools[org],
                sourced_id=sourced_id,
                school_year=school_year,
                defaults={"title": title, "class_code": code},
            )
        by_key = dict(Student.objects.filter(key__in=keys.values()).values_list("key", "pk"))
        for class_id, student_id in members:
            sections[class_id].students.add(by_key[keys[student_id]])
    return report


def _unique_names(sites) -> dict:
    """The network's sites by lower-case name; None for a name two sites share."""
    by_name = {}
    for site in sites:
        name = site.name.lower()
        by_name[name] = None if name in by_name else site
    return by_name


def _site_by_id(sites, identifier: str):
    if not identifier:
        return None
    return next((s for s in sites if identifier in {s.nces_id, s.state_id}), None)


def _identified(kind: str, identifier: str) -> list[Organization]:
    """Organisations of a kind whose NCES or state id is `identifier` (at most two: enough to
    tell one from ambiguous)."""
    return list(
        Organization.objects.filter(kind=kind).filter(
            Q(nces_id=identifier) | Q(state_id=identifier)
        )[:2]
    )


def _is_nces(identifier: str, digits: int) -> bool:
    return identifier.isdigit() and len(identifier) == digits


def _district_ids(identifier: str) -> dict:
    """Where a new district's identifier is kept: seven digits are its NCES LEAID, anything
    else is the state's id."""
    return {"nces_id" if _is_nces(identifier, 7) else "state_id": identifier}


def _district(network, number, row, errors):
    """The district of a district row: an Organization already in this network, a (name,
    identifier) pair for one new to Melior, or False when refused (the reason in errors).
    Districts are told apart by their NCES LEAID or state id only: two districts may share a
    name, and a district in Melior under another network is joined only by its own steward."""
    identifier = row.get("identifier", "")
    if not identifier:
        errors.append(
            f"orgs.csv row {number}, identifier: give the NCES LEAID or the state's id of "
            f"“{row['name']}”; districts are matched by it, never by name."
        )
        return False
    found = _identified(Organization.Kind.DISTRICT, identifier)
    if len(found) > 1:
        errors.append(
            f"orgs.csv row {number}, identifier: “{identifier}” names more than one district; "
            "give its NCES LEAID."
        )
        return False
    if not found:
        return (row["name"], identifier)  # new to Melior: created with this identifier
    if not district_is_member(network, found[0]):
        errors.append(
            f"orgs.csv row {number}, identifier: district “{identifier}” already keeps its "
            "students in Melior and is not part of this network; only its own data steward "
            "can bring it in (see /help/privacy/)."
        )
        return False
    return found[0]


def _school(network, number, row, errors):
    """The school already in Melior that a new site of the network is (by its NCES or state
    id) when its district is part of this network; None when the school is new to Melior;
    False when refused (the reason in errors)."""
    identifier = row.get("identifier", "")
    found = _identified(Organization.Kind.SCHOOL, identifier) if identifier else []
    if not found:
        return None
    if len(found) > 1:
        errors.append(f"orgs.csv row {number}, identifier: “{identifier}” names two schools.")
        return False
    if not district_is_member(network, found[0].parent or found[0]):
        errors.append(
            f"orgs.csv row {number}, identifier: school “{identifier}” belongs to a district "
            "that is not part of this network; only its own data steward can bring it in."
        )
        return False
    return found[0]


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
