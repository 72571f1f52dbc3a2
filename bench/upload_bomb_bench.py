"""How fast, and in how little memory, a bomb upload is refused.

    python bench/upload_bomb_bench.py [--xlsx-mb 400] [--zip-mb 200]

Writes crafted files to a temporary folder, streaming them so that making them costs little
memory: an XLSX whose sheet is --xlsx-mb MB of ordinary-looking rows (the kind of file that
once held a worker for five minutes and a gigabyte), a OneRoster zip whose users.csv unpacks to
--zip-mb MB, the same two at 150 MB (under the unpacked-size limit, so that the ratio check
refuses them), and a zip whose headers declare 1 KB for a member that unpacks to --zip-mb MB.
Each is then refused by the reader every import uses (`melior.core.imports.read` for tables,
`read_export` for rosters), in a fresh process; prints the time to refusal, the peak Python
allocation during it (tracemalloc) and how much the process's peak resident memory grew
(getrusage). Target: under 1 s and a few MB. Asserts nothing.
"""

import argparse
import multiprocessing
import os
import resource
import struct
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _setup() -> None:
    os.environ.setdefault("MELIOR_VAR_DIR", tempfile.mkdtemp(prefix="melior-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "melior.settings")
    import django

    django.setup()


def write_xlsx_bomb(path: Path, inflated_mb: int) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["site", "measure", "period_start", "value"])
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    target_bytes = inflated_mb * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD)
            written, row = 0, 0
            while written < target_bytes:  # ordinary rows, packing about 140 times
                block = b"".join(
                    b'<row><c t="inlineStr"><is><t>lincoln-high</t></is></c>'
                    b'<c t="inlineStr"><is><t>on-track</t></is></c>'
                    b'<c t="inlineStr"><is><t>2025-09-01</t></is></c>'
                    b"<c><v>%d</v></c></row>" % (n % 100)
                    for n in range(row, row + 10_000)
                )
                sheet.write(block)
                written += len(block)
                row += 10_000
            sheet.write(b"</sheetData></worksheet>")


def write_roster_bomb(path: Path, inflated_mb: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("orgs.csv", "sourcedId,name,type\nd1,Cedar District,district\n")
        with archive.open("users.csv", "w") as users:
            users.write(b"sourcedId,identifier\n")
            block = b"0" * 2**20
            for _ in range(inflated_mb):
                users.write(block)


def write_lying_zip(path: Path, inflated_mb: int) -> None:
    """A zip declaring 1 KB for a member that unpacks to inflated_mb MB: header sizes patched."""
    write_roster_bomb(path, inflated_mb)
    data = bytearray(path.read_bytes())
    # (signature, offset of the name's length, of the name, of the unpacked size)
    headers = [(b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)]  # local, directory
    for signature, length_at, name_at, size_at in headers:
        start = 0
        while (at := data.find(signature, start)) >= 0:
            name_length = struct.unpack("<H", data[at + length_at : at + length_at + 2])[0]
            if data[at + name_at : at + name_at + name_length] == b"users.csv":
                data[at + size_at : at + size_at + 4] = struct.pack("<L", 1024)
            start = at + 4
    path.write_bytes(bytes(data))


def _refuse(kind: str, path: str, results) -> None:
    _setup()
    from django.core.exceptions import ValidationError

    from melior.core.imports import ImportRefused, read
    from melior.governance.roster import read_export

    reader = read if kind == "xlsx" else read_export
    import openpyxl  # noqa: F401 — loaded once by a running server; not part of the refusal

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        reader(Path(path))
        message = "NOT REFUSED"
    except ImportRefused as refused:
        message = str(refused.problems[0])
    except ValidationError as refused:
        message = refused.messages[0]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    results.put((elapsed, peak / 2**20, grown / 1024, message))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xlsx-mb", type=int, default=400)
    parser.add_argument("--zip-mb", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="melior-bench-"))
    within = 150  # MB: under the unpacked-size limit, so the ratio check must catch it
    cases = [
        ("xlsx", folder / "bomb.xlsx", write_xlsx_bomb, args.xlsx_mb, "XLSX bomb"),
        ("xlsx", folder / "bomb.xlsx", write_xlsx_bomb, within, "XLSX bomb, smaller"),
        ("zip", folder / "roster.zip", write_roster_bomb, args.zip_mb, "roster zip bomb"),
        ("zip", folder / "roster.zip", write_roster_bomb, within, "roster zip bomb, smaller"),
        ("zip", folder / "lying.zip", write_lying_zip, args.zip_mb, "zip with lying sizes"),
    ]
    print("Upload bomb bench — refused by the import reader, each in a fresh process")
    print(f"  {'file':<26} {'packed':>9} {'unpacks to':>11} {'refused in':>11} "
          f"{'tracemalloc':>12} {'RSS grew':>9}")  # fmt: skip
    context = multiprocessing.get_context("spawn")
    for kind, path, write, inflated_mb, label in cases:
        write(path, inflated_mb)
        results = context.Queue()
        process = context.Process(target=_refuse, args=(kind, str(path), results))
        process.start()
        elapsed, peak_mb, grown_mb, message = results.get(timeout=600)
        process.join()
        packed = path.stat().st_size / 2**20
        print(f"  {label:<26} {packed:7.2f} MB {inflated_mb:8d} MB {elapsed * 1000:8.1f} ms "
              f"{peak_mb:9.2f} MB {grown_mb:6.1f} MB")  # fmt: skip
        print(f"    “{message}”")
        path.unlink()


if __name__ == "__main__":
    main()
