"""Reading and following the caller's project's event log."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

from assistants.v1 import event_service_pb2 as es
from service.app._context import RequestContext
from service.domain.event_queries import EventQuery, check_max_count, check_query
from service.errors import NotFoundError
from storage import Cursor, Delivery, LogFilter, LogPage, Storage, StreamNotFoundError

log = logging.getLogger(__name__)

# Live events a subscriber may leave unread before it is told it fell behind.
DEFAULT_SUBSCRIBER_BUFFER = 10_000


class EventLog:
    def __init__(self, storage: Storage, subscriber_buffer: int = DEFAULT_SUBSCRIBER_BUFFER):
        self._storage = storage
        self._buffer = subscriber_buffer

    async def read(
        self, ctx: RequestContext, request: es.ReadEventsRequest
    ) -> AsyncIterator[es.ReadEventsResponse]:
        """Batches of events to the end of the log (or stream), or up to max_count."""
        query = _query(request)
        remaining = check_max_count(request.max_count) or None
        flt, cursor = _filter(ctx, query), _start(query)
        sent = None
        while remaining is None or remaining > 0:
            limit = min(query.batch_size, remaining or query.batch_size)
            page = await _page(self._storage, flt, cursor, limit)
            cursor = page.cursor
            if page.events:
                sent = cursor
                yield es.ReadEventsResponse(events=page.events, position=_position(cursor))
                remaining = None if remaining is None else remaining - len(page.events)
            if page.at_end:
                break
        if sent != cursor:
            yield es.ReadEventsResponse(position=_position(cursor))

    async def subscribe(
        self, ctx: RequestContext, request: es.SubscribeEventsRequest
    ) -> AsyncIterator[es.SubscribeEventsResponse]:
        """A confirmation, then deliveries without end: the caller stops."""
        query = _query(request)
        flt = _filter(ctx, query)
        try:
            end = await self._storage.log.end(flt)
        except StreamNotFoundError:
            raise _no_stream(flt.stream_id) from None
        cursor = end if request.from_end else _start(query)
        subscription_id = f"sub_{uuid.uuid4().hex}"
        log.info(
            "subscribed",
            extra={"subscription_id": subscription_id, "project_id": ctx.project_id,
                   "stream_id": flt.stream_id or "", "position": cursor.position},
        )  # fmt: skip
        yield es.SubscribeEventsResponse(
            position=_position(cursor),
            confirmation=es.SubscriptionConfirmation(subscription_id=subscription_id),
        )
        deliveries = self._storage.subscriptions.subscribe(
            flt, cursor, batch_size=query.batch_size, capacity=self._buffer
        )
        async for delivery in deliveries:
            yield _response(delivery)


def _query(request: es.ReadEventsRequest | es.SubscribeEventsRequest) -> EventQuery:
    return check_query(
        request.WhichOneof("source"),
        request.stream.stream_id,
        request.stream.from_version,
        request.log.after_position,
        request.filter.event_types,
        request.filter.stream_kinds,
        request.filter.key_ids,
        request.batch_size,
    )


def _filter(ctx: RequestContext, query: EventQuery) -> LogFilter:
    return LogFilter(
        ctx.project_id, query.stream_id, query.event_types, query.stream_kinds, query.key_ids
    )


def _start(query: EventQuery) -> Cursor:
    return Cursor(query.after_position, query.from_version - 1)


async def _page(storage: Storage, flt: LogFilter, cursor: Cursor, limit: int) -> LogPage:
    try:
        return await storage.log.page(flt, cursor, limit)
    except StreamNotFoundError:
        raise _no_stream(flt.stream_id) from None


def _no_stream(stream_id: str | None) -> NotFoundError:
    return NotFoundError(f"No stream found with id '{stream_id}'.")


def _position(cursor: Cursor) -> es.LogPosition:
    return es.LogPosition(position=cursor.position, stream_version=cursor.stream_version)


def _response(delivery: Delivery) -> es.SubscribeEventsResponse:
    response = es.SubscribeEventsResponse(position=_position(delivery.cursor))
    if delivery.kind == "events":
        response.events.events.extend(delivery.events)
    elif delivery.kind == "checkpoint":
        response.checkpoint.SetInParent()
    elif delivery.kind == "caught_up":
        response.caught_up.SetInParent()
    else:
        response.fell_behind.SetInParent()
    return response
