"""School-year calendars: the Mondays of the weeks that school is in session."""

import datetime

import numpy as np


def _thanksgiving(year: int) -> datetime.date:
    november_first = datetime.date(year, 11, 1)
    first_thursday = november_first + datetime.timedelta(days=(3 - november_first.weekday()) % 7)
    return first_thursday + datetime.timedelta(weeks=3)


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def school_weeks(first_year: int) -> list[datetime.date]:
    """Mondays of the instructional weeks of the school year starting in August of `first_year`.

    School starts the fourth Monday of August and ends the first week of June; Thanksgiving week,
    two weeks of winter break and a spring-break week in mid March are skipped.
    """
    august_first = datetime.date(first_year, 8, 1)
    start = august_first + datetime.timedelta(days=(0 - august_first.weekday()) % 7, weeks=3)
    end = datetime.date(first_year + 1, 6, 5)
    holidays = {_monday(_thanksgiving(first_year))}
    christmas_monday = _monday(datetime.date(first_year, 12, 25))
    holidays |= {christmas_monday, christmas_monday + datetime.timedelta(weeks=1)}
    holidays.add(_monday(datetime.date(first_year + 1, 3, 15)) + datetime.timedelta(weeks=1))
    weeks, day = [], start
    while day <= end:
        if day not in holidays:
            weeks.append(day)
        day += datetime.timedelta(weeks=1)
    return weeks


def weekly_calendar(first_year: int, years: int) -> tuple[list[datetime.date], np.ndarray]:
    """The instructional Mondays of `years` school years, and for each its school-year index."""
    mondays, year_index = [], []
    for offset in range(years):
        weeks = school_weeks(first_year + offset)
        mondays += weeks
        year_index += [offset] * len(weeks)
    return mondays, np.asarray(year_index)
