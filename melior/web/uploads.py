"""Files uploaded for checking and then importing: kept under var/uploads between the check and
the import, named by a token that only the uploader can use."""

import re
import uuid
from pathlib import Path

from django.conf import settings

SUFFIXES = ("csv", "xlsx", "txt", "zip")


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(user, upload) -> tuple[str, Path]:
    """Save an uploaded file; returns its token and where it is."""
    suffix = Path(upload.name).suffix.lower()
    if suffix.lstrip(".") not in SUFFIXES:
        suffix = ".txt"
    token = f"{user.pk}-{uuid.uuid4().hex}{suffix}"
    path = _folder() / token
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, path


def upload_path(user, token: str) -> Path | None:
    """The saved upload a token names, if it is this user's and still there."""
    match = re.fullmatch(rf"(\d+)-[0-9a-f]{{32}}\.({'|'.join(SUFFIXES)})", token or "")
    if not match or int(match.group(1)) != user.pk:
        return None
    path = _folder() / token
    return path if path.exists() else None
