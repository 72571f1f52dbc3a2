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


def school_year_of(day: datetime.date) -> int:
    """The first calendar year of the school year `day` falls in (school years start in August)."""
    return day.year if day.month >= 8 else day.year - 1


def last_finished_school_year(day: datetime.date) -> int:
    """The first calendar year of the latest school year that ended (mid June) before `day`."""
    current = school_year_of(day)
    return current if day > datetime.date(current + 1, 6, 15) else current - 1


def entered_weeks(today: datetime.date, years: int) -> tuple[list[datetime.date], np.ndarray]:
    """The instructional Mondays of the current school year and the `years - 1` before it, up
    to last week: the weeks a live network would have entered by `today`."""
    mondays, year_index = weekly_calendar(school_year_of(today) - years + 1, years)
    entered = sum(day < _monday(today) for day in mondays)
    return mondays[:entered], year_index[:entered]


def aim_date(today: datetime.date) -> datetime.date:
    """The end of next school year (its first week of June): an aim about a year ahead."""
    return datetime.date(school_year_of(today) + 2, 6, 5)
