"""Vector store files and file batches over gRPC, with real ingestion behind them."""

from __future__ import annotations

import grpc
from google.protobuf import struct_pb2

from assistants.v1 import common_pb2, file_pb2, tools_pb2, vector_store_pb2
from service.retrieval.ingestion import Ingestion
from storage import Storage, verify_projections
from tests.helpers import Client, field_violation
from tests.vector_stores.support import (
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    VS,
    chunk_counts,
    event_types,
    get_file,
    rpc_error,
    wait_for,
    wait_until_ended,
)


async def new_store(client: Client, **fields: object) -> str:
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(**fields)  # type: ignore[arg-type]
    )
    return str(store.id)


async def add(
    client: Client, store_id: str, file_id: str, **fields: object
) -> vector_store_pb2.VectorStoreFile:
    result: vector_store_pb2.VectorStoreFile = await client.vector_stores.CreateVectorStoreFile(
        VS.CreateVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id, **fields)  # type: ignore[arg-type]
    )
    return result


async def list_files(client: Client, store_id: str, **fields: object) -> list[str]:
    page = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(vector_store_id=store_id, **fields)  # type: ignore[arg-type]
    )
    return [f.id for f in page.data]


async def test_a_file_is_added_ingested_listed_and_detached(
    client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    content = b"The pelican colony nests on the northern cliffs every spring."
    file_id = (await client.upload(content, "birds.txt")).id
    store_id = await new_store(client)
    attributes = {
        "author": struct_pb2.Value(string_value="ann"),
        "year": struct_pb2.Value(number_value=2024),
    }
    added = await add(client, store_id, file_id, attributes=attributes)
    assert added.id == file_id and added.object == "vector_store.file"
    assert added.vector_store_id == store_id
    assert added.status in (IN_PROGRESS, COMPLETED)
    assert added.chunking_strategy == tools_pb2.ChunkingStrategy(
        type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
        static=tools_pb2.StaticChunking(max_chunk_size_tokens=800, chunk_overlap_tokens=400),
    )
    assert dict(added.attributes) == attributes
    store = await wait_until_ended(client, store_id)
    assert store.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert store.file_counts == vector_store_pb2.FileCounts(completed=1, total=1)
    assert store.usage_bytes == len(content)
    done = await get_file(client, store_id, file_id)
    assert done.status == COMPLETED and done.usage_bytes == len(content)
    assert not done.HasField("last_error")
    # Adding it again returns the file as it is.
    again = await add(client, store_id, file_id)
    assert again == done
    assert (await event_types(storage, store_id)).count("VectorStoreFileAttached") == 1
    # Filtered lists.
    assert await list_files(client, store_id, filter=COMPLETED) == [file_id]
    assert await list_files(client, store_id, filter=IN_PROGRESS) == []
    # Its content pages.
    page = await client.vector_stores.GetVectorStoreFileContent(
        VS.GetVectorStoreFileContentRequest(vector_store_id=store_id, file_id=file_id)
    )
    assert page.object == "vector_store.file_content.page"
    assert "pelican colony" in page.data[0].text and not page.has_more
    # Delete detaches: the File survives; the chunks go.
    deleted = await client.vector_stores.DeleteVectorStoreFile(
        VS.DeleteVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id)
    )
    assert (deleted.id, deleted.object, deleted.deleted) == (
        file_id,
        "vector_store.file.deleted",
        True,
    )
    file = await client.files.GetFile(file_pb2.GetFileRequest(file_id=file_id))
    assert file.id == file_id
    await rpc_error(get_file(client, store_id, file_id), grpc.StatusCode.NOT_FOUND)
    assert await list_files(client, store_id) == []
    assert (
        await storage.pool.fetchval(
            "SELECT count(*) FROM chunks WHERE vector_store_id = $1", store_id
        )
        == 0
    )
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.file_counts.total == 0 and store.usage_bytes == 0


async def test_update_file_replaces_attributes(client: Client, ingestion: Ingestion) -> None:
    file_id = (await client.upload(b"alpha", "a.txt")).id
    store_id = await new_store(client)
    await add(client, store_id, file_id, attributes={"a": struct_pb2.Value(bool_value=True)})
    updated = await client.vector_stores.UpdateVectorStoreFile(
        VS.UpdateVectorStoreFileRequest(
            vector_store_id=store_id,
            file_id=file_id,
            attributes={"b": struct_pb2.Value(string_value="x")},
        )
    )
    assert dict(updated.attributes) == {"b": struct_pb2.Value(string_value="x")}
    await wait_until_ended(client, store_id)
    done = await get_file(client, store_id, file_id)
    assert done.status == COMPLETED
    assert dict(done.attributes) == {"b": struct_pb2.Value(string_value="x")}


async def test_bad_attributes_are_invalid_argument(client: Client) -> None:
    file_id = (await client.upload(b"alpha", "a.txt")).id
    store_id = await new_store(client)
    too_many = {f"k{i}": struct_pb2.Value(number_value=i) for i in range(17)}
    error = await rpc_error(
        add(client, store_id, file_id, attributes=too_many), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert field_violation(error)[0] == "attributes"
    long_value = {"k": struct_pb2.Value(string_value="v" * 513)}
    error = await rpc_error(
        add(client, store_id, file_id, attributes=long_value), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert field_violation(error)[0] == "attributes.k"
    nested = {"k": struct_pb2.Value(list_value=struct_pb2.ListValue())}
    await rpc_error(
        add(client, store_id, file_id, attributes=nested), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert await list_files(client, store_id) == []


async def test_counts_and_status_move_with_ingestion(client: Client, paused: Ingestion) -> None:
    contents = [b"one two three", b"four five six seven"]
    file_ids = [(await client.upload(c, f"f{i}.txt")).id for i, c in enumerate(contents)]
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=file_ids)
    )
    assert store.status == vector_store_pb2.VECTOR_STORE_STATUS_IN_PROGRESS
    assert store.file_counts == vector_store_pb2.FileCounts(in_progress=2, total=2)
    assert store.usage_bytes == 0
    paused.start()
    try:
        done = await wait_until_ended(client, store.id)
    finally:
        await paused.stop(5.0)
    assert done.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert done.file_counts == vector_store_pb2.FileCounts(completed=2, total=2)
    assert done.usage_bytes == sum(len(c) for c in contents)


async def test_a_batch_ingests_its_files_and_completes(
    client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    file_ids = [
        (await client.upload(f"# Doc {i}\n\nbody {i}".encode(), f"doc{i}.md")).id for i in range(3)
    ]
    extra = (await client.upload(b"not in the batch", "extra.txt")).id
    store_id = await new_store(client, file_ids=[extra])
    batch = await client.vector_stores.CreateVectorStoreFileBatch(
        VS.CreateVectorStoreFileBatchRequest(
            vector_store_id=store_id, file_ids=file_ids + file_ids[:1]
        )
    )
    assert batch.id.startswith("vsfb_") and batch.object == "vector_store.files_batch"
    assert batch.vector_store_id == store_id and batch.file_counts.total == 3

    async def completed() -> bool:
        got = await client.vector_stores.GetVectorStoreFileBatch(
            VS.GetVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=batch.id)
        )
        return got.status == COMPLETED

    await wait_for(completed, what="the batch")
    got = await client.vector_stores.GetVectorStoreFileBatch(
        VS.GetVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=batch.id)
    )
    assert got.file_counts == vector_store_pb2.FileCounts(completed=3, total=3)
    assert sorted(await list_files(client, store_id, batch_id=batch.id)) == sorted(file_ids)
    assert len(await list_files(client, store_id)) == 4
    # The batch's end is recorded once, with its last file's end.
    assert (await event_types(storage, store_id)).count("VectorStoreFileBatchUpdated") == 1
    counts = await chunk_counts(storage, store_id)
    assert all(stored == recorded > 0 for stored, recorded in counts.values())


async def test_cancel_marks_in_progress_files_and_the_batch_cancelled(
    client: Client, storage: Storage, paused: Ingestion
) -> None:
    file_ids = [(await client.upload(b"cancel me", f"c{i}.txt")).id for i in range(3)]
    store_id = await new_store(client)
    batch = await client.vector_stores.CreateVectorStoreFileBatch(
        VS.CreateVectorStoreFileBatchRequest(
            vector_store_id=store_id,
            files=[VS.FileBatchEntry(file_id=f) for f in file_ids],
        )
    )
    assert batch.status == IN_PROGRESS
    assert batch.file_counts == vector_store_pb2.FileCounts(in_progress=3, total=3)
    cancelled = await client.vector_stores.CancelVectorStoreFileBatch(
        VS.CancelVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=batch.id)
    )
    assert cancelled.status == CANCELLED
    assert cancelled.file_counts == vector_store_pb2.FileCounts(cancelled=3, total=3)
    assert await list_files(client, store_id, batch_id=batch.id, filter=CANCELLED)
    again = await client.vector_stores.CancelVectorStoreFileBatch(
        VS.CancelVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=batch.id)
    )
    assert again == cancelled
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert store.file_counts == vector_store_pb2.FileCounts(cancelled=3, total=3)
    # Nothing is left to ingest.
    assert not await storage.pool.fetchval(
        "SELECT count(*) FROM vector_store_files WHERE vector_store_id = $1 AND status = $2",
        store_id,
        "VECTOR_STORE_FILE_STATUS_IN_PROGRESS",
    )
    assert (
        await storage.pool.fetchval(
            "SELECT count(*) FROM chunks WHERE vector_store_id = $1", store_id
        )
        == 0
    )


async def test_bad_batches_are_invalid_argument(client: Client) -> None:
    file_id = (await client.upload(b"b", "b.txt")).id
    store_id = await new_store(client)
    cases = [
        (VS.CreateVectorStoreFileBatchRequest(vector_store_id=store_id), "file_ids"),
        (
            VS.CreateVectorStoreFileBatchRequest(
                vector_store_id=store_id,
                file_ids=[file_id],
                files=[VS.FileBatchEntry(file_id=file_id)],
            ),
            "files",
        ),
        (
            VS.CreateVectorStoreFileBatchRequest(
                vector_store_id=store_id, file_ids=[f"file-{i:024d}" for i in range(2001)]
            ),
            "file_ids",
        ),
    ]
    for request, param in cases:
        error = await rpc_error(
            client.vector_stores.CreateVectorStoreFileBatch(request),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert field_violation(error)[0] == param
    await rpc_error(
        client.vector_stores.CreateVectorStoreFileBatch(
            VS.CreateVectorStoreFileBatchRequest(
                vector_store_id=store_id, file_ids=[file_id, "file-missing00000000000000000"]
            )
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert await list_files(client, store_id) == []


async def test_deleting_a_file_detaches_it_from_every_store(
    client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    uploaded = await client.upload(b"shared between two stores", "shared.txt")
    file_id = uploaded.id
    sha256 = await storage.pool.fetchval("SELECT sha256 FROM files WHERE id = $1", file_id)
    kept = (await client.upload(b"stays", "kept.txt")).id
    first = await new_store(client, file_ids=[file_id, kept])
    second = await new_store(client, file_ids=[file_id])
    await wait_until_ended(client, first)
    await wait_until_ended(client, second)
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=file_id))
    for store_id in (first, second):
        assert "VectorStoreFileDetached" in await event_types(storage, store_id)
        await rpc_error(get_file(client, store_id, file_id), grpc.StatusCode.NOT_FOUND)
        assert (
            await storage.pool.fetchval(
                "SELECT count(*) FROM chunks WHERE vector_store_id = $1 AND file_id = $2",
                store_id,
                file_id,
            )
            == 0
        )
    assert await list_files(client, first) == [kept]
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=second)
    )
    assert store.file_counts.total == 0
    # The content's extracted text goes with the last file that had it.
    texts = "SELECT count(*) FROM file_texts WHERE sha256 = $1"
    assert await storage.pool.fetchval(texts, sha256) == 0


async def test_content_pages_follow_next_page(client: Client, ingestion: Ingestion) -> None:
    text = "".join(f"line {i:06d} of a long file\n" for i in range(2000))
    file_id = (await client.upload(text.encode(), "long.txt")).id
    store_id = await new_store(client, file_ids=[file_id])
    await wait_until_ended(client, store_id)
    pages, token = [], ""
    while True:
        page = await client.vector_stores.GetVectorStoreFileContent(
            VS.GetVectorStoreFileContentRequest(
                vector_store_id=store_id, file_id=file_id, page=token
            )
        )
        pages.append(page.data[0].text)
        if not page.has_more:
            break
        token = page.next_page
    assert len(pages) > 1
    assert "".join(pages) == text
    await rpc_error(
        client.vector_stores.GetVectorStoreFileContent(
            VS.GetVectorStoreFileContentRequest(vector_store_id=store_id, file_id=file_id, page="x")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )


async def test_list_files_pages(client: Client, paused: Ingestion) -> None:
    file_ids = [(await client.upload(b"page", f"p{i}.txt")).id for i in range(5)]
    store_id = await new_store(client, file_ids=file_ids)
    first = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(
            vector_store_id=store_id, limit=2, order=common_pb2.LIST_ORDER_ASC
        )
    )
    assert [f.id for f in first.data] == file_ids[:2] and first.has_more
    rest = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(
            vector_store_id=store_id, order=common_pb2.LIST_ORDER_ASC, after=first.last_id
        )
    )
    assert [f.id for f in rest.data] == file_ids[2:] and not rest.has_more


async def test_the_projections_rebuild_identically_from_the_log(
    client: Client, database_url: str, ingestion: Ingestion
) -> None:
    """apply_vector_store_event writes only projection tables, and a replay of the log gives
    the same rows (leases aside)."""
    file_ids = [(await client.upload(b"rebuild me", f"r{i}.txt")).id for i in range(3)]
    store_id = await new_store(client, file_ids=file_ids[:1])
    batch = await client.vector_stores.CreateVectorStoreFileBatch(
        VS.CreateVectorStoreFileBatchRequest(vector_store_id=store_id, file_ids=file_ids[1:])
    )
    await wait_until_ended(client, store_id)
    await client.vector_stores.DeleteVectorStoreFile(
        VS.DeleteVectorStoreFileRequest(vector_store_id=store_id, file_id=file_ids[0])
    )
    gone = await new_store(client, file_ids=file_ids[1:2])
    await client.vector_stores.DeleteVectorStore(VS.DeleteVectorStoreRequest(vector_store_id=gone))
    comparison = await verify_projections(database_url)
    tables = {t.table: t for t in comparison.tables}
    for name in ("vector_stores", "vector_store_files", "vector_store_file_batches"):
        assert tables[name].identical, tables[name]
        assert tables[name].live_rows > 0
    assert batch.id
