"""One LISTEN connection per process, shared by everything that wants wake-up hints.

Notifications are hints, never data: whoever is woken re-reads the tables, and polls as well,
so a notification lost while the connection was down delays work but loses nothing. After a
reconnect every channel's callback is called once, since anything may have happened meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0

# Called with the notification's payload; "" after a reconnect.
Callback = Callable[[str], None]


class Listener:
    """LISTENs on channels and calls their callbacks. start() once; close() when done."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._callbacks: dict[str, list[Callback]] = {}
        self._conn: asyncpg.Connection | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._closed = False

    def on(self, channel: str, callback: Callback) -> None:
        """Registers a callback; channels must all be registered before start()."""
        self._callbacks.setdefault(channel, []).append(callback)

    async def start(self) -> None:
        conn = await asyncpg.connect(self._url)
        for channel in self._callbacks:
            await conn.add_listener(channel, self._dispatch)
        conn.add_termination_listener(self._on_terminated)
        self._conn = conn

    async def close(self) -> None:
        self._closed = True
        if self._reconnect is not None:
            self._reconnect.cancel()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    def _dispatch(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        for callback in self._callbacks.get(channel, ()):
            callback(payload)

    def _on_terminated(self, _conn: object) -> None:
        if self._closed:
            return
        log.warning("the notification listener lost its connection; reconnecting")
        self._reconnect = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        while not self._closed:
            try:
                await self.start()
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            for callbacks in self._callbacks.values():
                for callback in callbacks:
                    callback("")
            return
