"""File rules (reference §3.6, §12): upload purposes, filenames, expiry, size, and which files
may be downloaded."""

from __future__ import annotations

from assistants.v1 import file_pb2
from service.domain.validation import (
    check_integer_range,
    check_max_length,
    check_no_nul,
    invalid_value,
    missing,
)
from service.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError

OBJECT = "file"
# The reply to a delete says "file", not "file.deleted" (reference §2).
DELETED_OBJECT = "file"

# Files code_interpreter wrote; clients cannot upload with it.
OUTPUT_PURPOSE = "assistants_output"
UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
# Their content stays inside the service: the reference refuses to hand it back.
NOT_DOWNLOADABLE = frozenset({"assistants", "user_data"})

FILENAME_MAX = 512
MAX_BYTES = 512 * 1024 * 1024
EXPIRES_AFTER_MIN_SECONDS = 3600
EXPIRES_AFTER_MAX_SECONDS = 2_592_000
# Batch files expire after this unless the upload says otherwise.
BATCH_EXPIRES_SECONDS = 30 * 86_400
LIST_LIMIT_MAX = 10_000


def not_found(file_id: str) -> NotFoundError:
    return NotFoundError(f"No such File object: {file_id}")


def too_large() -> InvalidArgumentError:
    return InvalidArgumentError(
        "file",
        f"File is too large. The maximum file size is {MAX_BYTES // (1024 * 1024)} MB.",
        "file_too_large",
    )


def clean_filename(filename: str) -> str:
    """The name without any directory part, checked: 1..512 characters, no NUL.

    Clients send paths ("C:\\data\\a.pdf", "../a.pdf"); only the last part names the file.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not filename:
        raise missing("filename")
    if not name or name in (".", ".."):
        raise InvalidArgumentError(
            "filename", f"Invalid 'filename': '{filename}' does not name a file."
        )
    check_no_nul(name, "filename")
    check_max_length(name, "filename", FILENAME_MAX)
    return name


def check_purpose(purpose: str) -> None:
    if not purpose:
        raise missing("purpose")
    if purpose not in UPLOAD_PURPOSES:
        raise invalid_value("purpose", purpose, UPLOAD_PURPOSES)


def expires_after_seconds(header: file_pb2.FileUploadHeader) -> int | None:
    """The checked expiry delay of an upload, or None when it never expires. Batch files
    expire after 30 days unless told otherwise, as the SDK documents of the hosted API."""
    if not header.HasField("expires_after"):
        return BATCH_EXPIRES_SECONDS if header.purpose == "batch" else None
    expires = header.expires_after
    if expires.anchor != file_pb2.FILE_EXPIRES_AFTER_ANCHOR_CREATED_AT:
        if expires.anchor == file_pb2.FILE_EXPIRES_AFTER_ANCHOR_UNSPECIFIED:
            raise missing("expires_after.anchor")
        raise invalid_value("expires_after.anchor", expires.anchor, ["created_at"])
    check_integer_range(
        expires.seconds,
        "expires_after.seconds",
        EXPIRES_AFTER_MIN_SECONDS,
        EXPIRES_AFTER_MAX_SECONDS,
    )
    return expires.seconds


def check_header(header: file_pb2.FileUploadHeader) -> tuple[str, int | None]:
    """Checks an upload's header before any content is read: (filename, expiry delay)."""
    filename = clean_filename(header.filename)
    check_purpose(header.purpose)
    return filename, expires_after_seconds(header)


def new_file(
    file_id: str,
    filename: str,
    purpose: str,
    size: int,
    created_at: int,
    expires_after: int | None,
) -> file_pb2.File:
    file = file_pb2.File(
        id=file_id,
        object=OBJECT,
        bytes=size,
        created_at=created_at,
        filename=filename,
        purpose=purpose,
        status=file_pb2.FILE_STATUS_PROCESSED,
    )
    if expires_after is not None:
        file.expires_at = created_at + expires_after
    return file


def is_expired(file: file_pb2.File, now: int) -> bool:
    return file.HasField("expires_at") and file.expires_at <= now


def check_downloadable(file: file_pb2.File) -> None:
    """Raises FailedPreconditionError (400 in HTTP) for a purpose whose content is withheld."""
    if file.purpose in NOT_DOWNLOADABLE:
        raise FailedPreconditionError(f"Not allowed to download files of purpose: {file.purpose}")


def list_limit(limit: int | None) -> int:
    check_integer_range(limit, "limit", 1, LIST_LIMIT_MAX)
    return LIST_LIMIT_MAX if limit is None else limit
