"""Files uploaded for checking and then importing, named by a token only the uploader can use.

A checked file waits, owner-only, in the uploads folder's `imports/` (FILE_UPLOAD_TEMP_DIR, where
Django also spools large uploads) for the person to import it; it is deleted as soon as it is
imported or refused. One left waiting — checked and never imported, or left behind by a crash —
stops being importable a day after it was written and is deleted by `melior purge`: a raw
roster, with the district's student ids, is never kept longer."""

import re
import time
import uuid
from pathlib import Path

from django.conf import settings

from melior import files

SUFFIXES = ("csv", "xlsx", "txt", "zip")
MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(rf"(\d+)-[0-9a-f]{{32}}\.({'|'.join(SUFFIXES)})")


def _folder() -> Path:
    """Where Django spools large uploads too, so purge also finds what a crash left there."""
    return files.private_folder(Path(settings.FILE_UPLOAD_TEMP_DIR))


def keep_upload(user, upload) -> tuple[str, Path]:
    """Save an uploaded file, owner-only; returns its token and where it is. Refuses a file
    larger than the import limit (`files.FileRefused`), keeping nothing."""
    files.check_size(upload.size)
    suffix = Path(upload.name).suffix.lower()
    if suffix.lstrip(".") not in SUFFIXES:
        suffix = ".txt"
    token = f"{user.pk}-{uuid.uuid4().hex}{suffix}"
    path = _folder() / token
    files.write_private(path, upload.chunks(), limit=files.MAX_FILE_BYTES)
    return token, path


def upload_path(user, token: str) -> Path | None:
    """The saved upload a token names, if it is this user's, still there and less than a day
    old (an older one is deleted on the spot)."""
    match = _TOKEN.fullmatch(token or "")
    if not match or int(match.group(1)) != user.pk:
        return None
    path = _folder() / token
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return None
    if time.time() - written > MAX_AGE_SECONDS:
        path.unlink(missing_ok=True)
        return None
    return path


def purge_stale_uploads(now: float | None = None) -> int:
    """Delete every waiting upload written more than a day ago; returns how many."""
    now = time.time() if now is None else now
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # imported or purged meanwhile
            continue
    return removed
