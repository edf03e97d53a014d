"""The append-only event log: append with an expected version, read a stream, read the log."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
from google.protobuf.message import Message

from assistants.v1 import events_pb2
from storage._errors import DuplicateRequestRaceError, translate_errors
from storage._event_codec import EVENT_COLUMNS, decode_event, encode_payload, metadata_json
from storage._hash_chain import canonical_body

# Expected versions. A value >= 1 is the exact version the stream must be at.
NO_STREAM = 0
ANY_VERSION = -1
STREAM_EXISTS = -2

_SELECT = f"""
    SELECT {EVENT_COLUMNS}
      FROM events e
"""


@dataclass(frozen=True)
class AppendResult:
    """Where an append landed. A duplicate is a retried request id: nothing was appended, and
    the versions are those of the first append (first_position is then None)."""

    duplicate: bool
    stream_id: str
    first_version: int
    last_version: int
    first_position: int | None
    # The run-stream sequence number of the first published run event, when there were any.
    first_sequence: int | None = None


@dataclass(frozen=True)
class RunPublication:
    """Run events to publish on a run's stream in the same transaction as an append.

    Each event is its name and a serialized assistants.v1.RunEvent.
    """

    run_id: str
    events: Sequence[tuple[str, bytes]]


@dataclass(frozen=True)
class StreamInfo:
    stream_id: str
    project_id: str
    kind: str
    version: int


class EventStore:
    """Appends events to streams and reads them back, in stream or global order."""

    def __init__(self, pool: asyncpg.Pool, on_append: Callable[[], None] | None = None) -> None:
        self._pool = pool
        # Told of every append of this process, so its live subscribers need no notification.
        self._on_append = on_append or (lambda: None)

    async def append(
        self,
        stream_id: str,
        kind: str,
        payloads: Sequence[Message],
        *,
        expected_version: int,
        metadata: events_pb2.EventMetadata,
        idempotency_key: str | None = None,
        publish: RunPublication | None = None,
        connection: asyncpg.Connection | None = None,
    ) -> AppendResult:
        """Appends payloads to a stream in one round trip, and their projections with them.

        A second append under the same idempotency_key (a client's request id) appends nothing
        and returns the first append's stream and versions, with duplicate set.
        Raises WrongExpectedVersionError when the stream is not at expected_version.
        With publish, its run events are published on the run's stream in the same transaction.
        With connection, the append runs on it, inside the caller's transaction if one is open,
        so that it commits (or not) with the caller's other writes.
        """
        types, data = zip(*(encode_payload(p) for p in payloads), strict=True)
        event_ids = [uuid.uuid4() for _ in payloads]
        args: tuple[object, ...] = (
            metadata.project_id,
            stream_id,
            kind,
            expected_version,
            event_ids,
            list(types),
            list(data),
            [
                canonical_body(str(event_id), stream_id, payload, metadata)
                for event_id, payload in zip(event_ids, payloads, strict=True)
            ],
            metadata_json(metadata),
            idempotency_key,
        )
        sql = "SELECT * FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        if publish is not None and publish.events:
            names, blobs = zip(*publish.events, strict=True)
            args = (*args, publish.run_id, list(names), list(blobs))
            sql = (
                "SELECT * FROM append_and_publish"
                "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            )
        runner = self._pool if connection is None else connection
        for attempt in range(2):
            try:
                with translate_errors(stream_id, expected_version):
                    row = await runner.fetchrow(sql, *args)
                break
            except DuplicateRequestRaceError:
                # In the caller's transaction the failed statement aborted it: no retry there.
                if attempt or connection is not None:
                    raise
        assert row is not None
        self._on_append()
        return AppendResult(
            duplicate=row["duplicate"],
            stream_id=row["stream_id"],
            first_version=row["first_version"],
            last_version=row["last_version"],
            first_position=row["first_position"],
            first_sequence=row.get("first_sequence"),
        )

    async def find_request(self, project_id: str, idempotency_key: str) -> AppendResult | None:
        """Where the append made under this idempotency key landed, if there was one."""
        row = await self._pool.fetchrow(
            "SELECT stream_id, first_version, last_version FROM requests"
            " WHERE project_id = $1 AND request_id = $2",
            project_id,
            idempotency_key,
        )
        if row is None:
            return None
        return AppendResult(True, row["stream_id"], row["first_version"], row["last_version"], None)

    async def read_stream(
        self,
        project_id: str,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        limit: int = 1000,
    ) -> list[events_pb2.Event]:
        """Events of one stream of the project, from from_version up, in version order."""
        rows = await self._pool.fetch(
            _SELECT
            + """
             WHERE stream_id = $1 AND project_id = $2 AND version >= $3
               AND ($4::bigint IS NULL OR version <= $4)
             ORDER BY version
             LIMIT $5
            """,
            stream_id,
            project_id,
            from_version,
            to_version,
            limit,
        )
        return [decode_event(row) for row in rows]

    async def read_all(
        self, *, project_id: str | None = None, after_position: int = 0, limit: int = 1000
    ) -> list[events_pb2.Event]:
        """Events after a global position, in position order; one project's, or every one."""
        rows = await self._pool.fetch(
            _SELECT
            + """
             WHERE position > $1 AND ($2::text IS NULL OR project_id = $2)
             ORDER BY position
             LIMIT $3
            """,
            after_position,
            project_id,
            limit,
        )
        return [decode_event(row) for row in rows]

    async def stream_version(self, project_id: str, stream_id: str) -> int:
        """The stream's current version; 0 when it does not exist."""
        version = await self._pool.fetchval(
            "SELECT version FROM streams WHERE stream_id = $1 AND project_id = $2",
            stream_id,
            project_id,
        )
        return int(version or 0)

    async def find_stream(self, stream_id: str) -> StreamInfo | None:
        """A stream of any project, for operator tools that are given only an object id."""
        row = await self._pool.fetchrow(
            "SELECT stream_id, project_id, kind, version FROM streams WHERE stream_id = $1",
            stream_id,
        )
        return None if row is None else StreamInfo(**row)
