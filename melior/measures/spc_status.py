"""The latest signal of many measures at once, for badges on the theory and network pages."""

import hashlib

import pandas as pd
from django.core.cache import cache
from django.db.models import Avg, Sum

from melior.networks.models import Organization

from .across_sites.summary import summarise_measures
from .models import Observation


def latest_signals(measures, organization: Organization | None = None) -> dict[int, str]:
    """measure id → "improving" | "no change" | "worsening" | "no data", from each measure's
    default chart: at one site, or for the network as a whole (pooled numerators and
    denominators per period; the mean value for single-value measures)."""
    measures = list(measures)
    if not measures:
        return {}
    # each measure's data version, read with it before the data
    versions = "-".join(f"{m.pk}.{m.data_version}" for m in sorted(measures, key=lambda m: m.pk))
    where = organization.pk if organization else "all"
    raw = f"{versions}:{where}"
    key = f"melior:latest-signals:{hashlib.sha1(raw.encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        cached = _latest_signals(measures, organization)
        cache.set(key, cached, timeout=24 * 3600)
    return cached


def _latest_signals(measures, organization) -> dict[int, str]:
    status = {m.pk: "no data" for m in measures}
    rows = []
    observations = Observation.objects.filter(measure__in=measures)
    if organization is not None:
        rows = list(
            observations.filter(organization=organization).values(
                "measure_id", "period_start", "value", "numerator", "denominator"
            )
        )
    else:
        rows = list(
            observations.values("measure_id", "period_start").annotate(
                value=Avg("value"), numerator=Sum("numerator"), denominator=Sum("denominator")
            )
        )
    if not rows:
        return status
    summary = summarise_measures(pd.DataFrame(rows), measures, by=["measure_id"])
    status.update(zip(summary["measure_id"], summary["status"], strict=True))
    return status
