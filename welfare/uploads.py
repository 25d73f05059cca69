"""Checking uploaded documents by their bytes, not by what the sender says they are.

Used for care-request attachments and award admission letters: a PDF or an image, within a size
limit. The stored file is named for what its bytes are, never for the name it came with.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from welfare.domain import DomainError

# The first bytes of each type we accept, and the suffix a stored file of that type gets.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
DOCUMENT_TYPES = {content_type: suffix for _sig, content_type, suffix in _SIGNATURES}
DOCUMENT_TYPES["image/webp"] = ".webp"


class UploadError(DomainError):
    """An upload of the wrong type or size; the message says which."""


@dataclass(frozen=True)
class CheckedUpload:
    upload: object
    content_type: str
    suffix: str
    size: int
    original_name: str


def sniff_document(head: bytes) -> str | None:
    """The content type from the first bytes (PDF, JPEG, PNG or WebP), or None."""
    for signature, content_type, _suffix in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_document(upload, *, max_bytes: int, field: str | None = None) -> CheckedUpload:
    """Refuse anything but a PDF or an image within ``max_bytes``; read only the first bytes."""
    name = str(getattr(upload, "name", "") or "")[-200:]
    size = int(getattr(upload, "size", 0) or 0)
    if size > max_bytes:
        raise UploadError(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": name or _("The file"), "limit": _megabytes(max_bytes)},
            field=field,
        )
    if size == 0:
        raise UploadError(_("%(name)s is empty.") % {"name": name or _("The file")}, field=field)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_document(head)
    if content_type is None:
        raise UploadError(
            _("%(name)s is not a PDF or an image (JPEG, PNG, WebP).") % {"name": name or _("The file")},
            field=field,
        )
    return CheckedUpload(
        upload=upload,
        content_type=content_type,
        suffix=DOCUMENT_TYPES[content_type],
        size=size,
        original_name=name,
    )


def _megabytes(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g}" if megabytes >= 1 else f"{megabytes:.2f}"
