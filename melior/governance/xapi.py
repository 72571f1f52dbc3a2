"""An xAPI statement endpoint for EdTech usage (xAPI 1.0.3 and 2.0): `POST /xapi/statements`
with one statement or an array, authenticated by a source's key. Each statement needs an actor
identified by an account (the district's student id as its name — never an email), a verb and
an object with IRIs, and may carry a timestamp and a result duration. A batch is checked whole
and refused whole with the position and reason of each problem. Accepted statements become
per-student, per-day usage (minutes and sessions) of the source's product, for the students
counted under the source's purpose (consent); the raw statements are not kept, only their ids,
so a resent statement is not counted twice."""

import datetime
import hashlib
import re
import secrets
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Enrollment, Student, UsageRecord, XapiSource, XapiStatement
from .selectors import counted_students, district_is_member
from .services import pseudonym

KEY_PREFIX = "mlx_"
VERSIONS = ("1.0.", "2.0.")
SESSION_VERBS = {"launched", "initialized"}
COMPLETION_VERBS = {"completed", "passed", "mastered"}
IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_source(*, network, name, product, district, purpose) -> tuple[XapiSource, str]:
    """A new source and its key (shown only now)."""
    if not district_is_member(network, district):
        raise ValidationError({"district": "Choose a district (or school) of this network."})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    source = XapiSource.objects.create(
        network=network,
        name=name.strip(),
        product=product.strip(),
        district=district,
        purpose=purpose,
        prefix=key[:12],
        key_hash=_hash(key),
    )
    return source, key


def source_for_key(key: str) -> XapiSource | None:
    if not key or not key.startswith(KEY_PREFIX):
        return None
    return (
        XapiSource.objects.select_related("purpose", "district")
        .filter(key_hash=_hash(key), revoked_at=None)
        .first()
    )


def minutes(duration: str) -> float:
    match = DURATION.match(duration or "")
    if not match or duration in {"P", "PT"}:
        raise ValueError(f"“{duration}” is not an ISO 8601 duration (e.g. PT15M)")
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    return parts["d"] * 1440 + parts["h"] * 60 + parts["m"] + parts["s"] / 60


def _check(statement) -> tuple[str, str, datetime.date, float, str, bool]:
    """(student id, verb name, day, minutes, statement id, completed) of one statement, or
    ValueError. A statement completes an activity by its verb or by `result.completion`."""
    if not isinstance(statement, dict):
        raise ValueError("a statement is a JSON object")
    account = _account(statement.get("actor"))
    verb = statement.get("verb")
    if not isinstance(verb, dict) or not IRI.match(str(verb.get("id", ""))):
        raise ValueError("verb.id must be an IRI")
    obj = statement.get("object")
    if not isinstance(obj, dict) or not IRI.match(str(obj.get("id", ""))):
        raise ValueError("object.id must be an IRI")
    statement_id = statement.get("id") or str(uuid.uuid4())
    try:
        statement_id = str(uuid.UUID(str(statement_id)))
    except ValueError:
        raise ValueError("id must be a UUID") from None
    when = _timestamp(statement.get("timestamp"))
    result = statement.get("result")
    result = result if isinstance(result, dict) else {}
    spent = minutes(result["duration"]) if result.get("duration") else 0.0
    verb_name = str(verb["id"]).rstrip("/").rsplit("/", 1)[-1]
    completed = verb_name in COMPLETION_VERBS or result.get("completion") is True
    return str(account["name"]).strip(), verb_name, when.date(), spent, statement_id, completed


def _account(actor) -> dict:
    """The actor's account {homePage, name}: students are named by their district's id, never
    by an email address."""
    if not isinstance(actor, dict):
        raise ValueError("actor is required")
    if actor.get("objectType", "Agent") != "Agent":
        raise ValueError("only Agent actors are accepted")
    if "mbox" in actor or "mbox_sha1sum" in actor:
        raise ValueError("identify the actor by account {homePage, name}, not by email")
    account = actor.get("account")
    if not isinstance(account, dict) or not account.get("name") or not account.get("homePage"):
        raise ValueError("actor.account needs homePage and name")
    return account


def _timestamp(value) -> datetime.datetime:
    """When the statement happened (now if it does not say), in UTC when it gives no zone."""
    if value is None:
        return timezone.now()
    when = parse_datetime(str(value))
    if when is None:
        raise ValueError("timestamp must be ISO 8601")
    return timezone.make_aware(when, datetime.UTC) if timezone.is_naive(when) else when


def ingest(*, source: XapiSource, payload) -> dict:
    """Check a statement or an array of them and record the usage; raises ValidationError with
    every problem. Returns the statement ids and how many were counted, ignored (no consent for
    the purpose) or already received."""
    statements = payload if isinstance(payload, list) else [payload]
    if not statements:
        raise ValidationError("Send at least one statement.")
    checked, problems = [], []
    for position, statement in enumerate(statements):
        try:
            checked.append(_check(statement))
        except ValueError as error:
            problems.append(f"Statement {position}: {error}.")
    if problems:
        raise ValidationError(problems[:200])
    keys = {sid: pseudonym(source.district, sid) for sid in {c[0] for c in checked}}
    # students of the roster of the source's network: a district's students at schools of
    # other networks are not this source's to report on
    known = dict(
        Student.objects.filter(
            key__in=set(keys.values()), enrollments__site__networks=source.network_id
        )
        .distinct()
        .values_list("key", "pk")
    )
    unknown = sorted(sid for sid, key in keys.items() if key not in known)
    if unknown:
        raise ValidationError(
            [
                f"No student with id “{sid}” in {source.district.name}'s roster."
                for sid in unknown[:50]
            ]
        )
    allowed = set(
        Student.objects.filter(pk__in=set(known.values()))
        .filter(counted_students(source.purpose))
        .values_list("pk", flat=True)
    )
    ids = [c[4] for c in checked]
    with transaction.atomic():
        seen = set(
            str(i) for i in XapiStatement.objects.filter(id__in=ids).values_list("id", flat=True)
        )
        fresh = [c for c in checked if c[4] not in seen]
        XapiStatement.objects.bulk_create(
            [XapiStatement(id=c[4], source=source) for c in fresh], ignore_conflicts=True
        )
        usage = defaultdict(lambda: [0.0, 0, 0])
        ignored = 0
        for sid, verb, day, spent, _, completed in fresh:
            student = known[keys[sid]]
            if student not in allowed:
                ignored += 1
                continue
            cell = usage[(student, day)]
            cell[0] += spent
            cell[1] += verb in SESSION_VERBS
            cell[2] += completed
        _add_usage(source, usage)
    return {
        "ids": ids,
        "counted": len(fresh) - ignored,
        "ignored_without_consent": ignored,
        "already_received": len(checked) - len(fresh),
    }


def _add_usage(source, usage) -> None:
    if not usage:
        return
    students = {s for s, _ in usage}
    days = {d for _, d in usage}
    existing = {
        (r.student_id, r.date): r
        for r in UsageRecord.objects.filter(
            purpose=source.purpose, product=source.product, student_id__in=students, date__in=days
        )
    }
    sites = dict(  # each student's latest school in the source's network
        Enrollment.objects.filter(student_id__in=students, site__networks=source.network_id)
        .order_by("student_id", "school_year")
        .values_list("student_id", "site_id")
    )
    new, changed = [], []
    for (student, day), (spent, sessions, completions) in usage.items():
        record = existing.get((student, day))
        if record is None:
            new.append(
                UsageRecord(
                    student_id=student,
                    site_id=sites[student],
                    purpose=source.purpose,
                    product=source.product,
                    date=day,
                    minutes=round(spent),
                    sessions=sessions,
                    completions=completions,
                )
            )
        else:
            record.minutes += round(spent)
            record.sessions += sessions
            record.completions += completions
            changed.append(record)
    UsageRecord.objects.bulk_create(new, batch_size=5000)
    UsageRecord.objects.bulk_update(
        changed, ["minutes", "sessions", "completions"], batch_size=5000
    )
