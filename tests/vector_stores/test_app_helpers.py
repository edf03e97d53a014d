"""The helpers files and file_search use: inline and thread stores, touch, expiry."""

from __future__ import annotations

import time
import uuid

from assistants.v1 import tools_pb2, vector_store_pb2
from service.app import Application, Principal, RequestContext
from storage import Storage
from tests.helpers import Client
from tests.vector_stores.support import DAY, VS, event_types, old_store


def context(client: Client) -> RequestContext:
    return RequestContext(Principal(client.project_id, ""), f"req_{uuid.uuid4().hex}")


async def test_a_store_past_its_expiry_reads_expired(client: Client, storage: Storage) -> None:
    store_id = await old_store(storage, client, age=2 * DAY, days=1)
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED


async def test_touch_moves_last_active_and_the_expiry_at_most_once_a_minute(
    client: Client, storage: Storage, app: Application
) -> None:
    store_id = await old_store(storage, client, age=3600, days=2)
    before = int(time.time())
    await app.vector_stores.touch(client.project_id, [store_id])
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.last_active_at >= before
    assert store.expires_at == store.last_active_at + 2 * DAY
    await app.vector_stores.touch(client.project_id, [store_id])
    assert (await event_types(storage, store_id)).count("VectorStoreUpdated") == 1


async def test_thread_stores_expire_a_week_after_use_and_take_only_new_files(
    client: Client, storage: Storage, app: Application
) -> None:
    first = (await client.upload(b"one", "one.txt")).id
    second = (await client.upload(b"two", "two.txt")).id
    ctx = context(client)
    store_id = await app.vector_stores.add_to_thread_store(ctx, None, [first])
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.expires_after == vector_store_pb2.ExpiresAfter(
        anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=7
    )
    assert store.expires_at == store.last_active_at + 7 * DAY
    again = await app.vector_stores.add_to_thread_store(ctx, store_id, [first, second])
    assert again == store_id
    files = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(vector_store_id=store_id)
    )
    assert sorted(f.id for f in files.data) == sorted([first, second])
    assert (await event_types(storage, store_id)).count("VectorStoreFileAttached") == 2


async def test_an_assistant_inline_store_never_expires(client: Client, app: Application) -> None:
    file_id = (await client.upload(b"one", "one.txt")).id
    spec = tools_pb2.VectorStoreSpec(file_ids=[file_id], metadata={"from": "assistant"})
    store_id = await app.vector_stores.create_inline(context(client), spec, for_thread=False)
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert not store.HasField("expires_after") and not store.HasField("expires_at")
    assert dict(store.metadata) == {"from": "assistant"}
    assert store.file_counts.total == 1
