"""The one import pipeline (docs/imports.md): read → map columns → check every row → dry run
→ write all or nothing. It imports Django and `melior.files`, and no app of Melior's."""

from .columns import Column, cells, map_columns, normal
from .pipeline import Importer, Progress, Report, run
from .problems import ImportRefused, Problem, Problems, refuse
from .reading import Table, decode, delimiter, read

__all__ = [
    "Column",
    "ImportRefused",
    "Importer",
    "Problem",
    "Problems",
    "Progress",
    "Report",
    "Table",
    "cells",
    "decode",
    "delimiter",
    "map_columns",
    "normal",
    "read",
    "refuse",
    "run",
]
