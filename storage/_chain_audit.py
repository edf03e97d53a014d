"""Walks the recorded log and checks it against its hash chains (see _hash_chain)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from assistants.v1 import events_pb2
from storage._event_codec import decode_event
from storage._hash_chain import GENESIS, ChainProblem, check_stream, link

_EVENTS = """
    SELECT position, stream_id, version, event_id, type, schema_version, data, metadata,
           recorded_at, hash
      FROM events
     WHERE $1::text IS NULL OR stream_id = $1
     ORDER BY stream_id, version
"""
_STREAMS = """
    SELECT stream_id, version FROM streams WHERE $1::text IS NULL OR stream_id = $1
"""
# The project column, kept beside the hashed metadata for scoping, must say the same thing.
_MISMATCHED_COLUMNS = """
    SELECT e.position, e.stream_id, e.version
      FROM events e LEFT JOIN streams s ON s.stream_id = e.stream_id
     WHERE ($1::text IS NULL OR e.stream_id = $1)
       AND (e.project_id IS DISTINCT FROM e.metadata ->> 'project_id'
            OR s.project_id IS DISTINCT FROM e.project_id)
     ORDER BY e.position
"""
# Positions are dense from 1 to the log head: a hole is a deleted event.
_POSITION_GAPS = """
    SELECT previous + 1 AS first, position - 1 AS last
      FROM (SELECT position, lag(position, 1, 0::bigint) OVER (ORDER BY position) AS previous
              FROM events) p
     WHERE position <> previous + 1
    UNION ALL
    SELECT coalesce((SELECT max(position) FROM events), 0) + 1, position
      FROM log_head
     WHERE position > coalesce((SELECT max(position) FROM events), 0)
"""


@dataclass
class AuditReport:
    streams: int = 0
    events: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


class ChainAudit:
    """Verifies the hash chains of the log, or of one stream, in one consistent snapshot."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def verify(self, stream_id: str | None = None) -> AuditReport:
        report = AuditReport()
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            recorded = {
                row["stream_id"]: row["version"] for row in await conn.fetch(_STREAMS, stream_id)
            }
            async for sid, events in _streams_of(conn, stream_id):
                report.streams += 1
                report.events += len(events)
                if sid not in recorded:
                    report.problems.append(
                        ChainProblem(sid, None, None, "has events but no stream record")
                    )
                report.problems += check_stream(sid, events, recorded.pop(sid, 0))
            for sid, version in recorded.items():
                report.streams += 1
                report.problems += check_stream(sid, [], version)
            report.problems += await _column_problems(conn, stream_id)
            if stream_id is None:
                report.problems += await _position_problems(conn)
        return report


async def seal_unsealed(conn: asyncpg.Connection) -> int:
    """Hashes the events recorded before the hash chain existed (migration 0006), in the
    migration's transaction. Returns how many it sealed."""
    sealed: list[tuple[int, bytes]] = []
    async for _, events in _streams_of(conn, None):
        previous = GENESIS
        for event in events:
            if not event.hash:
                event.hash = link(previous, event)
                sealed.append((event.position, event.hash))
            previous = event.hash
    await conn.executemany("UPDATE events SET hash = $2 WHERE position = $1", sealed)
    return len(sealed)


async def _streams_of(
    conn: asyncpg.Connection, stream_id: str | None
) -> AsyncIterator[tuple[str, list[events_pb2.Event]]]:
    """Each stream's events in version order, a stream at a time (a cursor, so the log is
    never in memory at once; a single stream is)."""
    rows = conn.cursor(_EVENTS, stream_id, prefetch=1000)
    events = (decode_event(row) async for row in rows)
    pending: list[events_pb2.Event] = []
    async for event in events:
        if pending and pending[-1].stream_id != event.stream_id:
            yield pending[0].stream_id, pending
            pending = []
        pending.append(event)
    if pending:
        yield pending[0].stream_id, pending


async def _column_problems(conn: asyncpg.Connection, stream_id: str | None) -> list[ChainProblem]:
    return [
        ChainProblem(
            row["stream_id"],
            row["version"],
            row["position"],
            "its project column disagrees with its hashed metadata",
        )
        for row in await conn.fetch(_MISMATCHED_COLUMNS, stream_id)
    ]


async def _position_problems(conn: asyncpg.Connection) -> list[ChainProblem]:
    problems = []
    for row in await conn.fetch(_POSITION_GAPS):
        first, last = row["first"], row["last"]
        span = f"position {first}" if first == last else f"positions {first}..{last}"
        problems.append(ChainProblem(None, None, first, f"{span} missing: events were deleted"))
    return problems
