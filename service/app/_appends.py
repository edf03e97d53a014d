"""The write path shared by every command: append, retry on conflict, answer a retried request
id with the original result."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from service.app._context import RequestContext
from service.errors import ConflictError, FailedPreconditionError
from storage import AppendResult, EventStore, WrongExpectedVersionError

T = TypeVar("T")

CONFLICT_ATTEMPTS = 8


async def retry_on_conflict(decide_and_append: Callable[[], Awaitable[T]]) -> T:
    """Runs a read-decide-append command again when another writer moved the stream first."""
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return await decide_and_append()
        except WrongExpectedVersionError:
            if attempt == CONFLICT_ATTEMPTS - 1:
                break
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
    raise ConflictError("The object was changed by concurrent requests. Retry the request.")


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


async def previous_result(
    events: EventStore, ctx: RequestContext, expected_types: Sequence[str]
) -> list[Message] | None:
    """The payloads of an earlier request with this client request id, if there was one."""
    key = ctx.idempotency_key()
    if key is None:
        return None
    result = await events.find_request(ctx.project_id, key)
    if result is None:
        return None
    return await original_payloads(events, ctx, result, expected_types)


async def original_payloads(
    events: EventStore, ctx: RequestContext, result: AppendResult, expected_types: Sequence[str]
) -> list[Message]:
    """The payloads the first request under this request id appended.

    Raises FailedPreconditionError when that request was a different command.
    """
    recorded = await events.read_stream(
        ctx.project_id,
        result.stream_id,
        from_version=result.first_version,
        to_version=result.last_version,
    )
    payloads: list[Message] = []
    for event in recorded:
        field = event.WhichOneof("payload")
        payloads.append(getattr(event, field) if field else event)
    if [p.DESCRIPTOR.name for p in payloads[: len(expected_types)]] != list(expected_types):
        raise FailedPreconditionError(
            f"The request id '{ctx.request_id}' was already used for a different request."
        )
    return payloads
