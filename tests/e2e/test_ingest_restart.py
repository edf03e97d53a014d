"""kill -9 of `assistants serve` in the middle of ingesting a file batch: a new process on the
same database finishes the batch, losing nothing and ingesting nothing twice.

One ingestion worker (ASSISTANTS_INGEST_CONCURRENCY=1) works through eight text files in
order, each embedded by the fake model in one request held back EMBED_DELAY seconds. The first
process is killed once KILLED_AFTER files are completed and the next file's embedding request
is in flight, so it dies holding that file's lease with its chunks unwritten, and the files
after it never claimed. The second process ingests the unclaimed files at once and the held one
after its lease (5 s, the minimum) lapses. tests/vector_stores/test_ingestion.py is the
in-process version of this test (a worker stopped without releasing its lease).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from assistants.v1 import (
    event_service_pb2,
    events_pb2,
    tools_pb2,
    vector_store_pb2,
    vector_store_service_pb2,
)
from tests.e2e.servers import server
from tests.e2e.test_restart import _first_key
from tests.fake_model import FakeModel
from tests.helpers import Client, fresh_database

pytestmark = pytest.mark.slow

ES = event_service_pb2
VS = vector_store_service_pb2
IN_PROGRESS = vector_store_pb2.VECTOR_STORE_FILE_STATUS_IN_PROGRESS
COMPLETED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_COMPLETED
LEASE_SECONDS = 5
EMBED_DELAY = 1.0
KILLED_AFTER = 2
TIMEOUT = 30.0
ENV = {
    "ASSISTANTS_EMBEDDINGS": "provider",
    "ASSISTANTS_INGEST_CONCURRENCY": "1",
    "ASSISTANTS_INGEST_LEASE_SECONDS": str(LEASE_SECONDS),
}
# One word pair per file, found in no other file and in every paragraph of its own, so each
# of its chunks, and each embedding request for it, names it.
PHRASES = [
    "amethyst lantern",
    "basalt trombone",
    "cobalt pelican",
    "dolomite windmill",
    "emerald accordion",
    "feldspar walrus",
    "garnet zeppelin",
    "hematite marmalade",
]
FILLER = (
    "The survey crew logged the weather, the tides and the state of the old roads before "
    "noon. Each entry was copied twice, checked against the previous season, and filed with "
    "the harbour office so that the next crew could pick up where this one stopped. "
)
# 100-token chunks overlapping by 20: each file makes several.
CHUNKING = tools_pb2.ChunkingStrategy(
    type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
    static=tools_pb2.StaticChunking(max_chunk_size_tokens=100, chunk_overlap_tokens=20),
)


def document(phrase: str) -> bytes:
    paragraphs = [
        f"Entry {n} of the {phrase} ledger. {FILLER * 2}The {phrase} entry ends here."
        for n in range(1, 6)
    ]
    return "\n\n".join(paragraphs).encode()


def requests_naming(fake: FakeModel, phrase: str, since: int = 0) -> int:
    """How many /v1/embeddings requests from index `since` on embed text with the phrase."""
    return sum(
        any(phrase in str(item) for item in body.get("input", []))
        for body in fake.embedding_requests[since:]
    )


@asynccontextmanager
async def connected(target: str, key: str) -> AsyncIterator[Client]:
    client = Client(target, key)
    try:
        yield client
    finally:
        await client.close()


async def read_stream(client: Client, stream_id: str) -> list[events_pb2.Event]:
    request = ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=stream_id, from_version=1))
    return [e async for response in client.events.ReadEvents(request) for e in response.events]


async def test_a_batch_survives_kill_9_mid_ingestion(tmp_path: Path, server_url: str) -> None:
    started = time.monotonic()
    contents = [document(phrase) for phrase in PHRASES]
    async with (
        FakeModel() as fake,
        fresh_database(server_url, "assistants_ingest_restart") as url,
    ):
        fake.embedding_delay = EMBED_DELAY
        db = await asyncpg.connect(url)
        try:
            # The first process: upload, attach, and kill it mid-batch.
            async with server(tmp_path / "a", url, fake.base_url, env=ENV) as (
                target_a,
                lines,
                process_a,
            ):
                key = _first_key(lines)
                assert key
                async with connected(target_a, key) as client_a:
                    uploaded = [
                        await client_a.upload(data, f"survey-{i}.txt")
                        for i, data in enumerate(contents)
                    ]
                    file_ids = [f.id for f in uploaded]
                    phrase_of = dict(zip(file_ids, PHRASES, strict=True))
                    store = await client_a.vector_stores.CreateVectorStore(
                        VS.CreateVectorStoreRequest(name="survey")
                    )
                    batch = await client_a.vector_stores.CreateVectorStoreFileBatch(
                        VS.CreateVectorStoreFileBatchRequest(
                            vector_store_id=store.id,
                            file_ids=file_ids,
                            chunking_strategy=CHUNKING,
                        )
                    )
                    assert batch.status == IN_PROGRESS

                    # Until KILLED_AFTER files are completed and the worker holds the next one
                    # with its embedding request in flight (the fake holds the answer back).
                    async with asyncio.timeout(TIMEOUT):
                        while True:
                            rows = await db.fetch(
                                "SELECT file_id, status, lease_owner FROM vector_store_files"
                                " WHERE vector_store_id = $1",
                                store.id,
                            )
                            done = {
                                r["file_id"]
                                for r in rows
                                if r["status"] == "VECTOR_STORE_FILE_STATUS_COMPLETED"
                            }
                            held = [
                                r["file_id"]
                                for r in rows
                                if r["status"] == "VECTOR_STORE_FILE_STATUS_IN_PROGRESS"
                                and r["lease_owner"] is not None
                            ]
                            if len(done) >= KILLED_AFTER and held:
                                assert len(held) == 1, held
                                break
                            await asyncio.sleep(0.02)
                        held_file = held[0]
                        while not requests_naming(fake, phrase_of[held_file]):
                            await asyncio.sleep(0.005)
                    process_a.kill()
                    await process_a.wait()
                    killed_at = len(fake.embedding_requests)

            # What the crash left: the completed files, the held one still in progress under
            # the dead process's unexpired lease, the rest never claimed.
            rows = await db.fetch(
                "SELECT file_id, status, lease_owner, lease_until > now() AS leased"
                " FROM vector_store_files WHERE vector_store_id = $1",
                store.id,
            )
            state = {r["file_id"]: r for r in rows}
            done_before = {
                f for f, r in state.items() if r["status"] == "VECTOR_STORE_FILE_STATUS_COMPLETED"
            }
            assert done_before == done, "a file completed after its embedding was seen in flight"
            assert len(done_before) >= KILLED_AFTER
            assert state[held_file]["status"] == "VECTOR_STORE_FILE_STATUS_IN_PROGRESS"
            assert state[held_file]["leased"], "the dead process's lease had already lapsed"
            dead_owner = state[held_file]["lease_owner"]
            assert f":{process_a.pid}:" in dead_owner
            never_claimed = [f for f in file_ids if f not in done_before | {held_file}]
            assert never_claimed, "the first process had claimed every file"
            assert all(state[f]["lease_owner"] is None for f in never_claimed)
            assert not await db.fetchval(
                "SELECT count(*) FROM chunks WHERE vector_store_id = $1 AND file_id = $2",
                store.id,
                held_file,
            ), "the held file's chunks were written before it completed"

            # The second process, on the same database, finishes the batch.
            async with (
                server(tmp_path / "b", url, fake.base_url, env=ENV) as (
                    target_b,
                    lines_b,
                    process_b,
                ),
                connected(target_b, key) as client_b,
            ):
                assert _first_key(lines_b) is None
                async with asyncio.timeout(TIMEOUT):
                    while True:
                        got = await client_b.vector_stores.GetVectorStoreFileBatch(
                            VS.GetVectorStoreFileBatchRequest(
                                vector_store_id=store.id, batch_id=batch.id
                            )
                        )
                        if got.status != IN_PROGRESS:
                            break
                        await asyncio.sleep(0.1)
                embedded = list(fake.embedding_requests)

                # Every file completed, and the batch with them.
                assert got.status == COMPLETED
                assert got.file_counts == vector_store_pb2.FileCounts(
                    completed=len(file_ids), total=len(file_ids)
                )
                for file_id in file_ids:
                    file = await client_b.vector_stores.GetVectorStoreFile(
                        VS.GetVectorStoreFileRequest(vector_store_id=store.id, file_id=file_id)
                    )
                    assert file.status == COMPLETED, file_id

                # The store's stream: one completion per file, each with its outcome, no other
                # end of a file, and one end of the batch, written with the last file's.
                events = await read_stream(client_b, store.id)
                assert [e.stream_version for e in events] == list(range(1, len(events) + 1))
                updates = [e for e in events if e.type == "VectorStoreFileUpdated"]
                assert Counter(
                    e.vector_store_file_updated.vector_store_file.id for e in updates
                ) == Counter(file_ids)
                assert all(
                    e.vector_store_file_updated.vector_store_file.status == COMPLETED
                    for e in updates
                )
                outcomes = {
                    e.vector_store_file_updated.vector_store_file.id: (
                        e.vector_store_file_updated.ingestion
                    )
                    for e in updates
                }
                batch_updates = [e for e in events if e.type == "VectorStoreFileBatchUpdated"]
                assert [e.vector_store_file_batch_updated.batch.status for e in batch_updates] == [
                    COMPLETED
                ]
                assert batch_updates[0].stream_version == updates[-1].stream_version + 1
                assert events[-1] == batch_updates[0]

                # The chunks: per file, exactly the recorded count, indices 0..n-1 once each,
                # from the uploaded bytes.
                for file_id, data in zip(file_ids, contents, strict=True):
                    outcome = outcomes[file_id]
                    assert outcome.content_sha256 == hashlib.sha256(data).hexdigest()
                    assert outcome.chunk_count > 1
                    indices = [
                        r["chunk_index"]
                        for r in await db.fetch(
                            "SELECT chunk_index FROM chunks"
                            " WHERE vector_store_id = $1 AND file_id = $2 ORDER BY chunk_index",
                            store.id,
                            file_id,
                        )
                    ]
                    assert indices == list(range(outcome.chunk_count)), file_id
                assert await db.fetchval(
                    "SELECT count(*) FROM chunks WHERE vector_store_id = $1", store.id
                ) == sum(o.chunk_count for o in outcomes.values())

                # Nothing ingested twice: the files completed before the kill were not embedded
                # again; the held one was embedded again once, by the second process, which
                # now holds its row; every other file was embedded once.
                for file_id in file_ids:
                    phrase = phrase_of[file_id]
                    total = requests_naming(fake, phrase)
                    after_kill = requests_naming(fake, phrase, since=killed_at)
                    if file_id in done_before:
                        assert (total, after_kill) == (1, 0), phrase
                    elif file_id == held_file:
                        assert (total, after_kill) == (2, 1), phrase
                    else:
                        assert (total, after_kill) == (1, 1), phrase
                owners = {
                    r["file_id"]: r["lease_owner"]
                    for r in await db.fetch(
                        "SELECT file_id, lease_owner FROM vector_store_files"
                        " WHERE vector_store_id = $1",
                        store.id,
                    )
                }
                assert f":{process_b.pid}:" in owners[held_file]
                assert all(f":{process_a.pid}:" in owners[f] for f in done_before)
                assert all(f":{process_b.pid}:" in owners[f] for f in never_claimed)
                assert len(embedded) == len(file_ids) + 1

                # The file the dead process was ingesting is found by its phrase.
                phrase = phrase_of[held_file]
                found = await client_b.vector_stores.SearchVectorStore(
                    VS.SearchVectorStoreRequest(vector_store_id=store.id, query=[phrase])
                )
                assert found.data, "the search found nothing"
                assert found.data[0].file_id == held_file
                assert phrase in found.data[0].content[0].text
                assert {r.file_id for r in found.data if phrase in r.content[0].text} == {held_file}
        finally:
            await db.close()
    print(
        f"killed after {len(done_before)} of {len(file_ids)} files, holding one;"
        f" whole test {time.monotonic() - started:.1f}s"
    )
