"""`assistants vector-stores reindex`: files embedded by another model than the server's are
put back in progress and the ingestion workers embed them again with the current one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.retrieval.embeddings import ProviderEmbedder
from service.retrieval.ingestion import Ingestion
from service.retrieval.search import Searcher
from storage import Storage
from tests.conftest import TEST_INGEST_LEASE_SECONDS
from tests.fake_model import FakeModel
from tests.helpers import Client, assistants_cli
from tests.vector_stores.support import (
    COMPLETED,
    IN_PROGRESS,
    VS,
    get_file,
    wait_until_ended,
)

MODEL_A = "text-embedding-3-small"  # the session embedder's
MODEL_B = "text-embedding-reindex-b"


@pytest.fixture
async def embedder_b(fake_model: FakeModel) -> AsyncIterator[ProviderEmbedder]:
    made = ProviderEmbedder(fake_model.base_url, "test-key", MODEL_B)
    yield made
    await made.close()


async def _ingest(
    storage: Storage, embedder: ProviderEmbedder, client: Client, *stores: str
) -> None:
    """Runs ingestion workers with embedder until the stores have nothing in progress."""
    workers = Ingestion(
        storage, embedder, concurrency=2, lease_seconds=TEST_INGEST_LEASE_SECONDS, poll_seconds=0.2
    )
    workers.start()
    try:
        for store_id in stores:
            await wait_until_ended(client, store_id)
    finally:
        await workers.stop(1.0)


async def _reindex(
    database_url: str,
    data_dir: Path,
    fake_model: FakeModel,
    *args: str,
    model: str = MODEL_B,
    embeddings: str = "provider",
) -> tuple[int, str, str]:
    """The real command, configured with the embedding model (as `serve` would be)."""
    settings = {
        "ASSISTANTS_EMBEDDINGS": embeddings,
        "ASSISTANTS_EMBEDDING_MODEL": model,
        "OPENAI_BASE_URL": fake_model.base_url,
        "OPENAI_API_KEY": "test-key",
    }
    return await assistants_cli(
        database_url, data_dir, "vector-stores", "reindex", *args, settings=settings
    )


async def _project_name(storage: Storage, client: Client) -> str:
    name: str = await storage.pool.fetchval(
        "SELECT name FROM projects WHERE id = $1", client.project_id
    )
    return name


async def _store_with(client: Client, text: bytes, filename: str) -> tuple[str, str]:
    file_id = (await client.upload(text, filename)).id
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=[file_id])
    )
    return store.id, file_id


async def _models(storage: Storage, store_id: str) -> set[str | None]:
    rows = await storage.pool.fetch(
        "SELECT DISTINCT embedding_model FROM chunks WHERE vector_store_id = $1", store_id
    )
    return {r["embedding_model"] for r in rows}


async def _completions(storage: Storage, store_id: str) -> list[str]:
    """The embedding model of each completion of the store's files, in log order."""
    rows = await storage.pool.fetch(
        "SELECT data -> 'ingestion' ->> 'embedding_model' AS model FROM events"
        " WHERE stream_id = $1 AND type = 'VectorStoreFileUpdated'"
        " AND data -> 'vector_store_file' ->> 'status' = 'VECTOR_STORE_FILE_STATUS_COMPLETED'"
        " ORDER BY version",
        store_id,
    )
    return [r["model"] for r in rows]


async def _version(storage: Storage, stream_id: str) -> int:
    version: int = await storage.pool.fetchval(
        "SELECT version FROM streams WHERE stream_id = $1", stream_id
    )
    return version


async def test_reindex_embeds_again_with_the_current_model(
    client: Client,
    storage: Storage,
    paused: Ingestion,
    embedder: ProviderEmbedder,
    embedder_b: ProviderEmbedder,
    fake_model: FakeModel,
    database_url: str,
    tmp_path: Path,
) -> None:
    store_id, file_id = await _store_with(
        client, b"quokkas hop around rottnest island at dusk", "quokkas.txt"
    )
    await _ingest(storage, embedder, client, store_id)
    assert await _models(storage, store_id) == {MODEL_A}
    assert await _completions(storage, store_id) == [MODEL_A]
    vector = await storage.chunks.vector_support()
    searcher = Searcher(storage, embedder_b)
    await searcher.start()

    async def found_by_vector() -> list[str]:
        hits = await searcher.search(
            client.project_id, [store_id], ["quokkas on rottnest"], max_num_results=5, mode="vector"
        )
        return [h.file_id for h in hits]

    if vector:
        assert await found_by_vector() == []  # model A's vectors are not B's to compare

    # Embeddings off: nothing to do.
    project = await _project_name(storage, client)
    code, out, err = await _reindex(
        database_url, tmp_path, fake_model, "--project", project, embeddings="off"
    )
    assert code == 0, err
    assert "nothing to reindex" in out
    assert (await get_file(client, store_id, file_id)).status == COMPLETED

    # Model B: the file goes back in progress, and so does the store.
    before = await _version(storage, store_id)
    code, out, err = await _reindex(database_url, tmp_path, fake_model, "--project", project)
    assert code == 0, err
    assert f"{store_id}: 1 file(s) queued" in out
    assert await _version(storage, store_id) == before + 1
    reopened = await get_file(client, store_id, file_id)
    assert reopened.status == IN_PROGRESS
    assert not reopened.HasField("last_error")
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.file_counts.in_progress == 1
    # Nothing claimed it (no worker runs), and no lease holds it back.
    lease = await storage.pool.fetchrow(
        "SELECT lease_owner, lease_until FROM vector_store_files"
        " WHERE vector_store_id = $1 AND file_id = $2",
        store_id,
        file_id,
    )
    assert lease["lease_owner"] is None and lease["lease_until"] is None

    await _ingest(storage, embedder_b, client, store_id)
    done = await get_file(client, store_id, file_id)
    assert done.status == COMPLETED
    assert done.created_at == reopened.created_at
    assert done.chunking_strategy == reopened.chunking_strategy
    assert await _models(storage, store_id) == {MODEL_B}
    assert await _completions(storage, store_id) == [MODEL_A, MODEL_B]
    if vector:
        assert await found_by_vector() == [file_id]

    # Nothing stale any more: nothing is queued, nothing appended.
    before = await _version(storage, store_id)
    code, out, err = await _reindex(database_url, tmp_path, fake_model, "--project", project)
    assert code == 0, err
    assert "0 file(s) queued" in out
    assert await _version(storage, store_id) == before
    assert (await get_file(client, store_id, file_id)).status == COMPLETED

    # --all queues every completed file, whatever its model.
    code, out, err = await _reindex(
        database_url, tmp_path, fake_model, "--all", "--store", store_id
    )
    assert code == 0, err
    assert f"{store_id}: 1 file(s) queued" in out
    assert (await get_file(client, store_id, file_id)).status == IN_PROGRESS
    await _ingest(storage, embedder_b, client, store_id)
    assert await _completions(storage, store_id) == [MODEL_A, MODEL_B, MODEL_B]


async def test_reindex_keeps_to_its_scope(
    client: Client,
    other_client: Client,
    storage: Storage,
    paused: Ingestion,
    embedder: ProviderEmbedder,
    embedder_b: ProviderEmbedder,
    fake_model: FakeModel,
    database_url: str,
    tmp_path: Path,
) -> None:
    first, first_file = await _store_with(client, b"wombats dig burrows", "wombats.txt")
    second, second_file = await _store_with(client, b"echidnas lay eggs", "echidnas.txt")
    others, others_file = await _store_with(other_client, b"platypus swim", "platypus.txt")
    await _ingest(storage, embedder, client, first, second)
    await _ingest(storage, embedder, other_client, others)
    others_version = await _version(storage, others)

    code, out, err = await _reindex(database_url, tmp_path, fake_model, "--store", first)
    assert code == 0, err
    assert f"{first}: 1 file(s) queued" in out and second not in out
    assert (await get_file(client, first, first_file)).status == IN_PROGRESS
    assert (await get_file(client, second, second_file)).status == COMPLETED

    # The project's other store; the file already queued is not queued twice.
    project = await _project_name(storage, client)
    code, out, err = await _reindex(database_url, tmp_path, fake_model, "--project", project)
    assert code == 0, err
    assert f"{second}: 1 file(s) queued" in out and first not in out
    assert "1 file(s) queued for reindexing in 1 vector store(s)" in out

    code, out, err = await _reindex(
        database_url, tmp_path, fake_model, "--project", "no-such-project"
    )
    assert code == 1 and "no project no-such-project" in err

    await _ingest(storage, embedder_b, client, first, second)
    assert await _models(storage, first) == await _models(storage, second) == {MODEL_B}
    # The other project's file was not touched.
    assert (await get_file(other_client, others, others_file)).status == COMPLETED
    assert await _version(storage, others) == others_version
    assert await _models(storage, others) == {MODEL_A}
