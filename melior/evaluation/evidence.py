"""Qualitative evidence beside a pilot's numbers: the team's codes, teacher observations and
interview or survey responses (one at a time or by file), coding them and choosing quotes.
Every change here is a service: validated, inside a transaction, saving nothing on a refusal."""

import csv
import datetime
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from melior import files

from .models import Evidence, EvidenceCode, Pilot

EVIDENCE_COLUMNS = ("respondent", "date", "text")
OPTIONAL_COLUMNS = ("kind", "school", "arm", "codes")
CODE_SEPARATOR = ";"


@transaction.atomic
def add_code(*, pilot: Pilot, name: str, description: str = "") -> EvidenceCode:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the code a name."})
    if pilot.codes.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"This pilot has a code called “{name}” already."})
    return pilot.codes.create(name=name, description=description.strip())


@transaction.atomic
def remove_code(*, code: EvidenceCode) -> None:
    """A code goes from every piece of evidence it was on; the evidence stays."""
    code.delete()


def school_arms(pilot: Pilot) -> dict[int, str]:
    """school → arm, for a pilot that assigned whole schools (a class pilot has both arms in a
    school, so its evidence names its arm itself)."""
    if pilot.unit != Pilot.Unit.SCHOOL:
        return {}
    return {
        site: Evidence.Arm.TOOL if arm else Evidence.Arm.COMPARISON
        for site, arm in pilot.assignments.values_list("site_id", "arm").distinct()
    }


def _checked(fields: dict, arms: dict[int, str]) -> dict[str, str]:
    """The problems with one piece of evidence, by field; fills in the arm of an assigned
    school when it is not given."""
    problems = {}
    if fields.get("respondent") not in Evidence.Respondent.values:
        problems["respondent"] = "Say who it is from: " + ", ".join(Evidence.Respondent.values)
    if fields.get("kind", Evidence.Kind.NOTE) not in Evidence.Kind.values:
        problems["kind"] = "Say what it is: " + ", ".join(Evidence.Kind.values)
    if not (fields.get("text") or "").strip():
        problems["text"] = "The evidence has no text."
    collected = fields.get("collected_on")
    if collected is None:
        problems["collected_on"] = "Give the date it was collected (YYYY-MM-DD)."
    elif collected > datetime.date.today():
        problems["collected_on"] = f"{collected:%Y-%m-%d} is in the future."
    site = fields.get("site")
    arm = fields.get("arm") or ""
    if arm and arm not in Evidence.Arm.values:
        problems["arm"] = "The arm is tool or comparison (or blank)."
    elif site is not None and site.pk in arms:
        if arm and arm != arms[site.pk]:
            problems["arm"] = f"{site.name} was assigned to the {arms[site.pk]} arm, not {arm}."
        fields["arm"] = arms[site.pk]
    return problems


@transaction.atomic
def add_evidence(*, pilot: Pilot, user, codes=(), **fields) -> Evidence:
    """One piece of evidence typed in: respondent, collected_on, text; optionally kind, site
    (one of the pilot's schools), arm and codes of this pilot."""
    if fields.get("site") is not None and not pilot.sites.filter(pk=fields["site"].pk).exists():
        raise ValidationError({"site": "Choose one of the pilot's schools."})
    if any(code.pilot_id != pilot.pk for code in codes):
        raise ValidationError({"codes": "Choose codes of this pilot."})
    problems = _checked(fields, school_arms(pilot))
    if problems:
        raise ValidationError(problems)
    evidence = Evidence.objects.create(pilot=pilot, added_by=user, **fields)
    evidence.codes.set(codes)
    return evidence


@transaction.atomic
def code_evidence(*, evidence: Evidence, codes, quoted: bool) -> Evidence:
    """The codes the team reads in this piece, and whether the report quotes it."""
    if any(code.pilot_id != evidence.pilot_id for code in codes):
        raise ValidationError({"codes": "Choose codes of this pilot."})
    evidence.codes.set(codes)
    evidence.quoted = quoted
    evidence.save(update_fields=["quoted"])
    return evidence


@transaction.atomic
def remove_evidence(*, evidence: Evidence) -> None:
    evidence.delete()


def _table(data: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts keyed by lower-case column name; refuses a file outside the
    import limits, an empty one, or one missing a required column."""
    try:
        text = files.decode_text(data)
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t") if text else None
    except files.FileRefused as refused:
        raise ValidationError(str(refused)) from None
    except csv.Error:
        dialect = csv.excel
    if not text.strip():
        raise ValidationError("The file is empty.")
    try:
        files.check_table(text, dialect)
    except (files.FileRefused, csv.Error) as refused:
        raise ValidationError(str(refused)) from None
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {(h or "").strip().lower() for h in reader.fieldnames or []}
    missing = [c for c in EVIDENCE_COLUMNS if c not in header]
    if missing:
        raise ValidationError(
            f"Missing column(s): {', '.join(missing)}. Expected respondent, date and text, "
            f"and optionally {', '.join(OPTIONAL_COLUMNS)}."
        )
    return [
        {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader
    ]


class _Reference:
    """The pilot's schools (by name or short name, any case) and codes (by name, any case)."""

    def __init__(self, pilot: Pilot):
        self.schools = {}
        for site in pilot.sites.all():
            self.schools[site.name.lower()] = site
            self.schools[site.slug.lower()] = site
        self.codes = {code.name.lower(): code for code in pilot.codes.all()}
        self.arms = school_arms(pilot)

    def row(self, raw: dict[str, str]) -> tuple[dict, list, list[str]]:
        """(fields, codes, problems as "column: why") for one row of the file."""
        problems = []
        fields = {
            "respondent": raw.get("respondent", "").lower(),
            "kind": (raw.get("kind") or Evidence.Kind.NOTE).lower(),
            "text": raw.get("text", ""),
            "arm": raw.get("arm", "").lower(),
            "site": None,
            "collected_on": None,
        }
        try:
            fields["collected_on"] = datetime.date.fromisoformat(raw.get("date", ""))
        except ValueError:
            problems.append(f"date: “{raw.get('date', '')}” is not a date (YYYY-MM-DD)")
        if raw.get("school"):
            fields["site"] = self.schools.get(raw["school"].lower())
            if fields["site"] is None:
                problems.append(f"school: “{raw['school']}” is not one of the pilot's schools")
        names = [n.strip() for n in raw.get("codes", "").split(CODE_SEPARATOR) if n.strip()]
        unknown = [n for n in names if n.lower() not in self.codes]
        if unknown:
            problems.append(
                "codes: no code called "
                + ", ".join(f"“{n}”" for n in unknown)
                + " (add it on the evidence page first)"
            )
        codes = [self.codes[n.lower()] for n in names if n.lower() in self.codes]
        checked = _checked_row(fields, self.arms)
        return fields, codes, problems + checked


def _checked_row(fields: dict, arms: dict[int, str]) -> list[str]:
    names = {"collected_on": "date", "site": "school"}
    date_given = fields["collected_on"] is not None
    return [
        f"{names.get(field, field)}: {why}"
        for field, why in _checked(fields, arms).items()
        if field != "collected_on" or date_given
    ]


@transaction.atomic
def import_evidence(*, pilot: Pilot, data: bytes, source: str, user) -> int:
    """A CSV of evidence (respondent, date, text; optionally kind, school, arm and codes
    separated by “;”). Every bad row is named with its column and the value as given; nothing
    is saved unless every row is good. Returns the number of pieces added."""
    reference = _Reference(pilot)
    rows, problems = [], []
    for number, raw in enumerate(_table(data), start=2):
        fields, codes, row_problems = reference.row(raw)
        problems += [f"Row {number}, {problem.rstrip('.')}." for problem in row_problems]
        rows.append((fields, codes))
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError("The file has a header but no rows.")
    source = source.strip()[:120]
    created = Evidence.objects.bulk_create(
        Evidence(pilot=pilot, added_by=user, source=source, **fields) for fields, _ in rows
    )
    links = [
        Evidence.codes.through(evidence_id=evidence.pk, evidencecode_id=code.pk)
        for evidence, (_, codes) in zip(created, rows, strict=True)
        for code in codes
    ]
    Evidence.codes.through.objects.bulk_create(links)
    return len(created)
