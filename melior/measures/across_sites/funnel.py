"""The sites of a network on a funnel plot: each site's rate over the latest periods against
limits that narrow as its numbers grow, allowing for over-dispersion between sites."""

from django.db.models import Sum
from django.utils.html import json_script

from melior.analysis.funnel import funnel_plot

from ..models import Measure


def site_funnel(measure: Measure, observations, periods: list) -> dict:
    """The funnel fields of the network measure view (funnel_script, funnel_outliers,
    funnel_units, funnel_detail, funnel_note) for the sites of `observations` over `periods`;
    only a note, saying why, when there is no plot to draw."""
    if not measure.has_denominator:
        return {"funnel_note": "Funnel plots compare proportions and rates."}
    totals = list(
        observations.filter(period_start__in=periods)
        .values("organization__name")
        .annotate(numerator=Sum("numerator"), denominator=Sum("denominator"))
        .order_by("organization__name")
    )
    if len(totals) < 2:
        return {"funnel_note": "A funnel plot needs at least two sites."}
    kind = "p" if measure.value_type == Measure.ValueType.PROPORTION else "u"
    try:
        plot = funnel_plot(
            [t["numerator"] for t in totals],
            [t["denominator"] for t in totals],
            labels=[t["organization__name"] for t in totals],
            kind=kind,
            overdispersion=True,
        )
    except ValueError as error:
        return {"funnel_note": str(error)}
    return _drawn(measure, plot)


def _drawn(measure: Measure, plot) -> dict:
    from ..charts import chart_units

    multiply, percent = chart_units(measure)
    size_title = f"{measure.denominator_definition or 'Number counted'} (log scale)"
    chart = plot.chart(percent=percent, width="container", unit_name="Site", size_title=size_title)

    def rate(value: float) -> str:
        return f"{value * 100:.1f}%" if percent else f"{value * multiply:.3g}"

    return {
        "funnel_script": json_script(chart.to_dict(validate=False), "funnel-spec"),
        "funnel_outliers": [
            {"site": row["label"], "rate": rate(row["rate"]), "above": row["outside_99.8%"] > 0}
            for row in plot.outliers().to_dict("records")
        ],
        "funnel_units": [
            {
                "site": row["label"],
                "rate": rate(row["rate"]),
                "size": f"{row['n']:,.0f}",
                "where": _funnel_place(row["outside_95%"], row["outside_99.8%"]),
            }
            for row in plot.data.sort_values("rate", ascending=False).to_dict("records")
        ],
        "funnel_detail": (
            f"Over-dispersion factor φ = {plot.phi:.2f}; between-site variance "
            f"τ² = {plot.tau2:.3g} (Spiegelhalter's additive random effect, with z-scores "
            "winsorised at 10%)."
        ),
        "funnel_note": plot.reading("site"),
    }


def _funnel_place(outside_95: int, outside_998: int) -> str:
    """Where a site falls against the funnel, in words."""
    if outside_998:
        return "above the 99.8% limit" if outside_998 > 0 else "below the 99.8% limit"
    if outside_95:
        return "above the 95% limit" if outside_95 > 0 else "below the 95% limit"
    return "within the limits"
