"""CSV downloads that are safe to open in a spreadsheet.

A text cell that starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) would be
run by Excel, LibreOffice or Google Sheets; every cell written here is prefixed with an apostrophe
instead, so it shows as the text it is. Numbers, dates and empty cells are left alone."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet will show it, never run: text that could start a formula
    is prefixed with an apostrophe (numbers are left alone)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write(out, header: Sequence, rows: Iterable[Sequence]) -> None:
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    """A header and rows as CSV text, every cell made safe."""
    out = io.StringIO()
    _write(out, header, rows)
    return out.getvalue()


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download named `filename`, every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    _write(response, header, rows)
    return response
