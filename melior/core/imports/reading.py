"""Reading an imported table: CSV or XLSX, within the limits of `melior.files`.

CSV text may come in UTF-8 (with or without a byte-order mark), UTF-16 (with a mark, or
without one as some exports write it) or Windows-1252, the encoding of a CSV saved by older
spreadsheet programs; it is separated by commas, semicolons or tabs, whichever the header
line uses most. Blank rows are skipped; every other row keeps its number as a spreadsheet shows
it (the header is row 1)."""

import codecs
import csv
import datetime
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from melior import files

from .problems import ImportRefused, Problem, refuse

logger = logging.getLogger(__name__)
DELIMITERS = (",", ";", "\t")
_SAMPLE = 4096


@dataclass(frozen=True)
class Table:
    """A file's header (as written) and its non-blank rows: a frame of text cells whose columns
    are the header's positions, with `_row`, the spreadsheet row number."""

    header: list[str]
    frame: pd.DataFrame


def read(source: Path | str | bytes, *, name: str = "") -> Table:
    """The table in a file (a path) or in the bytes of an upload named `name`."""
    try:
        if isinstance(source, bytes | bytearray):
            data, suffix = bytes(source), Path(name).suffix.lower()
        else:
            data, suffix = files.read_file(source), Path(source).suffix.lower()
        if not data:
            files.check_size(0)
        if suffix == ".xlsx" or data[:4] == b"PK\x03\x04":
            return _xlsx_table(data)
        return csv_table(decode(data))
    except files.FileRefused as refused:
        raise ImportRefused([Problem(None, None, str(refused))]) from None


def decode(data: bytes, name: str = "The file") -> str:
    """The text of CSV bytes in UTF-8, UTF-16 or Windows-1252, within the size and line limits."""
    files.check_size(len(data))
    text = None
    for encoding in _encodings(data):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise files.FileRefused(
            f"{name} is not text in UTF-8, UTF-16 or Windows-1252; save it as 'CSV UTF-8'."
        )
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines > files.MAX_ROWS + 1:  # the header and MAX_ROWS rows
        raise files.FileRefused(
            f"{name} has {lines:,} lines; the limit is {files.MAX_ROWS:,} rows. Split it."
        )
    return text.removeprefix("\ufeff")


def _encodings(data: bytes) -> list[str]:
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    sample = data[:_SAMPLE]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return ["utf-16-le"]  # ASCII letters with a zero byte after each
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return ["utf-16-be"]
    return ["utf-8", "cp1252"]


def delimiter(text: str) -> str:
    """The separator the header line uses most (outside quotes): comma, semicolon or tab."""
    line = next((each for each in text[: 64 * 1024].splitlines() if each.strip()), "")
    outside = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def csv_table(text: str) -> Table:
    sep = delimiter(text)
    first = next(csv.reader(io.StringIO(text[: 1024 * 1024]), delimiter=sep), [])
    files.check_row(1, len(first))
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            names=list(range(len(first))) if first else None,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        refuse("The file has no rows.")
    except pd.errors.ParserError as error:
        refuse(_parser_problem(str(error), len(first)))
    return _table(frame.fillna(""))


def _parser_problem(error: str, width: int) -> str:
    """pandas names the line and the cells it found: say it as a person would."""
    words = error.replace(",", " ").split()
    try:
        line, saw = int(words[words.index("line") + 1]), int(words[words.index("saw") + 1])
    except (ValueError, IndexError):
        return f"The file could not be read as CSV: {error}"
    return f"Row {line}: {saw} cells but only {width} headers."


def _table(frame: pd.DataFrame) -> Table:
    """Header and non-blank rows of a frame read without a header, numbered from row 2."""
    if frame.empty:
        refuse("The file has no rows.")
    numbers = frame.pop("_row_given").to_numpy() if "_row_given" in frame else None
    header = [str(h).strip() for h in frame.iloc[0]]
    rows = frame.iloc[1:]
    rows = rows.assign(_row=range(2, len(rows) + 2) if numbers is None else numbers[1:])
    cells = rows.drop(columns="_row").apply(lambda column: column.str.strip())
    kept = (cells != "").any(axis=1).to_numpy()
    cells["_row"] = rows["_row"]
    return Table(header, cells[kept].reset_index(drop=True))


def _xlsx_table(data: bytes) -> Table:
    """The first sheet. The zip is checked whole first (`files.open_zip`); openpyxl then parses
    its XML through defusedxml, which refuses entity declarations."""
    files.check_zip(data)
    from defusedxml import DefusedXmlException
    from openpyxl import load_workbook

    rows, numbers = [], []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # a sheet's declared size can lie: read only its cells
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                files.check_row(number, len(values))
                row = [_xlsx_text(v) for v in values]
                if any(cell.strip() for cell in row):
                    rows.append(row)
                    numbers.append(number)
        finally:
            book.close()
    except files.FileRefused:
        raise
    except Exception as error:  # whatever a damaged workbook makes openpyxl raise
        if _caused_by(error, DefusedXmlException):  # openpyxl wraps it in a ValueError
            raise files.FileRefused(
                "The workbook declares XML entities, which Melior does not read; save it again "
                "from a spreadsheet program."
            ) from None
        logger.info("Unreadable workbook: %r", error)
        raise files.FileRefused(
            "The file is not a readable .xlsx workbook (it is damaged, cut short or another "
            "kind of file); save it again as .xlsx or as CSV UTF-8."
        ) from None
    if not rows:
        raise files.FileRefused("The first sheet has no rows.")
    frame = pd.DataFrame(rows, dtype=object).fillna("").astype(str)
    frame["_row_given"] = numbers
    return _table(frame)


def _caused_by(error: BaseException | None, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value)
