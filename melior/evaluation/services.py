"""Changing pilots: plan, register (lock with a time and a content hash), amend, assign by lot
from the roster, record the decision — each inside a transaction."""

import hashlib
import json
import secrets

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from melior.analysis import evaluation as ev
from melior.governance.models import SUBGROUPS, Section

from .models import Amendment, Assignment, Pilot, PilotOutcome
from .selectors import enrolled, grade_levels

PLAN_FIELDS = [
    "title",
    "tool",
    "question",
    "hypotheses",
    "design",
    "unit",
    "classes",
    "share",
    "school_year",
    "grades",
    "starts",
    "ends",
    "purpose",
    "baseline",
    "subgroups",
    "attrition_boundary",
    "certainty",
    "analysis_plan",
]


def _check(pilot: Pilot) -> None:
    errors = {}
    if pilot.ends <= pilot.starts:
        errors["ends"] = "The pilot must end after it starts."
    if not 0.05 <= pilot.share <= 0.95:
        errors["share"] = "Assign between 5% and 95% of units to the tool."
    if not 0.5 <= pilot.certainty < 1:
        errors["certainty"] = "Give a certainty between 50% and 99%."
    unknown = [s for s in pilot.subgroups if s not in SUBGROUPS]
    if unknown:
        errors["subgroups"] = f"Unknown subgroup(s): {', '.join(unknown)}."
    if pilot.purpose.network_id != pilot.network_id:
        errors["purpose"] = "Choose a purpose of this network."
    by_class = pilot.design == Pilot.Design.RANDOMIZED and pilot.unit == Pilot.Unit.CLASS
    if by_class and not pilot.classes.strip():
        errors["classes"] = "Say which classes are in the pilot (e.g. Algebra I)."
    if errors:
        raise ValidationError(errors)


def _text(pilot: Pilot, field: str) -> str:
    value = getattr(pilot, field)
    if field == "purpose":
        return pilot.purpose.name
    if field == "subgroups":
        return ", ".join(SUBGROUPS.get(s, s) for s in value)
    return str(value)


@transaction.atomic
def create_pilot(*, network, user, sites, **fields) -> Pilot:
    pilot = Pilot(network=network, created_by=user, **fields)
    pilot.full_clean(exclude=["network"])
    _check(pilot)
    pilot.save()
    _set_sites(pilot, sites)
    return pilot


def _set_sites(pilot, sites) -> None:
    sites = list(sites)
    allowed = set(pilot.network.sites.values_list("pk", flat=True))
    if not sites or any(s.pk not in allowed for s in sites):
        raise ValidationError({"sites": "Choose the schools of this network in the pilot."})
    pilot.sites.set(sites)


@transaction.atomic
def update_plan(*, pilot: Pilot, user, reason: str = "", sites=None, **fields) -> Pilot:
    """Change the plan; once registered, every change is an amendment with its reason."""
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    before = {f: _text(pilot, f) for f in fields}
    old_sites = sorted(pilot.sites.values_list("name", flat=True))
    for field, value in fields.items():
        if field not in PLAN_FIELDS:
            raise ValidationError(f"“{field}” is not part of the plan.")
        setattr(pilot, field, value)
    pilot.full_clean(exclude=["network"])
    _check(pilot)
    changed = {f: (before[f], _text(pilot, f)) for f in fields if before[f] != _text(pilot, f)}
    if sites is not None:
        new_sites = sorted(s.name for s in sites)
        if new_sites != old_sites:
            if pilot.assigned_at:
                raise ValidationError({"sites": "Schools cannot change after assignment."})
            changed["schools"] = (", ".join(old_sites), ", ".join(new_sites))
    if pilot.registered and changed:
        if not reason.strip():
            raise ValidationError(
                {"reason": "The plan is registered: say why it changes (kept as an amendment)."}
            )
        locked = {"design", "unit", "classes", "share"} & set(changed)
        if pilot.assigned_at and locked:
            raise ValidationError(
                f"{', '.join(sorted(locked))} cannot change after assignment: start a new pilot."
            )
        for what, (old, new) in changed.items():
            Amendment.objects.create(
                pilot=pilot, by=user, what=what, before=old, after=new, reason=reason.strip()
            )
    pilot.save()
    if sites is not None:
        _set_sites(pilot, sites)
    return pilot


@transaction.atomic
def add_outcome(
    *, pilot: Pilot, user, name: str, role: str, direction: str, meaningful_effect, reason=""
) -> PilotOutcome:
    """An outcome; added after registration it is exploratory and recorded as an amendment."""
    outcome = PilotOutcome(
        pilot=pilot,
        name=(name or "").strip(),
        role=role,
        direction=direction,
        meaningful_effect=meaningful_effect,
        pre_registered=not pilot.registered,
    )
    outcome.full_clean(exclude=["pilot"])
    if not outcome.meaningful_effect > 0:
        raise ValidationError({"meaningful_effect": "Give a positive size on the outcome's scale."})
    if pilot.outcomes.filter(name=outcome.name).exists():
        raise ValidationError({"name": f"{outcome.name} is already an outcome of this pilot."})
    if pilot.registered:
        if not (reason or "").strip():
            raise ValidationError(
                {"reason": "The plan is registered: say why this outcome is added."}
            )
        Amendment.objects.create(
            pilot=pilot,
            by=user,
            what="outcome added (exploratory)",
            after=f"{outcome.name} ({outcome.get_role_display().lower()})",
            reason=reason.strip(),
        )
    outcome.save()
    return outcome


@transaction.atomic
def remove_outcome(*, outcome: PilotOutcome) -> None:
    if outcome.pilot.registered:
        raise ValidationError("The plan is registered: outcomes stay (add an amendment instead).")
    outcome.delete()


def plan_document(pilot: Pilot) -> dict:
    """The registered content, in a fixed order: what the hash is of."""
    return {
        **{f: _text(pilot, f) for f in PLAN_FIELDS},
        "schools": sorted(pilot.sites.values_list("name", flat=True)),
        "outcomes": [
            {
                "name": o.name,
                "role": o.role,
                "direction": o.direction,
                "meaningful_effect": o.meaningful_effect,
            }
            for o in pilot.outcomes.filter(pre_registered=True).order_by("name")
        ],
    }


def plan_hash(pilot: Pilot, document: dict | None = None) -> str:
    """SHA-256 of the plan as canonical JSON (sorted keys, UTF-8)."""
    document = plan_document(pilot) if document is None else document
    text = json.dumps(document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def register(*, pilot: Pilot, user) -> Pilot:
    """Lock the plan before outcomes are seen: stamp the time and the plan's SHA-256."""
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if pilot.registered:
        raise ValidationError("This plan is already registered.")
    if not pilot.outcomes.filter(role=PilotOutcome.Role.PRIMARY).exists():
        raise ValidationError("Name at least one primary outcome before registering.")
    if not pilot.sites.exists():
        raise ValidationError("Choose the schools in the pilot before registering.")
    pilot.registered_at = timezone.now()
    pilot.registered_plan = plan_document(pilot)
    pilot.registration_hash = plan_hash(pilot, pilot.registered_plan)
    pilot.save(update_fields=["registered_at", "registered_plan", "registration_hash"])
    return pilot


def units_of(pilot: Pilot) -> pd.DataFrame:
    """The pilot's students with the unit each belongs to (school, or class) and its school.
    Units are named by the school's slug (and the class's roster id), so a lot drawn with the
    same seed on the same roster comes out the same on any database."""
    enrolments = pd.DataFrame(
        list(enrolled(pilot).values_list("student_id", "site_id", "site__slug")),
        columns=["student", "site", "slug"],
    )
    if enrolments.empty:
        raise ValidationError(
            f"No students are enrolled at the pilot's schools in {pilot.school_year}–"
            f"{pilot.school_year + 1}"
            + (f" in grade {', '.join(grade_levels(pilot))}" if pilot.grades else "")
            + ": import the roster first."
        )
    if pilot.unit == Pilot.Unit.SCHOOL:
        return enrolments.drop_duplicates("student").assign(section=None, unit=enrolments["slug"])
    sections = Section.objects.filter(
        site__in=pilot.sites.all(),
        school_year=pilot.school_year,
        title__icontains=pilot.classes.strip(),
    )
    members = pd.DataFrame(
        list(
            Section.students.through.objects.filter(section__in=sections).values_list(
                "section_id", "student_id", "section__site_id", "section__sourced_id"
            )
        ),
        columns=["section", "student", "site", "sourced_id"],
    )
    members = members[members["student"].isin(enrolments["student"])]
    if members.empty:
        raise ValidationError(
            f"No class whose title contains “{pilot.classes}” has students at the pilot's schools."
        )
    twice = members["student"].duplicated(keep=False)
    if twice.any():
        raise ValidationError(
            f"{members.loc[twice, 'student'].nunique()} students are in two or more classes "
            f"matching “{pilot.classes}”: name the classes more narrowly."
        )
    slugs = dict(zip(enrolments["site"], enrolments["slug"], strict=True))
    return members.assign(unit=members["site"].map(slugs) + "/" + members["sourced_id"])


@transaction.atomic
def assign(*, pilot: Pilot, user, seed: int | None = None) -> ev.Assignment:
    """Assign the pilot's schools or classes (within each school) to the tool by lot, from the
    roster, with a recorded seed; refused before registration and once done."""
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if pilot.design != Pilot.Design.RANDOMIZED:
        raise ValidationError("A matched comparison is not assigned: users choose the tool.")
    if not pilot.registered:
        raise ValidationError("Register the plan before assigning: the lot comes after the plan.")
    if pilot.assigned_at:
        raise ValidationError("This pilot has been assigned already.")
    students = units_of(pilot)
    pilot.seed = seed if seed is not None else secrets.randbelow(2**31)
    blocks = "site" if pilot.unit == Pilot.Unit.CLASS else None
    try:
        drawn = ev.randomise(
            students, share=pilot.share, seed=pilot.seed, unit="unit", blocks=blocks
        )
    except ValueError as error:
        raise ValidationError(str(error)) from None
    Assignment.objects.bulk_create(
        [
            Assignment(
                pilot=pilot,
                student_id=int(row.student),
                site_id=int(row.site),
                section_id=None if pd.isna(row.section) else int(row.section),
                arm=int(row.assigned),
            )
            for row in drawn.data.itertuples()
        ],
        batch_size=5000,
    )
    pilot.assigned_at = timezone.now()
    pilot.save(update_fields=["seed", "assigned_at"])
    return drawn


@transaction.atomic
def record_decision(*, pilot: Pilot, user, decision: str, decision_rationale: str) -> Pilot:
    if decision not in Pilot.Decision.values:
        raise ValidationError({"decision": "Choose scale, iterate or stop."})
    if not (decision_rationale or "").strip():
        raise ValidationError({"decision_rationale": "Say why: the report keeps your reasons."})
    pilot.decision, pilot.decision_rationale = decision, decision_rationale.strip()
    pilot.decided_by, pilot.decided_at = user, timezone.now()
    pilot.save(update_fields=["decision", "decision_rationale", "decided_by", "decided_at"])
    return pilot
