"""Which column of a file feeds which field: a declared column spec, matched by the header's
name or one of its aliases (any case; spaces, hyphens and underscores alike), or by a mapping the
user gives ({field: the file's header})."""

import re
from dataclasses import dataclass

import pandas as pd

from .problems import ImportRefused, Problem
from .reading import Table


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    help: str = ""  # what goes in it, for the import page and docs/imports.md


def normal(header: str) -> str:
    """A header as compared: "Student ID", "student-id" and "student_id" are one."""
    return re.sub(r"[\s\-_]+", "_", str(header).strip().lower())


def map_columns(
    table: Table, columns: tuple[Column, ...], mapping: dict[str, str] | None = None
) -> pd.DataFrame:
    """The table's cells under the fields' names (fields the file lacks are left out) with
    `_row`; every problem with the header (a required column missing, a mapping naming a field
    or column that does not exist) refused at once."""
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    names = {column.name for column in columns}
    problems = [
        Problem(None, None, f"Unknown field “{name}” in the column mapping.")
        for name in sorted(set(mapping) - names)
    ]
    positions: dict[str, int] = {}
    for index, header in enumerate(table.header):
        positions.setdefault(normal(header), index)
    chosen: dict[str, int] = {}
    for column in columns:
        if column.name in mapping:
            found = positions.get(normal(mapping[column.name]))
            if found is None:
                problems.append(
                    Problem(1, mapping[column.name], f"No column “{mapping[column.name]}” in "
                            f"the file (given for {column.name}).", mapping[column.name])
                )  # fmt: skip
                continue
        else:
            wanted = [normal(n) for n in (column.name, *column.aliases)]
            found = next((positions[n] for n in wanted if n in positions), None)
        if found is not None:
            chosen[column.name] = found
        elif column.required:
            has = ", ".join(h for h in table.header if h) or "no named columns"
            problems.append(
                Problem(1, column.name, f"The file has no “{column.name}” column (it has {has}).")
            )
    if problems:
        raise ImportRefused(problems)
    frame = table.frame[[*chosen.values(), "_row"]]
    frame.columns = [*chosen, "_row"]
    return frame


def cells(frame: pd.DataFrame, name: str) -> pd.Series:
    """A field's cells, or empty cells when the file has no such column."""
    if name in frame:
        return frame[name]
    return pd.Series("", index=frame.index, dtype=object)
