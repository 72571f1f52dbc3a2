"""xAPI statements in, usage out: validation, keys, consent, idempotence, weekly measures."""

import base64
import datetime
import json
import uuid

import pytest

from melior.governance import services
from melior.governance.models import Enrollment, UsageRecord
from melior.governance.usage import usage_to_measure
from melior.governance.xapi import create_source, minutes
from melior.measures.models import Observation
from melior.measures.services import create_measure

URL = "/xapi/statements"


def enrol(world, pilot, student_id, *, consents=True):
    """A student at Lincoln High in 2025–26, with their guardian's consent to the pilot."""
    student = services.register_student(district=world.district, student_id=student_id)
    Enrollment.objects.create(
        student=student, site=world.school, grade_level="09", school_year=2025
    )
    if consents:
        services.record_consent(
            student=student,
            purpose=pilot,
            status="granted",
            given_by="guardian",
            date=datetime.date(2025, 9, 1),
            source="Paper form",
        )
    return student


@pytest.fixture
def source(world):
    pilot = services.add_purpose(network=world.network, name="App pilot", opt_in=True)
    for i in range(3):  # the third student's family did not consent
        enrol(world, pilot, f"LHS-{i}", consents=i < 2)
    src, key = create_source(
        network=world.network,
        name="Math app",
        product="Math app",
        district=world.district,
        purpose=pilot,
    )
    return src, key, pilot


def statement(
    student="LHS-0", verb="launched", when="2025-10-06T09:00:00Z", duration="PT20M", **extra
):
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://app.example", "name": student}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
        "object": {"id": "https://app.example/lessons/1"},
        "timestamp": when,
        "result": {"duration": duration},
        **extra,
    }


def post(client, body, key, version="1.0.3", basic=False):
    auth = f"Basic {base64.b64encode(f'{key}:'.encode()).decode()}" if basic else f"Bearer {key}"
    return client.post(
        URL,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
        HTTP_X_EXPERIENCE_API_VERSION=version,
    )


def test_durations():
    assert minutes("PT20M") == 20 and minutes("PT1H30M") == 90 and minutes("PT90S") == 1.5
    assert minutes("P1DT1M") == 1441
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        minutes("20 minutes")


def test_statements_become_usage_of_consenting_students_once(client, world, source):
    _, key, _ = source
    batch = [
        statement("LHS-0"),
        statement("LHS-0", verb="completed", duration="PT10M"),
        statement("LHS-1", duration="PT5M"),
        statement("LHS-2"),
    ]
    response = post(client, batch, key, basic=True)
    assert response.status_code == 200 and response.json() == [s["id"] for s in batch]
    assert response["X-Melior-Counted"] == "3"
    assert response["X-Melior-Ignored-Without-Consent"] == "1"  # LHS-2: no consent
    records = {r.student_id: r for r in UsageRecord.objects.all()}
    first = services.pseudonym(world.district, "LHS-0")
    row = next(r for r in records.values() if r.student.key == first)
    assert (row.minutes, row.sessions, row.date) == (30, 1, datetime.date(2025, 10, 6))
    again = post(client, batch, key, version="2.0.0")  # resent: nothing counted twice
    assert (
        again["X-Melior-Already-Received"] == "4" and again["X-Experience-API-Version"] == "2.0.0"
    )
    row.refresh_from_db()
    assert row.minutes == 30 and UsageRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([statement(actor={"mbox": "mailto:ana@example.org"})], "not by email"),
        ([{**statement(), "verb": {"id": "launched"}}], "verb.id must be an IRI"),
        ([statement(object={"id": "lesson one"})], "object.id must be an IRI"),
        ([statement(timestamp="yesterday")], "timestamp must be ISO 8601"),
        ([statement(duration="20 minutes")], "ISO 8601 duration"),
        ([statement(id="not-a-uuid")], "id must be a UUID"),
        ([statement("LHS-9")], "No student with id “LHS-9”"),
        ([], "at least one statement"),
    ],
)
def test_bad_statements_are_refused_whole(client, source, body, message):
    _, key, _ = source
    good = statement()
    response = post(client, [good, *body] if body else body, key)
    assert response.status_code == 400 and message in response.text
    assert not UsageRecord.objects.exists()


def test_keys_and_version_header(client, source):
    src, key, _ = source
    assert post(client, [statement()], "mlx_wrong").status_code == 401
    assert post(client, [statement()], key, version="").status_code == 400
    src.revoked_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    src.save()
    assert post(client, [statement()], key).status_code == 401


def test_usage_becomes_a_weekly_process_measure(client, world, source):
    _, key, pilot = source
    # eight more consenting students, so that the school has ten: a week's figure rests on at
    # least the minimum cell size
    for i in range(10, 18):
        enrol(world, pilot, f"LHS-{i}")
    post(
        client,
        [
            statement("LHS-0", duration="PT30M"),
            statement("LHS-1", duration="PT10M"),
            *[statement(f"LHS-{i}") for i in range(10, 18)],
            statement("LHS-0", when="2025-10-14T10:00:00Z"),
        ],
        key,
    )
    active = create_measure(
        network=world.network,
        name="Students using the app",
        slug="app-use",
        kind="process",
        value_type="proportion",
        frequency="weekly",
    )
    minutes_measure = create_measure(
        network=world.network,
        name="App minutes",
        slug="app-min",
        kind="process",
        value_type="continuous",
        frequency="weekly",
    )
    # the week of 13 October, with one student active, is too small to write
    assert (
        usage_to_measure(network=world.network, product="Math app", purpose=pilot, measure=active)
        == 1
    )
    week = Observation.objects.get(measure=active, period_start=datetime.date(2025, 10, 6))
    # all ten consenting students used it; LHS-2 (no consent) is not counted either way
    assert (week.numerator, week.denominator) == (10, 10)
    usage_to_measure(
        network=world.network, product="Math app", purpose=pilot, measure=minutes_measure
    )
    assert (
        Observation.objects.get(
            measure=minutes_measure, period_start=datetime.date(2025, 10, 6)
        ).value
        == 20.0  # (30 + 10 + 8 × 20) / 10
    )
    assert (
        usage_to_measure(network=world.network, product="Math app", purpose=pilot, measure=active)
        == 0
    )  # nothing changed


def test_completions_are_counted_by_verb_or_result(client, world, source):
    _, key, _ = source
    finished = statement("LHS-0", verb="completed", duration="PT5M")
    by_result = statement("LHS-0", verb="answered", duration="PT1M")
    by_result["result"]["completion"] = True
    assert post(client, [finished, by_result, statement("LHS-0")], key).status_code == 200
    record = UsageRecord.objects.get()
    assert (record.minutes, record.sessions, record.completions) == (26, 1, 2)
