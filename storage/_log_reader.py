"""Pages of a project's log, or of one stream, with the place to resume from.

A page is one statement, so the events and the log head it reports come from one snapshot.
Positions are commit-ordered and dense (DESIGN §3), so "every event up to the head" is
exactly what the page covered: a reader that resumes after a page's position misses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from assistants.v1 import events_pb2
from storage._event_codec import EVENT_COLUMNS, decode_event

# The most positions one filtered page of the log scans, so that a rare filter costs many
# cheap statements rather than one that reads the whole log. An unfiltered page needs none:
# the (project_id, position) index yields only the project's events.
SCAN_WINDOW = 100_000
_UNBOUNDED = 2**62

_LOG_PAGE = f"""
    SELECT h.position AS head, e.*
      FROM log_head h
      LEFT JOIN LATERAL (
        SELECT {EVENT_COLUMNS}
          FROM events e
         WHERE e.project_id = $1 AND e.position > $2 AND e.position <= $2 + $3
           AND (cardinality($4::text[]) = 0 OR e.type = ANY($4))
           AND (cardinality($5::text[]) = 0 OR EXISTS (
                SELECT 1 FROM streams s WHERE s.stream_id = e.stream_id AND s.kind = ANY($5)))
           AND (cardinality($7::text[]) = 0 OR coalesce(e.metadata ->> 'key_id', '') = ANY($7))
         ORDER BY e.position
         LIMIT $6
      ) e ON true
"""

_STREAM_PAGE = f"""
    SELECT h.position AS head, s.version AS stream_head, e.*
      FROM log_head h
      JOIN streams s ON s.stream_id = $2 AND s.project_id = $1
      LEFT JOIN LATERAL (
        SELECT {EVENT_COLUMNS}
          FROM events e
         WHERE e.stream_id = $2 AND e.version > $3
           AND (cardinality($4::text[]) = 0 OR e.type = ANY($4))
           AND (cardinality($6::text[]) = 0 OR coalesce(e.metadata ->> 'key_id', '') = ANY($6))
         ORDER BY e.version
         LIMIT $5
      ) e ON true
"""


@dataclass(frozen=True)
class LogFilter:
    """Which events to return: of one stream (stream_id) or the project's whole log, of these
    types and stream kinds (empty: any)."""

    project_id: str
    stream_id: str | None = None
    event_types: Sequence[str] = ()
    stream_kinds: Sequence[str] = ()
    key_ids: Sequence[str] = ()

    def matches(
        self, project_id: str, stream_id: str, kind: str, event_type: str, key_id: str
    ) -> bool:
        return (
            project_id == self.project_id
            and (self.stream_id is None or stream_id == self.stream_id)
            and (not self.event_types or event_type in self.event_types)
            and (not self.stream_kinds or kind in self.stream_kinds)
            and (not self.key_ids or key_id in self.key_ids)
        )

    @property
    def narrowed(self) -> bool:
        """Whether rows of the project are filtered out, beyond the choice of stream."""
        return bool(self.event_types or self.stream_kinds or self.key_ids)


@dataclass(frozen=True)
class Cursor:
    """Everything up to `position` was read (delivered or filtered out). For a stream, also
    the last version read."""

    position: int = 0
    stream_version: int = 0


@dataclass(frozen=True)
class LogPage:
    events: list[events_pb2.Event] = field(default_factory=list)
    cursor: Cursor = Cursor()
    # The page reached the head of the log as it was when it was read.
    at_end: bool = False


class StreamNotFoundError(LookupError):
    """The stream does not exist in the project."""


class LogReader:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def page(self, flt: LogFilter, after: Cursor, limit: int) -> LogPage:
        """Up to `limit` matching events after the cursor. Raises StreamNotFoundError for a
        stream source whose stream is not the project's."""
        if flt.stream_id is not None:
            return await self._stream_page(flt, after, limit)
        return await self._log_page(flt, after, limit)

    async def end(self, flt: LogFilter) -> Cursor:
        """The cursor at the current end of the log (or of the stream)."""
        row = await self._pool.fetchrow(
            "SELECT h.position, s.version FROM log_head h"
            " LEFT JOIN streams s ON s.stream_id = $1 AND s.project_id = $2",
            flt.stream_id,
            flt.project_id,
        )
        assert row is not None
        if flt.stream_id is not None and row["version"] is None:
            raise StreamNotFoundError(flt.stream_id)
        return Cursor(row["position"], row["version"] or 0)

    async def _log_page(self, flt: LogFilter, after: Cursor, limit: int) -> LogPage:
        window = SCAN_WINDOW if flt.narrowed else _UNBOUNDED
        rows = await self._pool.fetch(
            _LOG_PAGE,
            flt.project_id,
            after.position,
            window,
            list(flt.event_types),
            list(flt.stream_kinds),
            limit,
            list(flt.key_ids),
        )
        events = _events(rows)
        if len(events) == limit:
            return LogPage(events, Cursor(events[-1].position))
        head, window_end = rows[0]["head"], after.position + window
        cursor = Cursor(max(min(head, window_end), after.position))
        return LogPage(events, cursor, head <= window_end)

    async def _stream_page(self, flt: LogFilter, after: Cursor, limit: int) -> LogPage:
        assert flt.stream_id is not None
        rows = await self._pool.fetch(
            _STREAM_PAGE,
            flt.project_id,
            flt.stream_id,
            after.stream_version,
            list(flt.event_types),
            limit,
            list(flt.key_ids),
        )
        if not rows:
            raise StreamNotFoundError(flt.stream_id)
        events = _events(rows)
        if len(events) == limit:
            last = events[-1]
            return LogPage(events, Cursor(last.position, last.stream_version))
        cursor = Cursor(max(rows[0]["head"], after.position), rows[0]["stream_head"])
        return LogPage(events, cursor, True)


def _events(rows: Sequence[Any]) -> list[events_pb2.Event]:
    return [decode_event(row) for row in rows if row["position"] is not None]
