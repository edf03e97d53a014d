"""Storage errors, mapped from SQLSTATE codes in one table.

StorageError
 ├── WrongExpectedVersionError   the stream moved on since it was read (AE409)
 ├── DuplicateRequestRaceError   a twin request with the same id committed first (23505)
 ├── TransientStorageError       serialization failure or deadlock: retry (40001, 40P01)
 └── StorageTimeoutError         the statement was cancelled (57014)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg


class StorageError(Exception):
    """Base of every error raised by storage."""


class WrongExpectedVersionError(StorageError):
    """An append's expected version did not match the stream."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id}: expected version {expected}, actual {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class DuplicateRequestRaceError(StorageError):
    """Two appends under one request id raced; the loser should retry and get the duplicate."""


class TransientStorageError(StorageError):
    """A failure that a retry of the whole transaction may not see again."""


class StorageTimeoutError(StorageError):
    """The database cancelled the statement (statement_timeout or a cancel request)."""


def is_connection_error(error: BaseException) -> bool:
    """True for a lost or refused database connection: the database is unavailable."""
    return isinstance(
        error,
        OSError
        | asyncpg.InterfaceError
        | asyncpg.PostgresConnectionError
        | asyncpg.CannotConnectNowError
        | asyncpg.TooManyConnectionsError
        | asyncpg.AdminShutdownError,
    )


_BY_SQLSTATE: dict[str, type[StorageError]] = {
    "40001": TransientStorageError,
    "40P01": TransientStorageError,
    "57014": StorageTimeoutError,
}


@contextmanager
def translate_errors(stream_id: str = "", expected: int = 0) -> Iterator[None]:
    """Re-raises asyncpg errors as StorageError subclasses by SQLSTATE, never by text."""
    try:
        yield
    except asyncpg.PostgresError as error:
        state = getattr(error, "sqlstate", None)
        if state == "AE409":
            actual = int(getattr(error, "detail", None) or 0)
            raise WrongExpectedVersionError(stream_id, expected, actual) from error
        if state == "23505" and getattr(error, "constraint_name", None) == "requests_pkey":
            raise DuplicateRequestRaceError(str(error)) from error
        mapped = _BY_SQLSTATE.get(state or "")
        if mapped is not None:
            raise mapped(str(error)) from error
        raise
