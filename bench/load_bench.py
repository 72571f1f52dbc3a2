"""Load: many signed-in users at once through nginx, p50/p95/errors per page type.

    python bench/load_bench.py [--users 50] [--seconds 60] [--think 2-6]
                               [--app-servers 2] [--processes 1]
                               [--database-url URL | --sqlite] [--ramp 10,25,50,...]

Starts the production topology of deploy/topology.py on this machine (nginx with TLS → app
servers → PostgreSQL and Redis → the worker, all on 127.0.0.1; with --sqlite: the embedded
SQLite database, per-process caches and no Redis, as `make demo` runs) on the 12-school demo,
then runs --users simulated people for --seconds, each thinking --think seconds (uniform) between
clicks:

- teachers (half): their school's measure page, the network page, and entering data — opening
  the correction form of a week and saving it (the chart's data version moves on);
- coaches and network leads (three in ten): the network page, a measure across the network,
  the small multiples, PDSA cycles, the theory;
- API clients with tokens (two in ten): observations of a measure, a school's chart, measures.

Prints requests, p50, p95 and errors per page type and overall, the app servers' memory, the
load average, and any "database is locked" in the logs. --ramp runs several user counts in turn
(each for --seconds, measured once all of them have signed in) to find the knee: the first count
whose p95 passes 500 ms. Bounded: it stops after --seconds per step, whatever happens, and stops
everything it started.
"""

import argparse
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from topology import NETWORK, Topology, Visitor

MIX = (("teacher", 0.5), ("coach", 0.3), ("api", 0.2))


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def record(self, page: str, started: float, response=None, error: str = "") -> None:
        elapsed = time.perf_counter() - started
        if response is not None and response.status_code >= 400:
            error = f"HTTP {response.status_code}"
        with self.lock:
            self.times[page].append(elapsed)
            if error:
                self.errors[page].append(error)


def timed(recorder: Recorder, page: str, call, *args, expect: str = "", **kwargs):
    started = time.perf_counter()
    try:
        response = call(*args, **kwargs)
    except Exception as error:  # a refused or dropped connection counts as an error
        recorder.record(page, started, error=type(error).__name__)
        return None
    problem = ""
    if expect and expect not in response.text:
        problem = f"missing {expect!r}"
    recorder.record(page, started, response, problem)
    return response


class Person(threading.Thread):
    """One person: signs in, waits until everyone has, then clicks and thinks until the end."""

    def __init__(self, kind, topology, recorder, window, think, plan, token, seed):
        super().__init__(daemon=True)
        self.kind, self.topology, self.recorder = kind, topology, recorder
        self.window, self.think, self.plan, self.token = window, think, plan, token
        self.random = random.Random(seed)

    @property
    def stop_at(self) -> float:
        return self.window["stop_at"]

    def pause(self) -> bool:
        time.sleep(min(self.random.uniform(*self.think), max(0, self.stop_at - time.time())))
        return time.time() < self.stop_at

    def run(self):
        visitor = Visitor(self.topology.url, self.topology.certificate)
        if self.kind == "api":
            visitor.http.headers["Authorization"] = f"Bearer {self.token}"
        else:
            username = (
                "teacher" if self.kind == "teacher" else self.random.choice(["coach", "lead"])
            )
            started = time.perf_counter()
            try:
                visitor.sign_in(username)
                self.recorder.record("sign in", started)
            except Exception as error:
                self.recorder.record("sign in", started, error=str(error)[:80])
        # Measured from when everyone is signed in: a sign-in's deliberately slow password
        # hash is not a page view. Then people start spread out over one think time.
        self.window["everyone_in"].wait()
        time.sleep(self.random.uniform(0, self.think[1]))
        while time.time() < self.stop_at:
            getattr(self, self.kind)(visitor)
            if not self.pause():
                break

    def teacher(self, visitor):
        site, measure = self.plan["school"], self.random.choice(self.plan["measures"])
        page = f"/n/{NETWORK}/s/{site}/m/{measure}/"
        choice = self.random.random()
        if choice < 0.6:
            timed(self.recorder, "school measure page", visitor.get, page, expect="</html>")
        elif choice < 0.8:
            timed(self.recorder, "network page", visitor.get, f"/n/{NETWORK}/", expect="</html>")
        else:
            self.enter_data(visitor, page)

    def enter_data(self, visitor, page):
        shown = timed(self.recorder, "school measure page", visitor.get, page, expect="</html>")
        rows = re.findall(r"correct=(\d+)", shown.text if shown is not None else "")
        if not rows or not self.pause():
            return
        observation = self.random.choice(rows[:10])
        form = timed(
            self.recorder, "data entry form", visitor.get,
            f"{page}observation/?correct={observation}", headers={"HX-Request": "true"},
        )  # fmt: skip
        found = re.search(r'name="period_start" value="([\d-]+)"', form.text if form else "")
        if not found or not self.pause():
            return
        numerator = self.random.randint(40, 90)
        timed(
            self.recorder, "data entry save", visitor.post, f"{page}observation/",
            {"period_start": found[1], "numerator": numerator, "denominator": 100,
             "value": numerator, "correcting": observation},
            headers={"HX-Request": "true"}, expect="Corrected",
        )  # fmt: skip

    def coach(self, visitor):
        measure = self.random.choice(self.plan["measures"])
        pages = [
            ("network page", f"/n/{NETWORK}/", 0.35),
            ("measure across the network", f"/n/{NETWORK}/m/{measure}/", 0.25),
            ("small multiples", f"/n/{NETWORK}/m/{measure}/sites/", 0.15),
            ("PDSA cycles", f"/n/{NETWORK}/pdsa/", 0.15),
            ("theory", f"/n/{NETWORK}/theory/", 0.10),
        ]
        name, path = self.weighted(pages)
        # the small multiples are a fragment the measure page loads, not a whole page
        timed(self.recorder, name, visitor.get, path, expect="" if "sites/" in path else "</html>")

    def api(self, visitor):
        measure = self.random.choice(self.plan["measures"])
        site = self.random.choice(self.plan["sites"])
        calls = [
            ("API observations", f"/api/networks/{NETWORK}/observations?measure={measure}", 0.4),
            ("API chart", f"/api/networks/{NETWORK}/sites/{site}/measures/{measure}/chart", 0.4),
            ("API measures", f"/api/networks/{NETWORK}/measures", 0.2),
        ]
        name, path = self.weighted(calls)
        timed(self.recorder, name, visitor.get, path)

    def weighted(self, choices):
        pick, total = self.random.random(), 0.0
        for name, path, weight in choices:
            total += weight
            if pick < total:
                return name, path
        return choices[-1][:2]


def discover(topology) -> dict:
    """The teacher's school, the network's measures and sites, as a browser would find them."""
    visitor = Visitor(topology.url, topology.certificate)
    visitor.sign_in("teacher")
    teacher_links = re.findall(
        rf"/n/{NETWORK}/s/([\w-]+)/m/([\w-]+)/", visitor.get(f"/n/{NETWORK}/").text
    )
    lead = Visitor(topology.url, topology.certificate)
    lead.sign_in("lead")
    sites = sorted(set(re.findall(rf"/n/{NETWORK}/s/([\w-]+)/", lead.get(f"/n/{NETWORK}/").text)))
    return {
        "school": teacher_links[0][0],
        "measures": sorted({measure for _, measure in teacher_links}),
        "sites": sites,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_step(topology, plan, tokens, users, seconds, think, seed) -> dict:
    recorder = Recorder()
    window = {"everyone_in": threading.Barrier(users + 1), "stop_at": float("inf")}
    kinds = []
    for kind, share in MIX:
        kinds += [kind] * round(users * share)
    kinds = (kinds + ["teacher"] * users)[:users]
    people = [
        Person(kind, topology, recorder, window, think, plan, tokens[i % len(tokens)], seed + i)
        for i, kind in enumerate(kinds)
    ]
    for person in people:
        person.start()
    window["everyone_in"].wait(timeout=600)
    sign_ins = dict(recorder.times)
    recorder.times.clear()
    window["stop_at"] = time.time() + seconds
    for person in people:
        person.join(timeout=max(1, window["stop_at"] - time.time()) + 90)
    recorder.times["sign in"] = sign_ins.get("sign in", [])
    load = os.getloadavg()
    pages = {name: times for name, times in recorder.times.items() if name != "sign in"}
    page_times = [t for times in pages.values() for t in times]
    errors = sum(len(e) for e in recorder.errors.values())
    print(f"\n{users} users, {seconds:.0f} s, think {think[0]:g}–{think[1]:g} s")
    print(f"  {'page type':30} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for name in sorted(recorder.times):
        times = recorder.times[name]
        print(
            f"  {name:30} {len(times):8d} {statistics.median(times) * 1000:8.0f} "
            f"{percentile(times, 0.95) * 1000:8.0f} {len(recorder.errors[name]):7d}"
        )
    p95 = percentile(page_times, 0.95) if page_times else float("nan")
    print(
        f"  {'all pages (not sign-in)':30} {len(page_times):8d} "
        f"{statistics.median(page_times) * 1000 if page_times else float('nan'):8.0f} "
        f"{p95 * 1000:8.0f} {errors:7d}"
    )
    print(f"  throughput {len(page_times) / seconds:.1f} pages/s; load average {load[0]:.2f}")
    for name, found in recorder.errors.items():
        if found:
            print(f"  errors on {name}: {sorted(set(found))[:5]}")
    return {"p95": p95, "errors": errors, "requests": len(page_times), "load": load[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--ramp", default="", help="user counts to run in turn, e.g. 25,50,100")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", default="2-6", help="seconds between clicks, e.g. 2-6")
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=1, help="processes per app server")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/melior_load"
    )
    parser.add_argument("--sqlite", action="store_true", help="the embedded database, no Redis")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    urllib3.disable_warnings()
    think = tuple(float(x) for x in args.think.split("-"))
    counts = [int(x) for x in args.ramp.split(",")] if args.ramp else [args.users]
    sqlite = args.sqlite
    with Topology(
        app_servers=args.app_servers,
        processes=args.processes,
        database_url="" if sqlite else args.database_url,
        redis_url="" if sqlite else "redis://127.0.0.1:6379/7",
    ) as topology:
        database = "SQLite (embedded)" if sqlite else "PostgreSQL + Redis"
        print(
            f"Load bench — {database}; nginx → {args.app_servers} app server(s) × "
            f"{args.processes} process(es); {os.cpu_count()} cores; load average before "
            f"{os.getloadavg()[0]:.2f}"
        )
        plan = discover(topology)
        tokens = [topology.api_token("lead"), topology.api_token("coach")]
        knee = None
        for users in counts:
            result = run_step(topology, plan, tokens, users, args.seconds, think, args.seed)
            if knee is None and result["p95"] > 0.5:
                knee = users
        print(f"\napp server memory: {topology.rss_mb()}")
        logs = " ".join(p.read_text() for p in topology.folder.glob("app*.log"))
        print(f'"database is locked" in the app logs: {logs.count("database is locked")}')
        if len(counts) > 1:
            print(f"knee (first p95 over 500 ms): {knee or f'not reached by {counts[-1]} users'}")


if __name__ == "__main__":
    main()
