"""Vector stores, their files and batches: reads of their projections, and ingestion jobs.

File counts, usage and status are computed from vector_store_files on every read rather than
kept in the store's row: ingestion ends change them all the time, and a count kept elsewhere
would be one more row every file's end must lock.

An ingestion job is a vector_store_files row in progress. A worker claims it with a lease
(SKIP LOCKED, as runs are claimed), renews the lease while it works, and ends the job in one
transaction that first locks the store's stream and the row (hold), so that an ingestion
whose file was detached, re-attached or cancelled meanwhile writes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from assistants.v1 import vector_store_pb2
from storage._notifications import Listener
from storage._pages import Page, PageQuery, keyset, to_page
from storage._read_models import Versioned, _parse

# Notified by apply_vector_store_event when a file is attached: a job may be claimable.
QUEUED_CHANNEL = "ingest_queued"

IN_PROGRESS = "VECTOR_STORE_FILE_STATUS_IN_PROGRESS"
COMPLETED = "VECTOR_STORE_FILE_STATUS_COMPLETED"
FAILED = "VECTOR_STORE_FILE_STATUS_FAILED"
CANCELLED = "VECTOR_STORE_FILE_STATUS_CANCELLED"

# Counts and usage of the files of one store (f.vector_store_id = <outer>.id) or one batch.
_COUNTS = f"""
    count(*) FILTER (WHERE f.status = '{IN_PROGRESS}') AS in_progress,
    count(*) FILTER (WHERE f.status = '{COMPLETED}') AS completed,
    count(*) FILTER (WHERE f.status = '{FAILED}') AS failed,
    count(*) FILTER (WHERE f.status = '{CANCELLED}') AS cancelled,
    count(*) AS total,
    coalesce(sum(f.usage_bytes) FILTER (WHERE f.status = '{COMPLETED}'), 0)::bigint AS usage_bytes
"""

_STORE_SELECT = f"""
    SELECT v.id, v.object, v.expires_at, s.version, c.*
      FROM vector_stores v
      JOIN streams s ON s.stream_id = v.id
      CROSS JOIN LATERAL (SELECT {_COUNTS} FROM vector_store_files f
                           WHERE f.vector_store_id = v.id) c
"""

_BATCH_SELECT = f"""
    SELECT b.object, s.version, c.*
      FROM vector_store_file_batches b
      JOIN streams s ON s.stream_id = b.vector_store_id
      CROSS JOIN LATERAL (SELECT {_COUNTS} FROM vector_store_files f
                           WHERE f.vector_store_id = b.vector_store_id AND f.batch_id = b.id) c
"""


@dataclass(frozen=True)
class VersionedVectorStore(Versioned):
    """A store with file_counts, usage_bytes and status filled in."""

    vector_store: vector_store_pb2.VectorStore


@dataclass(frozen=True)
class VersionedBatch(Versioned):
    """A batch with file_counts filled in; the version is its store's stream version."""

    batch: vector_store_pb2.VectorStoreFileBatch


@dataclass(frozen=True)
class IngestionJob:
    project_id: str
    vector_store_id: str
    file_id: str
    batch_id: str | None
    max_chunk_size_tokens: int
    chunk_overlap_tokens: int
    # The store version of the attachment this job ingests for.
    attached_version: int


@dataclass(frozen=True)
class HeldJob:
    """A job locked for its ending, inside a transaction on conn.

    version is the store stream's version (locked: no one appends meanwhile). batch is the
    job's batch when this file is its last one in progress and the batch is still in progress:
    ending the file ends the batch too.
    """

    conn: asyncpg.Connection
    version: int
    vector_store_file: vector_store_pb2.VectorStoreFile
    batch: vector_store_pb2.VectorStoreFileBatch | None


def _counts(row: asyncpg.Record) -> vector_store_pb2.FileCounts:
    return vector_store_pb2.FileCounts(
        in_progress=row["in_progress"],
        completed=row["completed"],
        failed=row["failed"],
        cancelled=row["cancelled"],
        total=row["total"],
    )


def _store(row: asyncpg.Record, now: int) -> vector_store_pb2.VectorStore:
    store = _parse(row["object"], vector_store_pb2.VectorStore())
    store.file_counts.CopyFrom(_counts(row))
    store.usage_bytes = row["usage_bytes"]
    if row["expires_at"] is not None and row["expires_at"] <= now:
        store.status = vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED
    elif row["in_progress"]:
        store.status = vector_store_pb2.VECTOR_STORE_STATUS_IN_PROGRESS
    else:
        store.status = vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    return store


def _batch(row: asyncpg.Record) -> vector_store_pb2.VectorStoreFileBatch:
    batch = _parse(row["object"], vector_store_pb2.VectorStoreFileBatch())
    batch.file_counts.CopyFrom(_counts(row))
    return batch


def _chunking(data: dict[str, Any] | None) -> tuple[int, int]:
    """A file's (max, overlap) tokens. Its strategy is stored resolved (auto as static
    800/400), in proto3 JSON, which leaves zeros out: an absent overlap is 0."""
    static = (data or {}).get("static")
    if not static:
        return 800, 400
    return int(static.get("max_chunk_size_tokens", 800)), int(static.get("chunk_overlap_tokens", 0))


class VectorStoreReads:
    """Reads of the vector_stores, vector_store_files and vector_store_file_batches
    projections. Every query is scoped to a project."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def get_vector_store(
        self, project_id: str, vector_store_id: str, now: int
    ) -> VersionedVectorStore | None:
        row = await self._pool.fetchrow(
            _STORE_SELECT + " WHERE v.id = $1 AND v.project_id = $2",
            vector_store_id,
            project_id,
        )
        if row is None:
            return None
        return VersionedVectorStore(row["version"], _store(row, now))

    async def list_vector_stores(
        self, project_id: str, query: PageQuery, now: int
    ) -> Page[vector_store_pb2.VectorStore]:
        ks = keyset("v.id", query, query.after, query.before, first_param=2)
        rows = await self._pool.fetch(
            f"{_STORE_SELECT} WHERE v.project_id = $1{ks.conditions}"
            f" ORDER BY v.id {ks.order} LIMIT {ks.limit}",
            project_id,
            *ks.params,
        )
        return to_page([_store(r, now) for r in rows], ks)

    async def get_vector_store_file(
        self, project_id: str, vector_store_id: str, file_id: str
    ) -> vector_store_pb2.VectorStoreFile | None:
        data = await self._pool.fetchval(
            "SELECT object FROM vector_store_files"
            " WHERE vector_store_id = $1 AND file_id = $2 AND project_id = $3",
            vector_store_id,
            file_id,
            project_id,
        )
        return None if data is None else _parse(data, vector_store_pb2.VectorStoreFile())

    async def list_vector_store_files(
        self,
        project_id: str,
        vector_store_id: str,
        batch_id: str | None,
        status: str | None,
        query: PageQuery,
    ) -> Page[vector_store_pb2.VectorStoreFile]:
        """The store's files (or its batch's), in file id order, which is the files'
        creation order; status is a VectorStoreFileStatus name."""
        ks = keyset("file_id", query, query.after, query.before, first_param=5)
        rows = await self._pool.fetch(
            "SELECT object FROM vector_store_files"
            " WHERE vector_store_id = $1 AND project_id = $2"
            " AND ($3::text IS NULL OR batch_id = $3) AND ($4::text IS NULL OR status = $4)"
            f"{ks.conditions} ORDER BY file_id {ks.order} LIMIT {ks.limit}",
            vector_store_id,
            project_id,
            batch_id,
            status,
            *ks.params,
        )
        return to_page([_parse(r["object"], vector_store_pb2.VectorStoreFile()) for r in rows], ks)

    async def get_batch(
        self, project_id: str, vector_store_id: str, batch_id: str
    ) -> VersionedBatch | None:
        row = await self._pool.fetchrow(
            _BATCH_SELECT + " WHERE b.id = $1 AND b.vector_store_id = $2 AND b.project_id = $3",
            batch_id,
            vector_store_id,
            project_id,
        )
        return None if row is None else VersionedBatch(row["version"], _batch(row))

    async def stores_holding_file(self, project_id: str, file_id: str) -> list[str]:
        rows = await self._pool.fetch(
            "SELECT vector_store_id FROM vector_store_files"
            " WHERE project_id = $1 AND file_id = $2 ORDER BY vector_store_id",
            project_id,
            file_id,
        )
        return [r["vector_store_id"] for r in rows]

    async def batch_of_file(
        self, project_id: str, vector_store_id: str, file_id: str
    ) -> str | None:
        """The batch the file was attached in, if it came in one."""
        batch_id: str | None = await self._pool.fetchval(
            "SELECT batch_id FROM vector_store_files"
            " WHERE vector_store_id = $1 AND file_id = $2 AND project_id = $3",
            vector_store_id,
            file_id,
            project_id,
        )
        return batch_id

    async def batches_in_progress_of(
        self, project_id: str, vector_store_id: str, file_ids: Sequence[str]
    ) -> dict[str, int]:
        """The batches that files among file_ids are in progress in: for each, how many of
        those files."""
        rows = await self._pool.fetch(
            "SELECT batch_id, count(*) AS files FROM vector_store_files"
            " WHERE vector_store_id = $1 AND project_id = $2 AND file_id = ANY($3::text[])"
            " AND status = $4 AND batch_id IS NOT NULL GROUP BY batch_id",
            vector_store_id,
            project_id,
            list(file_ids),
            IN_PROGRESS,
        )
        return {r["batch_id"]: r["files"] for r in rows}

    async def files_in_progress(self, project_id: str, vector_store_ids: Sequence[str]) -> int:
        count: int = await self._pool.fetchval(
            "SELECT count(*) FROM vector_store_files"
            " WHERE project_id = $1 AND vector_store_id = ANY($2::text[]) AND status = $3",
            project_id,
            list(vector_store_ids),
            IN_PROGRESS,
        )
        return count

    async def project_named(self, name: str) -> str | None:
        """The id of the project called name, if there is one."""
        project_id: str | None = await self._pool.fetchval(
            "SELECT id FROM projects WHERE name = $1", name
        )
        return project_id

    async def files_to_reindex(
        self, project_id: str | None, vector_store_id: str | None, model: str | None
    ) -> dict[tuple[str, str], list[str]]:
        """The completed files whose chunks were embedded by another model than model (a
        chunk embedded by none, keyword-only, counts as another), or every completed file
        when model is None; per (project id, store id), in file id order. project_id and
        vector_store_id narrow the scope when set."""
        rows = await self._pool.fetch(
            f"""
            SELECT f.project_id, f.vector_store_id, f.file_id FROM vector_store_files f
             WHERE f.status = '{COMPLETED}'
               AND ($1::text IS NULL OR f.project_id = $1)
               AND ($2::text IS NULL OR f.vector_store_id = $2)
               AND ($3::text IS NULL OR EXISTS (
                       SELECT 1 FROM chunks c
                        WHERE c.vector_store_id = f.vector_store_id AND c.file_id = f.file_id
                          AND c.embedding_model IS DISTINCT FROM $3))
             ORDER BY f.project_id, f.vector_store_id, f.file_id
            """,
            project_id,
            vector_store_id,
            model,
        )
        found: dict[tuple[str, str], list[str]] = {}
        for r in rows:
            found.setdefault((r["project_id"], r["vector_store_id"]), []).append(r["file_id"])
        return found


class IngestionJobs:
    """Leases on the vector store files in progress, for ingestion workers."""

    def __init__(self, pool: asyncpg.Pool, listener: Listener | None = None) -> None:
        self._pool = pool
        self._queued = asyncio.Event()
        if listener is not None:
            listener.on(QUEUED_CHANNEL, lambda _payload: self._queued.set())

    async def wait_for_jobs(self, timeout: float) -> None:
        """Returns when a file may have been attached, or after timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queued.wait(), timeout)
        self._queued.clear()

    def announce(self) -> None:
        """Wakes this process's ingestion workers without waiting for the notification."""
        self._queued.set()

    async def claim(self, owner: str, lease_seconds: float, limit: int) -> list[IngestionJob]:
        """Leases up to limit files in progress whose lease is free or lapsed, oldest first."""
        rows = await self._pool.fetch(
            f"""
            UPDATE vector_store_files f
               SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
              FROM (SELECT vector_store_id, file_id FROM vector_store_files
                     WHERE status = '{IN_PROGRESS}'
                       AND (lease_until IS NULL OR lease_until < now())
                     ORDER BY created_at
                     LIMIT $3
                       FOR UPDATE SKIP LOCKED) c
             WHERE f.vector_store_id = c.vector_store_id AND f.file_id = c.file_id
            RETURNING f.project_id, f.vector_store_id, f.file_id, f.batch_id,
                      f.object -> 'chunking_strategy' AS chunking, f.attached_version
            """,
            owner,
            lease_seconds,
            limit,
        )
        return [
            IngestionJob(
                r["project_id"],
                r["vector_store_id"],
                r["file_id"],
                r["batch_id"],
                *_chunking(r["chunking"]),
                r["attached_version"],
            )
            for r in rows
        ]

    async def renew(self, owner: str, jobs: Sequence[IngestionJob], lease_seconds: float) -> None:
        if not jobs:
            return
        await self._pool.execute(
            """
            UPDATE vector_store_files SET lease_until = now() + make_interval(secs => $2)
             WHERE lease_owner = $1
               AND (vector_store_id, file_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))
            """,
            owner,
            lease_seconds,
            [j.vector_store_id for j in jobs],
            [j.file_id for j in jobs],
        )

    async def release(self, owner: str, job: IngestionJob) -> None:
        await self._pool.execute(
            "UPDATE vector_store_files SET lease_owner = NULL, lease_until = NULL"
            " WHERE vector_store_id = $1 AND file_id = $2 AND lease_owner = $3",
            job.vector_store_id,
            job.file_id,
            owner,
        )

    @asynccontextmanager
    async def hold(self, owner: str, job: IngestionJob) -> AsyncIterator[HeldJob | None]:
        """A transaction in which the job may end, or None when it is no longer this
        worker's to end: detached, re-attached, cancelled, ended, or leased by another.

        Locks the store's streams row first, then the file's row: appends take the same
        order (streams row, then projections), so a concurrent detach waits rather than
        deadlocks. Whatever the caller writes on conn commits with its events, or not at all.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            version = await conn.fetchval(
                "SELECT version FROM streams WHERE stream_id = $1 AND project_id = $2 FOR UPDATE",
                job.vector_store_id,
                job.project_id,
            )
            row = None
            if version is not None:
                row = await conn.fetchrow(
                    "SELECT object, status, attached_version, lease_owner"
                    " FROM vector_store_files WHERE vector_store_id = $1 AND file_id = $2"
                    " FOR UPDATE",
                    job.vector_store_id,
                    job.file_id,
                )
            if (
                row is None
                or row["status"] != IN_PROGRESS
                or row["attached_version"] != job.attached_version
                or row["lease_owner"] != owner
            ):
                yield None
                return
            batch = await self._last_of_batch(conn, job)
            file = _parse(row["object"], vector_store_pb2.VectorStoreFile())
            yield HeldJob(conn, version, file, batch)

    @staticmethod
    async def _last_of_batch(
        conn: asyncpg.Connection, job: IngestionJob
    ) -> vector_store_pb2.VectorStoreFileBatch | None:
        if job.batch_id is None:
            return None
        others = await conn.fetchval(
            "SELECT count(*) FROM vector_store_files WHERE vector_store_id = $1"
            " AND batch_id = $2 AND status = $3 AND file_id <> $4",
            job.vector_store_id,
            job.batch_id,
            IN_PROGRESS,
            job.file_id,
        )
        if others:
            return None
        data = await conn.fetchval(
            "SELECT object FROM vector_store_file_batches WHERE id = $1 AND vector_store_id = $2",
            job.batch_id,
            job.vector_store_id,
        )
        if data is None:
            return None
        batch = _parse(data, vector_store_pb2.VectorStoreFileBatch())
        if batch.status != vector_store_pb2.VECTOR_STORE_FILE_STATUS_IN_PROGRESS:
            return None
        return batch
