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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep a demo network of this size")
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
    network = Network.objects.filter(slug=NETWORK_SLUG).first()
    present = network.sites.count() if network else 0
    if not (args.reuse and present == args.sites):
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        network = load_demo(sites=args.sites).network
        print(f"  demo load: {time.perf_counter() - started:.0f} s")
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
