"""xAPI batch ingest: statements per second through POST /xapi/statements.

    python bench/xapi_bench.py [--statements 50000] [--batch 500] [--database-url URL]

Creates 10,000 rostered students with consent for an opt-in pilot and an xAPI source, then posts
--statements statements in batches of --batch through the Django test client (the whole view:
authentication, validation, hashing, consent, idempotence, usage upsert) and prints the rate.
A second pass resends the same statements (all already received). Asserts nothing.
"""

import argparse
import datetime
import json
import os
import tempfile
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    os.environ["MELIOR_VAR_DIR"] = tempfile.mkdtemp(prefix="melior-bench-")
    if args.database_url:
        os.environ["MELIOR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("MELIOR_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from melior.governance import services
    from melior.governance.models import Consent, Enrollment, Student
    from melior.governance.xapi import create_source
    from melior.networks.services import add_site, create_network, create_organization

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    district = create_organization(name="Bench District", kind="district")
    school = create_organization(name="Bench High", parent=district)
    network = create_network(name="Bench Network")
    add_site(network=network, organization=school)
    pilot = services.add_purpose(network=network, name="Pilot", opt_in=True)
    n = 10_000
    Student.objects.bulk_create(
        [Student(key=services.pseudonym(district, f"S{i}"), district=district) for i in range(n)],
        batch_size=5000,
    )
    students = list(Student.objects.all())
    Enrollment.objects.bulk_create(
        [Enrollment(student=s, site=school, grade_level="09", school_year=2025) for s in students]
    )
    Consent.objects.bulk_create(
        [
            Consent(
                student=s,
                purpose=pilot,
                status="granted",
                given_by="guardian",
                date=datetime.date(2025, 9, 1),
                source="Form",
            )
            for s in students
        ]
    )
    _, key = create_source(
        network=network, name="App", product="App", district=district, purpose=pilot
    )
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}
    batches = []
    for b in range(args.statements // args.batch):
        batches.append(
            json.dumps(
                [
                    {
                        "id": str(uuid.uuid4()),
                        "actor": {
                            "account": {
                                "homePage": "https://app.example",
                                "name": f"S{(b * args.batch + i) % n}",
                            }
                        },
                        "verb": {"id": "http://adlnet.gov/expapi/verbs/launched"},
                        "object": {"id": "https://app.example/lesson"},
                        "timestamp": f"2025-10-{1 + (b + i) % 28:02d}T09:00:00Z",
                        "result": {"duration": "PT12M"},
                    }
                    for i in range(args.batch)
                ]
            )
        )
    print(
        f"xAPI bench — {connection.vendor}, {len(batches) * args.batch:,} statements in "
        f"batches of {args.batch}"
    )
    for label in ("first time", "resent (already received)"):
        started = time.perf_counter()
        for body in batches:
            response = client.post(
                "/xapi/statements", body, content_type="application/json", **headers
            )
            assert response.status_code == 200, response.content[:300]
        elapsed = time.perf_counter() - started
        print(
            f"  {label:28s} {elapsed:6.1f} s, {len(batches) * args.batch / elapsed:8,.0f} "
            "statements/s"
        )


if __name__ == "__main__":
    main()
