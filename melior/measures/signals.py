"""The latest signal of many measures at once, for badges on the theory and network pages."""

import pandas as pd
from django.db.models import Avg, Sum

from melior.networks.models import Organization

from .models import Observation
from .network import summarise_measures


def latest_signals(measures, organization: Organization | None = None) -> dict[int, str]:
    """measure id → "improving" | "no change" | "worsening" | "no data", from each measure's
    default chart: at one site, or for the network as a whole (pooled numerators and
    denominators per period; the mean value for single-value measures)."""
    measures = list(measures)
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
