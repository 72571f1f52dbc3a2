"""Server time of the network page's status table (every site × measure) on a large network.

    python bench/network_bench.py [--sites 500] [--database-url URL] [--bulk]

Loads the demo network with --sites schools into a fresh database (SQLite in a temporary folder
by default, or the PostgreSQL database named by --database-url, which is emptied first), then
times: the status table right after a bulk import (every status computed and stored), with
the cache empty (statuses stored), after one figure at one school, and when nothing changed
(cache hit under the data version); and the pages the hub's lead opens — the network page, a
measure across the network (pooled chart, funnel, small multiples), the theory, PDSA search, a
change idea's evidence, bright spots, what works where, spread, fidelity × outcome and network
health, and the equity views (the network page's "Gaps narrowing" panel computed cold and
cached, a school's gap page, students by subgroup by month, the gaps API) over
--gap-students students a school with ten months of attendance (bench/gap_data.py) — each
with its query count, and the process's peak memory while it serves them. With
--bulk, 12 schools get the whole demo and the rest only their observations, written in bulk
(pages_bench.grow): minutes instead of hours at 5,000 schools. Prints figures; asserts nothing.
"""

import argparse
import os
import sys
import tempfile
import time


def reset_peak_memory() -> None:
    """Start the process's peak resident memory (VmHWM) afresh: the load is not counted."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_memory_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bulk", action="store_true", help="observations alone past 12 schools")
    parser.add_argument(
        "--gap-students", type=int, default=100, help="students a school with monthly records"
    )
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="melior-bench-")
    os.environ["MELIOR_VAR_DIR"] = folder
    if args.database_url:
        os.environ["MELIOR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("MELIOR_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from melior.demo.generator import load_demo
    from melior.measures.models import Observation

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    from melior.web.assets import collect_static

    collect_static()  # pages name their static files through the manifest
    engine = connection.vendor
    start = time.perf_counter()
    network = load_demo(sites=min(args.sites, 12) if args.bulk else args.sites).network
    if args.bulk and args.sites > 12:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from pages_bench import grow

        grow(network, args.sites)
    records = 0
    if args.gap_students:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from gap_data import monthly_attendance

        records = monthly_attendance(network, args.gap_students)
    load_time = time.perf_counter() - start
    reset_peak_memory()
    points = Observation.objects.count()
    measures = network.measures.count()
    print(f"Network bench — {engine}, {args.sites} sites × {measures} measures, {points:,} points")
    print(f"  demo load: {load_time:.1f} s ({records:,} monthly attendance records added)")

    _time_status_table(network, args.repeat)

    from melior.pdsa.models import Cycle
    from melior.theory.models import Node

    print(f"  PDSA cycles: {Cycle.objects.count():,}")
    client = Client()
    client.force_login(_user("lead"))
    n = f"/n/{network.slug}"
    idea = Node.objects.filter(
        diagram__network=network, diagram__project=None, kind="change_idea"
    ).first()
    pages = [
        ("network page", f"{n}/"),
        ("measure across the network", f"{n}/m/on-track/"),
        ("theory", f"{n}/theory/"),
        ("PDSA search (all)", f"{n}/pdsa/"),
        ("change idea evidence", f"{n}/pdsa/ideas/{idea.key}/"),
        ("bright spots", f"{n}/learning/bright-spots/"),
        ("what works where", f"{n}/learning/what-works-where/"),
        ("spread, one idea", f"{n}/learning/spread/?idea={idea.key}"),
        ("fidelity × outcome, one idea", f"{n}/fidelity/?idea={idea.pk}"),
        ("network health", f"{n}/learning/health/"),
        ("the network page's gaps panel", f"{n}/students/gaps-panel/"),
        ("a school's gap page", f"{n}/students/gaps/{network.sites.first().slug}/"),
        ("students by subgroup by month", f"{n}/students/by-date/"),
        ("gaps API", f"/api/networks/{network.slug}/gaps"),
    ]
    _time_panel(network, args.repeat)
    for name, url in pages:
        for label, clear in (("cold", True), ("warm", False)):
            best, queries = float("inf"), 0
            for _ in range(args.repeat):
                if clear:
                    cache.clear()
                reset_queries()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    best = min(best, time.perf_counter() - started)
                queries = len(captured)
            assert response.status_code == 200, (url, response.status_code)
            print(
                f"  {name + ' (' + label + ')':42s} {best * 1000:8.0f} ms, {queries:3d} queries, "
                f"{len(response.content) / 1024:5.0f} KB"
            )
    print(f"  peak memory of the process serving them: {peak_memory_mb():,.0f} MB")
    sys.stdout.flush()


def _time_status_table(network, repeat: int) -> None:
    """The status table (every site × measure) as a view finds it: right after a bulk import
    (every measure's statuses to compute and store, cache empty), with the cache empty and the
    statuses stored (a restart, an evicted cache), after one figure entered at one school (its
    series computed again; with the cache kept, and emptied), and when nothing changed."""
    from django.core.cache import cache

    from melior.measures.across_sites.status import status_table
    from melior.measures.models import Observation
    from melior.measures.services import data_changed, record_observation

    measure_ids = list(network.measures.values_list("pk", flat=True))

    def after_import():
        data_changed(network.pk, measure_ids)  # what an import of every measure leaves
        cache.clear()

    figure = Observation.objects.filter(measure__network=network, measure__slug="on-track").first()
    entered = [0]

    def one_figure(clear: bool):
        def enter():
            entered[0] += 1
            record_observation(
                measure=figure.measure, organization=figure.organization,
                period=figure.period_start, numerator=10 + entered[0] % 2, denominator=40,
                correcting=Observation.objects.get(pk=figure.pk),
            )  # fmt: skip
            if clear:
                cache.clear()

        return enter

    cases = [
        ("after a bulk import (computed, stored)", after_import),
        ("cold (cache empty, statuses stored)", cache.clear),
        ("after one figure at one school", one_figure(False)),
        ("after one figure, cache empty", one_figure(True)),
        ("nothing changed (cache)", lambda: None),
    ]
    status_table(network)
    for label, before in cases:
        times = []
        for _ in range(repeat):
            before()
            started = time.perf_counter()
            status_table(network)
            times.append(time.perf_counter() - started)
        print(f"  status table, {label + ':':40s} {min(times) * 1000:8.0f} ms (best of {repeat})")


def _time_panel(network, repeat: int) -> None:
    """The "Gaps narrowing" panel's figures alone: every school's gap, suppressed and charted,
    from every record (as after an import, before the worker has counted), computed from the
    kept counts (cache empty) and read back (cached)."""
    from django.core.cache import cache

    from melior.governance.gaps import narrowing
    from melior.governance.models import SubgroupCounts

    lead = _user("lead")
    # as after an import: the counts are gone, and the view counts every record again
    SubgroupCounts.objects.all().delete()
    cache.clear()
    started = time.perf_counter()
    narrowing(lead, network)
    counting = (time.perf_counter() - started) * 1000
    print(f"  gaps panel (counting every record): {counting:8.0f} ms")
    for label, clear in (("cold", True), ("warm", False)):
        best = float("inf")
        for _ in range(repeat):
            if clear:
                cache.clear()
            started = time.perf_counter()
            panel = narrowing(lead, network)
            best = min(best, time.perf_counter() - started)
        schools = panel["total"] if panel else 0
        narrowing_now = len(panel["schools"]) if panel else 0
        print(
            f"  gaps panel ({label}): {best * 1000:8.0f} ms — {schools} schools with records, "
            f"{narrowing_now} narrowing by signal"
        )


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


if __name__ == "__main__":
    main()
