"""PostgreSQL storage: migrations, the event store, projections and API keys.

Knows nothing of gRPC or HTTP.
"""

from storage._chain_audit import AuditReport, ChainAudit
from storage._errors import (
    DuplicateRequestRaceError,
    StorageError,
    StorageTimeoutError,
    TransientStorageError,
    WrongExpectedVersionError,
    is_connection_error,
)
from storage._event_store import (
    ANY_VERSION,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    EventStore,
    RunPublication,
    StreamInfo,
)
from storage._hash_chain import GENESIS, ChainProblem, check_stream, event_digest, link
from storage._keys import KeyInfo, KeyRecord, KeyStore
from storage._migrations import MigrationError, load_migrations, migrate
from storage._pages import Page, PageQuery
from storage._read_models import (
    CursorNotFoundError,
    ReadModels,
    ThreadHead,
    VersionedAssistant,
    VersionedMessage,
    VersionedThread,
)
from storage._run_streams import RunStreams, StreamEntry
from storage._runs import ClaimedRun, Runs, VersionedRun
from storage._storage import Storage
from storage._windows import ContextWindows, WindowMessage

__all__ = [
    "ANY_VERSION",
    "GENESIS",
    "NO_STREAM",
    "STREAM_EXISTS",
    "AppendResult",
    "AuditReport",
    "ChainAudit",
    "ChainProblem",
    "ClaimedRun",
    "ContextWindows",
    "CursorNotFoundError",
    "DuplicateRequestRaceError",
    "EventStore",
    "KeyInfo",
    "KeyRecord",
    "KeyStore",
    "MigrationError",
    "Page",
    "PageQuery",
    "ReadModels",
    "RunPublication",
    "RunStreams",
    "Runs",
    "Storage",
    "StorageError",
    "StorageTimeoutError",
    "StreamEntry",
    "StreamInfo",
    "ThreadHead",
    "TransientStorageError",
    "VersionedAssistant",
    "VersionedMessage",
    "VersionedRun",
    "VersionedThread",
    "WindowMessage",
    "WrongExpectedVersionError",
    "check_stream",
    "event_digest",
    "is_connection_error",
    "link",
    "load_migrations",
    "migrate",
]
