"""Failures as client-visible errors: one table, used by the gRPC and HTTP layers."""

from __future__ import annotations

from service.errors import (
    AssistantsError,
    ConflictError,
    DeadlineExceededError,
    UnavailableError,
)
from storage import (
    StorageError,
    StorageTimeoutError,
    TransientStorageError,
    WrongExpectedVersionError,
    is_connection_error,
)

_TABLE: tuple[tuple[type[StorageError], AssistantsError], ...] = (
    (
        WrongExpectedVersionError,
        ConflictError("The object was changed by a concurrent request. Retry the request."),
    ),
    (TransientStorageError, UnavailableError("The database is busy. Retry the request.")),
    (StorageTimeoutError, DeadlineExceededError("The database did not answer in time.")),
)


def client_error(error: Exception) -> AssistantsError | None:
    """The error a client may see for a failure, or None for a server fault (INTERNAL)."""
    if isinstance(error, AssistantsError):
        return error
    for storage_type, known in _TABLE:
        if isinstance(error, storage_type):
            return type(known)(known.message)
    if is_connection_error(error):
        return UnavailableError("The database is unavailable. Retry the request.")
    return None
