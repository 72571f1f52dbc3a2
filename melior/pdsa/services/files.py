"""Files a team keeps with a cycle: only the allowed types, checked by their first bytes, and no
bigger than the limit."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Attachment, Cycle

S = Cycle.Status
# file types a team may attach (by extension), and the largest size
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAGIC = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8",
    ".jpeg": b"\xff\xd8",
    ".xlsx": b"PK",
    ".docx": b"PK",
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "MELIOR_MAX_UPLOAD_MB", 5) * 1024 * 1024)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(round(n / 1024), 1)} KB"


@transaction.atomic
def add_attachment(*, cycle: Cycle, upload, user=None) -> Attachment:
    """A file kept with the cycle: one of the allowed types, no bigger than the limit."""
    if cycle.status == S.DRAFT:
        raise ValidationError("Attach data once the cycle is planned.")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(s.lstrip(".") for s in ALLOWED_TYPES))
        raise ValidationError(
            {"file": f"Files of type “{suffix or 'none'}” are refused; attach {allowed}."}
        )
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            {"file": f"The file is {_size(upload.size)}; the limit is {_size(limit)}."}
        )
    head = upload.read(8)
    upload.seek(0)
    if suffix in MAGIC and not head.startswith(MAGIC[suffix]):
        raise ValidationError({"file": f"The file's content is not {suffix.lstrip('.')}."})
    return Attachment.objects.create(
        cycle=cycle,
        file=upload,
        name=Path(upload.name).name[:200],
        content_type=ALLOWED_TYPES[suffix],
        size=upload.size,
        uploaded_by=user,
    )
