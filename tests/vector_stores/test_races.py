"""Races and edge cases of files, vector stores, ingestion and file_search, over the real gRPC
API: a file deleted, detached, re-attached or cancelled while its ingestion runs; batches that
overlap; a store deleted mid-ingestion; shared blobs; expired and foreign stores in runs;
malformed file_search arguments.

Timing is made deterministic with gates, never sleeps: a private ingestion worker whose
embedder blocks on chosen files until the test opens it, or a storage call that waits for the
test at the one point a race needs. Each race here was a bug once, shown by its test failing
before the fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import grpc
import pytest

from assistants.v1 import (
    assistant_pb2,
    file_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
    vector_store_pb2,
)
from service.retrieval.embeddings import ProviderEmbedder
from service.retrieval.ingestion import Ingestion
from storage import Storage
from tests.fake_model import FakeModel, text, tool_calls
from tests.file_search.support import run_stream, search_step, search_tool, user
from tests.helpers import Client
from tests.runs.support import names
from tests.vector_stores.support import (
    CANCELLED,
    COMPLETED,
    DAY,
    IN_PROGRESS,
    VS,
    event_types,
    get_file,
    old_store,
    rpc_error,
    wait_for,
    wait_until_ended,
)

# Files whose text holds this word wait in the gated embedder until the test opens the gate.
GATE_WORD = "gatekeeper"


# --- gates -----------------------------------------------------------------------------------


class GatedEmbedder:
    """The session's embedder, but embedding a file whose text holds GATE_WORD waits until
    `opened` is set; `entered` counts the ingestions waiting (or passed) there."""

    def __init__(self, inner: ProviderEmbedder) -> None:
        self._inner = inner
        self.model = inner.model
        self.opened = asyncio.Event()
        self.entered = 0

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if any(GATE_WORD in t for t in texts):
            self.entered += 1
            await self.opened.wait()
        return await self._inner.embed_documents(texts)

    async def embed_query(self, text: str) -> list[float]:
        return await self._inner.embed_query(text)


class Gated:
    """A private ingestion worker (the session's is paused) with a gated embedder."""

    def __init__(self, storage: Storage, embedder: ProviderEmbedder) -> None:
        self.embedder = GatedEmbedder(embedder)
        self.worker = Ingestion(
            storage, self.embedder, concurrency=4, lease_seconds=3.0, poll_seconds=0.1
        )

    async def entered(self, count: int = 1) -> None:
        """Returns once `count` ingestions wait at the gate (their jobs claimed, prepared up to
        the embedding)."""

        async def there() -> bool:
            return self.embedder.entered >= count

        await wait_for(there, 30.0, f"{count} ingestions at the gate")

    def open(self) -> None:
        self.embedder.opened.set()


@pytest.fixture
async def gated(
    storage: Storage, embedder: ProviderEmbedder, paused: Ingestion
) -> AsyncIterator[Gated]:
    made = Gated(storage, embedder)
    made.worker.start()
    try:
        yield made
    finally:
        made.open()
        await made.worker.stop(5.0)


class Pause:
    """Makes an async method of a storage object wait, after (or before) it ran, on the first
    call `when` picks (only that one), until the test opens it."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.opened = asyncio.Event()

    def wrap(
        self,
        original: Callable[..., Awaitable[Any]],
        when: Callable[..., bool],
        *,
        after: bool,
    ) -> Callable[..., Awaitable[Any]]:
        async def paused(*args: Any, **kwargs: Any) -> Any:
            if self.reached.is_set() or not when(*args, **kwargs):
                return await original(*args, **kwargs)
            if not after:
                self.reached.set()
                await self.opened.wait()
                return await original(*args, **kwargs)
            result = await original(*args, **kwargs)
            self.reached.set()
            await self.opened.wait()
            return result

        return paused


# --- helpers ---------------------------------------------------------------------------------


async def new_store(client: Client, **fields: Any) -> str:
    store = await client.vector_stores.CreateVectorStore(VS.CreateVectorStoreRequest(**fields))
    return str(store.id)


async def add(client: Client, store_id: str, file_id: str) -> vector_store_pb2.VectorStoreFile:
    result: vector_store_pb2.VectorStoreFile = await client.vector_stores.CreateVectorStoreFile(
        VS.CreateVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id)
    )
    return result


async def detach(client: Client, store_id: str, file_id: str) -> None:
    await client.vector_stores.DeleteVectorStoreFile(
        VS.DeleteVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id)
    )


async def batch(
    client: Client, store_id: str, *file_ids: str
) -> vector_store_pb2.VectorStoreFileBatch:
    result: vector_store_pb2.VectorStoreFileBatch = (
        await client.vector_stores.CreateVectorStoreFileBatch(
            VS.CreateVectorStoreFileBatchRequest(vector_store_id=store_id, file_ids=list(file_ids))
        )
    )
    return result


async def get_batch(
    client: Client, store_id: str, batch_id: str
) -> vector_store_pb2.VectorStoreFileBatch:
    result: vector_store_pb2.VectorStoreFileBatch = (
        await client.vector_stores.GetVectorStoreFileBatch(
            VS.GetVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=batch_id)
        )
    )
    return result


async def listed(client: Client, store_id: str) -> list[vector_store_pb2.VectorStoreFile]:
    page = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(vector_store_id=store_id)
    )
    return list(page.data)


async def search(client: Client, store_id: str, query: str) -> list[str]:
    """The file ids SearchVectorStore finds."""
    found = await client.vector_stores.SearchVectorStore(
        VS.SearchVectorStoreRequest(vector_store_id=store_id, query=[query])
    )
    return [r.file_id for r in found.data]


async def chunk_rows(storage: Storage, store_id: str, file_id: str | None = None) -> int:
    count: int = await storage.pool.fetchval(
        "SELECT count(*) FROM chunks WHERE vector_store_id = $1"
        " AND ($2::text IS NULL OR file_id = $2)",
        store_id,
        file_id,
    )
    return count


async def last_recorded_chunks(storage: Storage, store_id: str, file_id: str) -> int:
    """The chunk_count of the file's latest completion in the store's log."""
    count: int = await storage.pool.fetchval(
        "SELECT (data -> 'ingestion' ->> 'chunk_count')::int FROM events"
        " WHERE stream_id = $1 AND type = 'VectorStoreFileUpdated'"
        " AND data -> 'vector_store_file' ->> 'id' = $2"
        " AND data -> 'vector_store_file' ->> 'status' = 'VECTOR_STORE_FILE_STATUS_COMPLETED'"
        " ORDER BY version DESC LIMIT 1",
        store_id,
        file_id,
    )
    return count


async def blob_exists(storage: Storage, sha256: str) -> bool:
    found: bool = await storage.pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1)", sha256
    )
    return found


async def sha_of(storage: Storage, file_id: str) -> str:
    sha: str = await storage.pool.fetchval(
        "SELECT data ->> 'sha256' FROM events WHERE stream_id = $1 AND type = 'FileCreated'",
        file_id,
    )
    return sha


async def gated_file(client: Client, name: str = "gated.txt", extra: str = "") -> str:
    content = f"The {GATE_WORD} guards the orchard of quinces. {extra}".encode()
    return str((await client.upload(content, name)).id)


async def assistant_with(client: Client, *store_ids: str) -> assistant_pb2.Assistant:
    made: assistant_pb2.Assistant = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            tools=[search_tool()],
            tool_resources=tools_pb2.ToolResources(
                file_search=tools_pb2.FileSearchResources(vector_store_ids=list(store_ids))
            ),
        )
    )
    return made


# --- a file deleted, detached or re-attached while it is ingested ------------------------------


async def test_a_file_deleted_while_ingested_leaves_no_trace(
    client: Client, storage: Storage, gated: Gated
) -> None:
    file_id = await gated_file(client)
    sha = await sha_of(storage, file_id)
    store_id = await new_store(client, file_ids=[file_id])
    await gated.entered()
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=file_id))
    gated.open()
    store = await wait_until_ended(client, store_id)
    # Let the dropped ingestion end (it must write nothing).
    await gated.worker.stop(5.0)
    assert store.file_counts == vector_store_pb2.FileCounts()
    assert store.usage_bytes == 0 and store.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert await listed(client, store_id) == []
    assert await chunk_rows(storage, store_id) == 0
    assert not await blob_exists(storage, sha)
    assert (await event_types(storage, store_id))[-1] == "VectorStoreFileDetached"


async def test_detach_and_reattach_during_ingestion_ingests_the_second_attachment_once(
    client: Client, storage: Storage, gated: Gated
) -> None:
    file_id = await gated_file(client)
    store_id = await new_store(client, file_ids=[file_id])
    await gated.entered(1)
    await detach(client, store_id, file_id)
    again = await add(client, store_id, file_id)
    assert again.status == IN_PROGRESS
    await gated.entered(2)  # the second attachment's job, claimed while the first one waits
    gated.open()
    store = await wait_until_ended(client, store_id)
    await gated.worker.stop(5.0)
    assert store.file_counts == vector_store_pb2.FileCounts(completed=1, total=1)
    assert (await get_file(client, store_id, file_id)).status == COMPLETED
    types = await event_types(storage, store_id)
    assert types.count("VectorStoreFileUpdated") == 1
    assert types.index("VectorStoreFileUpdated") > types.index("VectorStoreFileDetached")
    assert await chunk_rows(storage, store_id, file_id) == await last_recorded_chunks(
        storage, store_id, file_id
    )
    assert await search(client, store_id, "quinces orchard") == [file_id]


async def test_the_same_file_added_twice_at_once_is_attached_once(
    client: Client, storage: Storage, paused: Ingestion
) -> None:
    file_id = (await client.upload(b"twice", "twice.txt")).id
    store_id = await new_store(client)
    first, second = await asyncio.gather(
        add(client, store_id, file_id), add(client, store_id, file_id)
    )
    assert first == second
    assert (await event_types(storage, store_id)).count("VectorStoreFileAttached") == 1
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.file_counts == vector_store_pb2.FileCounts(in_progress=1, total=1)


async def test_a_late_chunk_delete_of_a_detach_spares_the_reattached_files_chunks(
    client: Client, storage: Storage, ingestion: Ingestion, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_id = (await client.upload(b"The lighthouse keeper logs every passing ship.", "l.txt")).id
    store_id = await new_store(client, file_ids=[file_id])
    await wait_until_ended(client, store_id)
    assert await search(client, store_id, "lighthouse keeper") == [file_id]
    # The detach's chunk delete is slow: it runs only once the test lets it.
    pause = Pause()
    chunks = storage.chunks
    monkeypatch.setattr(
        chunks,
        "delete",
        pause.wrap(chunks.delete, lambda _p, _s, f=None: f == file_id, after=False),
    )
    detaching = asyncio.create_task(detach(client, store_id, file_id))
    await asyncio.wait_for(pause.reached.wait(), 10)
    await rpc_error(get_file(client, store_id, file_id), grpc.StatusCode.NOT_FOUND)
    await add(client, store_id, file_id)
    await wait_until_ended(client, store_id)
    pause.opened.set()
    await detaching
    assert (await get_file(client, store_id, file_id)).status == COMPLETED
    assert await chunk_rows(storage, store_id, file_id) == await last_recorded_chunks(
        storage, store_id, file_id
    )
    assert await search(client, store_id, "lighthouse keeper") == [file_id]


async def test_a_file_deleted_while_being_attached_does_not_stay_in_the_store(
    client: Client, storage: Storage, ingestion: Ingestion, monkeypatch: pytest.MonkeyPatch
) -> None:
    file_id = (await client.upload(b"soon gone", "gone.txt")).id
    store_id = await new_store(client)
    # The attach checks the file, then waits (a slow request) before appending.
    pause = Pause()
    files = storage.files
    monkeypatch.setattr(
        files,
        "get_files",
        pause.wrap(files.get_files, lambda _p, wanted: file_id in wanted, after=True),
    )
    attaching = asyncio.create_task(add(client, store_id, file_id))
    await asyncio.wait_for(pause.reached.wait(), 10)
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=file_id))
    pause.opened.set()
    try:
        await attaching
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND  # refusing is a fix too
    await wait_until_ended(client, store_id)
    assert [f.id for f in await listed(client, store_id)] == []


# --- batches ---------------------------------------------------------------------------------


async def test_a_batch_whose_files_another_batch_took_over_still_ends(
    client: Client, storage: Storage, embedder: ProviderEmbedder, paused: Ingestion
) -> None:
    file_id = (await client.upload(b"shared between batches", "shared.txt")).id
    store_id = await new_store(client)
    first = await batch(client, store_id, file_id)
    second = await batch(client, store_id, file_id)
    worker = Ingestion(storage, embedder, concurrency=2, lease_seconds=3.0, poll_seconds=0.1)
    worker.start()
    try:
        await wait_until_ended(client, store_id)
    finally:
        await worker.stop(5.0)
    assert (await get_batch(client, store_id, second.id)).status == COMPLETED
    earlier = await get_batch(client, store_id, first.id)
    assert earlier.status != IN_PROGRESS, earlier


async def test_a_batch_cancelled_while_its_files_finish_stays_cancelled(
    client: Client, storage: Storage, gated: Gated
) -> None:
    file_ids = [await gated_file(client, f"g{i}.txt", f"number {i}") for i in range(3)]
    store_id = await new_store(client)
    made = await batch(client, store_id, *file_ids)
    await gated.entered(3)
    cancelled = await client.vector_stores.CancelVectorStoreFileBatch(
        VS.CancelVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=made.id)
    )
    assert cancelled.status == CANCELLED
    assert cancelled.file_counts == vector_store_pb2.FileCounts(cancelled=3, total=3)
    gated.open()
    await gated.worker.stop(5.0)  # the three ingestions end (and must write nothing)
    after = await get_batch(client, store_id, made.id)
    assert after.status == CANCELLED
    assert after.file_counts == vector_store_pb2.FileCounts(cancelled=3, total=3)
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.usage_bytes == 0 and store.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert await chunk_rows(storage, store_id) == 0
    assert "VectorStoreFileUpdated" not in (await event_types(storage, store_id))[-1:]
    # Cancelling again is a no-op; the cancelled files can be attached anew.
    again = await client.vector_stores.CancelVectorStoreFileBatch(
        VS.CancelVectorStoreFileBatchRequest(vector_store_id=store_id, batch_id=made.id)
    )
    assert again.status == CANCELLED


async def test_a_batch_with_a_file_already_completed_ingests_it_again_and_completes(
    client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    content = b"Already here: the walrus sleeps on the ice floe."
    old = (await client.upload(content, "old.txt")).id
    new = (await client.upload(b"Newcomer: the puffin nests in burrows.", "new.txt")).id
    store_id = await new_store(client, file_ids=[old])
    await wait_until_ended(client, store_id)
    made = await batch(client, store_id, old, new)
    assert made.file_counts.total == 2
    store = await wait_until_ended(client, store_id)
    done = await get_batch(client, store_id, made.id)
    assert done.status == COMPLETED
    assert done.file_counts == vector_store_pb2.FileCounts(completed=2, total=2)
    assert store.file_counts == vector_store_pb2.FileCounts(completed=2, total=2)
    assert store.usage_bytes == len(content) + len(b"Newcomer: the puffin nests in burrows.")
    for file_id in (old, new):
        assert await chunk_rows(storage, store_id, file_id) == await last_recorded_chunks(
            storage, store_id, file_id
        )


# --- stores deleted, blobs shared ------------------------------------------------------------


async def test_a_store_deleted_while_its_files_ingest_gets_nothing_written(
    client: Client, storage: Storage, gated: Gated
) -> None:
    file_ids = [await gated_file(client, f"d{i}.txt") for i in range(2)]
    store_id = await new_store(client, file_ids=file_ids)
    await gated.entered(2)
    await client.vector_stores.DeleteVectorStore(
        VS.DeleteVectorStoreRequest(vector_store_id=store_id)
    )
    gated.open()
    await gated.worker.stop(5.0)
    await rpc_error(
        client.vector_stores.GetVectorStore(VS.GetVectorStoreRequest(vector_store_id=store_id)),
        grpc.StatusCode.NOT_FOUND,
    )
    assert (await event_types(storage, store_id))[-1] == "VectorStoreDeleted"
    assert await chunk_rows(storage, store_id) == 0
    leftover = await storage.pool.fetchval(
        "SELECT count(*) FROM vector_store_files WHERE vector_store_id = $1", store_id
    )
    assert leftover == 0


async def test_a_file_deleted_while_its_twin_ingests_keeps_the_shared_blob(
    client: Client, storage: Storage, gated: Gated
) -> None:
    content = f"Twin content: the {GATE_WORD} feeds the swans at dawn.".encode()
    kept = (await client.upload(content, "kept.txt")).id
    twin = (await client.upload(content, "twin.txt")).id
    sha = await sha_of(storage, kept)
    assert sha == await sha_of(storage, twin)
    store_id = await new_store(client, file_ids=[kept])
    await gated.entered()
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=twin))
    assert await blob_exists(storage, sha)
    gated.open()
    store = await wait_until_ended(client, store_id)
    assert store.file_counts == vector_store_pb2.FileCounts(completed=1, total=1)
    assert store.usage_bytes == len(content)
    assert await search(client, store_id, "swans at dawn") == [kept]
    # The last file naming the bytes takes them with it.
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=kept))
    assert not await blob_exists(storage, sha)


async def test_an_upload_racing_the_delete_of_its_twin_is_refused_cleanly_and_a_retry_works(
    client: Client, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = b"Identical bytes: the otter cracks shells on its belly."
    first = (await client.upload(content, "first.txt")).id
    sha = await sha_of(storage, first)
    # The second upload has stored (found) the bytes and waits before naming them.
    pause = Pause()
    blobs = storage.blobs
    monkeypatch.setattr(blobs, "hold", pause.wrap(blobs.hold, lambda _c, h: h == sha, after=False))
    uploading = asyncio.create_task(client.upload(content, "second.txt"))
    await asyncio.wait_for(pause.reached.wait(), 10)
    await client.files.DeleteFile(file_pb2.DeleteFileRequest(file_id=first))
    assert not await blob_exists(storage, sha)  # no file named the bytes at that moment
    pause.opened.set()
    await rpc_error(uploading, grpc.StatusCode.UNAVAILABLE)
    listed_files = await client.files.ListFiles(file_pb2.ListFilesRequest())
    assert [f.id for f in listed_files.data] == []
    retried = await client.upload(content, "second.txt")
    assert await sha_of(storage, retried.id) == sha and await blob_exists(storage, sha)
    assert await storage.blobs.read_all(sha) == content


# --- file_search in runs ---------------------------------------------------------------------


async def test_a_run_does_not_revive_an_expired_assistant_store(
    client: Client, storage: Storage, model: FakeModel
) -> None:
    store_id = await old_store(storage, client, age=2 * DAY, days=1)
    before = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert before.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED
    model.script(tool_calls(("file_search", {"queries": ["anything"]})), text("Done."))
    a = await assistant_with(client, store_id)
    t = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=[user("Q?")]))
    await run_stream(client, thread_id=t.id, assistant_id=a.id)
    after = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert after.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED, after
    assert after.last_active_at == before.last_active_at


async def test_an_assistant_cannot_name_another_projects_store(
    client: Client, other_client: Client
) -> None:
    theirs = await new_store(other_client)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await assistant_with(client, theirs)
    assert refused.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)


async def test_another_projects_store_can_be_named_nowhere(
    client: Client, other_client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    """Runs search only the stores their assistant and thread name, and neither may name
    another project's: it is refused as unknown, and left untouched."""
    secret = b"The vault combination is seven eleven thirteen."
    file_id = (await other_client.upload(secret, "secret.txt")).id
    theirs = await new_store(other_client, file_ids=[file_id])
    await wait_until_ended(other_client, theirs)
    versions_before = len(await event_types(storage, theirs))
    resources = tools_pb2.ToolResources(
        file_search=tools_pb2.FileSearchResources(vector_store_ids=[theirs])
    )
    await rpc_error(
        client.threads.CreateThread(
            thread_pb2.CreateThreadRequest(
                messages=[user("Combination?")], tool_resources=resources
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    ours = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    await rpc_error(
        client.threads.UpdateThread(
            thread_pb2.UpdateThreadRequest(thread_id=ours.id, tool_resources=resources)
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert len(await event_types(storage, theirs)) == versions_before
    await rpc_error(
        client.vector_stores.SearchVectorStore(
            VS.SearchVectorStoreRequest(vector_store_id=theirs, query=["vault"])
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_a_store_deleted_between_attach_and_run_gives_no_results(
    client: Client, model: FakeModel, ingestion: Ingestion
) -> None:
    file_id = (await client.upload(b"The heron waits in the shallows.", "heron.txt")).id
    store_id = await new_store(client, file_ids=[file_id])
    await wait_until_ended(client, store_id)
    a = await assistant_with(client, store_id)
    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[user("Heron?")],
            tool_resources=tools_pb2.ToolResources(
                file_search=tools_pb2.FileSearchResources(vector_store_ids=[store_id])
            ),
        )
    )
    await client.vector_stores.DeleteVectorStore(
        VS.DeleteVectorStoreRequest(vector_store_id=store_id)
    )
    model.script(tool_calls(("file_search", {"queries": ["heron"]})), text("Nothing."))
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    assert names(events)[-2:] == ["thread.run.completed", "done"]
    assert not search_step(events).step_details.tool_calls[0].file_search.results


@pytest.mark.parametrize(
    "arguments",
    [
        "not json {",
        '{"queries": 5}',
        "[1, 2]",
        '{"queries": [null, ""]}',
        "",
        '{"query": {}}',
        "[" * 100_000 + "]" * 100_000,  # deep enough to exhaust the JSON parser's recursion
    ],
    ids=["not-json", "number", "list", "nulls", "empty", "object", "deep"],
)
async def test_malformed_arguments_and_no_stores_complete_the_run(
    client: Client, model: FakeModel, arguments: str
) -> None:
    model.script(tool_calls(("file_search", arguments)), text("Fine."))
    a = await assistant_with(client)
    t = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=[user("Q?")]))
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    assert names(events)[-2:] == ["thread.run.completed", "done"]
    call = search_step(events).step_details.tool_calls[0]
    assert call.type == tools_pb2.TOOL_TYPE_FILE_SEARCH
    assert not call.file_search.results
    step = search_step(events)
    assert step.status == run_step_pb2.RUN_STEP_STATUS_COMPLETED


async def test_a_call_searches_at_most_five_distinct_queries(
    client: Client, model: FakeModel
) -> None:
    asked = [f"question {i % 7}" for i in range(40)]
    model.script(tool_calls(("file_search", {"queries": asked})), text("Fine."))
    a = await assistant_with(client)
    t = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=[user("Q?")]))
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    call = search_step(events).step_details.tool_calls[0]
    assert list(call.file_search.queries) == [f"question {i}" for i in range(5)]
