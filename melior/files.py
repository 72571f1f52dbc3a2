"""Reading the files people bring in (CSV, XLSX, zip) without letting one of them take the server.

Every import — on the web and at the command line — reads its file through here. Each limit is
checked before the file is parsed, so a hostile or broken file is refused in well under a second
with a plain message, and costs a few MB of memory at most:

- the file itself: at most MAX_FILE_BYTES;
- a zip (a roster export, or an XLSX workbook, which is a zip of XML): its central directory is
  read first — at most MAX_MEMBERS members, MAX_INFLATED_BYTES once unpacked, no member
  unpacking to more than MAX_RATIO times its packed size — and then every member is unpacked as
  a stream and its bytes counted against the same limits, because the sizes a zip declares can
  lie;
- a table: at most MAX_ROWS rows and MAX_COLUMNS columns.

Whatever Melior writes from a file (a checked upload, an archive) is written owner-only, in
owner-only folders (`write_private`, `private_folder`).

No Django here: the errors are `FileRefused` (a ValueError) with a message for the person who
brought the file; each import turns it into its own kind of refusal."""

import contextlib
import csv
import io
import math
import os
import struct
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# A million student outcome rows take 40–70 MB as CSV; MELIOR_MAX_IMPORT_MB raises the cap.
MAX_FILE_BYTES = int(float(os.environ.get("MELIOR_MAX_IMPORT_MB", "100")) * 2**20)
MAX_INFLATED_BYTES = 200 * 2**20
MAX_RATIO = 100  # XML and CSV pack 5–20 times; a bomb packs hundreds or thousands of times
RATIO_FREE_BYTES = 2**20  # small members (styles, a short CSV) may pack tighter than MAX_RATIO
MAX_MEMBERS = 1000
MAX_ROWS = 1_048_576  # as many as a spreadsheet holds
MAX_COLUMNS = 1000
_CHUNK = 64 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"


class FileRefused(ValueError):
    """A file Melior will not read; the message says why, in plain words."""


def _size(n: int) -> str:
    """A size in whole MB or KB, rounded up: a file over a limit never reads as equal to it."""
    if n >= 2**20:
        return f"{math.ceil(n / 2**20):,} MB"
    return f"{math.ceil(n / 1024):,} KB"


def read_file(path: Path | str) -> bytes:
    """The bytes of a file, refused when it is missing, empty or larger than MAX_FILE_BYTES."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise FileRefused(f"No such file: {path.name}.") from None
    check_size(size)
    with path.open("rb") as source:
        data = source.read(size + 1)  # a byte more shows it grew since
    if len(data) != size:
        raise FileRefused("The file changed while it was read; try again.")
    return data


def check_size(size: int) -> None:
    if size == 0:
        raise FileRefused("The file is empty (0 bytes).")
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            f"The file is {_size(size)}; the limit is {_size(MAX_FILE_BYTES)}. Split it."
        )


def decode_text(data: bytes, name: str = "The file") -> str:
    """UTF-8 text (with or without a BOM) of at most MAX_FILE_BYTES and MAX_ROWS lines."""
    if len(data) > MAX_FILE_BYTES:
        check_size(len(data))
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if lines > MAX_ROWS + 1:  # the header and MAX_ROWS rows
        raise FileRefused(f"{name} has {lines:,} lines; the limit is {MAX_ROWS:,} rows. Split it.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(f"{name} is not UTF-8 text; save it as 'CSV UTF-8'.") from None


def check_row(number: int, width: int, name: str = "The file") -> None:
    """Refuse a table past MAX_ROWS rows (`number` counts the header as 1) or MAX_COLUMNS."""
    if number > MAX_ROWS + 1:
        raise FileRefused(f"{name} has more than {MAX_ROWS:,} rows. Split it.")
    if width > MAX_COLUMNS:
        raise FileRefused(f"{name}, row {number}: {width:,} columns; the limit is {MAX_COLUMNS:,}.")


def csv_rows(
    text: str, dialect=csv.excel, name: str = "The file", **formatting
) -> Iterator[list[str]]:
    """Rows of CSV text, each checked against MAX_ROWS and MAX_COLUMNS as it is read."""
    reader = csv.reader(io.StringIO(text), dialect, **formatting)
    for number, row in enumerate(reader, start=1):
        check_row(number, len(row), name)
        yield row


def check_table(text: str, dialect=csv.excel, name: str = "The file", **formatting) -> None:
    """Refuse CSV text past MAX_ROWS or MAX_COLUMNS, for readers that parse it themselves."""
    for _ in csv_rows(text, dialect, name, **formatting):
        pass


def _directory_entries(source) -> int:
    """How many members the zip's end-of-central-directory record declares, read before the
    directory itself so that a zip of a million empty members is refused unread."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    start = max(0, size - (22 + 65535))  # the record, after which only a comment may follow
    source.seek(start)
    tail = source.read()
    at = tail.rfind(_END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise FileRefused("The file is not a zip file, or it is damaged or incomplete.")
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return entries


@contextlib.contextmanager
def open_zip(source: Path | str | bytes) -> Iterator[zipfile.ZipFile]:
    """A zip whose every member has been unpacked once as a stream and found within the
    limits; closed (with its file) when the block ends."""
    if isinstance(source, bytes | bytearray):
        check_size(len(source))
        stream = io.BytesIO(source)
    else:
        try:
            check_size(Path(source).stat().st_size)
            stream = Path(source).open("rb")  # noqa: SIM115 — closed by the with below
        except OSError:
            raise FileRefused(f"No such file: {Path(source).name}.") from None
    with stream:
        try:
            if _directory_entries(stream) > MAX_MEMBERS:
                raise FileRefused(f"The zip holds more than {MAX_MEMBERS:,} files.")
            stream.seek(0)
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
            raise FileRefused(f"The zip file is damaged or incomplete ({error}).") from None
        with archive:
            _check_members(archive)
            yield archive


def check_zip(source: Path | str | bytes) -> None:
    """Refuse a zip that is damaged or unpacks past the limits, before anything parses it."""
    with open_zip(source):
        pass


def _check_members(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FileRefused(f"The zip holds more than {MAX_MEMBERS:,} files.")
    declared = sum(info.file_size for info in members)
    if declared > MAX_INFLATED_BYTES:
        raise FileRefused(
            f"The zip unpacks to {_size(declared)}; the limit is {_size(MAX_INFLATED_BYTES)}."
        )
    for info in members:
        _check_ratio(info, info.file_size)
    total = 0
    try:
        for info in members:
            if info.is_dir():
                continue
            unpacked = 0
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    unpacked += len(chunk)
                    total += len(chunk)
                    if unpacked > info.file_size or total > MAX_INFLATED_BYTES:
                        raise FileRefused(
                            f"{info.filename} unpacks to more than the zip declares or than "
                            f"{_size(MAX_INFLATED_BYTES)}; the file is refused."
                        )
                    _check_ratio(info, unpacked)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as error:
        if isinstance(error, FileRefused):
            raise
        raise FileRefused(f"The zip file is damaged or incomplete ({error}).") from None
    except RuntimeError as error:  # an encrypted member
        raise FileRefused(f"The zip file cannot be read ({error}).") from None


def _check_ratio(info: zipfile.ZipInfo, unpacked: int) -> None:
    if unpacked > RATIO_FREE_BYTES and unpacked > MAX_RATIO * max(info.compress_size, 1):
        raise FileRefused(
            f"{info.filename} unpacks to more than {MAX_RATIO} times its packed size, "
            "as only a zip bomb does; the file is refused."
        )


def read_members(archive: zipfile.ZipFile, suffix: str) -> dict[str, bytes]:
    """The bytes of an opened (checked) zip's members whose names end with `suffix`."""
    return {
        info.filename: archive.read(info)
        for info in archive.infolist()
        if info.filename.lower().endswith(suffix) and not info.is_dir()
    }


def private_folder(path: Path) -> Path:
    """A folder only its owner may enter, made if missing (its missing parents follow the
    umask, which Melior sets owner-only)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(0o700)  # made before, under a looser umask
    return path


def write_private(path: Path, chunks: Iterable[bytes] | bytes, limit: int | None = None) -> int:
    """Write a new file only its owner may read, from bytes or chunks; with `limit`, stop and
    delete it once it passes that many bytes (`FileRefused`). Returns its size."""
    if isinstance(chunks, bytes | bytearray):
        chunks = [chunks]
    written = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # an existing file keeps its mode through O_TRUNC
            for chunk in chunks:
                written += len(chunk)
                if limit is not None and written > limit:
                    raise FileRefused(f"The file is larger than {_size(limit)}. Split it.")
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return written
