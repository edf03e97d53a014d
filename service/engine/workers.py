"""The workers of one process: claim runs, execute them, keep going.

Every server process runs them; `assistants worker` runs them alone. A worker claims with
SKIP LOCKED and a lease (storage.Runs.claim), so processes never run one run twice, and a run
whose process died is taken over once its lease lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid

from service.engine.code_interpreter import CodeInterpreter
from service.engine.execution import RunExecution
from service.engine.file_search import FileSearch
from service.engine.model import ModelClient
from service.engine.settings import EngineSettings
from storage import ClaimedRun, Storage

log = logging.getLogger(__name__)
_PRUNE_EVERY_SECONDS = 300.0


class Workers:
    def __init__(
        self,
        storage: Storage,
        model: ModelClient,
        settings: EngineSettings,
        file_search: FileSearch,
        code_interpreter: CodeInterpreter,
    ) -> None:
        self._storage = storage
        self._file_search = file_search
        self._code_interpreter = code_interpreter
        self._model = model
        self._settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._pruned_at = 0.0

    def start(self) -> None:
        self._loop = asyncio.get_running_loop().create_task(self._claim_forever())

    def wake(self) -> None:
        """A run was queued by this process: look now, not at the next poll."""
        self._storage.run_streams.announce_queued()

    async def stop(self, grace: float) -> None:
        """Stops claiming; waits up to grace for executions, then cancels them. Their runs
        are taken over by another process once their leases lapse."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._code_interpreter.stop()

    async def _claim_forever(self) -> None:
        streams = self._storage.run_streams
        while True:
            await self._slots.acquire()
            try:
                claimed = await self._storage.runs.claim(
                    self.owner, self._settings.lease_seconds, int(time.time())
                )
            except Exception:
                self._slots.release()
                log.exception("claiming a run failed")
                await asyncio.sleep(self._settings.poll_seconds)
                continue
            if claimed is None:
                self._slots.release()
                await self._maintain()
                await streams.wait_for_queued(self._settings.poll_seconds)
                continue
            task = asyncio.get_running_loop().create_task(self._execute(claimed))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _execute(self, claimed: ClaimedRun) -> None:
        try:
            await RunExecution(
                self._storage,
                self._model,
                self._settings,
                self.owner,
                claimed,
                self._file_search,
                self._code_interpreter,
            ).execute()
        except Exception:
            # The lease is released: another claim takes the run over from the log.
            log.exception("executing a run failed", extra={"run_id": claimed.run_id})
        finally:
            self._slots.release()

    async def _maintain(self) -> None:
        if time.monotonic() - self._pruned_at < _PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        try:
            await self._storage.run_streams.prune(self._settings.stream_retention_seconds)
        except Exception:
            log.exception("pruning run streams failed")
        try:
            await self._code_interpreter.sweep()
        except Exception:
            log.exception("sweeping the sandbox files of deleted threads failed")
