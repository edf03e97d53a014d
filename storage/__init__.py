"""PostgreSQL storage: migrations, the event store, projections and API keys.

Knows nothing of gRPC or HTTP.
"""

from storage._blobs import (
    BlobNotFoundError,
    BlobStore,
    BlobTooLargeError,
    FilesystemBlobStore,
    PostgresBlobStore,
    StoredBlob,
)
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
from storage._files import FileReads, VersionedFile
from storage._hash_chain import GENESIS, ChainProblem, check_stream, event_digest, link
from storage._keys import KeyInfo, KeyRecord, KeyStore
from storage._log_reader import Cursor, LogFilter, LogPage, LogReader, StreamNotFoundError
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
from storage._rebuild import (
    MAX_DIFFERENCES,
    PROJECTION_TABLES,
    SHIELDED_TABLES,
    DifferenceKind,
    KeptColumn,
    ProjectionComparison,
    ProjectionRebuild,
    ProjectionTable,
    RebuildError,
    RowDifference,
    TableComparison,
    TableReplacement,
    rebuild_projections,
    verify_projections,
)
from storage._run_streams import RunStreams, StreamEntry
from storage._runs import ClaimedRun, Runs, VersionedRun
from storage._storage import Storage
from storage._subscriptions import Delivery, LogTail, Subscriptions
from storage._vector_stores import (
    HeldJob,
    IngestionJob,
    IngestionJobs,
    VectorStoreReads,
    VersionedBatch,
    VersionedVectorStore,
)
from storage._windows import ContextWindows, WindowMessage

__all__ = [
    "ANY_VERSION",
    "GENESIS",
    "MAX_DIFFERENCES",
    "NO_STREAM",
    "PROJECTION_TABLES",
    "SHIELDED_TABLES",
    "STREAM_EXISTS",
    "AppendResult",
    "AuditReport",
    "BlobNotFoundError",
    "BlobStore",
    "BlobTooLargeError",
    "ChainAudit",
    "ChainProblem",
    "ClaimedRun",
    "ContextWindows",
    "Cursor",
    "CursorNotFoundError",
    "Delivery",
    "DifferenceKind",
    "DuplicateRequestRaceError",
    "EventStore",
    "FileReads",
    "FilesystemBlobStore",
    "HeldJob",
    "IngestionJob",
    "IngestionJobs",
    "KeptColumn",
    "KeyInfo",
    "KeyRecord",
    "KeyStore",
    "LogFilter",
    "LogPage",
    "LogReader",
    "LogTail",
    "MigrationError",
    "Page",
    "PageQuery",
    "PostgresBlobStore",
    "ProjectionComparison",
    "ProjectionRebuild",
    "ProjectionTable",
    "ReadModels",
    "RebuildError",
    "RowDifference",
    "RunPublication",
    "RunStreams",
    "Runs",
    "Storage",
    "StorageError",
    "StorageTimeoutError",
    "StoredBlob",
    "StreamEntry",
    "StreamInfo",
    "StreamNotFoundError",
    "Subscriptions",
    "TableComparison",
    "TableReplacement",
    "ThreadHead",
    "TransientStorageError",
    "VectorStoreReads",
    "VersionedAssistant",
    "VersionedBatch",
    "VersionedFile",
    "VersionedMessage",
    "VersionedRun",
    "VersionedThread",
    "VersionedVectorStore",
    "WindowMessage",
    "WrongExpectedVersionError",
    "check_stream",
    "event_digest",
    "is_connection_error",
    "link",
    "load_migrations",
    "migrate",
    "rebuild_projections",
    "verify_projections",
]
