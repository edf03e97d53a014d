"""The write path shared by every command: append, retry on conflict, answer a retried request
id with the original result."""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from assistants.v1 import events_pb2
from service.app._context import RequestContext
from service.errors import ConflictError, FailedPreconditionError
from storage import AppendResult, EventStore, WrongExpectedVersionError

T = TypeVar("T")
P = TypeVar("P", bound=Message)

CONFLICT_ATTEMPTS = 8


async def retry_on_conflict(decide_and_append: Callable[[], Awaitable[T]]) -> T:
    """Runs a read-decide-append command again when another writer moved the stream first.

    The first attempt takes no lock. After a conflict, this process's retries on that stream
    queue behind one another, so many writers to one thread (messages added in parallel)
    succeed in turn instead of colliding until their attempts run out; only writers in other
    processes can still move the stream under a retry.
    """
    try:
        return await decide_and_append()
    except WrongExpectedVersionError as conflict:
        stream_id = conflict.stream_id
    async with _lock_of(stream_id):
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return await decide_and_append()
            except WrongExpectedVersionError:
                # The first retry is immediate: most conflicts are a stale cached read.
                if attempt:
                    await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise ConflictError("The object was changed by concurrent requests. Retry the request.")


# Retrying writers per stream; an entry lives while someone holds or waits for it.
_RETRY_LOCKS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock_of(stream_id: str) -> asyncio.Lock:
    lock = _RETRY_LOCKS.get(stream_id)
    if lock is None:
        lock = _RETRY_LOCKS[stream_id] = asyncio.Lock()
    return lock


async def append(
    events: EventStore,
    ctx: RequestContext,
    stream_id: str,
    kind: str,
    payloads: Sequence[Message],
    expected_version: int,
) -> AppendResult:
    return await events.append(
        stream_id,
        kind,
        payloads,
        expected_version=expected_version,
        metadata=ctx.event_metadata(),
        idempotency_key=ctx.idempotency_key(),
    )


async def previous_payload(
    events: EventStore, ctx: RequestContext, expected: type[P], stream_id: str | None = None
) -> P | None:
    """The first payload an earlier request with this idempotency key appended, if any.

    stream_id is the object the command is about, when it names one: a key first used on
    another object is refused, not answered with that object.
    """
    key = ctx.idempotency_key()
    if key is None:
        return None
    result = await events.find_request(ctx.project_id, key)
    if result is None:
        return None
    if stream_id is not None and result.stream_id != stream_id:
        raise reused(ctx)
    return await original_payload(events, ctx, result, expected)


async def original_payload(
    events: EventStore, ctx: RequestContext, result: AppendResult, expected: type[P]
) -> P:
    """The first payload the first request under this request id appended.

    Raises FailedPreconditionError when that request was a different command.
    """
    recorded = await events.read_stream(
        ctx.project_id,
        result.stream_id,
        from_version=result.first_version,
        to_version=result.last_version,
    )
    field = recorded[0].WhichOneof("payload") if recorded else None
    payload = getattr(recorded[0], field) if field else None
    if not isinstance(payload, expected):
        raise reused(ctx)
    check_same_request(ctx, recorded[0])
    return payload


def check_same_request(ctx: RequestContext, recorded: events_pb2.Event) -> None:
    """Raises FailedPreconditionError when the event was appended by another request under
    the same idempotency key (same command, other arguments)."""
    first = recorded.metadata.request_digest
    if first and ctx.request_digest and first != ctx.request_digest:
        raise reused(ctx)


def reused(ctx: RequestContext) -> FailedPreconditionError:
    return FailedPreconditionError(
        f"The idempotency key '{ctx.idempotency_key()}' was already used for a different request."
    )
