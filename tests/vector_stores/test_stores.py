"""Vector stores over gRPC: create, get, list, update, delete, validation, isolation."""

from __future__ import annotations

import time

import grpc
import pytest
from google.protobuf import field_mask_pb2

from assistants.v1 import common_pb2, file_pb2, tools_pb2, vector_store_pb2
from storage import Storage
from tests.helpers import Client, field_violation, request_id
from tests.vector_stores.support import VS, event_types, rpc_error

DAY = 86_400


async def create(client: Client, **fields: object) -> vector_store_pb2.VectorStore:
    store: vector_store_pb2.VectorStore = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(**fields)  # type: ignore[arg-type]
    )
    return store


async def test_a_new_empty_store_is_completed_with_nothing_in_it(client: Client) -> None:
    before = int(time.time())
    store = await create(client, name="docs", metadata={"team": "a"})
    assert store.id.startswith("vs_") and len(store.id) == 27
    assert store.object == "vector_store"
    assert store.name == "docs" and dict(store.metadata) == {"team": "a"}
    assert store.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert store.usage_bytes == 0
    assert store.file_counts == vector_store_pb2.FileCounts()
    assert before <= store.created_at <= int(time.time())
    assert store.last_active_at == store.created_at
    assert not store.HasField("expires_at") and not store.HasField("expires_after")
    got = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store.id)
    )
    assert got == store


async def test_expires_after_sets_expires_at_from_last_active(client: Client) -> None:
    after = vector_store_pb2.ExpiresAfter(
        anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=3
    )
    store = await create(client, expires_after=after)
    assert store.expires_at == store.last_active_at + 3 * DAY
    assert store.expires_after == after


async def test_list_pages_in_order_with_exact_has_more(client: Client) -> None:
    ids = [(await create(client, name=f"s{i}")).id for i in range(5)]
    page = await client.vector_stores.ListVectorStores(VS.ListVectorStoresRequest(limit=2))
    assert [s.id for s in page.data] == ids[::-1][:2]
    assert page.object == "list" and page.has_more
    assert page.first_id == ids[4] and page.last_id == ids[3]
    seen = [s.id for s in page.data]
    while page.has_more:
        page = await client.vector_stores.ListVectorStores(
            VS.ListVectorStoresRequest(limit=2, after=page.last_id)
        )
        seen += [s.id for s in page.data]
    assert seen == ids[::-1]
    ascending = await client.vector_stores.ListVectorStores(
        VS.ListVectorStoresRequest(order=common_pb2.LIST_ORDER_ASC, before=ids[3])
    )
    assert [s.id for s in ascending.data] == ids[:3]
    assert not ascending.has_more


async def test_update_merges_metadata_and_expires_after_null_removes_expiry(
    client: Client,
) -> None:
    after = vector_store_pb2.ExpiresAfter(
        anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=1
    )
    store = await create(client, name="a", metadata={"k1": "v1"}, expires_after=after)
    updated = await client.vector_stores.UpdateVectorStore(
        VS.UpdateVectorStoreRequest(vector_store_id=store.id, name="b", metadata={"k2": "v2"})
    )
    assert updated.name == "b"
    assert dict(updated.metadata) == {"k1": "v1", "k2": "v2"}
    assert updated.expires_at == store.expires_at
    cleared = await client.vector_stores.UpdateVectorStore(
        VS.UpdateVectorStoreRequest(
            vector_store_id=store.id,
            update_mask=field_mask_pb2.FieldMask(paths=["expires_after"]),
        )
    )
    assert not cleared.HasField("expires_after") and not cleared.HasField("expires_at")
    assert cleared.name == "b" and dict(cleared.metadata) == {"k1": "v1", "k2": "v2"}
    longer = await client.vector_stores.UpdateVectorStore(
        VS.UpdateVectorStoreRequest(
            vector_store_id=store.id,
            expires_after=vector_store_pb2.ExpiresAfter(
                anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=365
            ),
        )
    )
    assert longer.expires_at == longer.last_active_at + 365 * DAY


async def test_delete_removes_the_store_but_not_its_files(client: Client, storage: Storage) -> None:
    file_id = (await client.upload(b"kept text", "keep.txt")).id
    store = await create(client, file_ids=[file_id])
    deleted = await client.vector_stores.DeleteVectorStore(
        VS.DeleteVectorStoreRequest(vector_store_id=store.id)
    )
    assert (deleted.id, deleted.object, deleted.deleted) == (
        store.id,
        "vector_store.deleted",
        True,
    )
    error = await rpc_error(
        client.vector_stores.GetVectorStore(VS.GetVectorStoreRequest(vector_store_id=store.id)),
        grpc.StatusCode.NOT_FOUND,
    )
    assert error.details() == f"No vector store found with id '{store.id}'."
    file = await client.files.GetFile(file_pb2.GetFileRequest(file_id=file_id))
    assert file.id == file_id
    assert (
        await storage.pool.fetchval(
            "SELECT count(*) FROM vector_store_files WHERE vector_store_id = $1", store.id
        )
        == 0
    )
    assert (await event_types(storage, store.id))[-1] == "VectorStoreDeleted"


async def test_create_with_a_missing_file_is_not_found_and_creates_nothing(
    client: Client, storage: Storage
) -> None:
    error = await rpc_error(
        create(client, file_ids=["file-doesnotexist000000000000"]), grpc.StatusCode.NOT_FOUND
    )
    assert "file-doesnotexist000000000000" in (error.details() or "")
    page = await client.vector_stores.ListVectorStores(VS.ListVectorStoresRequest())
    assert not page.data


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"file_ids": [f"file-{i:024d}" for i in range(501)]}, "file_ids"),
        ({"file_ids": ["asst_abc"]}, "file_ids[0]"),
        ({"name": "n" * 257}, "name"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        (
            {
                "expires_after": vector_store_pb2.ExpiresAfter(
                    anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=366
                )
            },
            "expires_after.days",
        ),
        (
            {"expires_after": vector_store_pb2.ExpiresAfter(days=3)},
            "expires_after.anchor",
        ),
        (
            {
                "expires_after": vector_store_pb2.ExpiresAfter(
                    anchor=vector_store_pb2.EXPIRES_AFTER_ANCHOR_CREATED_AT, days=3
                )
            },
            "expires_after.anchor",
        ),
        (
            {
                "chunking_strategy": tools_pb2.ChunkingStrategy(
                    type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
                    static=tools_pb2.StaticChunking(
                        max_chunk_size_tokens=99, chunk_overlap_tokens=0
                    ),
                )
            },
            "chunking_strategy.static.max_chunk_size_tokens",
        ),
        (
            {
                "chunking_strategy": tools_pb2.ChunkingStrategy(
                    type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
                    static=tools_pb2.StaticChunking(
                        max_chunk_size_tokens=400, chunk_overlap_tokens=201
                    ),
                )
            },
            "chunking_strategy.static.chunk_overlap_tokens",
        ),
    ],
)
async def test_bad_create_is_invalid_argument_and_changes_nothing(
    client: Client, fields: dict[str, object], param: str
) -> None:
    error = await rpc_error(create(client, **fields), grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violation(error)[0] == param
    page = await client.vector_stores.ListVectorStores(VS.ListVectorStoresRequest())
    assert not page.data


async def test_bad_update_changes_nothing(client: Client) -> None:
    store = await create(client, name="same", metadata={"a": "1"})
    error = await rpc_error(
        client.vector_stores.UpdateVectorStore(
            VS.UpdateVectorStoreRequest(
                vector_store_id=store.id,
                name="changed",
                metadata={f"k{i}": "v" for i in range(16)},
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violation(error)[0] == "metadata"
    got = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store.id)
    )
    assert got == store


async def test_bad_ids_are_invalid_argument(client: Client) -> None:
    error = await rpc_error(
        client.vector_stores.GetVectorStore(VS.GetVectorStoreRequest(vector_store_id="asst_x")),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violation(error)[0] == "vector_store_id"


async def test_another_projects_store_and_files_are_not_found(
    client: Client, other_client: Client
) -> None:
    file_id = (await client.upload(b"private words", "mine.txt")).id
    store = await create(client, file_ids=[file_id])
    for call in (
        other_client.vector_stores.GetVectorStore(
            VS.GetVectorStoreRequest(vector_store_id=store.id)
        ),
        other_client.vector_stores.UpdateVectorStore(
            VS.UpdateVectorStoreRequest(vector_store_id=store.id, name="x")
        ),
        other_client.vector_stores.DeleteVectorStore(
            VS.DeleteVectorStoreRequest(vector_store_id=store.id)
        ),
        other_client.vector_stores.GetVectorStoreFile(
            VS.GetVectorStoreFileRequest(vector_store_id=store.id, file_id=file_id)
        ),
        other_client.vector_stores.ListVectorStoreFiles(
            VS.ListVectorStoreFilesRequest(vector_store_id=store.id)
        ),
        other_client.vector_stores.SearchVectorStore(
            VS.SearchVectorStoreRequest(vector_store_id=store.id, query=["private"])
        ),
    ):
        await rpc_error(call, grpc.StatusCode.NOT_FOUND)
    # Another project's file cannot be attached to one's own store either.
    own = await create(other_client)
    await rpc_error(
        other_client.vector_stores.CreateVectorStoreFile(
            VS.CreateVectorStoreFileRequest(vector_store_id=own.id, file_id=file_id)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    listed = await other_client.vector_stores.ListVectorStores(VS.ListVectorStoresRequest())
    assert [s.id for s in listed.data] == [own.id]
    still = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store.id)
    )
    assert still.name == store.name


async def test_a_retried_create_returns_the_first_store(client: Client, storage: Storage) -> None:
    key = request_id()
    first = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(name="once"), metadata=key
    )
    again = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(name="once"), metadata=key
    )
    assert again.id == first.id
    page = await client.vector_stores.ListVectorStores(VS.ListVectorStoresRequest())
    assert [s.id for s in page.data] == [first.id]
    await rpc_error(
        client.vector_stores.CreateVectorStore(
            VS.CreateVectorStoreRequest(name="other"), metadata=key
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
