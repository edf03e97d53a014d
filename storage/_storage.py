"""The opened database: a pool, the embedded server if any, and the stores built on them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from storage._blobs import PostgresBlobStore
from storage._chain_audit import ChainAudit
from storage._chunks import ChunkStore
from storage._database import create_pool
from storage._embedded import start_embedded
from storage._event_store import EventStore
from storage._files import FileReads
from storage._keys import KeyStore
from storage._log_reader import LogReader
from storage._migrations import Migration, migrate
from storage._notifications import Listener
from storage._read_models import ReadModels
from storage._run_streams import RunStreams
from storage._runs import Runs
from storage._subscriptions import LogTail, Subscriptions
from storage._vector_stores import IngestionJobs, VectorStoreReads
from storage._windows import ContextWindows


class Storage:
    """Everything the service needs from PostgreSQL. Close it when done."""

    def __init__(self, pool: asyncpg.Pool, url: str, embedded: Any = None) -> None:
        self.pool = pool
        self.url = url
        self._listener = Listener(url)
        self.tail = LogTail(pool, self._listener)
        self.log = LogReader(pool)
        self.subscriptions = Subscriptions(self.log, self.tail)
        self.events = EventStore(pool, on_append=self.tail.wake)
        self.audit = ChainAudit(pool)
        self.reads = ReadModels(pool)
        self.keys = KeyStore(pool)
        self.runs = Runs(pool)
        self.windows = ContextWindows(pool)
        self.run_streams = RunStreams(pool, self._listener)
        self.vector_stores = VectorStoreReads(pool)
        self.ingestion_jobs = IngestionJobs(pool, self._listener)
        self.blobs = PostgresBlobStore(pool)
        self.files = FileReads(pool)
        self.chunks = ChunkStore(pool)
        self._embedded = embedded

    @classmethod
    async def open(
        cls, url: str | None, data_dir: Path, *, min_size: int = 2, max_size: int = 10
    ) -> Storage:
        """Connects to url, or to the embedded server under data_dir when url is None."""
        embedded = None
        if url is None:
            url, embedded = start_embedded(data_dir)
        pool = await create_pool(url, min_size=min_size, max_size=max_size)
        storage = cls(pool, url, embedded)
        await storage._listener.start()
        return storage

    async def migrate(self) -> list[Migration]:
        async with self.pool.acquire() as conn:
            return await migrate(conn)

    async def close(self) -> None:
        await self.tail.close()
        await self._listener.close()
        await self.pool.close()
