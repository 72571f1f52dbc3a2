"""How fast does a large observation file import? Prints figures; asserts nothing.

    python bench/import_bench.py [--rows 100000] [--database-url URL]

Creates a network of 200 schools with one weekly proportion measure in a fresh database
(SQLite in a temporary folder by default), writes a CSV of --rows observations, then times a
dry run, the import, and a second import of the same file (which must change nothing). Peak
memory is the process's maximum resident set size.
"""

import argparse
import datetime
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="melior-import-bench-"))
    os.environ["MELIOR_VAR_DIR"] = str(folder)
    if args.database_url:
        os.environ["MELIOR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    from melior.measures.imports import import_observations
    from melior.measures.services import create_measure
    from melior.networks.models import NetworkSite, Organization
    from melior.networks.services import create_network

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    network = create_network(name="Import bench network")
    sites = Organization.objects.bulk_create(
        [Organization(name=f"School {i:03d}", slug=f"school-{i:03d}") for i in range(200)]
    )
    NetworkSite.objects.bulk_create([NetworkSite(network=network, organization=s) for s in sites])
    create_measure(network=network, name="On track", slug="on-track", kind="outcome",
                   value_type="proportion", frequency="weekly")  # fmt: skip

    weeks = -(-args.rows // 200)
    last_monday = datetime.date.today() - datetime.timedelta(
        days=datetime.date.today().weekday() + 7
    )
    rng = np.random.default_rng(1)
    path = folder / "observations.csv"
    with path.open("w") as out:
        out.write("site,measure,period_start,numerator,denominator\n")
        written = 0
        for w in range(weeks):
            monday = last_monday - datetime.timedelta(weeks=w)
            for i in range(200):
                if written == args.rows:
                    break
                den = int(rng.integers(50, 400))
                out.write(f"school-{i:03d},on-track,{monday},{int(rng.integers(0, den))},{den}\n")
                written += 1
    size_mb = path.stat().st_size / 2**20
    print(f"Import bench — {connection.vendor}, {args.rows:,} rows ({size_mb:.1f} MB CSV)")
    for label, dry in (
        ("dry run (check only)", True),
        ("import", False),
        ("same file again", False),
    ):
        started = time.perf_counter()
        report = import_observations(network, path, dry_run=dry)
        elapsed = time.perf_counter() - started
        print(f"  {label:<22} {elapsed:6.2f} s  {args.rows / elapsed:9,.0f} rows/s  "
              f"added {report.added:,} changed {report.changed:,} "
              f"unchanged {report.unchanged:,}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
