"""A network's districts and schools: add one, edit, retire, and import many from the
columns of the NCES Common Core of Data (CCD) school file, all or nothing.

The import runs in small steps that another import can reuse: read (text → rows) → map
(CCD columns → fields) → check every row against the database (a plan, with every bad row
named) → dry run (show the plan) → write (the plan, in one transaction)."""

import csv
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from melior.files import FileRefused, check_table
from melior.governance.selectors import district_is_member
from melior.networks.models import Network, NetworkSite, Organization
from melior.networks.services import add_site, create_organization

# CCD column → field. SCH_NAME/LEA_NAME/LEVEL/ST_SCHID/ST_LEAID are the directory file's
# names since 2014–15; SCHNAM/LEANM/ULOCAL/MEMBER/TOTFRL the school universe file's before
# it; ULOCALE/LOCALE the locale files'; STUDENT_COUNT/ENROLLMENT the membership file's.
COLUMNS = {
    "NCESSCH": "nces_id",
    "LEAID": "leaid",
    "SCH_NAME": "name",
    "SCHNAM": "name",
    "LEA_NAME": "district_name",
    "LEANM": "district_name",
    "LEVEL": "level",
    "ULOCALE": "locale",
    "ULOCAL": "locale",
    "LOCALE": "locale",
    "ENROLLMENT": "enrolment",
    "MEMBER": "enrolment",
    "STUDENT_COUNT": "enrolment",
    "TOTAL": "enrolment",
    "TOTFRL": "frl",
    "FRL_SHARE": "poverty_share",
    "POVERTY_SHARE": "poverty_share",
    "ST_SCHID": "state_id",
    "ST_LEAID": "district_state_id",
}
REQUIRED = ("nces_id", "leaid", "name")
# CCD's codes for "no value": missing, not applicable, suppressed, and their words
MISSING = {"", "-1", "-2", "-3", "-9", "m", "n", "na", "n/a", "†", "–", "—", "not reported",
           "not applicable", "missing"}  # fmt: skip
LEVELS = {
    "1": "elementary", "primary": "elementary", "elementary": "elementary",
    "2": "middle", "middle": "middle",
    "3": "high", "high": "high", "secondary": "high",
    "4": "other", "other": "other", "ungraded": "other", "prekindergarten": "other",
    "adult education": "other",
}  # fmt: skip
# the first digit of a CCD/EDGE locale code (11–43), e.g. "21" or "21-Suburb: Large"
LOCALES = {"1": "city", "2": "suburb", "3": "town", "4": "rural"}


class ImportRefused(ValidationError):
    """The file as a whole cannot be read (no rows, missing columns)."""


def read(text: str) -> list[dict[str, str]]:
    """Rows of pasted or uploaded CSV (commas, or tabs as pasted from a spreadsheet), keyed by
    upper-cased header."""
    text = text.strip("\ufeff\r\n ")
    if not text:
        raise ImportRefused("Paste the rows of the CCD file, with its header row.")
    first = text.splitlines()[0]
    dialect = csv.excel_tab if first.count("\t") > first.count(",") else csv.excel
    try:
        check_table(text, dialect, "The pasted table")
    except FileRefused as error:
        raise ImportRefused(str(error)) from None
    reader = csv.DictReader(text.splitlines(), dialect=dialect)
    reader.fieldnames = [(name or "").strip().upper() for name in reader.fieldnames or []]
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def map_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each row's values under Melior's field names; refuses a table without the ids."""
    if not rows:
        raise ImportRefused("There are no rows under the header.")
    found = {COLUMNS[c] for c in rows[0] if c in COLUMNS}
    missing = [c for c in ("NCESSCH", "LEAID", "SCH_NAME") if COLUMNS[c] not in found]
    if missing:
        raise ImportRefused(
            f"Columns missing: {', '.join(missing)}. Keep the CCD file's header row "
            "(NCESSCH, LEAID, SCH_NAME, LEA_NAME, LEVEL, ULOCALE, ENROLLMENT, TOTFRL)."
        )
    mapped = []
    for row in rows:
        values: dict[str, str] = {}
        for column, value in row.items():
            name = COLUMNS.get(column)
            if name and (value.lower() not in MISSING or name in REQUIRED) and name not in values:
                values[name] = "" if value.lower() in MISSING else value
        mapped.append(values)
    return mapped


@dataclass
class SchoolRow:
    line: int
    nces_id: str
    name: str
    leaid: str
    district_name: str
    attributes: dict
    school: Organization | None = None  # already in Melior
    district: Organization | None = None


@dataclass
class Plan:
    rows: list[SchoolRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new_districts: dict[str, str] = field(default_factory=dict)  # LEAID → name

    @property
    def new_schools(self) -> list[SchoolRow]:
        return [r for r in self.rows if r.school is None]

    @property
    def updated_schools(self) -> list[SchoolRow]:
        return [r for r in self.rows if r.school is not None]


def _number(value: str, what: str, problems: list[str]) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", "").rstrip("%"))
    except ValueError:
        problems.append(f"{what} “{value}” is not a number")
        return None


def _attributes(values: dict[str, str], problems: list[str]) -> dict:
    attributes = {}
    level = values.get("level", "").lower()
    if level:
        if level not in LEVELS:
            problems.append(f"LEVEL “{values['level']}” is not a CCD school level")
        else:
            attributes["level"] = LEVELS[level]
    locale = values.get("locale", "")
    if locale:
        code = locale.lstrip()[:1]
        if code not in LOCALES or not locale[:2].isdigit():
            problems.append(f"ULOCALE “{locale}” is not a CCD locale code (11–43)")
        else:
            attributes["locale"] = LOCALES[code]
    enrolment = _number(values.get("enrolment", ""), "ENROLLMENT", problems)
    if enrolment is not None:
        if enrolment < 0 or enrolment != int(enrolment):
            problems.append("ENROLLMENT is a whole number of students")
        else:
            attributes["enrolment"] = int(enrolment)
    share = _number(values.get("poverty_share", ""), "FRL_SHARE", problems)
    frl = _number(values.get("frl", ""), "TOTFRL", problems)
    if share is None and frl is not None:
        if not enrolment:
            problems.append("TOTFRL needs the enrolment to give a share")
        elif not 0 <= frl <= enrolment:
            problems.append(f"TOTFRL ({frl:g}) is more than the enrolment ({enrolment:g})")
        else:
            share = frl / enrolment
    if share is not None:
        share = share / 100 if share > 1 else share
        if not 0 <= share <= 1:
            problems.append("the poverty share is between 0 and 1 (or 0 and 100 %)")
        else:
            attributes["poverty_share"] = round(share, 4)
    if values.get("state_id"):
        attributes["state_id"] = values["state_id"][:60]
    return attributes


def _district_usable(network: Network, district: Organization) -> bool:
    """A district already in Melior comes into this network only if it is in it already, or
    in no network at all: into a further network only its own data steward brings it
    (docs/privacy.md)."""
    if district_is_member(network, district):
        return True
    return not NetworkSite.objects.filter(
        Q(organization=district) | Q(organization__parent=district)
    ).exists()


def _id_problems(line: int, values: dict, seen: dict) -> list[str]:
    """What is wrong with a row's name and ids, alone and against the rows before it."""
    problems: list[str] = []
    nces_id, leaid, name = (values.get(k, "") for k in ("nces_id", "leaid", "name"))
    if not name:
        problems.append("SCH_NAME is empty")
    if not (leaid.isdigit() and len(leaid) == 7):
        problems.append(f"LEAID “{leaid}” is not a 7-digit NCES district id")
    if not (nces_id.isdigit() and len(nces_id) == 12):
        problems.append(f"NCESSCH “{nces_id}” is not a 12-digit NCES school id")
    elif leaid and not nces_id.startswith(leaid):
        problems.append(f"NCESSCH {nces_id} does not begin with its district's LEAID {leaid}")
    if nces_id in seen:
        problems.append(f"NCESSCH {nces_id} is also on row {seen[nces_id]} (a duplicate school id)")
    seen.setdefault(nces_id, line)
    return problems


def _check_row(network, line, values, seen, existing, districts, plan) -> None:
    nces_id, leaid, name = (values.get(k, "") for k in ("nces_id", "leaid", "name"))
    label = f"Row {line}" + (f" (NCESSCH {nces_id})" if nces_id else "")
    problems = _id_problems(line, values, seen)
    attributes = _attributes(values, problems)
    district = districts.get(leaid)
    if district is None and leaid and not values.get("district_name"):
        problems.append(f"unknown district: no district with LEAID {leaid}; add LEA_NAME")
    if district is not None and not _district_usable(network, district):
        problems.append(
            f"the district {district} (LEAID {leaid}) is part of another network; only its "
            "own data steward can bring it into this one"
        )
    school = existing.get(nces_id)
    if school is not None and district is not None and school.parent_id != district.pk:
        problems.append(f"NCESSCH {nces_id} is {school}, a school of another district")
    if problems:
        plan.errors.append(f"{label}: " + "; ".join(problems) + ".")
        return
    if district is None:
        plan.new_districts.setdefault(leaid, values["district_name"])
    plan.rows.append(SchoolRow(line, nces_id, name, leaid, values.get("district_name", ""),
                               attributes, school, district))  # fmt: skip


def check(network: Network, rows: list[dict[str, str]]) -> Plan:
    """Every row checked against the others and the database: a plan, and every bad row."""
    ids = {r.get("nces_id", "") for r in rows} - {""}
    leaids = {r.get("leaid", "") for r in rows} - {""}
    existing = {o.nces_id: o for o in Organization.objects.filter(kind="school", nces_id__in=ids)}
    districts = {
        o.nces_id: o for o in Organization.objects.filter(kind="district", nces_id__in=leaids)
    }
    plan, seen = Plan(), {}
    for line, values in enumerate(rows, start=2):  # the header is line 1
        _check_row(network, line, values, seen, existing, districts, plan)
    return plan


def plan_import(network: Network, text: str) -> Plan:
    """read → map → check: what an import would do (the dry run), or every reason it cannot."""
    return check(network, map_rows(read(text)))


@transaction.atomic
def write(network: Network, plan: Plan) -> Plan:
    """Carry out a plan with no errors: new districts, new schools (in the network), updated
    attributes of schools already known. All or nothing."""
    if plan.errors:
        raise ValidationError(plan.errors)
    created = {
        leaid: create_organization(name=name, kind="district", nces_id=leaid)
        for leaid, name in plan.new_districts.items()
    }
    for row in plan.rows:
        district = row.district or created[row.leaid]
        school = row.school
        if school is None:
            school = create_organization(
                name=row.name, kind="school", parent=district, nces_id=row.nces_id,
                **row.attributes,
            )  # fmt: skip
        else:
            school.name = row.name
            for key, value in row.attributes.items():
                setattr(school, key, value)
            school.full_clean()
            school.save()
        add_site(network=network, organization=school)
    return plan


def import_schools(*, network: Network, text: str, dry_run: bool = False) -> Plan:
    """The whole import; a plan with errors writes nothing (ValidationError naming each row)."""
    plan = plan_import(network, text)
    if plan.errors:
        raise ValidationError(plan.errors)
    return plan if dry_run else write(network, plan)


SCHOOL_FIELDS = ("name", "nces_id", "state_id", "level", "locale", "enrolment", "poverty_share")


@transaction.atomic
def add_school(
    *,
    network: Network,
    district: Organization | None = None,
    new_district: str = "",
    new_district_leaid: str = "",
    **fields,
) -> Organization:
    """A school in the network: under one of its districts, a new district, or none."""  # fmt: skip
    if district is not None and new_district:
        raise ValidationError({"new_district": "Choose a district or name a new one, not both."})
    if new_district or new_district_leaid:
        if not new_district:
            raise ValidationError({"new_district": "Name the new district."})
        try:
            district = create_organization(
                name=new_district, kind="district", nces_id=new_district_leaid.strip()
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "nces_id" in error.error_dict:
                raise ValidationError(
                    {"new_district_leaid": error.error_dict["nces_id"][0].messages}
                ) from None
            raise
    _check_unique_ids(fields)
    school = create_organization(kind="school", parent=district, **_only(fields))
    add_site(network=network, organization=school)
    return school


def _only(fields: dict) -> dict:
    unknown = set(fields) - set(SCHOOL_FIELDS)
    if unknown:
        raise ValueError(f"Not school fields: {', '.join(sorted(unknown))}")
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}


def _check_unique_ids(fields: dict, school: Organization | None = None) -> None:
    for name, label in (("nces_id", "NCES id"), ("state_id", "state id")):
        value = (fields.get(name) or "").strip()
        clash = Organization.objects.filter(**{name: value}).exclude(pk=getattr(school, "pk", None))
        if value and clash.exists():
            raise ValidationError({name: f"Another school or district has the {label} {value}."})


@transaction.atomic
def update_school(*, school: Organization, **fields) -> Organization:
    _check_unique_ids(fields, school)
    for key, value in _only(fields).items():
        setattr(school, key, value)
    school.full_clean()
    school.save()
    return school
