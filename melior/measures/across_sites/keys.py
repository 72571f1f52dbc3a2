"""What the cached views across sites are keyed by: a data version — the network's for views of
every measure (the status table), the measure's own (`Measure.data_version`) for views of one —
and the set of sites a user may see.

The views are cached as pickles that name the classes they hold (`ComputedStatuses`,
`NetworkMeasureView`, `Sparkline`). SHAPE is part of their keys: move one of those classes to
another module or change its fields and SHAPE goes up, so an upgraded server never reads an
entry an older one wrote (the cache outlives a deploy; the old entries expire within a day).
"""

import hashlib

from melior.networks.models import Network

SHAPE = 2


def data_version(network_id: int) -> int:
    """The network's data version, read fresh: it moves on with every change to the network's
    measures, observations, annotations or chart settings (see receivers.py)."""
    return Network.objects.values_list("data_version", flat=True).get(pk=network_id)


def sites_key(sites: list, *extra) -> str:
    """A short key for a set of sites (the cached views differ by what a user may see)."""
    site_ids = tuple(sorted(site.pk for site in sites))
    return hashlib.sha1(repr((site_ids, *extra)).encode()).hexdigest()
