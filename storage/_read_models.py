"""Queries on the projections of assistants, threads and messages.

Every query is scoped to a project: another project's object reads as missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import assistant_pb2, message_pb2, thread_pb2
from storage._pages import Page, PageQuery, keyset, to_page

P = TypeVar("P", bound=ProtoMessage)


def _parse(data: dict[str, Any], message: P) -> P:
    json_format.ParseDict(data, message, ignore_unknown_fields=True)
    return message


@dataclass(frozen=True)
class Versioned:
    """A read object with the version of its stream, for an expected-version append."""

    version: int


@dataclass(frozen=True)
class VersionedAssistant(Versioned):
    assistant: assistant_pb2.Assistant


@dataclass(frozen=True)
class VersionedThread(Versioned):
    thread: thread_pb2.Thread
    message_count: int


@dataclass(frozen=True)
class VersionedMessage(Versioned):
    message: message_pb2.Message


@dataclass(frozen=True)
class ThreadHead(Versioned):
    """What a write to a thread must know, without the thread object itself."""

    message_count: int
    # The run in queued, in_progress, requires_action or cancelling, if any.
    active_run_id: str | None = None


class CursorNotFoundError(LookupError):
    """A list cursor names no object of the list."""

    def __init__(self, param: str, object_id: str) -> None:
        super().__init__(object_id)
        self.param = param
        self.object_id = object_id


class ReadModels:
    """Reads of the assistants, threads and messages projections."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_assistant(self, project_id: str, assistant_id: str) -> VersionedAssistant | None:
        row = await self._pool.fetchrow(
            """
            SELECT a.object, s.version FROM assistants a JOIN streams s ON s.stream_id = a.id
             WHERE a.id = $1 AND a.project_id = $2
            """,
            assistant_id,
            project_id,
        )
        if row is None:
            return None
        return VersionedAssistant(row["version"], _parse(row["object"], assistant_pb2.Assistant()))

    async def list_assistants(
        self, project_id: str, query: PageQuery
    ) -> Page[assistant_pb2.Assistant]:
        # Ids are time-ordered, so the cursors are their own sort keys.
        ks = keyset("id", query, query.after, query.before, first_param=2)
        rows = await self._pool.fetch(
            f"SELECT object FROM assistants WHERE project_id = $1{ks.conditions}"
            f" ORDER BY id {ks.order} LIMIT {ks.limit}",
            project_id,
            *ks.params,
        )
        return to_page([_parse(r["object"], assistant_pb2.Assistant()) for r in rows], ks)

    async def get_thread(self, project_id: str, thread_id: str) -> VersionedThread | None:
        row = await self._pool.fetchrow(
            """
            SELECT t.object, t.message_count, s.version
              FROM threads t JOIN streams s ON s.stream_id = t.id
             WHERE t.id = $1 AND t.project_id = $2
            """,
            thread_id,
            project_id,
        )
        if row is None:
            return None
        return VersionedThread(
            row["version"], _parse(row["object"], thread_pb2.Thread()), row["message_count"]
        )

    async def existing_threads(self, thread_ids: Sequence[str]) -> set[str]:
        """Which of thread_ids name threads that exist (in any project)."""
        rows = await self._pool.fetch("SELECT id FROM threads WHERE id = ANY($1)", thread_ids)
        return {row["id"] for row in rows}

    async def get_thread_head(self, project_id: str, thread_id: str) -> ThreadHead | None:
        row = await self._pool.fetchrow(
            """
            SELECT t.message_count, t.active_run_id, s.version
              FROM threads t JOIN streams s ON s.stream_id = t.id
             WHERE t.id = $1 AND t.project_id = $2
            """,
            thread_id,
            project_id,
        )
        if row is None:
            return None
        return ThreadHead(row["version"], row["message_count"], row["active_run_id"])

    async def get_message(
        self, project_id: str, thread_id: str, message_id: str
    ) -> VersionedMessage | None:
        row = await self._pool.fetchrow(
            """
            SELECT m.object, s.version FROM messages m JOIN streams s ON s.stream_id = m.thread_id
             WHERE m.id = $1 AND m.thread_id = $2 AND m.project_id = $3 AND NOT m.deleted
            """,
            message_id,
            thread_id,
            project_id,
        )
        if row is None:
            return None
        return VersionedMessage(row["version"], _parse(row["object"], message_pb2.Message()))

    async def list_messages(
        self, project_id: str, thread_id: str, query: PageQuery, run_id: str | None = None
    ) -> Page[message_pb2.Message] | None:
        """A page of the thread's messages in thread order; None when the thread is missing.

        Raises CursorNotFoundError when after or before names no message of the thread.
        """
        async with self._pool.acquire() as conn:
            head = await conn.fetchrow(
                """
                SELECT EXISTS (SELECT 1 FROM threads WHERE id = $1 AND project_id = $2) AS found,
                       (SELECT seq FROM messages WHERE id = $3 AND thread_id = $1) AS after_seq,
                       (SELECT seq FROM messages WHERE id = $4 AND thread_id = $1) AS before_seq
                """,
                thread_id,
                project_id,
                query.after,
                query.before,
            )
            if not head["found"]:
                return None
            for param, cursor, seq in (
                ("after", query.after, head["after_seq"]),
                ("before", query.before, head["before_seq"]),
            ):
                if cursor is not None and seq is None:
                    raise CursorNotFoundError(param, cursor)
            ks = keyset("seq", query, head["after_seq"], head["before_seq"], first_param=3)
            run_filter = " AND run_id = $2" if run_id else " AND $2::text IS NULL"
            rows = await conn.fetch(
                f"SELECT object FROM messages WHERE thread_id = $1 AND NOT deleted{run_filter}"
                f"{ks.conditions} ORDER BY seq {ks.order} LIMIT {ks.limit}",
                thread_id,
                run_id,
                *ks.params,
            )
        return to_page([_parse(r["object"], message_pb2.Message()) for r in rows], ks)

    async def message_token_totals(self, thread_id: str) -> list[tuple[str, int, int]]:
        """(message id, token count, running total) of the thread's messages, in order."""
        rows = await self._pool.fetch(
            "SELECT id, token_count, token_total FROM messages"
            " WHERE thread_id = $1 AND NOT deleted ORDER BY seq",
            thread_id,
        )
        return [(r["id"], r["token_count"], r["token_total"]) for r in rows]
