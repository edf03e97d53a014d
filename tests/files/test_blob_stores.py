"""The blob stores against real storage: PostgreSQL parts and a directory of files.

Both are content-addressed: the same bytes are stored once, named by their SHA-256, and a blob
goes only when no `files` row names it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistants.v1 import events_pb2, file_pb2
from service.app import Principal, RequestContext
from storage import (
    NO_STREAM,
    BlobNotFoundError,
    BlobStore,
    BlobTooLargeError,
    FilesystemBlobStore,
    PostgresBlobStore,
    Storage,
)

MIB = 1024 * 1024


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def failing(data: bytes) -> AsyncIterator[bytes]:
    yield data
    raise ConnectionError("client went away")


async def orphan_parts(storage: Storage) -> int:
    """Parts of no blob: left by an upload that did not finish."""
    count: int = await storage.pool.fetchval(
        "SELECT count(*) FROM blob_parts p"
        " WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = p.upload_id)"
    )
    return count


_METADATA = RequestContext(Principal("proj_blobtests", ""), "req_blob_test").event_metadata()


async def name_in_a_file(storage: Storage, sha256: str, size: int) -> str:
    """Appends a FileCreated naming the blob, as an upload does; returns the file id."""
    file_id = "file-" + uuid.uuid4().hex[:24]
    file = file_pb2.File(id=file_id, object="file", bytes=size, purpose="vision", filename="f")
    created = events_pb2.FileCreated(file=file, sha256=sha256)
    await storage.events.append(
        file_id, "file", [created], expected_version=NO_STREAM, metadata=_METADATA
    )
    return file_id


async def unname(storage: Storage, file_id: str) -> None:
    deleted = events_pb2.FileDeleted(file_id=file_id)
    await storage.events.append(file_id, "file", [deleted], expected_version=1, metadata=_METADATA)


@pytest.fixture(params=["postgres", "filesystem"])
def store(request: pytest.FixtureRequest, storage: Storage, tmp_path: Path) -> BlobStore:
    if request.param == "postgres":
        return PostgresBlobStore(storage.pool)
    return FilesystemBlobStore(tmp_path / "blobs", storage.pool)


async def test_write_then_read_in_parts(store: BlobStore) -> None:
    data = os.urandom(2 * MIB + 7)
    blob = await store.write(chunks(data, 300_000), max_bytes=10 * MIB)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    parts = [p async for p in store.read(blob.sha256)]
    assert [len(p) for p in parts] == [MIB, MIB, 7]
    assert await store.read_all(blob.sha256) == data


async def test_same_content_twice_is_one_blob(store: BlobStore, storage: Storage) -> None:
    data = os.urandom(MIB + 1)
    first = await store.write(chunks(data, MIB), max_bytes=10 * MIB)
    second = await store.write(chunks(data, 1000), max_bytes=10 * MIB)
    assert first == second
    assert await store.read_all(first.sha256) == data
    assert await orphan_parts(storage) == 0
    if isinstance(store, PostgresBlobStore):
        rows = await storage.pool.fetchval(
            "SELECT count(*) FROM blobs WHERE sha256 = $1", first.sha256
        )
        assert rows == 1


async def test_too_large_keeps_nothing(store: BlobStore, storage: Storage, tmp_path: Path) -> None:
    data = os.urandom(MIB + 100)
    with pytest.raises(BlobTooLargeError):
        await store.write(chunks(data, 4096), max_bytes=MIB + 99)
    with pytest.raises(BlobNotFoundError):
        await store.read_all(hashlib.sha256(data).hexdigest())
    # Exactly the limit is fine.
    blob = await store.write(chunks(data, 4096), max_bytes=MIB + 100)
    assert blob.size == MIB + 100
    assert await orphan_parts(storage) == 0
    if isinstance(store, FilesystemBlobStore):
        assert list((tmp_path / "blobs" / "incoming").iterdir()) == []


async def test_failed_upload_keeps_nothing(
    store: BlobStore, storage: Storage, tmp_path: Path
) -> None:
    data = os.urandom(MIB + 5)
    with pytest.raises(ConnectionError):
        await store.write(failing(data), max_bytes=10 * MIB)
    assert await orphan_parts(storage) == 0
    if isinstance(store, FilesystemBlobStore):
        assert list((tmp_path / "blobs" / "incoming").iterdir()) == []


async def test_delete_only_when_no_file_names_it(store: BlobStore, storage: Storage) -> None:
    data = os.urandom(5000)
    blob = await store.write(chunks(data, 1000), max_bytes=MIB)
    file_id = await name_in_a_file(storage, blob.sha256, blob.size)
    assert not await store.delete_if_unreferenced(blob.sha256)
    assert await store.read_all(blob.sha256) == data
    await unname(storage, file_id)
    assert await store.delete_if_unreferenced(blob.sha256)
    with pytest.raises(BlobNotFoundError):
        await store.read_all(blob.sha256)
    assert not await store.delete_if_unreferenced(blob.sha256)


async def test_filesystem_blobs_are_named_by_sha256(storage: Storage, tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path, storage.pool)
    data = b"named by content"
    blob = await store.write(chunks(data, 4), max_bytes=100)
    path = tmp_path / blob.sha256[:2] / blob.sha256
    assert path.read_bytes() == data
    with pytest.raises(BlobNotFoundError):
        await store.read_all("../../etc/passwd")


async def test_hold_reports_a_missing_blob(store: BlobStore, storage: Storage) -> None:
    blob = await store.write(chunks(b"held", 2), max_bytes=100)
    async with storage.pool.acquire() as conn, conn.transaction():
        assert await store.hold(conn, blob.sha256)
        assert not await store.hold(conn, hashlib.sha256(b"never stored").hexdigest())


async def hanging(data: bytes, arrived: asyncio.Event) -> AsyncIterator[bytes]:
    """An upload whose client stops sending after data: a process dying mid-upload leaves
    what such an upload has written so far."""
    yield data
    arrived.set()
    await asyncio.Event().wait()


async def test_sweep_deletes_only_old_parts_of_unfinished_uploads(storage: Storage) -> None:
    store = PostgresBlobStore(storage.pool)
    kept = await store.write(chunks(os.urandom(2 * MIB), MIB), max_bytes=10 * MIB)
    uploads = []
    for age_hours in (7, 0):  # one cut off hours ago, one being received now
        arrived = asyncio.Event()
        uploads.append(
            asyncio.create_task(
                store.write(hanging(os.urandom(2 * MIB + 1), arrived), max_bytes=10 * MIB)
            )
        )
        await arrived.wait()
        await asyncio.sleep(0.2)  # the parts reach the table
        await storage.pool.execute(
            "UPDATE blob_parts SET written_at = now() - make_interval(hours => $1)"
            " WHERE written_at > now() - interval '1 minute'"
            " AND upload_id NOT IN (SELECT upload_id FROM blobs)",
            age_hours,
        )
    try:
        assert await orphan_parts(storage) == 4
        assert await store.sweep_abandoned(6 * 3600) == 2
        assert await orphan_parts(storage) == 2  # the upload still being received
        assert await store.read_all(kept.sha256) is not None  # finished blobs stay whole
    finally:
        for upload in uploads:
            upload.cancel()
        await asyncio.gather(*uploads, return_exceptions=True)
    assert await orphan_parts(storage) == 0


async def test_filesystem_sweep_deletes_only_old_temporary_files(
    storage: Storage, tmp_path: Path
) -> None:
    store = FilesystemBlobStore(tmp_path / "blobs", storage.pool)
    kept = await store.write(chunks(b"kept", 4), max_bytes=MIB)
    incoming = tmp_path / "blobs" / "incoming"
    old, fresh = incoming / "old.part", incoming / "fresh.part"
    old.write_bytes(b"cut off")
    fresh.write_bytes(b"arriving")
    hours_ago = time.time() - 7 * 3600
    os.utime(old, (hours_ago, hours_ago))
    assert await store.sweep_abandoned(6 * 3600) == 1
    assert sorted(p.name for p in incoming.iterdir()) == ["fresh.part"]
    assert await store.read_all(kept.sha256) == b"kept"
