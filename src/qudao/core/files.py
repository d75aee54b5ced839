"""Uploaded files: where private ones live and how a scan or photo is checked.

Private files (transfer slips, dealers' papers) are kept in settings.STORAGES["private"],
outside MEDIA_ROOT and without a URL: only views that check the reader's scope serve them.
"""

import secrets
from typing import Any

import filetype  # type: ignore[import-untyped]
from django.core.files.storage import Storage, storages
from django.utils.translation import gettext_lazy as _

from qudao.core.errors import ValidationFailed

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# what `filetype` recognises from the first bytes → the content type stored and served
DOCUMENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}


def private_storage() -> Storage:
    return storages["private"]


def random_name(extension: str) -> str:
    """A file name nobody can guess or choose: `<24 hex digits>.<extension>`."""
    return f"{secrets.token_hex(12)}.{extension}"


def document_kind(upload: Any, *, field: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """The real type of an uploaded scan or photo — "jpg", "png" or "pdf" — from its first
    bytes, never from its name or the browser's word. Refused, naming `field`: an empty file
    or another type (`file_type_not_allowed`), more than `max_bytes` (`file_too_large`)."""
    size = upload.size or 0
    if size > max_bytes:
        message = str(_("The file is larger than %(mb)s MB.")) % {"mb": max_bytes >> 20}
        raise ValidationFailed(message, code="file_too_large", fields={field: [message]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    guess = filetype.guess(head) if head else None
    if guess is None or guess.extension not in DOCUMENT_TYPES:
        message = str(_("Upload a JPG, PNG or PDF file."))
        raise ValidationFailed(message, code="file_type_not_allowed", fields={field: [message]})
    return str(guess.extension)
