"""The context window read: the newest messages of a thread, as many as a budget allows.

Its cost depends on the window, not on the thread. With `last_messages` N it is a backward
range of the (thread_id, seq) index that stops after N live messages, then trimmed to
`max_tokens` here. With `max_tokens` alone it is the range of the (thread_id, token_total) index
(migration 0005) that holds the messages fitting the budget.

Counts are the stored o200k_base counts, chat overhead included. A deleted message stays as a
tombstone and its tokens stay in the running totals, so a read by `max_tokens` alone is
conservative: the tokens of deleted messages inside the range take budget, and a few older live
messages that would have fit may be left out. (With `last_messages` too, the trim counts live
messages only.) A read never returns more than `max_tokens`.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from assistants.v1 import message_pb2
from storage._read_models import _parse

# Both queries: $1 thread, $2 project, $3 before_seq; newest first.
# $4 last_messages (NULL: no limit). The only plan is the backward scan of (thread_id, seq) that
# stops at the limit.
LAST_MESSAGES_SQL = """
SELECT object, token_count FROM messages
 WHERE thread_id = $1 AND project_id = $2 AND seq < $3 AND NOT deleted
 ORDER BY seq DESC LIMIT $4
"""
# $4 max_tokens. A message fits when it starts at or after (end - max_tokens), where end is the
# running total at the window's end, deleted messages included; its own running total then lies
# in [end - max_tokens, end]. The bounds are scalar subqueries, computed once before the scan,
# so that they bound the index scan itself: as a join they were only a filter on a scan of the
# whole thread.
MAX_TOKENS_SQL = """
WITH window_end AS MATERIALIZED (
    SELECT token_total FROM messages
     WHERE thread_id = $1 AND seq < $3 ORDER BY seq DESC LIMIT 1
)
SELECT object, token_count FROM messages
 WHERE thread_id = $1 AND project_id = $2 AND seq < $3 AND NOT deleted
   AND token_total >= (SELECT token_total FROM window_end) - $4
   AND token_total <= (SELECT token_total FROM window_end)
   AND token_total - token_count >= (SELECT token_total FROM window_end) - $4
 ORDER BY seq DESC
"""


@dataclass(frozen=True)
class WindowMessage:
    message: message_pb2.Message
    token_count: int  # o200k_base, chat overhead included, as stored


def _within(rows: list[asyncpg.Record], max_tokens: int | None) -> list[asyncpg.Record]:
    """The longest suffix of rows (oldest first) whose token counts sum to <= max_tokens."""
    if max_tokens is None:
        return rows
    start, used = len(rows), 0
    while start > 0 and used + rows[start - 1]["token_count"] <= max_tokens:
        start -= 1
        used += rows[start]["token_count"]
    return rows[start:]


class ContextWindows:
    """Reads of the messages that go into a run's prompt."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def read(
        self,
        project_id: str,
        thread_id: str,
        *,
        before_seq: int,
        max_tokens: int | None,
        last_messages: int | None,
    ) -> list[WindowMessage]:
        """The live messages of the thread with seq < before_seq, oldest first: the last
        `last_messages` of them when set, and the longest suffix whose stored counts sum to at
        most `max_tokens` when set. With neither, every one of them (a read as long as the
        thread). A missing thread, or one of another project, has no messages.
        """
        if (max_tokens is not None and max_tokens < 0) or (
            last_messages is not None and last_messages <= 0
        ):
            return []
        head = (thread_id, project_id, before_seq)
        if max_tokens is None or last_messages is not None:
            rows = await self._pool.fetch(LAST_MESSAGES_SQL, *head, last_messages)
        else:
            rows = await self._pool.fetch(MAX_TOKENS_SQL, *head, max_tokens)
        return [
            WindowMessage(_parse(r["object"], message_pb2.Message()), r["token_count"])
            for r in _within(rows[::-1], max_tokens)
        ]
