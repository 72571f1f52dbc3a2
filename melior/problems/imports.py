"""Pareto tallies from a CSV, on the import pipeline (melior.core.imports): columns cause
(matched by name, any case), count (a whole number ≥ 0) and optionally date (YYYY-MM-DD).
Every problem is reported by row; nothing is saved unless all rows are good."""

import datetime

import pandas as pd

from melior.core.imports import Column, Importer, Problems, Report, cells

from .models import CauseTally, ProblemAnalysis

COLUMNS = (
    Column("cause", aliases=("reason", "category"), help="the cause's name, as on the fishbone"),
    Column("count", aliases=("tally", "n", "number"), help="how many times, a whole number"),
    Column("date", required=False, aliases=("observed_on",), help="when, YYYY-MM-DD"),
)


class TallyImporter(Importer):
    columns = COLUMNS

    def __init__(self, analysis: ProblemAnalysis, *, source: str = "", user=None):
        self.analysis, self.source, self.user = analysis, source[:120], user
        self.causes = {c.name.strip().lower(): c for c in analysis.causes.all()}

    def check(self, frame: pd.DataFrame, problems: Problems) -> list[CauseTally]:
        causes = frame["cause"].str.lower().map(self.causes)
        problems.flag(frame, causes.isna(), "cause", "no cause called “{value}”.")
        counts = frame["count"]
        whole = counts.str.fullmatch(r"\d+")
        problems.flag(frame, ~whole, "count", "“{value}” is not a whole number ≥ 0.")
        given = cells(frame, "date")
        dates = pd.to_datetime(given, format="%Y-%m-%d", errors="coerce")
        problems.flag(frame, (given != "") & dates.isna(), "date", "“{value}” is not YYYY-MM-DD.")
        future = (dates > pd.Timestamp(datetime.date.today())).to_numpy()
        problems.flag(frame, future, "date", "{value} is in the future.")
        if problems:
            return []
        return [
            CauseTally(
                cause=cause,
                count=int(count),
                observed_on=None if pd.isna(date) else date.date(),
                source=self.source,
                recorded_by=self.user,
            )
            for cause, count, date in zip(causes, counts, dates, strict=True)
        ]

    def compare(self, plan: list[CauseTally]) -> Report:
        return Report(added=len(plan))  # a tally adds to the counts: every row is new

    def write(self, plan: list[CauseTally]) -> None:
        CauseTally.objects.bulk_create(plan, batch_size=2000)
