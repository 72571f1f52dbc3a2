"""The rows of the week's entry grid: what each measure asks for, what was typed, and the
messages beside each figure."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from melior.measures import selectors as measures
from melior.measures.models import period_start
from melior.measures.services import validate_observation

FIELDS = ("value", "numerator", "denominator")


@dataclass
class Row:
    measure: object
    period: datetime.date
    fields: tuple[str, ...]  # the figures this measure takes
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # field -> [messages]
    warning: str = ""
    entered: bool = False  # the school already has a value for this period

    def name(self, field_name: str) -> str:
        return f"{self.measure.slug}-{field_name}"

    def take_errors(self, message_dict: dict) -> None:
        for key, messages in message_dict.items():
            slug, _, field_name = key.rpartition("-")
            if slug == self.measure.slug:
                target = field_name if field_name in self.fields else self.fields[0]
                self.errors.setdefault(target, []).extend(messages)

    @property
    def cells(self) -> list[tuple[str, str, str, list]]:
        """(field, input name, typed value, messages) for each figure, in order."""
        return [
            (f, self.name(f), self.values.get(f, ""), self.errors.get(f, [])) for f in self.fields
        ]


def _plain(number) -> str:
    if number is None:
        return ""
    return f"{number:g}" if number != int(number) else str(int(number))


def build_rows(network, site, family, week: datetime.date, data) -> list[Row]:
    """A row per measure for the week; values from `data` (a POST) or what is stored."""
    stored = measures.week_observations(site, family, week)
    rows = []
    for measure in family:
        fields = ("numerator", "denominator") if measure.has_denominator else ("value",)
        existing = stored.get(measure.pk)
        row = Row(
            measure, period_start(measure.frequency, week), fields, entered=existing is not None
        )
        for f in fields:
            if data is not None:
                row.values[f] = data.get(row.name(f), "").strip()
            elif existing is not None:
                row.values[f] = _plain(getattr(existing, f))
        rows.append(row)
    return rows


def entries_from(rows: list[Row]) -> list[dict]:
    return [
        {"measure": r.measure, "period": r.period, **{f: r.values.get(f) or None for f in r.fields}}
        for r in rows
    ]


def check_row(row: Row, usual: tuple[float, float] | None) -> None:
    """Check a row as the save will, and question a figure far outside the school's own
    history (a warning: it may be right)."""
    if not any(row.values.values()):
        return
    try:
        numbers = validate_observation(
            row.measure,
            row.period,
            today=timezone.localdate(),
            **{f: row.values.get(f) or None for f in row.fields},
        )
    except ValidationError as error:
        row.take_errors({row.name(k): v for k, v in error.message_dict.items()})
        return
    shown = (
        numbers["numerator"] / numbers["denominator"] * row.measure.display_scale
        if row.measure.has_denominator
        else numbers["value"]
    )
    if usual is not None:
        low, high = usual
        spread = max(high - low, abs(high) * 0.1, 1e-9)
        if shown < low - spread or shown > high + spread:
            row.warning = (
                f"{shown:.3g}{row.measure.unit and ' ' + row.measure.unit} is far outside this "
                f"school's own range ({low:.3g}–{high:.3g}); check it before you save."
            )
