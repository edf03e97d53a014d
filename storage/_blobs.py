"""Content-addressed file content: each distinct content is stored once, named by its SHA-256.

Two uploads of the same bytes share one blob. A blob is deleted when the last `files` row
naming its sha256 is gone. Blobs are not a projection: they are bytes, not derived from events;
the FileCreated event records the sha256, so the log says which bytes every reader saw.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import asyncpg

from storage._errors import StorageError

log = logging.getLogger("storage.blobs")

# The size of a stored part and of every chunk read gives back.
PART_SIZE = 1024 * 1024

_UNREFERENCED = "SELECT NOT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)"
# Taken by the transaction that appends a FileCreated naming the blob, and by the one that
# deletes it: a blob is never deleted between an upload finding it and its file row committing.
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('blob:' || $1, 0))"


@dataclass(frozen=True)
class StoredBlob:
    # Lowercase hex.
    sha256: str
    size: int


class BlobTooLargeError(StorageError):
    """The content exceeded the size allowed; nothing of it was kept."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"content larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class BlobNotFoundError(StorageError):
    """No blob has this sha256."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no blob {sha256}")
        self.sha256 = sha256


class BlobStore(Protocol):
    async def write(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Stores the content (once per distinct content). Raises BlobTooLargeError."""
        ...

    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The content in parts of at most 1 MiB. Raises BlobNotFoundError."""
        ...

    async def read_all(self, sha256: str) -> bytes: ...

    async def delete_if_unreferenced(self, sha256: str) -> bool:
        """Deletes the blob when no `files` row names it; True when it was deleted."""
        ...

    async def sweep_abandoned(self, older_than_seconds: float) -> int:
        """Deletes what uploads cut off by a crash left, once older than the given age (an
        upload still being written is younger); returns how many pieces went."""
        ...

    async def hold(self, conn: asyncpg.Connection, sha256: str) -> bool:
        """In conn's open transaction: keeps the blob from being deleted until that
        transaction ends, so a file row written in it is never left without content.
        False when the blob is already gone."""
        ...


async def _parts(chunks: AsyncIterable[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """The chunks regrouped into parts of PART_SIZE (the last may be shorter).

    Raises BlobTooLargeError as soon as more than max_bytes arrived.
    """
    buffer = bytearray()
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise BlobTooLargeError(max_bytes)
        buffer += chunk
        while len(buffer) >= PART_SIZE:
            yield bytes(buffer[:PART_SIZE])
            del buffer[:PART_SIZE]
    if buffer:
        yield bytes(buffer)


class PostgresBlobStore:
    """Blobs in PostgreSQL: parts of 1 MiB in blob_parts, one blobs row per content.

    An upload writes its parts under a fresh upload_id, so it needs no lock and holds no
    connection while the client sends. Its blobs row is inserted last: the content becomes
    visible at once, or, when the same content is already stored, the new parts are dropped.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def write(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        upload_id = uuid.uuid4()
        digest = hashlib.sha256()
        size = 0
        seq = 0
        kept = False
        try:
            async for part in _parts(chunks, max_bytes):
                digest.update(part)
                size += len(part)
                await self._pool.execute(
                    "INSERT INTO blob_parts (upload_id, seq, data) VALUES ($1, $2, $3)",
                    upload_id,
                    seq,
                    part,
                )
                seq += 1
            sha256 = digest.hexdigest()
            kept = await self._pool.fetchval(
                "INSERT INTO blobs (sha256, size, upload_id) VALUES ($1, $2, $3)"
                " ON CONFLICT (sha256) DO NOTHING RETURNING true",
                sha256,
                size,
                upload_id,
            )
            kept = bool(kept)
            return StoredBlob(sha256, size)
        finally:
            if not kept and seq:
                # Too large, failed, cancelled, or the same content is already stored.
                await asyncio.shield(self._drop_parts(upload_id))

    async def _drop_parts(self, upload_id: uuid.UUID) -> None:
        await self._pool.execute("DELETE FROM blob_parts WHERE upload_id = $1", upload_id)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        row = await self._pool.fetchrow(
            "SELECT upload_id, size FROM blobs WHERE sha256 = $1", sha256
        )
        if row is None:
            raise BlobNotFoundError(sha256)
        count = -(-row["size"] // PART_SIZE)
        for seq in range(count):
            data = await self._pool.fetchval(
                "SELECT data FROM blob_parts WHERE upload_id = $1 AND seq = $2",
                row["upload_id"],
                seq,
            )
            if data is None:
                raise BlobNotFoundError(sha256)
            yield data

    async def read_all(self, sha256: str) -> bytes:
        return b"".join([part async for part in self.read(sha256)])

    async def hold(self, conn: asyncpg.Connection, sha256: str) -> bool:
        await conn.execute(_LOCK, sha256)
        return bool(
            await conn.fetchval("SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1)", sha256)
        )

    async def delete_if_unreferenced(self, sha256: str) -> bool:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK, sha256)
            upload_id = await conn.fetchval(
                "SELECT upload_id FROM blobs WHERE sha256 = $1 FOR UPDATE", sha256
            )
            if upload_id is None or not await conn.fetchval(_UNREFERENCED, sha256):
                return False
            await conn.execute("DELETE FROM blob_parts WHERE upload_id = $1", upload_id)
            await conn.execute("DELETE FROM blobs WHERE sha256 = $1", sha256)
        log.info("blob deleted", extra={"sha256": sha256})
        return True

    async def sweep_abandoned(self, older_than_seconds: float) -> int:
        status = await self._pool.execute(
            "DELETE FROM blob_parts p"
            " WHERE p.written_at < now() - make_interval(secs => $1)"
            " AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = p.upload_id)",
            float(older_than_seconds),
        )
        return int(status.split()[-1])


class FilesystemBlobStore:
    """Blobs as files under a root directory, named by sha256 (root/ab/abcdef…).

    An upload is written to a temporary file and renamed into place once hashed, so a blob
    file is always whole. The pool answers whether a `files` row still names a blob.
    """

    def __init__(self, root: Path, pool: asyncpg.Pool) -> None:
        self._root = Path(root)
        self._pool = pool

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BlobNotFoundError(sha256)
        return self._root / sha256[:2] / sha256

    async def write(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        incoming = self._root / "incoming"
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        temp = incoming / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        handle = await asyncio.to_thread(temp.open, "wb")
        try:
            try:
                async for part in _parts(chunks, max_bytes):
                    digest.update(part)
                    size += len(part)
                    await asyncio.to_thread(handle.write, part)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            sha256 = digest.hexdigest()
            await asyncio.to_thread(self._place, temp, self._path(sha256))
            return StoredBlob(sha256, size)
        finally:
            await asyncio.to_thread(temp.unlink, missing_ok=True)

    @staticmethod
    def _place(temp: Path, final: Path) -> None:
        """Renames the upload into place, unless the same content is already there."""
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFoundError(sha256) from None
        try:
            while part := await asyncio.to_thread(handle.read, PART_SIZE):
                yield part
        finally:
            await asyncio.to_thread(handle.close)

    async def read_all(self, sha256: str) -> bytes:
        return b"".join([part async for part in self.read(sha256)])

    async def hold(self, conn: asyncpg.Connection, sha256: str) -> bool:
        await conn.execute(_LOCK, sha256)
        return await asyncio.to_thread(self._path(sha256).exists)

    async def delete_if_unreferenced(self, sha256: str) -> bool:
        path = self._path(sha256)
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK, sha256)
            if not await conn.fetchval(_UNREFERENCED, sha256):
                return False
            try:
                await asyncio.to_thread(path.unlink)
            except FileNotFoundError:
                return False
        log.info("blob deleted", extra={"sha256": sha256})
        return True

    async def sweep_abandoned(self, older_than_seconds: float) -> int:
        return await asyncio.to_thread(_sweep_parts, self._root / "incoming", older_than_seconds)


def _sweep_parts(incoming: Path, older_than_seconds: float) -> int:
    """Deletes the temporary files of uploads older than the age; how many."""
    cutoff = time.time() - older_than_seconds
    swept = 0
    for part in incoming.glob("*.part") if incoming.is_dir() else ():
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                swept += 1
        except FileNotFoundError:
            continue  # its upload finished or failed meanwhile
    return swept


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
