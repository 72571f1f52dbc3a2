"""Students from a OneRoster bulk export (CSV files, as a folder or a zip; versions 1.1 and
1.2): schools matched to the network's sites — or added to it, with their district —, classes
and who is in them, students keyed by the district's student id (`identifier`, hashed — never
stored), their grade and CEDS-style demographics. Strict and all-or-nothing: every problem is
listed by file, row and column (the import pipeline's problems, melior.core.imports), and
nothing is saved unless the whole export is good."""

import csv
import datetime
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from melior import files
from melior.core.imports import ImportRefused, Problem, Problems, decode
from melior.networks.models import Organization
from melior.networks.services import add_site, create_organization

from .roster_write import write_students
from .selectors import district_is_member

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
GRADES = {"IT", "PR", "PK", "TK", "KG", "PS", "UG"}  # CEDS codes besides 01–13
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
    dry_run: bool = False


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
        raise ImportRefused([Problem(None, None, str(refused))]) from None


def _text(data: bytes, name: str) -> str:
    """A file's text (UTF-8, UTF-16 or Windows-1252), within the row and column limits."""
    text = decode(data, name)
    files.check_table(text, name=name)
    return text


def _rows(files, name, required, problems):
    if name not in files:
        problems.add(None, None, f"{name} is missing from the export.")
        return []
    reader = csv.DictReader(io.StringIO(files[name]))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    for column in missing:
        problems.add(1, column, f"the file has no “{column}” column.", file=name)
    if missing:
        return []
    return [
        (number, {k: (v or "").strip() for k, v in row.items() if k})
        for number, row in enumerate(reader, start=2)
    ]


def _check_manifest(files, problems) -> None:
    if "manifest.csv" not in files:
        return  # many exports leave it out; the files say enough
    rows = dict(csv.reader(io.StringIO(files["manifest.csv"])))
    version = rows.get("oneroster.version", "")
    if version not in VERSIONS:
        message = f"oneroster.version is “{version}”; 1.1 or 1.2 is read."
        problems.add(None, "oneroster.version", message, version, file="manifest.csv")


def _school_year(files, given: int | None, problems) -> tuple[int | None, set[str]]:
    """The school year the roster is for (the year it starts) and the export's session ids.
    Read from academicSessions.csv's schoolYear sessions (by their start date, since OneRoster's
    own `schoolYear` names the year the school year ends); `given` chooses among several, and
    must be one of them."""
    if "academicSessions.csv" not in files:
        if given is None:
            problems.add(None, None, "academicSessions.csv is missing from the export: give "
                         "the school year (the year it starts, e.g. 2025).")  # fmt: skip
        return given, set()
    years, ids = set(), set()
    for number, row in _rows(
        files, "academicSessions.csv", ["sourcedId", "type", "startDate", "endDate"], problems
    ):
        ids.add(row["sourcedId"])
        try:
            starts = datetime.date.fromisoformat(row["startDate"])
            ends = datetime.date.fromisoformat(row["endDate"])
        except ValueError:
            given_dates = f"“{row['startDate']}”, “{row['endDate']}”"
            problems.add(number, "startDate/endDate", f"give dates as YYYY-MM-DD ({given_dates}).",
                         given_dates, file="academicSessions.csv")  # fmt: skip
            continue
        if ends < starts:
            problems.add(number, "endDate", "before the start date.", row["endDate"],
                         file="academicSessions.csv")  # fmt: skip
        elif row["type"] == "schoolYear":
            years.add(starts.year if starts.month >= 7 else starts.year - 1)
    if given is not None:
        if years and given not in years:
            listed = ", ".join(f"{y}–{y + 1}" for y in sorted(years))
            problems.add(None, None, f"academicSessions.csv: the export is for {listed}, not "
                         f"{given}–{given + 1}.")  # fmt: skip
        return given, ids
    if len(years) == 1:
        return years.pop(), ids
    if years:
        listed = ", ".join(f"{y}–{y + 1}" for y in sorted(years))
        problems.add(None, None, f"academicSessions.csv covers {listed}: choose the school "
                     "year to import.")  # fmt: skip
    else:
        problems.add(None, None, "academicSessions.csv has no schoolYear session: give the "
                     "school year.")  # fmt: skip
    return None, ids


@dataclass
class RosterPlan:
    """What a checked export would write: schools matched or new, students, classes, members."""

    school_year: int | None
    schools: dict  # sourcedId → a site of the network
    new_schools: dict  # sourcedId → (name, identifier, district, existing school or None)
    pending: list  # (school sourcedId, student id, grade, demographics)
    classes: dict  # sourcedId → (school sourcedId, title, class code)
    members: list  # (class sourcedId, student id)
    skipped_users: int = 0


class RosterCheck:
    """The check step of a roster import: every file of the export read, every problem
    collected, and the plan of what would be written."""

    def __init__(self, network, files, school_year, allowed_site_ids):
        self.network, self.files, self.allowed = network, files, allowed_site_ids
        self.problems = Problems()
        self.given_year = school_year
        self.sites = {s.slug: s for s in network.sites.all()}
        self.by_name = _unique_names(self.sites.values())
        self.refused: set[str] = set()  # sourcedIds of what the steward may not import
        self.districts: dict = {}  # only the districts of new schools are looked up, each once

    def plan(self) -> RosterPlan:
        _check_manifest(self.files, self.problems)
        year, self.sessions = _school_year(self.files, self.given_year, self.problems)
        orgs = _rows(self.files, "orgs.csv", ["sourcedId", "name", "type"], self.problems)
        self.district_rows = {r["sourcedId"]: (n, r) for n, r in orgs if r["type"] == "district"}
        plan = RosterPlan(year, {}, {}, [], {}, [])
        for number, row in orgs:
            if row["type"] == "school":
                self._school_row(plan, number, row)
        self.known = set(plan.schools) | set(plan.new_schools)
        self._users(plan)
        self._classes(plan)
        self._enrollments(plan)
        if not self.problems and not plan.pending:
            self.problems.add(None, None, "The export has no students.")
        self.problems.raise_any()
        return plan

    def _district_of(self, school_row):
        sourced_id = school_row.get("parentSourcedId", "")
        if sourced_id not in self.district_rows:
            return None  # a school without a district is its own
        if sourced_id not in self.districts:
            number, row = self.district_rows[sourced_id]
            self.districts[sourced_id] = _district(self.network, number, row, self.problems)
        return self.districts[sourced_id]

    def _school_row(self, plan, number, row) -> None:
        name, identifier = row["name"], row.get("identifier", "")
        if not name:
            self.problems.add(number, "name", "the school has no name.", name, file="orgs.csv")
            return
        site = self.sites.get(identifier) or _site_by_id(self.sites.values(), identifier)
        if site is None and self.by_name.get(name.lower(), "") is None:
            self.problems.add(number, "name", f"two schools of the network are called “{name}”; "
                              "give the school's slug or id in identifier.", name,
                              file="orgs.csv")  # fmt: skip
            return
        site = site or self.by_name.get(name.lower())
        if self.allowed is not None and (site is None or site.pk not in self.allowed):
            self.refused.add(row["sourcedId"])  # named once here; its students are skipped
            why = "." if site else " (only the network's data steward adds schools)."
            self.problems.add(number, "name", f"you are not the data steward for “{name}”{why}",
                              name, file="orgs.csv")  # fmt: skip
        elif site is not None:
            plan.schools[row["sourcedId"]] = site
        else:  # a school new to the network: added, under its district
            district = self._district_of(row)
            existing = _school(self.network, number, row, self.problems)
            if existing is False or district is False:  # refused: the reason is a problem
                self.refused.add(row["sourcedId"])
            else:
                plan.new_schools[row["sourcedId"]] = (name, identifier, district, existing)

    def _users(self, plan) -> None:
        role_of, demographics = {}, {}
        if "roles.csv" in self.files:  # OneRoster 1.2
            required = ["userSourcedId", "role", "orgSourcedId"]
            for _, row in _rows(self.files, "roles.csv", required, self.problems):
                role_of.setdefault(row["userSourcedId"], (row["role"], row["orgSourcedId"]))
        if "demographics.csv" in self.files:
            rows = _rows(self.files, "demographics.csv", ["sourcedId", "sex"], self.problems)
            demographics = {row["sourcedId"]: row for _, row in rows}
        self.identifiers, seen = {}, set()
        for number, row in _rows(self.files, "users.csv", ["sourcedId", "identifier"],
                                 self.problems):  # fmt: skip
            role, org = role_of.get(
                row["sourcedId"], (row.get("role", ""), row.get("orgSourcedIds", ""))
            )
            org = (org or row.get("primaryOrgSourcedId", "")).split(",")[0].strip()
            if role != "student":
                plan.skipped_users += 1
            elif org in self.refused:
                self.refused.add(row["sourcedId"])
            elif self._student_ok(number, row, org, seen):
                grade = _grade(number, row, self.problems)
                attributes = _demographics(demographics.get(row["sourcedId"]), number,
                                           self.problems)  # fmt: skip
                self.identifiers[row["sourcedId"]] = row["identifier"]
                plan.pending.append((org, row["identifier"], grade, attributes))

    def _student_ok(self, number, row, org, seen) -> bool:
        def refuse(column, message, value):
            self.problems.add(number, column, message, value, file="users.csv")
            return False

        if org not in self.known:
            return refuse("orgSourcedIds", f"the student's school “{org}” is not a school in "
                          "orgs.csv.", org)  # fmt: skip
        if not row["identifier"]:
            return refuse("identifier", "no district student id.", "")
        if row["identifier"] in seen:
            return refuse("identifier", f"{row['identifier']} appears twice.", row["identifier"])
        seen.add(row["identifier"])
        return True

    def _classes(self, plan) -> None:
        if "classes.csv" not in self.files:
            return
        required = ["sourcedId", "title", "schoolSourcedId"]
        for number, row in _rows(self.files, "classes.csv", required, self.problems):
            school = row["schoolSourcedId"]
            terms = [t.strip() for t in row.get("termSourcedIds", "").split(",") if t.strip()]
            unknown = [t for t in terms if self.sessions and t not in self.sessions]
            if school in self.refused:
                self.refused.add(row["sourcedId"])
            elif school not in self.known:
                self.problems.add(number, "schoolSourcedId", f"“{school}” is not a school in "
                                  "orgs.csv.", school, file="classes.csv")  # fmt: skip
            elif unknown:
                message = f"“{unknown[0]}” is not a session in academicSessions.csv."
                self.problems.add(number, "termSourcedIds", message, unknown[0], file="classes.csv")
            else:
                plan.classes[row["sourcedId"]] = (school, row["title"], row.get("classCode", ""))

    def _enrollments(self, plan) -> None:
        if "enrollments.csv" not in self.files:
            return
        required = ["classSourcedId", "userSourcedId", "role"]
        for number, row in _rows(self.files, "enrollments.csv", required, self.problems):
            section, user = row["classSourcedId"], row["userSourcedId"]
            if row["role"] != "student" or {section, user} & self.refused:
                continue
            if section not in plan.classes:
                self.problems.add(number, "classSourcedId", f"no class “{section}” in "
                                  "classes.csv.", section, file="enrollments.csv")  # fmt: skip
            elif user not in self.identifiers:
                self.problems.add(number, "userSourcedId", f"no student “{user}” in users.csv.",
                                  user, file="enrollments.csv")  # fmt: skip
            else:
                plan.members.append((section, self.identifiers[user]))


def _grade(number, row, problems) -> str:
    """The student's first grade as a CEDS code (a number padded to two digits), given in full
    when it is not one."""
    grade = row.get("grades", "").split(",")[0].strip()
    if grade.isdigit() and 0 < len(grade) <= 2:
        return grade.zfill(2)
    if grade and grade not in GRADES:
        problems.add(number, "grades", f"“{grade}” is not a grade level code (01–13, KG, PK…).",
                     grade, file="users.csv")  # fmt: skip
    return grade if grade in GRADES else ""


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
    plan = RosterCheck(network, files, school_year, allowed_site_ids).plan()
    report = RosterReport(
        students=len(plan.pending),
        schools_added=len(plan.new_schools),
        classes=len(plan.classes),
        skipped_users=plan.skipped_users,
        school_year=plan.school_year,
        dry_run=dry_run,
    )
    if not dry_run:
        with transaction.atomic():
            _write(network, plan, report)
    return report


def _add_schools(network, plan) -> None:
    created = {}  # a district new to Melior, by its identifier
    for sourced_id, (name, identifier, district, existing) in plan.new_schools.items():
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
        plan.schools[sourced_id] = school


def _write(network, plan: RosterPlan, report: RosterReport) -> None:
    _add_schools(network, plan)
    write_students(plan, report)


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


def _district(network, number, row, problems):
    """The district of a district row: an Organization already in this network, a (name,
    identifier) pair for one new to Melior, or False when refused (the reason among the problems).
    Districts are told apart by their NCES LEAID or state id only: two districts may share a
    name, and a district in Melior under another network is joined only by its own steward."""
    identifier = row.get("identifier", "")

    def refuse(message):
        problems.add(number, "identifier", message, identifier, file="orgs.csv")
        return False

    if not identifier:
        return refuse(f"give the NCES LEAID or the state's id of “{row['name']}”; districts "
                      "are matched by it, never by name.")  # fmt: skip
    found = _identified(Organization.Kind.DISTRICT, identifier)
    if len(found) > 1:
        return refuse(f"“{identifier}” names more than one district; give its NCES LEAID.")
    if not found:
        return (row["name"], identifier)  # new to Melior: created with this identifier
    if not district_is_member(network, found[0]):
        return refuse(f"district “{identifier}” already keeps its students in Melior and is "
                      "not part of this network; only its own data steward can bring it in "
                      "(see /help/privacy/).")  # fmt: skip
    return found[0]


def _school(network, number, row, problems):
    """The school already in Melior that a new site of the network is (by its NCES or state
    id) when its district is part of this network; None when the school is new to Melior;
    False when refused (the reason among the problems)."""
    identifier = row.get("identifier", "")
    found = _identified(Organization.Kind.SCHOOL, identifier) if identifier else []
    if not found:
        return None
    if len(found) > 1:
        problems.add(number, "identifier", f"“{identifier}” names two schools.", identifier,
                     file="orgs.csv")  # fmt: skip
        return False
    if not district_is_member(network, found[0].parent or found[0]):
        problems.add(number, "identifier", f"school “{identifier}” belongs to a district that "
                     "is not part of this network; only its own data steward can bring it in.",
                     identifier, file="orgs.csv")  # fmt: skip
        return False
    return found[0]


def _demographics(row, number, problems) -> dict:
    if row is None:
        return {}
    sex = SEX.get(row.get("sex", "").lower())
    if sex is None:
        problems.add(number, "sex", f"“{row['sex']}” is not female, male, other or "
                     "unspecified (demographics.csv).", row["sex"], file="users.csv")  # fmt: skip
        return {}
    races = [code for flag, code in RACE_FLAGS if row.get(flag, "").lower() in TRUE]
    if row.get("hispanicOrLatinoEthnicity", "").lower() in TRUE:
        race = "HispanicOrLatino"
    elif row.get("demographicRaceTwoOrMoreRaces", "").lower() in TRUE or len(races) > 1:
        race = "DemographicRaceTwoOrMoreRaces"
    else:
        race = races[0] if races else ""
    return {"sex": sex, "race_ethnicity": race}
