"""Subscriptions to the log: catch up from a cursor, then follow live, with no gap and no event
twice, however writers race the switch.

One LogTail per process reads every new event once, woken by NOTIFY log_appended (a trigger
on events, migration 0007), by this process's own appends, and by a poll, and offers each
event to the local subscribers whose filter matches. A subscriber registers with the tail
*before* it catches up from the table: from then on every matching event after the tail's
position at registration is offered to it, and the catch-up reads the table up to a head at
least that far. Positions are dense and commit-ordered, so dropping what is at or before the
subscriber's cursor is all the de-duplication there is to do.

Each subscriber's buffer is bounded. When a slow subscriber's overflows, the tail drops it
and marks it fell_behind; the subscriber says so, then catches up from the table again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import asyncpg

from assistants.v1 import events_pb2
from storage._event_codec import EVENT_COLUMNS, decode_event
from storage._log_reader import Cursor, LogFilter, LogReader
from storage._notifications import Listener

log = logging.getLogger(__name__)

LOG_CHANNEL = "log_appended"
# The tail reads this often without a notification, so a lost one delays, never loses.
POLL_SECONDS = 1.0
TAIL_BATCH = 1000
# A live subscription with nothing to deliver sends a checkpoint this often, so a client with
# a rare filter has a recent place to resume from, and an idle stream is never silent.
CHECKPOINT_SECONDS = 5.0

_TAIL = f"""
    SELECT {EVENT_COLUMNS}, e.project_id, s.kind,
           coalesce(e.metadata ->> 'key_id', '') AS key_id
      FROM events e JOIN streams s ON s.stream_id = e.stream_id
     WHERE e.position > $1
     ORDER BY e.position
     LIMIT $2
"""


@dataclass(frozen=True)
class Delivery:
    """One thing a subscription says: events, a checkpoint (read, nothing matched), caught_up
    (live from here) or fell_behind (catching up again). `cursor` is where to resume."""

    kind: Literal["events", "checkpoint", "caught_up", "fell_behind"]
    cursor: Cursor
    events: list[events_pb2.Event] = field(default_factory=list)


@dataclass
class _Offer:
    # Every matching event up to this position was offered by now.
    upto: int
    events: list[events_pb2.Event]


class _Registration:
    """A subscriber's bounded buffer of live events, filled by the tail."""

    def __init__(self, flt: LogFilter, capacity: int) -> None:
        self.filter = flt
        self.capacity = capacity
        self.offers: deque[_Offer] = deque()
        self.pending = 0
        self.overflowed = False
        self.ready = asyncio.Event()

    def offer(self, upto: int, events: list[events_pb2.Event]) -> None:
        if self.overflowed:
            return
        if self.pending + len(events) > self.capacity:
            self.overflowed = True
            self.offers.clear()
            self.pending = 0
        else:
            self.offers.append(_Offer(upto, events))
            self.pending += len(events)
        self.ready.set()

    def take_all(self) -> list[_Offer]:
        offers = list(self.offers)
        self.offers.clear()
        self.pending = 0
        self.ready.clear()
        return offers

    def reset(self) -> None:
        """Starts over: from now on, everything after the tail's position is offered again.
        The owner must then read the table past that position before it goes live."""
        self.take_all()
        self.overflowed = False


class LogTail:
    """The process's one reader of new events, for its live subscribers."""

    def __init__(self, pool: asyncpg.Pool, listener: Listener) -> None:
        self._pool = pool
        self._registrations: set[_Registration] = set()
        self._covered = 0
        self._woken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        listener.on(LOG_CHANNEL, lambda _payload: self.wake())

    @property
    def covered(self) -> int:
        """Every event up to this position has been offered to the registered subscribers."""
        return self._covered

    def wake(self) -> None:
        self._woken.set()

    async def register(self, flt: LogFilter, capacity: int) -> _Registration:
        if not self._registrations:
            # Idle, the tail did not follow the log: start from its end, not where it stopped.
            head = await self._pool.fetchval("SELECT position FROM log_head")
            self._covered = max(self._covered, int(head))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        registration = _Registration(flt, capacity)
        self._registrations.add(registration)
        return registration

    def unregister(self, registration: _Registration) -> None:
        self._registrations.discard(registration)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), POLL_SECONDS)
            self._woken.clear()
            if not self._registrations:
                continue
            try:
                while await self._read_once() == TAIL_BATCH:
                    pass
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("the log tail could not read; retrying", exc_info=error)

    async def _read_once(self) -> int:
        rows = await self._pool.fetch(_TAIL, self._covered, TAIL_BATCH)
        if not rows:
            return 0
        upto = rows[-1]["position"]
        matched: dict[_Registration, list[events_pb2.Event]] = {}
        for row in rows:
            event: events_pb2.Event | None = None
            for registration in self._registrations:
                if registration.filter.matches(
                    row["project_id"], row["stream_id"], row["kind"], row["type"], row["key_id"]
                ):
                    event = event or decode_event(row)
                    matched.setdefault(registration, []).append(event)
        self._covered = max(self._covered, upto)
        for registration, events in matched.items():
            registration.offer(upto, events)
        return len(rows)


class Subscriptions:
    """Catch-up-then-live subscriptions over the log reader and the process's tail."""

    def __init__(self, reader: LogReader, tail: LogTail) -> None:
        self._reader = reader
        self._tail = tail

    async def subscribe(
        self, flt: LogFilter, after: Cursor, *, batch_size: int, capacity: int
    ) -> AsyncIterator[Delivery]:
        """Deliveries without end; the caller stops by closing the iterator."""
        registration = await self._tail.register(flt, capacity)
        cursor = after
        try:
            while True:
                async for delivery in self._catch_up(registration, cursor, batch_size):
                    cursor = delivery.cursor
                    yield delivery
                yield Delivery("caught_up", cursor)
                async for delivery in self._live(registration, cursor):
                    cursor = delivery.cursor
                    yield delivery
                registration.reset()
                yield Delivery("fell_behind", cursor)
        finally:
            self._tail.unregister(registration)

    async def _catch_up(
        self, registration: _Registration, cursor: Cursor, batch_size: int
    ) -> AsyncIterator[Delivery]:
        while True:
            page = await self._reader.page(registration.filter, cursor, batch_size)
            if page.events or page.cursor != cursor:
                yield Delivery("events" if page.events else "checkpoint", page.cursor, page.events)
            cursor = page.cursor
            if registration.overflowed:
                # Still reading the table, so the live buffer can start again from the tail's
                # position; the next page reads at least that far, so it is not the last.
                registration.reset()
            elif page.at_end:
                return

    async def _live(self, registration: _Registration, cursor: Cursor) -> AsyncIterator[Delivery]:
        """Offered events after the cursor, until the registration overflows."""
        while not registration.overflowed:
            offers = registration.take_all()
            if not offers:
                woken = await _wait(registration.ready, CHECKPOINT_SECONDS)
                if not woken and not registration.offers:
                    # Sent on a quiet log too: proxies that close idle streams see traffic.
                    position = max(self._tail.covered, cursor.position)
                    cursor = Cursor(position, cursor.stream_version)
                    yield Delivery("checkpoint", cursor)
                continue
            # Everything waiting goes in one response: per-response cost dominates.
            fresh = [
                event
                for offer in offers
                for event in offer.events
                if event.position > cursor.position
            ]
            upto = max(offers[-1].upto, cursor.position)
            if fresh:
                last = fresh[-1]
                version = last.stream_version if registration.filter.stream_id else 0
                cursor = Cursor(upto, version)
                yield Delivery("events", cursor, fresh)
            else:
                cursor = Cursor(upto, cursor.stream_version)


async def _wait(event: asyncio.Event, timeout: float) -> bool:
    # asyncio.timeout, not wait_for: on 3.11 wait_for makes a task per wait.
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True
