"""Ingestion end to end: every format, failures with their codes, a worker lost mid-batch,
and search over what was ingested."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable

import grpc
import pytest
from google.protobuf import struct_pb2

from assistants.v1 import common_pb2, vector_store_pb2
from service.retrieval.embeddings import ProviderEmbedder
from service.retrieval.ingestion import Ingestion
from storage import Storage
from tests.fake_model import FakeModel, error
from tests.helpers import Client, field_violation
from tests.vector_stores.support import (
    COMPLETED,
    FAILED,
    VS,
    chunk_counts,
    get_file,
    rpc_error,
    tiny_docx,
    tiny_pdf,
    wait_for,
    wait_until_ended,
)

FORMATS = {
    "notes.txt": b"plain text about zebras",
    "readme.md": b"# Title\n\nmarkdown about giraffes",
    "page.html": b"<html><body><h1>Otters</h1><p>html about otters</p></body></html>",
    "data.json": json.dumps({"animal": "walrus", "count": 3}).encode(),
    "table.csv": b"animal,legs\nflamingo,2\nspider,8\n",
    "script.py": b"def hedgehog():\n    return 'python about hedgehogs'\n",
    "paper.pdf": tiny_pdf("pdf about penguins"),
    "letter.docx": tiny_docx("docx about narwhals"),
}
MARKERS = {
    "notes.txt": "zebras",
    "readme.md": "giraffes",
    "page.html": "otters",
    "data.json": "walrus",
    "table.csv": "flamingo",
    "script.py": "hedgehogs",
    "paper.pdf": "penguins",
    "letter.docx": "narwhals",
}


async def test_every_supported_format_is_ingested(
    client: Client, storage: Storage, ingestion: Ingestion
) -> None:
    ids = {name: (await client.upload(data, name)).id for name, data in FORMATS.items()}
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=list(ids.values()))
    )
    done = await wait_until_ended(client, store.id)
    assert done.file_counts == vector_store_pb2.FileCounts(
        completed=len(FORMATS), total=len(FORMATS)
    )
    assert done.usage_bytes == sum(len(d) for d in FORMATS.values())
    counts = await chunk_counts(storage, store.id)
    assert set(counts) == set(ids.values())
    assert all(stored == recorded >= 1 for stored, recorded in counts.values())
    for name, file_id in ids.items():
        page = await client.vector_stores.GetVectorStoreFileContent(
            VS.GetVectorStoreFileContentRequest(vector_store_id=store.id, file_id=file_id)
        )
        assert MARKERS[name] in page.data[0].text.lower(), name
    # Embeddings were recorded with each outcome (when the database can hold them).
    models = await storage.pool.fetch(
        "SELECT DISTINCT data -> 'ingestion' ->> 'embedding_model' AS model FROM events"
        " WHERE stream_id = $1 AND type = 'VectorStoreFileUpdated'",
        store.id,
    )
    if await storage.chunks.vector_support():
        assert [r["model"] for r in models] == ["text-embedding-3-small"]


async def _truthy(value: Awaitable[int]) -> bool:
    return bool(await value)


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("blob.bin", os.urandom(2048), common_pb2.ERROR_CODE_UNSUPPORTED_FILE),
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n" + os.urandom(64),
            common_pb2.ERROR_CODE_UNSUPPORTED_FILE,
        ),
        (
            "broken.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage",
            common_pb2.ERROR_CODE_INVALID_FILE,
        ),
        ("broken.docx", b"PK\x03\x04 not really a zip", common_pb2.ERROR_CODE_INVALID_FILE),
    ],
)
async def test_unreadable_files_fail_with_their_code(
    client: Client, storage: Storage, ingestion: Ingestion, filename: str, data: bytes, code: int
) -> None:
    file_id = (await client.upload(data, filename)).id
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=[file_id])
    )
    done = await wait_until_ended(client, store.id)
    assert done.file_counts == vector_store_pb2.FileCounts(failed=1, total=1)
    assert done.status == vector_store_pb2.VECTOR_STORE_STATUS_COMPLETED
    assert done.usage_bytes == 0
    file = await get_file(client, store.id, file_id)
    assert file.status == FAILED
    assert file.last_error.code == code and file.last_error.message
    assert not await storage.pool.fetchval(
        "SELECT count(*) FROM chunks WHERE vector_store_id = $1", store.id
    )
    failed = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(vector_store_id=store.id, filter=FAILED)
    )
    assert [f.id for f in failed.data] == [file_id]


async def test_a_worker_lost_mid_batch_is_taken_over_without_duplicates(
    client: Client, storage: Storage, embedder: ProviderEmbedder, paused: Ingestion
) -> None:
    text = " ".join(f"word{i}" for i in range(3000))
    file_ids = [(await client.upload(f"{i} {text}".encode(), f"big{i}.txt")).id for i in range(6)]
    store = await client.vector_stores.CreateVectorStore(VS.CreateVectorStoreRequest())
    lost = Ingestion(storage, embedder, concurrency=1, lease_seconds=2.0, poll_seconds=0.1)
    lost.start()
    batch = await client.vector_stores.CreateVectorStoreFileBatch(
        VS.CreateVectorStoreFileBatchRequest(vector_store_id=store.id, file_ids=file_ids)
    )

    async def one_done() -> bool:
        got = await client.vector_stores.GetVectorStoreFileBatch(
            VS.GetVectorStoreFileBatchRequest(vector_store_id=store.id, batch_id=batch.id)
        )
        return got.file_counts.completed >= 1

    await wait_for(one_done, what="a first file")

    async def holding() -> int:
        held: int = await storage.pool.fetchval(
            "SELECT count(*) FROM vector_store_files WHERE vector_store_id = $1"
            " AND status = 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS' AND lease_owner = $2"
            " AND lease_until > now()",
            store.id,
            lost.owner,
        )
        return held

    await wait_for(lambda: _truthy(holding()), what="the worker to hold the next file")
    # A crash: the job in hand is abandoned with its lease held.
    await lost.stop(0, release=False)
    held_file = await storage.pool.fetchval(
        "SELECT file_id FROM vector_store_files WHERE vector_store_id = $1"
        " AND status = 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS' AND lease_owner = $2",
        store.id,
        lost.owner,
    )
    mid = await client.vector_stores.GetVectorStoreFileBatch(
        VS.GetVectorStoreFileBatchRequest(vector_store_id=store.id, batch_id=batch.id)
    )
    assert mid.status == vector_store_pb2.VECTOR_STORE_FILE_STATUS_IN_PROGRESS
    assert mid.file_counts.in_progress >= 1
    successor = Ingestion(storage, embedder, concurrency=2, lease_seconds=2.0, poll_seconds=0.1)
    successor.start()
    try:

        async def batch_done() -> bool:
            got = await client.vector_stores.GetVectorStoreFileBatch(
                VS.GetVectorStoreFileBatchRequest(vector_store_id=store.id, batch_id=batch.id)
            )
            return got.status == COMPLETED

        await wait_for(batch_done, timeout=60, what="the batch after the takeover")
    finally:
        await successor.stop(5.0)
    done = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store.id)
    )
    assert done.file_counts == vector_store_pb2.FileCounts(completed=6, total=6)
    counts = await chunk_counts(storage, store.id)
    # One completion per file, and exactly its recorded chunks.
    assert sorted(counts) == sorted(file_ids)
    assert all(stored == recorded > 1 for stored, recorded in counts.values())
    completions = await storage.pool.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND type = 'VectorStoreFileUpdated'",
        store.id,
    )
    assert completions == 6
    # The file the lost worker held was ended by its successor, after the lease lapsed.
    assert held_file is not None
    assert (
        await storage.pool.fetchval(
            "SELECT lease_owner FROM vector_store_files WHERE vector_store_id = $1"
            " AND file_id = $2",
            store.id,
            held_file,
        )
        == successor.owner
    )


async def test_search_finds_the_right_file_first(client: Client, ingestion: Ingestion) -> None:
    docs = {
        "pelicans.txt": b"Pelicans migrate along the coast and dive for fish in shallow bays.",
        "volcanoes.txt": b"Volcanoes erupt when magma pressure builds beneath the crust.",
        "taxes.txt": b"Quarterly tax filings are due at the end of each fiscal quarter.",
    }
    ids = {name: (await client.upload(data, name)).id for name, data in docs.items()}
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=list(ids.values()))
    )
    await client.vector_stores.UpdateVectorStoreFile(
        VS.UpdateVectorStoreFileRequest(
            vector_store_id=store.id,
            file_id=ids["pelicans.txt"],
            attributes={"topic": struct_pb2.Value(string_value="birds")},
        )
    )
    await wait_until_ended(client, store.id)
    result = await client.vector_stores.SearchVectorStore(
        VS.SearchVectorStoreRequest(vector_store_id=store.id, query=["magma eruptions volcanoes"])
    )
    assert result.object == "vector_store.search_results.page"
    assert list(result.search_query) == ["magma eruptions volcanoes"]
    assert result.data[0].file_id == ids["volcanoes.txt"]
    assert result.data[0].filename == "volcanoes.txt"
    assert "magma" in result.data[0].content[0].text
    assert 0 <= result.data[0].score <= 1

    async def search(query: str, topic: str) -> VS.SearchVectorStoreResponse:
        """The hits among the files whose topic is `topic`."""
        topic_is = VS.ComparisonFilter(
            key="topic", type=VS.COMPARISON_TYPE_EQ, value=struct_pb2.Value(string_value=topic)
        )
        found: VS.SearchVectorStoreResponse = await client.vector_stores.SearchVectorStore(
            VS.SearchVectorStoreRequest(
                vector_store_id=store.id,
                query=[query],
                filters=VS.AttributeFilter(comparison=topic_is),
            )
        )
        return found

    birds = await search("pelicans fish", "birds")
    assert [r.file_id for r in birds.data] == [ids["pelicans.txt"]]
    assert dict(birds.data[0].attributes) == {"topic": struct_pb2.Value(string_value="birds")}
    assert not (await search("magma", "geology")).data


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({}, "query"),
        ({"query": ["  "]}, "query"),
        ({"query": ["x"], "max_num_results": 51}, "max_num_results"),
        ({"query": ["x"], "max_num_results": 0}, "max_num_results"),
        (
            {"query": ["x"], "ranking_options": VS.SearchRankingOptions(score_threshold=1.5)},
            "ranking_options.score_threshold",
        ),
        (
            {
                "query": ["x"],
                "filters": VS.AttributeFilter(
                    compound=VS.CompoundFilter(type=VS.COMPOUND_TYPE_AND)
                ),
            },
            "filters.filters",
        ),
        (
            {
                "query": ["x"],
                "filters": VS.AttributeFilter(
                    comparison=VS.ComparisonFilter(
                        key="k",
                        type=VS.COMPARISON_TYPE_IN,
                        value=struct_pb2.Value(string_value="a"),
                    )
                ),
            },
            "filters.value",
        ),
        (
            {
                "query": ["x"],
                "filters": VS.AttributeFilter(
                    comparison=VS.ComparisonFilter(
                        key="k", value=struct_pb2.Value(string_value="a")
                    )
                ),
            },
            "filters.type",
        ),
    ],
)
async def test_bad_searches_are_invalid_argument(
    client: Client, fields: dict[str, object], param: str
) -> None:
    store = await client.vector_stores.CreateVectorStore(VS.CreateVectorStoreRequest())
    error = await rpc_error(
        client.vector_stores.SearchVectorStore(
            VS.SearchVectorStoreRequest(vector_store_id=store.id, **fields)  # type: ignore[arg-type]
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violation(error)[0] == param


async def test_embedding_failures_are_retried_then_fail_with_server_error(
    client: Client, storage: Storage, fake_model: FakeModel, paused: Ingestion
) -> None:
    fragile = ProviderEmbedder(
        fake_model.base_url,
        "test-key",
        "text-embedding-3-small",
        max_retries=0,
        client_max_retries=0,
    )
    worker = Ingestion(
        storage,
        fragile,
        concurrency=1,
        lease_seconds=5.0,
        poll_seconds=0.1,
        embed_attempts=2,
        embed_retry_seconds=0.1,
    )
    fake_model.reset()
    try:
        # One failure is retried and the file completes.
        fake_model.script_embeddings(error(500, times=1))
        first = (await client.upload(b"retried after one failure", "retried.txt")).id
        store = await client.vector_stores.CreateVectorStore(
            VS.CreateVectorStoreRequest(file_ids=[first])
        )
        worker.start()
        await wait_until_ended(client, store.id)
        assert (await get_file(client, store.id, first)).status == COMPLETED
        # Failures on every attempt fail the file.
        fake_model.script_embeddings(error(500, times=10))
        second = (await client.upload(b"never embedded", "doomed.txt")).id
        await client.vector_stores.CreateVectorStoreFile(
            VS.CreateVectorStoreFileRequest(vector_store_id=store.id, file_id=second)
        )
        await wait_until_ended(client, store.id)
        failed = await get_file(client, store.id, second)
        assert failed.status == FAILED
        assert failed.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    finally:
        await worker.stop(5.0)
        await fragile.close()
        fake_model.reset()
