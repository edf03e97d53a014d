"""Helpers of the vector store tests: uploads, waits, and what the database recorded."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from assistants.v1 import events_pb2, vector_store_pb2, vector_store_service_pb2
from service.domain import ids
from storage import NO_STREAM, Storage
from tests.helpers import Client

VS = vector_store_service_pb2
DAY = 86_400
IN_PROGRESS = vector_store_pb2.VECTOR_STORE_FILE_STATUS_IN_PROGRESS
COMPLETED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_COMPLETED
FAILED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_FAILED
CANCELLED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_CANCELLED


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        assert error.code() == code, error.details()
        return error
    raise AssertionError(f"expected {code}")


async def wait_for(
    check: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def wait_until_ended(
    client: Client, store_id: str, timeout: float = 30.0
) -> vector_store_pb2.VectorStore:
    """The store once no file of it is in progress."""

    async def ended() -> bool:
        store = await client.vector_stores.GetVectorStore(
            VS.GetVectorStoreRequest(vector_store_id=store_id)
        )
        return store.file_counts.in_progress == 0

    await wait_for(ended, timeout, f"the files of {store_id}")
    store: vector_store_pb2.VectorStore = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    return store


async def get_file(client: Client, store_id: str, file_id: str) -> vector_store_pb2.VectorStoreFile:
    result: vector_store_pb2.VectorStoreFile = await client.vector_stores.GetVectorStoreFile(
        VS.GetVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id)
    )
    return result


async def event_types(storage: Storage, stream_id: str) -> list[str]:
    rows = await storage.pool.fetch(
        "SELECT type FROM events WHERE stream_id = $1 ORDER BY version", stream_id
    )
    return [r["type"] for r in rows]


async def chunk_counts(storage: Storage, store_id: str) -> dict[str, tuple[int, int]]:
    """Per file of the store: (chunk rows, the chunk_count its completion recorded)."""
    rows = await storage.pool.fetch(
        """
        SELECT e.data -> 'vector_store_file' ->> 'id' AS file_id,
               coalesce((e.data -> 'ingestion' ->> 'chunk_count')::int, 0) AS recorded,
               (SELECT count(*) FROM chunks c
                 WHERE c.vector_store_id = e.stream_id
                   AND c.file_id = e.data -> 'vector_store_file' ->> 'id') AS stored
          FROM events e
         WHERE e.stream_id = $1 AND e.type = 'VectorStoreFileUpdated'
           AND e.data -> 'vector_store_file' ->> 'status' = 'VECTOR_STORE_FILE_STATUS_COMPLETED'
        """,
        store_id,
    )
    return {r["file_id"]: (r["stored"], r["recorded"]) for r in rows}


def tiny_pdf(text: str) -> bytes:
    """A one-page PDF showing text in Helvetica, written by hand (offsets computed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def tiny_docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def old_store(storage: Storage, client: Client, age: int, days: int) -> str:
    """A store last active `age` seconds ago, expiring `days` after that (as the log would
    have it had it been created then)."""
    then = int(time.time()) - age
    store = vector_store_pb2.VectorStore(
        id=ids.new_id(ids.VECTOR_STORE),
        object="vector_store",
        created_at=then,
        last_active_at=then,
        expires_after=vector_store_pb2.ExpiresAfter(
            anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=days
        ),
        expires_at=then + days * DAY,
    )
    await storage.events.append(
        store.id,
        "vector_store",
        [events_pb2.VectorStoreCreated(vector_store=store)],
        expected_version=NO_STREAM,
        metadata=events_pb2.EventMetadata(project_id=client.project_id),
    )
    return store.id
