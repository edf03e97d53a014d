"""A thread at the 100,000-message cap: paging through all of it stays fast, and the cap holds.

The messages are appended straight through the event store, a thousand per append, because
100,000 CreateMessage calls would take minutes; reading is through the real API.
"""

from __future__ import annotations

import time
from pathlib import Path

import grpc
import pytest

from assistants.v1 import common_pb2, events_pb2, message_pb2, thread_pb2
from service.domain import ids, limits
from service.domain.messages import new_message
from service.domain.tokens import count_message
from storage import Storage
from tests.helpers import Client

pytestmark = pytest.mark.slow

TOTAL = limits.THREAD_MESSAGES_MAX
BATCH = 1_000
PAGE = 100
FIGURES = Path("/tmp/large_thread_figures.txt")


def _text(value: str) -> message_pb2.MessageContentInput:
    return message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=value)


async def _fill(storage: Storage, client: Client, thread_id: str, count: int) -> list[str]:
    metadata = events_pb2.EventMetadata(project_id=client.project_id, request_id="bulk-load")
    version = await storage.events.stream_version(client.project_id, thread_id)
    made: list[str] = []
    now = int(time.time())
    while len(made) < count:
        batch = []
        for _ in range(min(BATCH, count - len(made))):
            message = new_message(
                message_id=ids.new_id(ids.MESSAGE),
                thread_id=thread_id,
                now=now,
                role=message_pb2.MESSAGE_ROLE_USER,
                content=[_text(f"message number {len(made) + len(batch)}")],
                attachments=[],
                metadata={},
            )
            batch.append(
                events_pb2.MessageCreated(
                    message=message, token_count=count_message(message.content)
                )
            )
        result = await storage.events.append(
            thread_id, "thread", batch, expected_version=version, metadata=metadata
        )
        version = result.last_version
        made.extend(event.message.id for event in batch)
    return made


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def test_paging_through_100000_messages_stays_fast(client: Client, storage: Storage) -> None:
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    started = time.perf_counter()
    expected = await _fill(storage, client, thread.id, TOTAL)
    build_seconds = time.perf_counter() - started

    seen: list[str] = []
    latencies: list[float] = []
    request = message_pb2.ListMessagesRequest(
        thread_id=thread.id, limit=PAGE, order=common_pb2.LIST_ORDER_ASC
    )
    walk_started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        page = await client.messages.ListMessages(request)
        latencies.append(time.perf_counter() - t0)
        seen.extend(m.id for m in page.data)
        if not page.has_more:
            break
        request.after = page.last_id
    walk_seconds = time.perf_counter() - walk_started
    assert seen == expected, "every message exactly once, in thread order"

    newest = await client.messages.ListMessages(
        message_pb2.ListMessagesRequest(thread_id=thread.id, limit=PAGE)
    )
    assert [m.id for m in newest.data] == expected[::-1][:PAGE]
    before_last = await client.messages.ListMessages(
        message_pb2.ListMessagesRequest(
            thread_id=thread.id, limit=PAGE, order=common_pb2.LIST_ORDER_ASC, before=expected[-1]
        )
    )
    assert [m.id for m in before_last.data] == expected[-PAGE - 1 : -1]
    assert before_last.has_more

    head, tail = latencies[:100], latencies[-100:]
    figures = (
        f"built {TOTAL} messages in {build_seconds:.1f} s; paged {len(latencies)} pages of {PAGE} "
        f"in {walk_seconds:.1f} s ({len(latencies) / walk_seconds:.0f} pages/s); "
        f"first 100 pages p50 {_percentile(head, 0.5) * 1e3:.2f} ms p99 "
        f"{_percentile(head, 0.99) * 1e3:.2f} ms; last 100 pages p50 "
        f"{_percentile(tail, 0.5) * 1e3:.2f} ms p99 {_percentile(tail, 0.99) * 1e3:.2f} ms; "
        f"all pages p50 {_percentile(latencies, 0.5) * 1e3:.2f} ms p99 "
        f"{_percentile(latencies, 0.99) * 1e3:.2f} ms"
    )
    print(figures)
    FIGURES.write_text(figures + "\n")
    # Keyset paging: a page deep in the thread costs what a page at its start costs.
    assert _percentile(tail, 0.5) <= 2 * _percentile(head, 0.5) + 0.002
    assert _percentile(tail, 0.99) <= 3 * _percentile(head, 0.99) + 0.005

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.messages.CreateMessage(
            message_pb2.CreateMessageRequest(
                thread_id=thread.id, role=message_pb2.MESSAGE_ROLE_USER, content=[_text("one more")]
            )
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "100000" in (caught.value.details() or "")
    last = await client.messages.ListMessages(
        message_pb2.ListMessagesRequest(thread_id=thread.id, limit=1)
    )
    assert last.data[0].id == expected[-1], "the refused message was not written"
