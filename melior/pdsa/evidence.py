"""What the network's cycles say about one change idea: how often and where it was tested,
what each site decided, and whether it is ready to spread — derived from the cycles, never
typed by hand.

Readiness (docs/pdsa.md):
- "ready to spread": adopted at 3 or more sites, in at least 2 different contexts (school level
  or poverty band), and abandoned at no more than a quarter of the sites that decided;
- "not working so far": abandoned at 2 or more sites and at more sites than adopted it;
- "promising": adopted at 1 or more sites, or adapted at 2 or more;
- "too early to tell": otherwise.
A site's decision is the decision of its latest finished cycle on the idea.
"""

from dataclasses import dataclass


def poverty_band(share: float | None) -> str:
    if share is None:
        return "unknown"
    return "high poverty" if share >= 0.6 else "mid poverty" if share >= 0.3 else "low poverty"


@dataclass(frozen=True)
class Evidence:
    tests: int
    sites: int
    adopted: int
    adapted: int
    abandoned: int
    testing: int  # sites with no finished cycle yet
    readiness: str
    contexts: int  # different contexts among the sites that adopted

    def sentence(self) -> str:
        if not self.tests:
            return "Not tested yet."
        parts = [f"adopted at {self.adopted}", f"adapted at {self.adapted}",
                 f"abandoned at {self.abandoned}"]  # fmt: skip
        if self.testing:
            parts.append(f"still being tested at {self.testing}")
        times = "once" if self.tests == 1 else f"{self.tests} times"
        sites = "1 site" if self.sites == 1 else f"{self.sites} sites"
        return f"Tested {times} at {sites}: {', '.join(parts)}."


def summarise(cycles) -> Evidence:
    """cycles: objects with site (level, poverty_share), status, decision, completed_on, pk."""
    latest: dict = {}
    sites = {}
    tests = 0
    for cycle in cycles:
        tests += 1
        site = cycle.project.site
        sites[site.pk] = site
        if cycle.status == "done" and cycle.decision:
            key = (cycle.completed_on, cycle.pk)
            if site.pk not in latest or key > latest[site.pk][0]:
                latest[site.pk] = (key, cycle.decision)
    decisions = [d for _, d in latest.values()]
    adopted = decisions.count("adopt")
    abandoned = decisions.count("abandon")
    adapted = decisions.count("adapt")
    contexts = {
        (sites[pk].level, poverty_band(sites[pk].poverty_share))
        for pk, (_, d) in latest.items()
        if d == "adopt"
    }
    decided = len(decisions)
    if adopted >= 3 and len(contexts) >= 2 and abandoned <= decided / 4:
        readiness = "ready to spread"
    elif abandoned >= 2 and abandoned > adopted:
        readiness = "not working so far"
    elif adopted >= 1 or adapted >= 2:
        readiness = "promising"
    else:
        readiness = "too early to tell"
    return Evidence(
        tests=tests, sites=len(sites), adopted=adopted, adapted=adapted,
        abandoned=abandoned, testing=len(sites) - decided, readiness=readiness,
        contexts=len(contexts),
    )  # fmt: skip
