"""Every site × measure of a network at once: the status table behind the network page.

The table is cached under the network's data version (a counter moved on by every write to its
data), so a repeat view is a cache read until someone enters or corrects data. Each measure's
column is cached too, under the measure's own version: after a figure is entered only that
measure's column is read again. A column missing from the cache is read from the statuses
stored in the database, one row a series (stored.py): only the series written to since they
were stored are computed again with the batch SPC engine (summary.py).
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.cache import cache

from melior.networks.models import Network

from ..models import Measure
from ..selectors import measures_for
from .keys import SHAPE, data_version
from .stored import stored_columns

ASSURANCE = {
    "consistent_pass": ("✓", "will reliably meet the target"),
    "consistent_fail": ("✗", "will reliably miss the target unless the process changes"),
    "inconsistent": ("~", "will meet the target some weeks and miss it others"),
}


NO_DATA = ("no data", "")


class StatusTable:
    """Status and target assurance of every site × measure. Kept per site, a tuple per measure,
    so the cached table of thousands of sites reads back in a few milliseconds."""

    def __init__(self, measures: list[Measure], computed: "ComputedStatuses"):
        self.measures = measures
        self._computed = computed
        position = {pk: k for k, pk in enumerate(computed.measure_ids)}
        self._positions = [position.get(m.pk) for m in measures]

    @property
    def standing(self) -> dict[int, tuple[int, int, int]]:
        """site id -> (measures worsening, targets reliably missed, measures improving), for
        sites with data."""
        return self._computed.standing

    def row(self, site_id: int) -> list[tuple[Measure, str, str]]:
        """(measure, status, assurance) per measure at a site."""
        cells = self._computed.cells.get(site_id, ())
        return [
            (m, *(cells[k] if k is not None and cells else NO_DATA))
            for m, k in zip(self.measures, self._positions, strict=True)
        ]

    @cached_property
    def statuses(self) -> dict[tuple[int, int], str]:
        """(site id, measure id) -> status, for series with data."""
        return {
            (site, m.pk): status
            for site in self._computed.cells
            for m, status, _ in self.row(site)
            if status != "no data"
        }


@dataclass(frozen=True)
class ComputedStatuses:
    """What is cached: site id -> ((status, assurance) per measure of measure_ids), and each
    site's standing."""

    measure_ids: tuple[int, ...]
    cells: dict[int, tuple[tuple[str, str], ...]]
    standing: dict[int, tuple[int, int, int]]


def status_table(network: Network) -> StatusTable:
    """Status of every site × measure of the network (cached per data version)."""
    # the version is read before the data: a write in between makes the next view recompute
    key = f"melior:status-table:{SHAPE}:{network.pk}:{data_version(network.pk)}"
    measures = list(measures_for(network))
    computed = cache.get(key)
    if computed is None:
        computed = _compute_statuses(measures)
        cache.set(key, computed, timeout=24 * 3600)
    return StatusTable(measures, computed)


def _compute_statuses(measures: list[Measure]) -> ComputedStatuses:
    """The table from one column per measure. Each column is cached under its measure's own
    data version, so a figure entered for one measure reads that column alone again: from the
    stored statuses, computing only the series written to since (stored.py)."""
    keys = {m.pk: f"melior:status-column:{SHAPE}:{m.pk}:{m.data_version}" for m in measures}
    cached = cache.get_many(list(keys.values()))
    columns = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [m for m in measures if m.pk not in columns]
    if missing:
        fresh = stored_columns(missing)
        cache.set_many({keys[pk]: column for pk, column in fresh.items()}, timeout=24 * 3600)
        columns |= fresh
    measure_ids = tuple(m.pk for m in measures)
    cells: dict[int, list[tuple[str, str]]] = {}
    for k, pk in enumerate(measure_ids):
        for site, cell in columns[pk].items():
            cells.setdefault(site, [NO_DATA] * len(measure_ids))[k] = cell
    standing = {
        site: (
            sum(status == "worsening" for status, _ in row),
            sum(assurance == "consistent_fail" for _, assurance in row),
            sum(status == "improving" for status, _ in row),
        )
        for site, row in cells.items()
    }
    return ComputedStatuses(
        measure_ids, {site: tuple(row) for site, row in cells.items()}, standing
    )
