"""Contract tests of the context window read: the newest live messages within a budget."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from assistants.v1 import events_pb2, message_pb2, thread_pb2
from storage import NO_STREAM, Storage
from storage._windows import LAST_MESSAGES_SQL, MAX_TOKENS_SQL, ContextWindows
from tests.storage.conftest import metadata, new_id

CREATED_AT = 1_700_000_000
BATCH = 1_000


@dataclass
class Thread:
    """A thread made for a test: its id, its messages' ids, counts and seqs, in order."""

    project_id: str
    thread_id: str
    version: int
    ids: list[str]
    counts: list[int]
    seqs: list[int]


def _message(thread_id: str, text: str) -> message_pb2.Message:
    return message_pb2.Message(
        id=new_id("msg"),
        object="thread.message",
        created_at=CREATED_AT,
        thread_id=thread_id,
        status=message_pb2.MESSAGE_STATUS_COMPLETED,
        role=message_pb2.MESSAGE_ROLE_USER,
        content=[
            message_pb2.MessageContent(
                type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=message_pb2.Text(value=text)
            )
        ],
    )


async def new_thread(storage: Storage, project_id: str) -> Thread:
    thread_id = new_id("thread")
    created = events_pb2.ThreadCreated(
        thread=thread_pb2.Thread(id=thread_id, object="thread", created_at=CREATED_AT)
    )
    result = await storage.events.append(
        thread_id, "thread", [created], expected_version=NO_STREAM, metadata=metadata(project_id)
    )
    return Thread(project_id, thread_id, result.last_version, [], [], [])


async def add(storage: Storage, thread: Thread, counts: list[int]) -> None:
    """Appends messages with these token counts, a thousand per append."""
    for start in range(0, len(counts), BATCH):
        batch = counts[start : start + BATCH]
        made = [_message(thread.thread_id, f"m{len(thread.ids) + i}") for i in range(len(batch))]
        result = await storage.events.append(
            thread.thread_id,
            "thread",
            [
                events_pb2.MessageCreated(message=m, token_count=c)
                for m, c in zip(made, batch, strict=True)
            ],
            expected_version=thread.version,
            metadata=metadata(thread.project_id),
        )
        thread.seqs.extend(range(result.first_version, result.last_version + 1))
        thread.version = result.last_version
        thread.ids.extend(m.id for m in made)
        thread.counts.extend(batch)


async def delete(storage: Storage, thread: Thread, index: int) -> None:
    result = await storage.events.append(
        thread.thread_id,
        "thread",
        [events_pb2.MessageDeleted(message_id=thread.ids[index])],
        expected_version=thread.version,
        metadata=metadata(thread.project_id),
    )
    thread.version = result.last_version


def exact_suffix(counts: list[int], max_tokens: int) -> int:
    """How many of the newest messages fit max_tokens, by brute force."""
    n = 0
    while n < len(counts) and sum(counts[len(counts) - n - 1 :]) <= max_tokens:
        n += 1
    return n


async def read_ids(
    windows: ContextWindows,
    thread: Thread,
    *,
    before_seq: int | None = None,
    max_tokens: int | None = None,
    last_messages: int | None = None,
) -> list[str]:
    window = await windows.read(
        thread.project_id,
        thread.thread_id,
        before_seq=thread.version + 1 if before_seq is None else before_seq,
        max_tokens=max_tokens,
        last_messages=last_messages,
    )
    assert [w.token_count for w in window] == [
        thread.counts[thread.ids.index(w.message.id)] for w in window
    ]
    assert all(w.message.thread_id == thread.thread_id for w in window)
    return [w.message.id for w in window]


async def test_last_messages_are_the_newest_live_messages_oldest_first(
    storage: Storage, project_id: str
) -> None:
    windows = ContextWindows(storage.pool)
    thread = await new_thread(storage, project_id)
    await add(storage, thread, [5] * 10)
    await delete(storage, thread, 8)
    live = thread.ids[:8] + thread.ids[9:]

    for n in (1, 2, 3, 9, 10, 50):
        assert await read_ids(windows, thread, last_messages=n) == live[-n:]
    assert await read_ids(windows, thread) == live
    assert await read_ids(windows, thread, last_messages=0) == []


async def test_max_tokens_reads_the_exact_suffix_that_fits(
    storage: Storage, project_id: str
) -> None:
    windows = ContextWindows(storage.pool)
    thread = await new_thread(storage, project_id)
    counts = [5, 7, 3, 10, 4, 0, 6, 8, 250, 9, 3]
    await add(storage, thread, counts)

    for max_tokens in range(sum(counts) + 2):
        n = exact_suffix(counts, max_tokens)
        got = await read_ids(windows, thread, max_tokens=max_tokens)
        assert got == (thread.ids[-n:] if n else []), max_tokens
    assert await read_ids(windows, thread, max_tokens=12) == thread.ids[-2:]
    assert await read_ids(windows, thread, max_tokens=11) == thread.ids[-1:]
    assert await read_ids(windows, thread, max_tokens=2) == []
    # A message of no tokens that ends exactly where the budget does still fits.
    assert await read_ids(windows, thread, max_tokens=276) == thread.ids[-6:]
    # Both limits: the shorter window wins.
    assert await read_ids(windows, thread, max_tokens=1_000, last_messages=2) == thread.ids[-2:]
    assert await read_ids(windows, thread, max_tokens=12, last_messages=5) == thread.ids[-2:]


async def test_deleted_messages_are_left_out_and_their_tokens_still_take_budget(
    storage: Storage, project_id: str
) -> None:
    windows = ContextWindows(storage.pool)
    thread = await new_thread(storage, project_id)
    await add(storage, thread, [10, 10, 10, 10, 10])
    await delete(storage, thread, 3)
    await delete(storage, thread, 0)
    live = [thread.ids[i] for i in (1, 2, 4)]

    assert await read_ids(windows, thread, max_tokens=10) == live[-1:]
    assert await read_ids(windows, thread, max_tokens=1_000) == live
    # Conservative: 30 tokens would fit three live messages, but the deleted one's 10 tokens
    # are inside the running-total range of the newest 30, so only two are read.
    got = await read_ids(windows, thread, max_tokens=30)
    assert got == live[-2:]
    # With last_messages, the live messages it reads are trimmed on their own counts.
    assert await read_ids(windows, thread, max_tokens=30, last_messages=10) == live
    # Never more than the budget, and always a suffix of the live messages.
    for max_tokens in range(60):
        got = await read_ids(windows, thread, max_tokens=max_tokens)
        assert got == (live[-len(got) :] if got else [])
        assert 10 * len(got) <= max_tokens


async def test_before_seq_ends_the_window(storage: Storage, project_id: str) -> None:
    windows = ContextWindows(storage.pool)
    thread = await new_thread(storage, project_id)
    await add(storage, thread, [4, 4, 4, 4, 4, 4])
    before = thread.seqs[4]  # messages 0..3 are before it

    assert await read_ids(windows, thread, before_seq=before) == thread.ids[:4]
    assert await read_ids(windows, thread, before_seq=before, last_messages=2) == thread.ids[2:4]
    assert await read_ids(windows, thread, before_seq=before, max_tokens=12) == thread.ids[1:4]
    assert await read_ids(windows, thread, before_seq=before, max_tokens=3) == []
    assert await read_ids(windows, thread, before_seq=thread.seqs[0], max_tokens=100) == []
    assert await read_ids(windows, thread, before_seq=thread.seqs[0], last_messages=3) == []


async def test_another_projects_thread_reads_empty(storage: Storage, project_id: str) -> None:
    windows = ContextWindows(storage.pool)
    thread = await new_thread(storage, project_id)
    await add(storage, thread, [4, 4])
    for max_tokens, last in ((None, None), (100, None), (None, 5), (100, 5)):
        window = await windows.read(
            new_id("proj"),
            thread.thread_id,
            before_seq=thread.version + 1,
            max_tokens=max_tokens,
            last_messages=last,
        )
        assert window == []
    window = await windows.read(
        project_id, new_id("thread"), before_seq=10, max_tokens=100, last_messages=None
    )
    assert window == []


async def _median_read_seconds(
    windows: ContextWindows, thread: Thread, max_tokens: int | None, last: int | None
) -> float:
    timings = []
    for _ in range(30):
        started = time.perf_counter()
        window = await windows.read(
            thread.project_id,
            thread.thread_id,
            before_seq=thread.version + 1,
            max_tokens=max_tokens,
            last_messages=last,
        )
        timings.append(time.perf_counter() - started)
        assert window
    return sorted(timings)[len(timings) // 2]


def _scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "Scan" in plan["Node Type"]:
        yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


async def _rows_scanned(storage: Storage, thread: Thread, sql: str, *args: Any) -> int:
    """How many rows the query's scans of messages touch, by EXPLAIN ANALYZE; fails on a
    sequential scan."""
    plan = await storage.pool.fetchval(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}",
        thread.thread_id,
        thread.project_id,
        thread.version + 1,
        *args,
    )
    scans = list(_scans(json.loads(plan)[0]["Plan"]))
    assert all(s["Node Type"] != "Seq Scan" for s in scans), scans
    return sum(
        s["Actual Loops"] * (s["Actual Rows"] + s.get("Rows Removed by Filter", 0))
        for s in scans
        if s.get("Relation Name") == "messages"
    )


async def test_read_cost_depends_on_the_window_not_the_thread(
    storage: Storage, project_id: str
) -> None:
    windows = ContextWindows(storage.pool)
    small = await new_thread(storage, project_id)
    await add(storage, small, [20] * 100)
    large = await new_thread(storage, project_id)
    await add(storage, large, [20] * 20_000)
    async with storage.pool.acquire() as conn:
        await conn.execute("ANALYZE messages")

    for max_tokens, last in ((1_000, None), (None, 50), (1_000, 50), (10**9, 50)):
        got = await read_ids(windows, large, max_tokens=max_tokens, last_messages=last)
        assert got == large.ids[-50:]
        # The plan reads the window's rows (and one row or two at its edges), whatever the
        # thread's length.
        if max_tokens is None or last is not None:
            scanned = await _rows_scanned(storage, large, LAST_MESSAGES_SQL, last)
        else:
            scanned = await _rows_scanned(storage, large, MAX_TOKENS_SQL, max_tokens)
        assert scanned <= 60, (max_tokens, last, scanned)
        # And so does the time, loosely.
        small_seconds = await _median_read_seconds(windows, small, max_tokens, last)
        large_seconds = await _median_read_seconds(windows, large, max_tokens, last)
        assert large_seconds < 5 * small_seconds + 0.002, (max_tokens, last)
