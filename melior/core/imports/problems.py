"""Problems with an imported file, and the one refusal every import raises.

A problem names where it is (the file of an export, the row as a spreadsheet numbers it — the
header is row 1 — and the column), the value as it was given, in full, and what is wrong in plain
words. An import collects every problem of a file before it refuses it, so that one round of
corrections is enough."""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError

MAX_KEPT = 1000  # problems kept in full; the rest are counted


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row (header = 1); None for the whole file
    column: str | None
    message: str
    value: str | None = None  # the cell as given, never shortened
    file: str = ""  # the file of a multi-file export (e.g. "users.csv")

    @property
    def where(self) -> str:
        place = f"{self.file} row {self.row}" if self.file else f"Row {self.row}"
        if self.row is None:
            place = self.file
        if self.column:
            place = f"{place}, {self.column}" if place else self.column
        return place

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class ImportRefused(ValidationError):
    """A file refused whole: nothing was written. Carries every problem found (the first
    MAX_KEPT in full, `total` counts them all) and how many rows they touched. It is a
    ValidationError, so a form or the API shows it like any refused change."""

    def __init__(self, problems: Iterable[Problem], *, total: int | None = None, rows: int = 0):
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        self.refused_rows = rows
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"… and {self.total - len(self.problems):,} more problems.")
        super().__init__(lines)

    @property
    def has_files(self) -> bool:
        return any(p.file for p in self.problems)

    def as_list(self) -> list[dict]:
        """The problems kept, as JSON-ready dicts (an import job stores them)."""
        return [p.as_dict() for p in self.problems]

    @classmethod
    def from_list(cls, stored: list, total: int | None = None) -> "ImportRefused":
        """Back from `as_list` (a plain message stands for a problem with the whole file)."""
        problems = [
            Problem(**item) if isinstance(item, dict) else Problem(None, None, str(item))
            for item in stored
        ]
        return cls(problems, total=total)

    @property
    def summary(self) -> str:
        count = f"{self.total:,} problem{'s' if self.total != 1 else ''}"
        return f"{count} — nothing was written."


def refuse(message: str, *, column: str | None = None, row: int | None = None, file: str = ""):
    """Refuse a whole file for one reason (it cannot be read, a column is missing)."""
    raise ImportRefused([Problem(row, column, message, file=file)])


class Problems:
    """The problems found in a file, collected all at once. Rows of a frame are numbered by its
    `_row` column (the spreadsheet row)."""

    def __init__(self, file: str = ""):
        self.file = file
        self.found: list[Problem] = []
        self.total = 0
        self.rows: set[tuple[str, int]] = set()  # (file, row) of each row with a problem

    def __bool__(self) -> bool:
        return self.total > 0

    def add(
        self, row: int | None, column: str | None, message: str, value=None, *, file: str = ""
    ) -> None:
        """One problem; `file` names the file of a multi-file export it is in."""
        self.total += 1
        if row is not None:
            self.rows.add((file, int(row)))
        if len(self.found) < MAX_KEPT * 4:
            text = None if value is None else str(value)
            self.found.append(Problem(row, column, message, text, file or self.file))

    def flag(self, frame: pd.DataFrame, mask, column: str, message: str) -> None:
        """A problem on every row of `frame` where `mask` holds; `message` may name the cell
        as {value} (quoted in full)."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        rows = frame["_row"].to_numpy()[mask]
        values = frame[column].to_numpy()[mask] if column in frame else [None] * count
        self.total += count
        self.rows.update((self.file, row) for row in rows.tolist())
        room = max(0, MAX_KEPT * 4 - len(self.found))
        for row, value in zip(rows[:room], values[:room], strict=False):
            text = None if value is None else str(value)
            self.found.append(
                Problem(int(row), column, message.format(value=text), text, self.file)
            )

    def refused(self) -> ImportRefused:
        ordered = sorted(self.found, key=lambda p: (p.file, p.row or 0))[:MAX_KEPT]
        return ImportRefused(ordered, total=self.total, rows=len(self.rows))

    def raise_any(self) -> None:
        if self.total:
            raise self.refused()
