"""One import, step by step: read the file → map its columns → check every row (collecting
every problem) → compare with what is recorded (the dry run's report) → write, all or nothing.

An importer declares its columns and supplies three steps:

- `check(frame, problems)`: look at every row, add each problem to `problems`, and return what
  the writer needs (the plan);
- `compare(plan)`: a `Report` of what writing the plan would add, change and leave unchanged;
- `write(plan)`: write it (inside the import's transaction, with `melior.bulk` for many rows).

`run` does the rest, the same for the web, the command line and the API."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction

from .columns import Column, map_columns
from .problems import ImportRefused, Problem, Problems, refuse
from .reading import read

Progress = Callable[[int, str], None]


@dataclass
class Report:
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0  # rows with a problem: an import with any is refused whole
    dry_run: bool = False

    @property
    def written(self) -> int:
        return self.added + self.changed

    @property
    def summary(self) -> str:
        if self.dry_run:
            return (
                f"{self.rows:,} rows are valid: importing would add {self.added:,}, change "
                f"{self.changed:,} and leave {self.unchanged:,} as they are. Nothing was written."
            )
        return (
            f"{self.rows:,} rows imported: {self.added:,} added, {self.changed:,} changed, "
            f"{self.unchanged:,} already as in the file."
        )


class Importer:
    """The steps of one kind of import (see the module's docstring)."""

    columns: tuple[Column, ...] = ()

    def check_header(self, frame: pd.DataFrame) -> list[Problem]:
        """Problems with the columns found beyond a missing required one (none by default)."""
        return []

    def check(self, frame: pd.DataFrame, problems: Problems):
        raise NotImplementedError

    def compare(self, plan) -> Report:
        raise NotImplementedError

    def write(self, plan) -> None:
        raise NotImplementedError


def run(
    importer: Importer,
    source: Path | str | bytes,
    *,
    name: str = "",
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Import a file (a path, or an upload's bytes named `name`); `ImportRefused` with every
    problem, nothing written, if any row is wrong. A dry run stops before writing."""
    tell = progress or (lambda percent, stage: None)
    tell(5, "Reading the file")
    frame = map_columns(read(source, name=name), importer.columns, mapping)
    header_problems = importer.check_header(frame)
    if header_problems:
        raise ImportRefused(header_problems)
    if frame.empty:
        refuse("The file has a header but no rows.")
    tell(15, "Checking every row")
    problems = Problems()
    plan = importer.check(frame, problems)
    problems.raise_any()
    tell(60, "Comparing with what is recorded")
    report = importer.compare(plan)
    report.rows, report.dry_run = len(frame), dry_run
    if not dry_run:
        tell(80, "Writing")
        with transaction.atomic():
            importer.write(plan)
    tell(100, "Done")
    return report
