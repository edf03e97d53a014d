"""The run stream: every event of a run, deltas included, numbered per run, for live delivery.

Writers publish through publish_run_events() (or an append's RunPublication), which stores the
events under the next sequence numbers and sends NOTIFY run_stream. The process's Listener
wakes its local followers, who then read the rows after the last sequence number they saw:
a follower on any process resumes after any number, without loss and without repeats. The
runs a worker may claim are announced the same way, on run_queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass

import asyncpg

from storage._notifications import Listener

STREAM_CHANNEL = "run_stream"
QUEUED_CHANNEL = "run_queued"
CANCEL_CHANNEL = "run_cancel"
# A follower re-reads this often even without a notification, so a lost one (the listening
# connection was down) delays delivery, never stops it.
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class StreamEntry:
    seq: int
    name: str
    # A serialized assistants.v1.RunEvent without its sequence number.
    data: bytes


class RunStreams:
    """Publishes and follows run streams; woken by the process's Listener."""

    def __init__(self, pool: asyncpg.Pool, listener: Listener) -> None:
        self._pool = pool
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._queued = asyncio.Event()
        self._cancels: dict[str, asyncio.Event] = {}
        listener.on(STREAM_CHANNEL, self._on_stream)
        listener.on(QUEUED_CHANNEL, self._on_queued)
        listener.on(CANCEL_CHANNEL, self._on_cancel)

    async def publish(
        self, project_id: str, run_id: str, events: Sequence[tuple[str, bytes]]
    ) -> int:
        """Stores events on the run's stream; returns the first one's sequence number."""
        names, blobs = zip(*events, strict=True)
        first: int = await self._pool.fetchval(
            "SELECT publish_run_events($1, $2, $3, $4)", project_id, run_id, names, blobs
        )
        self.wake(run_id)
        return first

    async def read(self, run_id: str, after: int, limit: int = 1000) -> list[StreamEntry]:
        rows = await self._pool.fetch(
            "SELECT seq, name, data FROM run_stream WHERE run_id = $1 AND seq > $2"
            " ORDER BY seq LIMIT $3",
            run_id,
            after,
            limit,
        )
        return [StreamEntry(r["seq"], r["name"], r["data"]) for r in rows]

    async def follow(self, run_id: str, after: int) -> AsyncIterator[StreamEntry]:
        """The run's events after `after`, live and without end: the caller stops."""
        with self._subscription(run_id) as woken:
            while True:
                woken.clear()
                entries = await self.read(run_id, after)
                for entry in entries:
                    yield entry
                    after = entry.seq
                if not entries:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(woken.wait(), POLL_SECONDS)

    def wake(self, run_id: str) -> None:
        """Wakes this process's followers of a run."""
        for event in self._waiters.get(run_id, ()):
            event.set()

    async def wait_for_queued(self, timeout: float) -> None:
        """Returns when a run may have been queued, or after timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queued.wait(), timeout)
        self._queued.clear()

    def announce_queued(self) -> None:
        """Wakes this process's workers without waiting for the notification."""
        self._queued.set()

    @contextlib.contextmanager
    def cancel_requests(self, run_id: str) -> Iterator[asyncio.Event]:
        """An event set when a cancel of the run is announced, while in the block."""
        event = self._cancels.setdefault(run_id, asyncio.Event())
        try:
            yield event
        finally:
            self._cancels.pop(run_id, None)

    async def prune(self, finished_before_seconds: float) -> int:
        """Deletes the stream rows of runs that finished more than that long ago."""
        result: str = await self._pool.execute(
            """
            DELETE FROM run_stream s USING runs r
             WHERE s.run_id = r.id AND r.expires_at IS NULL
               AND s.recorded_at < now() - make_interval(secs => $1)
            """,
            finished_before_seconds,
        )
        return int(result.split()[-1])

    @contextlib.contextmanager
    def _subscription(self, run_id: str) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters[run_id].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters.get(run_id)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[run_id]

    def _on_stream(self, payload: str) -> None:
        if payload:
            self.wake(payload.partition(" ")[0])
        else:  # the listener reconnected: whatever was published meanwhile is read now
            for run_id in list(self._waiters):
                self.wake(run_id)

    def _on_queued(self, _payload: str) -> None:
        self._queued.set()

    def _on_cancel(self, payload: str) -> None:
        event = self._cancels.get(payload)
        if event is not None:
            event.set()
