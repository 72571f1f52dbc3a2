"""US English (the default locale): "Dec 7, 2026", "12/07/2026", "Dec 7, 2026, 4:05 PM".
Templates name these formats (`|date`, `|date:"SHORT_DATE_FORMAT"`), never a pattern
of their own."""

DATE_FORMAT = "M j, Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "M j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "M Y"
