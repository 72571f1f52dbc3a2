"""Marks that apps built on measures put on a school's chart: a PDSA cycle's start, for one.

Measures knows nothing of those apps. An app registers a provider from its `AppConfig.ready()`:

    chart_markers.register(provider)

`provider(network=, site=, measure=)` returns a list of `Marker`s for that school's chart of that
measure (or None). The chart draws them like notes, each opening its `url`."""

import datetime
from typing import NamedTuple

from melior.core.hooks import Hook


class Marker(NamedTuple):
    date: datetime.date
    text: str
    url: str


chart_markers = Hook("chart markers")


def markers_for(*, network, site, measure) -> list[Marker]:
    """Every registered app's markers for this chart, by date."""
    answers = chart_markers.answers(network=network, site=site, measure=measure)
    return sorted((marker for answer in answers for marker in answer), key=lambda m: m.date)
