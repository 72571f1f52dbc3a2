"""What the busiest pages cost as a network grows: server time, CPU, bytes sent and DOM size.

    python bench/pages_bench.py [--sites 500] [--database-url URL] [--reuse]

Loads the demo network with --sites schools into a fresh database (SQLite in a temporary folder
by default, or the PostgreSQL database named by --database-url, which is emptied first; with
--reuse a database that already holds a demo network of that size is kept). Then, warm (each page
viewed once before timing, so caches keyed by the data version are filled), times the network
page, a measure across the network and a school's measure page: best wall time and best CPU
time of this process (the database server's own CPU is not counted) over --repeat views, the
bytes sent to a browser that accepts gzip, the uncompressed HTML and its element count.
The targets are in the module's TARGETS; prints figures and asserts nothing.
"""

import argparse
import datetime
import gzip
import os
import tempfile
import time
from html.parser import HTMLParser

TARGETS = {
    "network page": "< 150 ms, < 100 KB sent, < 2,000 elements",
    "measure across the network": "< 150 ms",
    "school measure page": "< 30 ms CPU",
}


class _ElementCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = 0

    def handle_starttag(self, tag, attrs):
        self.elements += 1


def element_count(html: str) -> int:
    counter = _ElementCounter()
    counter.feed(html)
    return counter.elements


def grow(network, sites: int, seed: int = 2026) -> None:
    """Schools 13..`sites` of the demo network with three years of weekly observations of
    every measure (the demo's own series), written in bulk, without the rest of the demo."""
    import numpy as np
    import pandas as pd
    from django.db import connection, transaction
    from django.utils import timezone

    from melior.bulk import insert_rows
    from melior.core.calendar import entered_weeks
    from melior.demo import generator
    from melior.demo.schools import school_plan, school_series
    from melior.measures.models import Observation
    from melior.measures.services import data_changed

    mondays, year_index = entered_weeks(datetime.date.today(), generator.SCHOOL_YEARS)
    measures = {m.slug: m for m in network.measures.all()}
    days = np.array([d.isoformat() for d in mondays])
    plans = [school_plan(seed, i, len(mondays)) for i in range(12, sites)]
    for start in range(0, len(plans), 250):
        chunk = plans[start : start + 250]
        with transaction.atomic():
            schools = generator._schools(network, chunk, joined_on=mondays[0].replace(day=1))
            parts = []
            for plan in chunk:
                series = school_series(seed, plan, len(mondays), year_index)
                for slug, data in series.items():
                    ratio = measures[slug].has_denominator
                    parts.append(
                        pd.DataFrame(
                            {
                                "measure_id": measures[slug].pk,
                                "organization_id": schools[plan.slug].pk,
                                "period_start": days,
                                "value": np.nan if ratio else np.asarray(data, float),
                                "numerator": np.asarray(data[0], float) if ratio else np.nan,
                                "denominator": np.asarray(data[1], float) if ratio else np.nan,
                            }
                        )
                    )
            stamp = connection.ops.adapt_datetimefield_value(timezone.now())
            frame = pd.concat(parts, ignore_index=True).assign(entered_at=stamp, updated_at=stamp)
            insert_rows(Observation, frame)
            # a bulk write: no model signals; every status of these measures is computed again
            data_changed(network.pk, [m.pk for m in measures.values()])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep a demo network of this size")
    parser.add_argument(
        "--full-demo",
        action="store_true",
        help="load every school with the whole demo (cycles, students, pilots): ~11 minutes at "
        "500 schools on PostgreSQL; by default 12 schools get the whole demo and the rest only "
        "their observations, written in bulk",
    )
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
    from django.test.utils import CaptureQueriesContext

    from melior.demo.generator import NETWORK_SLUG, load_demo
    from melior.measures.models import Observation
    from melior.networks.models import Network

    call_command("migrate", verbosity=0)
    from melior.web.assets import collect_static

    collect_static()
    network = Network.objects.filter(slug=NETWORK_SLUG).first()
    present = network.sites.count() if network else 0
    if not (args.reuse and present == args.sites):
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        full = args.sites if args.full_demo else min(args.sites, 12)
        network = load_demo(sites=full).network
        if args.sites > full:
            grow(network, args.sites)
        print(f"  data load: {time.perf_counter() - started:.0f} s")
    points = Observation.objects.filter(measure__network=network).count()
    print(
        f"Pages bench — {connection.vendor}, {args.sites} schools × "
        f"{network.measures.count()} measures, {points:,} points"
    )

    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="lead"))
    n = f"/n/{network.slug}"
    school = network.sites.order_by("name").first()
    pages = [
        ("network page", f"{n}/"),
        ("measure across the network", f"{n}/m/on-track/"),
        ("school measure page", f"{n}/s/{school.slug}/m/on-track/"),
    ]
    for name, url in pages:
        client.get(url)  # warm: caches filled, as after the first visitor
        wall, cpu, queries = float("inf"), float("inf"), 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
                wall = min(wall, time.perf_counter() - started)
                cpu = min(cpu, time.process_time() - started_cpu)
            queries = len(captured)
        assert response.status_code == 200, (url, response.status_code)
        sent = len(response.content)
        compressed = response.get("Content-Encoding") == "gzip"
        html = (gzip.decompress(response.content) if compressed else response.content).decode()
        print(
            f"  {name:28s} {wall * 1000:6.0f} ms wall {cpu * 1000:6.0f} ms CPU {queries:3d} queries"
            f"  sent {sent / 1024:7.1f} KB ({'gzip' if compressed else 'uncompressed'};"
            f" gzip would be {len(gzip.compress(html.encode())) / 1024:.1f} KB)"
            f"  HTML {len(html) / 1024:7.1f} KB, {element_count(html):,} elements"
            f"   target {TARGETS[name]}"
        )


if __name__ == "__main__":
    main()
