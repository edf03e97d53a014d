"""Storage failures as client-visible errors: one table, used by the gRPC and HTTP layers."""

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
)

_TABLE: tuple[tuple[type[StorageError], AssistantsError], ...] = (
    (
        WrongExpectedVersionError,
        ConflictError("The object was changed by a concurrent request. Retry the request."),
    ),
    (TransientStorageError, UnavailableError("The database is busy. Retry the request.")),
    (StorageTimeoutError, DeadlineExceededError("The database did not answer in time.")),
)


def from_storage(error: StorageError) -> AssistantsError | None:
    """The client-visible error for a storage failure, or None for a server fault."""
    for storage_type, client_error in _TABLE:
        if isinstance(error, storage_type):
            return type(client_error)(client_error.message)
    return None
