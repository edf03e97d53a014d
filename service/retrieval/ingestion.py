"""The durable background ingestion of vector store files.

A file attached to a store is a job until an event ends it (docs/retrieval.md: the log is the
ingestion state). Workers claim jobs with a lease (storage.IngestionJobs, SKIP LOCKED), renew
the leases while they work, and end each job in one transaction that locks the store's stream
and the file's row, checks the job is still theirs (in progress, the same attachment, their
lease), writes the chunks and the extracted text, and appends VectorStoreFileUpdated (and the
batch's end with its last file). A job that was detached, cancelled or taken over meanwhile
writes nothing, so nothing is ingested twice; a job whose worker died is claimed again once
its lease lapses. A job whose file is gone (deleted, racing the attachment, or expired) ends
by detaching the file, as the file's deletion does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass

import asyncpg
from google.protobuf.message import Message

from assistants.v1 import events_pb2
from service.domain import vector_stores as rules
from service.retrieval.embeddings import Embedder, EmbeddingError
from service.retrieval.extraction import ExtractionError
from service.retrieval.pipeline import PreparedFile, prepare_file
from storage import BlobNotFoundError, HeldJob, IngestionJob, Storage

log = logging.getLogger(__name__)

KIND = "vector_store"
POLL_SECONDS = 1.0
# Attempts at embedding one file before it fails with server_error (the embedder retries
# each request on its own as well), and the pause before the first retry, doubled each time.
EMBED_ATTEMPTS = 3
EMBED_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class _Ready:
    """What a job produced: the file's text and chunks, from bytes of this sha256 and size."""

    sha256: str
    size: int
    prepared: PreparedFile


@dataclass(frozen=True)
class _Failed:
    code: str
    message: str


@dataclass(frozen=True)
class _Gone:
    """The file was deleted (or expired): the job ends by detaching it from the store, as
    the file's deletion would have, had it not raced the attachment."""


class Ingestion:
    """Ingestion workers of one process: claim, prepare, end in one transaction."""

    def __init__(
        self,
        storage: Storage,
        embedder: Embedder | None,
        concurrency: int,
        lease_seconds: float,
        *,
        poll_seconds: float = POLL_SECONDS,
        embed_attempts: int = EMBED_ATTEMPTS,
        embed_retry_seconds: float = EMBED_RETRY_SECONDS,
    ) -> None:
        self._storage = storage
        self._embedder = embedder
        self._concurrency = max(concurrency, 1)
        self._lease_seconds = lease_seconds
        self._poll_seconds = poll_seconds
        self._embed_attempts = max(embed_attempts, 1)
        self._embed_retry_seconds = embed_retry_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._slots = asyncio.Semaphore(self._concurrency)
        self._held: dict[tuple[str, str], IngestionJob] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loops = [
            loop.create_task(self._claim_forever()),
            loop.create_task(self._renew_forever()),
        ]
        log.info(
            "ingestion started",
            extra={"owner": self.owner, "concurrency": self._concurrency},
        )

    async def stop(self, grace: float, *, release: bool = True) -> None:
        """Stops claiming; waits up to grace for jobs in hand, then cancels them. Their leases
        are released (release=False leaves them to lapse, as a crash would), so another
        worker takes them over."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._running:
            pending = set(self._running)
            if grace > 0:
                _, pending = await asyncio.wait(self._running, timeout=grace)
            # Taken before the cancelled jobs forget themselves.
            abandoned = list(self._held.values())
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if release:
                for job in abandoned:
                    with contextlib.suppress(Exception):
                        await self._storage.ingestion_jobs.release(self.owner, job)
        self._held.clear()

    # The loops.

    async def _claim_forever(self) -> None:
        jobs = self._storage.ingestion_jobs
        while True:
            await self._slots.acquire()
            try:
                claimed = await jobs.claim(self.owner, self._lease_seconds, 1)
            except Exception:
                self._slots.release()
                log.exception("claiming an ingestion job failed", extra={"owner": self.owner})
                await asyncio.sleep(self._poll_seconds)
                continue
            if not claimed:
                self._slots.release()
                await jobs.wait_for_jobs(self._poll_seconds)
                continue
            job = claimed[0]
            self._held[(job.vector_store_id, job.file_id)] = job
            task = asyncio.get_running_loop().create_task(self._run(job))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._lease_seconds / 3)
            if not self._held:
                continue
            try:
                await self._storage.ingestion_jobs.renew(
                    self.owner, list(self._held.values()), self._lease_seconds
                )
            except Exception:
                log.exception("renewing ingestion leases failed", extra={"owner": self.owner})

    async def _run(self, job: IngestionJob) -> None:
        try:
            result = await self._prepare(job)
            await self._finish(job, result)
        except Exception:
            # The lease lapses and the job is claimed again: nothing was written.
            log.exception("ingesting a file failed; it will be retried", extra=_ids(job))
        finally:
            self._held.pop((job.vector_store_id, job.file_id), None)
            self._slots.release()

    # One job.

    async def _prepare(self, job: IngestionJob) -> _Ready | _Failed | _Gone:
        files = self._storage.files
        found = await files.get_file(job.project_id, job.file_id)
        if found is None:
            return _Gone()
        data = await self._read(found.sha256)
        if data is None:
            if await files.get_file(job.project_id, job.file_id) is None:
                return _Gone()  # deleted (with its bytes) while we read
            return _Failed("invalid_file", "The file's content could not be read.")
        for attempt in range(self._embed_attempts):
            try:
                prepared = await prepare_file(
                    data,
                    found.file.filename,
                    job.max_chunk_size_tokens,
                    job.chunk_overlap_tokens,
                    self._embedder,
                )
                return _Ready(found.sha256, len(data), prepared)
            except ExtractionError as error:
                return _Failed(error.code, error.message)
            except (OSError, asyncpg.PostgresError):
                raise  # the infrastructure's: the job is retried when its lease lapses
            except EmbeddingError as error:
                if attempt + 1 == self._embed_attempts:
                    log.warning("embedding failed; the file fails", extra=_ids(job))
                    return _Failed("server_error", f"Embedding the file failed: {error}")
                log.warning("embedding failed; retrying", extra={**_ids(job), "attempt": attempt})
                await asyncio.sleep(self._embed_retry_seconds * 2**attempt)
            except Exception:
                # A file that breaks the pipeline would break it on every retry: it fails.
                log.exception("preparing a file failed", extra=_ids(job))
                return _Failed("server_error", "The file could not be processed.")
        raise AssertionError("unreachable")

    async def _read(self, sha256: str) -> bytes | None:
        try:
            return await self._storage.blobs.read_all(sha256)
        except BlobNotFoundError:
            return None

    async def _finish(self, job: IngestionJob, result: _Ready | _Failed | _Gone) -> None:
        async with self._storage.ingestion_jobs.hold(self.owner, job) as held:
            if held is None:
                log.info("ingestion dropped: the file is no longer this job's", extra=_ids(job))
                return
            payload: Message
            if isinstance(result, _Ready):
                payload = await self._completed(held, job, result)
            elif isinstance(result, _Gone):
                # Nothing was written for this attachment; the batch ends without the file.
                payload = events_pb2.VectorStoreFileDetached(
                    vector_store_id=job.vector_store_id, file_id=job.file_id
                )
            else:
                ended = rules.ended_file(
                    held.vector_store_file,
                    rules.FAILED,
                    error=rules.last_error(result.code, result.message),
                )
                payload = events_pb2.VectorStoreFileUpdated(vector_store_file=ended)
            payloads: list[Message] = [payload]
            if held.batch is not None:
                batch = rules.ended_batch(held.batch, rules.COMPLETED)
                payloads.append(events_pb2.VectorStoreFileBatchUpdated(batch=batch))
            await self._storage.events.append(
                job.vector_store_id,
                KIND,
                payloads,
                expected_version=held.version,
                metadata=events_pb2.EventMetadata(
                    project_id=job.project_id, correlation_id=job.batch_id or job.file_id
                ),
                connection=held.conn,
            )
        if isinstance(result, _Ready):
            outcome = "completed"
        elif isinstance(result, _Gone):
            outcome = "detached: the file is gone"
        else:
            outcome = f"failed: {result.code}"
        log.info("ingestion ended", extra={**_ids(job), "outcome": outcome})

    async def _completed(
        self, held: HeldJob, job: IngestionJob, ready: _Ready
    ) -> events_pb2.VectorStoreFileUpdated:
        chunks = ready.prepared.chunks
        embedded = [c.embedding for c in chunks if c.embedding is not None]
        model = self._embedder.model if self._embedder is not None and embedded else None
        chunk_store = self._storage.chunks
        await chunk_store.replace(
            held.conn, job.project_id, job.vector_store_id, job.file_id, chunks, model
        )
        await chunk_store.save_text(held.conn, ready.sha256, ready.prepared.text)
        ended = rules.ended_file(held.vector_store_file, rules.COMPLETED, usage_bytes=ready.size)
        return events_pb2.VectorStoreFileUpdated(
            vector_store_file=ended,
            ingestion=events_pb2.IngestionOutcome(
                content_sha256=ready.sha256,
                chunk_count=len(chunks),
                token_count=ready.prepared.token_count,
                embedding_model=model or "",
                embedding_dimensions=len(embedded[0]) if embedded else 0,
            ),
        )


def _ids(job: IngestionJob) -> dict[str, str]:
    ids = {"vector_store_id": job.vector_store_id, "file_id": job.file_id}
    if job.batch_id:
        ids["batch_id"] = job.batch_id
    return ids
