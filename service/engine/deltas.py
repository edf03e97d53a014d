"""Publishing a run's deltas without holding up the model stream.

Deltas go out in the background: while one batch is being written, the next ones collect, so
a fast model costs one write per batch rather than one per token, and a slow one sends each
delta as it comes. flush() before any append keeps the stream in order.
"""

from __future__ import annotations

import asyncio
import contextlib

from assistants.v1 import run_event_pb2
from storage import RunStreams


class DeltaPublisher:
    def __init__(self, streams: RunStreams, project_id: str, run_id: str) -> None:
        self._streams = streams
        self._project_id = project_id
        self._run_id = run_id
        self._pending: list[tuple[str, bytes]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, event: run_event_pb2.RunEvent) -> None:
        self._pending.append((event.event, event.SerializeToString()))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())

    async def flush(self) -> None:
        """Returns once every added delta is on the run stream; raises what a write raised."""
        while self._task is not None:
            task = self._task
            await task
            if task is self._task:
                self._task = None

    async def discard(self) -> None:
        """Drops deltas not yet written (the turn was stopped) and waits out a write."""
        self._pending.clear()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task
            self._task = None

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await self._streams.publish(self._project_id, self._run_id, batch)
