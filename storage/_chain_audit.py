"""Walks the recorded log and checks it against its hash chains (see _hash_chain)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg

from assistants.v1 import events_pb2
from storage._event_codec import decode_event_json
from storage._hash_chain import GENESIS, ChainProblem, check_stream, encode, link

# Every column: migrations run this before the body column (0008) exists, and after.
_EVENTS = """
    SELECT *
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
            async for sid, events, bodies in _streams_of(conn, stream_id):
                report.streams += 1
                report.events += len(events)
                if sid not in recorded:
                    report.problems.append(
                        ChainProblem(sid, None, None, "has events but no stream record")
                    )
                report.problems += check_stream(sid, events, recorded.pop(sid, 0))
                report.problems += _body_problems(events, bodies)
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
    async for _, events, _bodies in _streams_of(conn, None):
        previous = GENESIS
        for event in events:
            if not event.hash:
                event.hash = link(previous, event)
                sealed.append((event.position, event.hash))
            previous = event.hash
    await conn.executemany("UPDATE events SET hash = $2 WHERE position = $1", sealed)
    return len(sealed)


async def store_bodies(conn: asyncpg.Connection) -> int:
    """Stores the canonical encoding of the events recorded before migration 0008, from their
    JSON, in the migration's transaction. Returns how many it stored."""
    stored: list[tuple[int, bytes]] = []
    async for _, events, bodies in _streams_of(conn, None):
        pairs = zip(events, bodies, strict=True)
        stored += [(event.position, encode(event)) for event, body in pairs if body is None]
    await conn.executemany("UPDATE events SET body = $2 WHERE position = $1", stored)
    return len(stored)


async def _streams_of(
    conn: asyncpg.Connection, stream_id: str | None
) -> AsyncIterator[tuple[str, list[events_pb2.Event], list[bytes | None]]]:
    """Each stream's events in version order, decoded from their JSON (the record), with their
    stored encodings; a stream at a time (a cursor: the log is never in memory at once)."""
    events: list[events_pb2.Event] = []
    bodies: list[bytes | None] = []
    # Prepared afresh: a cached `SELECT *` is invalid once 0008 has added a column.
    statement = await conn.prepare(_EVENTS)
    async for row in statement.cursor(stream_id, prefetch=1000):
        event = decode_event_json(row)
        if events and events[-1].stream_id != event.stream_id:
            yield events[0].stream_id, events, bodies
            events, bodies = [], []
        events.append(event)
        bodies.append(row.get("body"))
    if events:
        yield events[0].stream_id, events, bodies


def _body_problems(
    events: list[events_pb2.Event], bodies: list[bytes | None]
) -> list[ChainProblem]:
    """Readers decode the stored encoding: it must say what the JSON record says."""
    return [
        ChainProblem(
            event.stream_id,
            event.stream_version,
            event.position,
            "its stored encoding differs from its JSON: readers are shown something else",
        )
        for event, body in zip(events, bodies, strict=True)
        if body is not None and body != encode(event)
    ]


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
