"""Statistical process control for improvement: run charts, Shewhart charts and their signals.

    from melior.analysis import spc
    r = spc.control_chart(y, n, x=dates, kind="p")
    r.data, r.summary(), r.signals, r.describe(higher_is_better=True), r.chart()
    frame = spc.control_charts(df, by=["site", "measure"], x="period", y="num", n="den", kind="p")

Conventions follow qicharts2 unless a rule set says otherwise; docs/spc.md gives every formula.
"""

from .batch import BatchCharts, control_charts
from .charts import control_chart, run_chart
from .inputs import KINDS, RULES
from .result import ControlChart, Sentence
from .runs import anhoej_limits, ihi_runs_limits

__all__ = [
    "KINDS",
    "RULES",
    "BatchCharts",
    "ControlChart",
    "Sentence",
    "anhoej_limits",
    "control_chart",
    "control_charts",
    "ihi_runs_limits",
    "run_chart",
]
