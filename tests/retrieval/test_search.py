"""Chunk search (storage/_chunks.py) and the Searcher (service/retrieval/search.py).

Every chunk here got into the database the real way: uploaded through Application.files,
attached through Application.vector_stores, ingested by the Ingestion worker with the fake
model's /v1/embeddings (a hashed bag of word stems, so vector scores are computable here
exactly). The module works in a database of its own, so no other module's ingestion workers
claim its files.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest
from google.protobuf import struct_pb2

from assistants.v1 import file_pb2, tools_pb2, vector_store_pb2, vector_store_service_pb2
from service.app import Application, Principal, RequestContext
from service.retrieval.embeddings import Embedder, ProviderEmbedder
from service.retrieval.ingestion import Ingestion
from service.retrieval.search import Searcher, SearchHit
from storage import Storage
from storage._chunks import (
    COMPLETED,
    RRF_K,
    ChunkHit,
    ChunkQuery,
    ChunkRow,
    Comparison,
    Compound,
)
from tests.fake_model import FakeModel, fake_embedding
from tests.helpers import fresh_database

VS = vector_store_service_pb2
Status = vector_store_pb2.VectorStoreFileStatus
Attribute = str | float | bool
PG15_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
INGEST_TIMEOUT = 120.0

# --- the environment: a database, the app, the ingestion worker ------------------------------


@dataclass
class Project:
    ctx: RequestContext
    files: dict[str, str] = field(default_factory=dict)  # filename -> file id

    @property
    def id(self) -> str:
        return self.ctx.project_id


@dataclass
class Env:
    """A migrated database with the application and an ingestion worker on it."""

    storage: Storage
    app: Application
    embedder: Embedder | None
    ingestion: Ingestion

    async def project(self) -> Project:
        issued = await self.app.auth.issue_key(f"retrieval-{uuid.uuid4().hex[:10]}")
        principal = Principal(issued.project_id, issued.key_id)
        return Project(RequestContext(principal, f"req_{uuid.uuid4().hex}"))

    def ctx(self, project: Project) -> RequestContext:
        """A context with a fresh request id: each write is a new request."""
        return RequestContext(project.ctx.principal, f"req_{uuid.uuid4().hex}")

    async def upload(self, project: Project, filename: str, content: bytes) -> str:
        async def parts() -> AsyncIterator[bytes]:
            yield content

        header = file_pb2.FileUploadHeader(filename=filename, purpose="assistants")
        file = await self.app.files.upload(self.ctx(project), header, parts())
        project.files[filename] = file.id
        return file.id

    async def store(self, project: Project, name: str) -> str:
        request = VS.CreateVectorStoreRequest(name=name)
        return (await self.app.vector_stores.create(self.ctx(project), request)).id

    async def attach(
        self,
        project: Project,
        store_id: str,
        file_id: str,
        attributes: Mapping[str, Attribute] | None = None,
        chunking: tuple[int, int] | None = None,
    ) -> None:
        request = VS.CreateVectorStoreFileRequest(vector_store_id=store_id, file_id=file_id)
        for key, value in (attributes or {}).items():
            request.attributes[key].CopyFrom(to_value(value))
        if chunking is not None:
            request.chunking_strategy.CopyFrom(static_chunking(*chunking))
        await self.app.vector_stores.create_file(self.ctx(project), request)

    async def status(self, project: Project, store_id: str, file_id: str) -> int:
        got = await self.app.vector_stores.get_file(self.ctx(project), store_id, file_id)
        return int(got.status)

    async def wait_ingested(self, project: Project, store_id: str, file_ids: Sequence[str]) -> None:
        """Until no file is in progress; every one must have completed."""
        deadline = time.monotonic() + INGEST_TIMEOUT
        pending = set(file_ids)
        while pending:
            for file_id in list(pending):
                status = await self.status(project, store_id, file_id)
                if status != Status.VECTOR_STORE_FILE_STATUS_IN_PROGRESS:
                    assert status == Status.VECTOR_STORE_FILE_STATUS_COMPLETED, (
                        f"{file_id} ended {Status.Name(status)}"
                    )
                    pending.discard(file_id)
            if pending:
                assert time.monotonic() < deadline, f"still in progress: {sorted(pending)}"
                await asyncio.sleep(0.1)

    async def ingest(
        self,
        project: Project,
        store_id: str,
        docs: Mapping[str, str | bytes],
        attributes: Mapping[str, Mapping[str, Attribute]] | None = None,
        chunking: tuple[int, int] | None = None,
    ) -> dict[str, str]:
        """Uploads and attaches the documents, and waits for their ingestion."""
        ids: dict[str, str] = {}
        for name, content in docs.items():
            data = content.encode() if isinstance(content, str) else content
            ids[name] = await self.upload(project, name, data)
            attrs = (attributes or {}).get(name)
            await self.attach(project, store_id, ids[name], attrs, chunking)
        await self.wait_ingested(project, store_id, list(ids.values()))
        return ids

    async def restart_ingestion(self) -> None:
        await stop_ingestion(self.ingestion)
        self.ingestion = await start_ingestion(self.storage, self.embedder)


def to_value(value: Attribute) -> struct_pb2.Value:
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    return struct_pb2.Value(number_value=float(value))


def static_chunking(max_tokens: int, overlap: int) -> tools_pb2.ChunkingStrategy:
    return tools_pb2.ChunkingStrategy(
        type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
        static=tools_pb2.StaticChunking(
            max_chunk_size_tokens=max_tokens, chunk_overlap_tokens=overlap
        ),
    )


async def start_ingestion(storage: Storage, embedder: Embedder | None) -> Ingestion:
    ingestion = Ingestion(storage, embedder, concurrency=2, lease_seconds=30.0)
    started = ingestion.start()
    if asyncio.iscoroutine(started):
        await started
    return ingestion


async def stop_ingestion(ingestion: Ingestion) -> None:
    stopped = ingestion.stop(1.0)
    if asyncio.iscoroutine(stopped):
        await stopped


@contextlib.asynccontextmanager
async def open_env(server_url: str, embedder: Embedder | None) -> AsyncIterator[Env]:
    """A fresh database on the server with the app and an ingestion worker on it."""
    async with fresh_database(server_url, "assistants_retrieval") as url:
        storage = await Storage.open(url, Path("."), min_size=2, max_size=12)
        try:
            await storage.migrate()
            app = Application(storage, embedder=embedder)
            env = Env(storage, app, embedder, await start_ingestion(storage, embedder))
            try:
                yield env
            finally:
                await stop_ingestion(env.ingestion)
        finally:
            await storage.close()


def fake_embedder(fake: FakeModel) -> ProviderEmbedder:
    return ProviderEmbedder(fake.base_url, "test-key", "fake-embedding", backoff_seconds=0.05)


# --- the corpus ------------------------------------------------------------------------------

DOCS = {
    "refunds.txt": (
        "Our refund policy allows returns within thirty days of purchase with a receipt."
    ),
    "shipping.txt": (
        "Orders ship from the Rotterdam warehouse and arrive within five business days."
    ),
    "warranty.txt": (
        "The warranty covers manufacturing defects for two years but not accidental damage."
    ),
    "payments.txt": (
        "We accept credit cards, bank transfers and vouchers; refunds go back to the original card."
    ),
    "privacy.txt": "Personal data is stored in the European Union and deleted on request.",
    "careers.txt": "Engineering jobs are open in Rotterdam and Lisbon; apply with a short letter.",
}
ATTRIBUTES: dict[str, dict[str, Attribute]] = {
    "refunds.txt": {"year": 2021, "team": "support", "public": True},
    "shipping.txt": {"year": 2022, "team": "logistics", "public": True},
    "warranty.txt": {"year": 2023, "team": "support", "public": False},
    "payments.txt": {"year": 2024, "team": "finance"},
    "privacy.txt": {"team": "legal", "public": True},
    "careers.txt": {"year": 2020, "team": "hr", "public": False},
}


@dataclass
class Corpus:
    env: Env
    searcher: Searcher
    project: Project
    store_id: str
    by_id: dict[str, str]  # file id -> filename

    def names(self, hits: Sequence[SearchHit | ChunkHit]) -> list[str]:
        return [self.by_id.get(h.file_id, h.file_id) for h in hits]

    async def search(self, queries: str | Sequence[str], **options: object) -> list[SearchHit]:
        texts = [queries] if isinstance(queries, str) else list(queries)
        options.setdefault("max_num_results", 50)
        return await self.searcher.search(
            self.project.id,
            [self.store_id],
            texts,
            **options,  # type: ignore[arg-type]
        )

    async def chunk_search(self, text: str, mode: str, limit: int = 50) -> list[ChunkHit]:
        embedding = fake_embedding(text)
        query = ChunkQuery(self.project.id, [self.store_id], text, embedding, mode, limit)  # type: ignore[arg-type]
        return await self.env.storage.chunks.search(query)


@pytest.fixture(scope="module")
async def env(server_url: str, fake_model: FakeModel) -> AsyncIterator[Env]:
    async with open_env(server_url, fake_embedder(fake_model)) as opened:
        yield opened


@pytest.fixture(scope="module")
async def corpus(env: Env) -> Corpus:
    project = await env.project()
    store_id = await env.store(project, "policies")
    ids = await env.ingest(project, store_id, DOCS, ATTRIBUTES)
    searcher = Searcher(env.storage, env.embedder)
    await searcher.start()
    return Corpus(env, searcher, project, store_id, {v: k for k, v in ids.items()})


def cosine(a: str, b: str) -> float:
    return sum(x * y for x, y in zip(fake_embedding(a), fake_embedding(b), strict=True))


# --- tests -----------------------------------------------------------------------------------


async def test_vector_search_is_on_with_pgvector_and_an_embedder(corpus: Corpus) -> None:
    assert await corpus.env.storage.chunks.vector_support()
    assert corpus.searcher.keyword_only is False


async def test_keyword_search_finds_a_paraphrase_sharing_one_word(corpus: Corpus) -> None:
    question = "How long may I keep an item before I claim a refund?"
    # An AND of the question's words finds nothing: the reason keyword search ORs them.
    anded = await corpus.env.storage.pool.fetchval(
        "SELECT count(*) FROM chunks WHERE tsv @@ plainto_tsquery('english', $1)", question
    )
    assert anded == 0
    hits = await corpus.search(question, mode="keyword")
    names = corpus.names(hits)
    assert set(names) == {"refunds.txt", "payments.txt"}  # the two that say "refund(s)"
    assert all(0.0 < h.score <= 1.0 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)


async def test_keyword_search_without_lexemes_finds_nothing(corpus: Corpus) -> None:
    assert await corpus.search("the of and", mode="keyword") == []
    assert await corpus.search("zebra xylophone", mode="keyword") == []


async def test_vector_search_ranks_by_cosine_similarity(corpus: Corpus) -> None:
    query = "warranty defects and damage in Rotterdam"
    hits = await corpus.search(query, mode="vector")
    assert len(hits) == len(DOCS)  # an exact scan ranks every chunk
    for hit in hits:
        assert hit.score == pytest.approx(max(0.0, cosine(query, hit.text)), abs=1e-5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert corpus.names(hits)[0] == "warranty.txt"
    assert hits[0].score > hits[1].score


async def test_vectors_of_another_embedding_model_are_left_out(
    corpus: Corpus, fake_model: FakeModel
) -> None:
    """The same dimensions, another model (the server's setting changed): its query vectors
    mean nothing against the stored ones, so only the keyword side still finds them."""
    other = ProviderEmbedder(fake_model.base_url, "test-key", "another-model")
    searcher = Searcher(corpus.env.storage, other)
    await searcher.start()
    query = "warranty defects and damage in Rotterdam"
    found = await searcher.search(
        corpus.project.id, [corpus.store_id], [query], max_num_results=50, mode="vector"
    )
    assert found == []
    fused = await searcher.search(
        corpus.project.id, [corpus.store_id], [query], max_num_results=50, mode="hybrid"
    )
    keyword = await corpus.search(query, mode="keyword")
    assert [(h.file_id, h.chunk_index) for h in fused] == [
        (h.file_id, h.chunk_index) for h in keyword
    ]
    # Fused from one list only: first place scores half of what it would in both.
    assert fused[0].score == pytest.approx(0.5)
    await other.close()


async def test_hybrid_fuses_reciprocal_ranks_of_both_lists(corpus: Corpus) -> None:
    query = "refund to my credit card within thirty days"
    keyword = await corpus.chunk_search(query, "keyword")
    vector = await corpus.chunk_search(query, "vector")
    hybrid = await corpus.chunk_search(query, "hybrid")

    def key(h: ChunkHit) -> tuple[str, int]:
        return (h.file_id, h.chunk_index)

    expected: dict[tuple[str, int], float] = {}
    for ranked in (keyword, vector):
        for rank, hit in enumerate(ranked, start=1):
            expected[key(hit)] = expected.get(key(hit), 0.0) + 1 / (RRF_K + rank)
    best = 2 / (RRF_K + 1)
    assert {key(h) for h in hybrid} == set(expected)
    for hit in hybrid:
        assert hit.score == pytest.approx(expected[key(hit)] / best, abs=1e-9)
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    # Some chunk is found by one list only, and some by both: both kinds were checked.
    assert {key(h) for h in keyword} < {key(h) for h in vector}


async def test_first_place_in_both_lists_scores_one(corpus: Corpus) -> None:
    hits = await corpus.search("warranty covers manufacturing defects accidental damage")
    assert corpus.names(hits)[0] == "warranty.txt"
    assert hits[0].score == pytest.approx(1.0)
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits[1].score < 1.0


async def test_scores_lie_in_zero_to_one_and_the_threshold_drops_lower_ones(
    corpus: Corpus,
) -> None:
    query = "Rotterdam warehouse jobs and shipping of orders"
    for mode in ("hybrid", "vector", "keyword"):
        everything = await corpus.search(query, mode=mode)
        assert everything, mode
        assert all(0.0 <= h.score <= 1.0 for h in everything), mode
        scores = sorted({h.score for h in everything}, reverse=True)
        assert len(scores) > 1, mode
        threshold = (scores[0] + scores[-1]) / 2
        kept = await corpus.search(query, mode=mode, score_threshold=threshold)
        assert kept == [h for h in everything if h.score >= threshold], mode
        assert len(kept) < len(everything), mode


async def test_max_num_results_keeps_the_best(corpus: Corpus) -> None:
    query = "Rotterdam refund warranty data"
    everything = await corpus.search(query)
    assert len(everything) > 3
    assert await corpus.search(query, max_num_results=3) == everything[:3]
    assert len(await corpus.search(query, max_num_results=1)) == 1


async def test_token_budget_keeps_the_best_hits_that_fit(corpus: Corpus) -> None:
    query = "Rotterdam refund warranty data"
    everything = await corpus.search(query)
    counts = dict(
        await corpus.env.storage.pool.fetch(
            "SELECT file_id, token_count FROM chunks WHERE vector_store_id = $1",
            corpus.store_id,
        )
    )
    assert all(counts[h.file_id] > 0 for h in everything)
    two = counts[everything[0].file_id] + counts[everything[1].file_id]
    assert await corpus.search(query, token_budget=two) == everything[:2]
    assert await corpus.search(query, token_budget=two - 1) == everything[:1]
    assert await corpus.search(query, token_budget=0) == []
    assert await corpus.search(query, token_budget=None) == everything


async def test_multiple_queries_fuse_by_each_chunks_best_score(corpus: Corpus) -> None:
    first, second = "refund receipt", "personal data request"
    a = {h.file_id: h.score for h in await corpus.search(first, mode="vector")}
    b = {h.file_id: h.score for h in await corpus.search(second, mode="vector")}
    both = await corpus.search([first, second], mode="vector")
    assert {h.file_id: h.score for h in both} == {f: max(a[f], b[f]) for f in a}
    assert set(corpus.names(both)[:2]) == {"refunds.txt", "privacy.txt"}


async def test_hits_carry_filename_and_attributes(corpus: Corpus) -> None:
    hits = await corpus.search("warranty defects", mode="keyword")
    assert corpus.names(hits) == ["warranty.txt"]
    assert hits[0].filename == "warranty.txt"
    assert hits[0].attributes == {"year": 2023, "team": "support", "public": False}
    assert hits[0].text.strip() == DOCS["warranty.txt"]
    assert hits[0].vector_store_id == corpus.store_id
    assert hits[0].chunk_index == 0


FILTERS: list[tuple[Comparison | Compound, set[str]]] = [
    (Comparison("team", "eq", "support"), {"refunds.txt", "warranty.txt"}),
    (
        Comparison("team", "ne", "support"),
        {"shipping.txt", "payments.txt", "privacy.txt", "careers.txt"},
    ),
    (Comparison("year", "gt", 2022), {"warranty.txt", "payments.txt"}),
    (Comparison("year", "gte", 2022), {"shipping.txt", "warranty.txt", "payments.txt"}),
    (Comparison("year", "lt", 2022), {"refunds.txt", "careers.txt"}),
    (Comparison("year", "lte", 2021.0), {"refunds.txt", "careers.txt"}),
    (Comparison("year", "eq", 2022.0), {"shipping.txt"}),
    (Comparison("public", "eq", True), {"refunds.txt", "shipping.txt", "privacy.txt"}),
    # A missing key never matches, not even ne or nin.
    (Comparison("public", "ne", True), {"warranty.txt", "careers.txt"}),
    (
        Comparison("year", "ne", 2022),
        {"refunds.txt", "warranty.txt", "payments.txt", "careers.txt"},
    ),
    (Comparison("team", "in", ["support", "hr"]), {"refunds.txt", "warranty.txt", "careers.txt"}),
    (Comparison("year", "in", [2020, 2024]), {"careers.txt", "payments.txt"}),
    (Comparison("team", "nin", ["support", "hr"]), {"shipping.txt", "payments.txt", "privacy.txt"}),
    (Comparison("year", "nin", [2020, 2024]), {"refunds.txt", "shipping.txt", "warranty.txt"}),
    (Comparison("colour", "ne", "blue"), set()),
    # Numbers compare as numbers, strings as strings: "2021" is not 2021.
    (Comparison("year", "eq", "2021"), set()),
    (Comparison("team", "gt", "legal"), {"refunds.txt", "warranty.txt", "shipping.txt"}),
    (
        Compound("and", [Comparison("team", "eq", "support"), Comparison("year", "gte", 2022)]),
        {"warranty.txt"},
    ),
    (
        Compound(
            "or",
            [
                Comparison("team", "eq", "hr"),
                Compound("and", [Comparison("public", "eq", True), Comparison("year", "lt", 2022)]),
            ],
        ),
        {"careers.txt", "refunds.txt"},
    ),
]


@pytest.mark.parametrize(("node", "expected"), FILTERS, ids=lambda v: repr(v)[:60])
async def test_attribute_filters(
    corpus: Corpus, node: Comparison | Compound, expected: set[str]
) -> None:
    # Vector mode ranks every visible chunk, so the hits are exactly the files that pass.
    hits = await corpus.search("policy", mode="vector", filter=node)
    assert set(corpus.names(hits)) == expected
    keyword = await corpus.search("refund Rotterdam warranty data jobs card", mode="keyword")
    filtered = await corpus.search(
        "refund Rotterdam warranty data jobs card", mode="keyword", filter=node
    )
    assert set(corpus.names(filtered)) == expected & set(corpus.names(keyword))


async def test_another_projects_stores_are_never_searched(env: Env, corpus: Corpus) -> None:
    other = await env.project()
    theirs = await env.store(other, "theirs")
    await env.ingest(other, theirs, {"their-refunds.txt": "Refund policy of another project."})
    searcher = corpus.searcher
    query = ["refund policy"]
    mine = await searcher.search(
        corpus.project.id, [corpus.store_id, theirs], query, max_num_results=50
    )
    assert mine and all(h.vector_store_id == corpus.store_id for h in mine)
    assert await searcher.search(other.id, [corpus.store_id], query, max_num_results=50) == []
    found = await searcher.search(other.id, [theirs], query, max_num_results=50)
    assert [h.filename for h in found] == ["their-refunds.txt"]


async def test_searches_span_several_stores(env: Env, corpus: Corpus) -> None:
    second = await env.store(corpus.project, "second")
    ids = await env.ingest(corpus.project, second, {"faq.txt": "Refund questions answered here."})
    hits = await corpus.searcher.search(
        corpus.project.id, [corpus.store_id, second], ["refund"], max_num_results=50
    )
    assert {h.vector_store_id for h in hits} == {corpus.store_id, second}
    assert ids["faq.txt"] in {h.file_id for h in hits}


async def test_detached_and_in_progress_files_are_not_found(env: Env, corpus: Corpus) -> None:
    project = corpus.project
    store_id = await env.store(project, "changing")
    ids = await env.ingest(
        project,
        store_id,
        {"kept.txt": "Glaciers retreat every summer.", "gone.txt": "Glaciers advance in winter."},
    )
    searcher = corpus.searcher

    async def found() -> set[str]:
        hits = await searcher.search(project.id, [store_id], ["glaciers"], max_num_results=50)
        return {h.file_id for h in hits}

    assert await found() == {ids["kept.txt"], ids["gone.txt"]}
    await env.app.vector_stores.delete_file(env.ctx(project), store_id, ids["gone.txt"])
    assert await found() == {ids["kept.txt"]}

    # With no worker running an attached file stays in progress: it is not found.
    await stop_ingestion(env.ingestion)
    try:
        late = await env.upload(project, "late.txt", b"Glaciers carve valleys.")
        await env.attach(project, store_id, late)
        await asyncio.sleep(0.5)
        assert (
            await env.status(project, store_id, late) == Status.VECTOR_STORE_FILE_STATUS_IN_PROGRESS
        )
        assert await found() == {ids["kept.txt"]}
    finally:
        env.ingestion = await start_ingestion(env.storage, env.embedder)
    await env.wait_ingested(project, store_id, [late])
    assert await found() == {ids["kept.txt"], late}


async def test_replace_swaps_a_files_chunks_in_the_callers_transaction(
    env: Env, corpus: Corpus
) -> None:
    project = corpus.project
    store_id = await env.store(project, "replaced")
    ids = await env.ingest(project, store_id, {"notes.txt": "Volcanoes erupt rarely."})
    file_id = ids["notes.txt"]
    chunks = env.storage.chunks
    new = [
        ChunkRow(
            0, "Tsunamis follow earthquakes.", 4, fake_embedding("Tsunamis follow earthquakes.")
        ),
        ChunkRow(1, "Tsunamis cross oceans.", 4, fake_embedding("Tsunamis cross oceans.")),
    ]

    async def texts(query: str) -> list[str]:
        hits = await corpus.searcher.search(
            project.id, [store_id], [query], max_num_results=50, mode="keyword"
        )
        return [h.text.strip() for h in hits]

    # Rolled back: nothing changes.
    async with env.storage.pool.acquire() as conn:
        with contextlib.suppress(RuntimeError):
            async with conn.transaction():
                await chunks.replace(conn, project.id, store_id, file_id, new, "fake-embedding")
                raise RuntimeError("roll back")
    assert await texts("volcanoes") == ["Volcanoes erupt rarely."]
    async with env.storage.pool.acquire() as conn, conn.transaction():
        await chunks.replace(conn, project.id, store_id, file_id, new, "fake-embedding")
    assert await texts("volcanoes") == []
    assert sorted(await texts("tsunamis")) == sorted(c.text for c in new)
    hits = await corpus.searcher.search(
        project.id, [store_id], ["tsunamis cross oceans"], max_num_results=1, mode="vector"
    )
    assert hits[0].text == "Tsunamis cross oceans." and hits[0].score == pytest.approx(1.0)
    # A file's chunks are deleted only once it has left the store (a detach deletes after it
    # commits), so a late delete cannot take a re-attachment's chunks.
    await chunks.delete(project.id, store_id, file_id)
    assert len(await texts("tsunamis")) == 2


async def test_vector_index_exists_for_the_embedders_dimension(env: Env, corpus: Corpus) -> None:
    dims = len(fake_embedding("x"))
    definition = await env.storage.pool.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks' AND indexname = $1",
        f"chunks_embedding_{dims}_hnsw",
    )
    assert definition is not None
    assert "hnsw" in definition and f"vector({dims})" in definition
    assert f"vector_dims(embedding) = {dims}" in definition


async def test_text_pages(env: Env, corpus: Corpus) -> None:
    chunks = env.storage.chunks
    sha = uuid.uuid4().hex * 2
    text = "é" + "abcdefghij" * 5
    async with env.storage.pool.acquire() as conn, conn.transaction():
        await chunks.save_text(conn, sha, text)
        await chunks.save_text(conn, sha, "ignored: the same bytes give the same text")
    assert await chunks.text_page(sha, 0, 11) == (text[:11], True)
    assert await chunks.text_page(sha, 11, 40) == (text[11:51], False)
    assert await chunks.text_page(sha, 51, 10) == ("", False)
    assert await chunks.text_page("0" * 64, 0, 10) is None


# --- PostgreSQL without pgvector -------------------------------------------------------------


async def _reachable(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def test_keyword_only_without_pgvector(fake_model: FakeModel) -> None:
    if not await _reachable(PG15_URL):
        pytest.skip(f"no PostgreSQL at {PG15_URL}")
    async with open_env(PG15_URL, fake_embedder(fake_model)) as pg15:
        assert not await pg15.storage.chunks.vector_support()
        searcher = Searcher(pg15.storage, pg15.embedder)
        await searcher.start()
        assert searcher.keyword_only is True
        project = await pg15.project()
        store_id = await pg15.store(project, "keyword-only")
        ids = await pg15.ingest(project, store_id, DOCS, ATTRIBUTES)
        question = "How long may I keep an item before I claim a refund?"
        for mode in (None, "hybrid", "vector", "keyword"):
            hits = await searcher.search(
                project.id,
                [store_id],
                [question],
                max_num_results=10,
                mode=mode,  # type: ignore[arg-type]
            )
            assert {h.file_id for h in hits} == {ids["refunds.txt"], ids["payments.txt"]}
            assert all(0.0 < h.score <= 1.0 for h in hits)
        support = Comparison("team", "eq", "support")
        hits = await searcher.search(
            project.id, [store_id], [question], max_num_results=10, filter=support
        )
        assert [h.filename for h in hits] == ["refunds.txt"]
        columns = await pg15.storage.pool.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attnum > 0"
        )
        assert "embedding" not in {r["attname"] for r in columns}


def test_completed_is_the_stored_enum_name() -> None:
    assert Status.Name(Status.VECTOR_STORE_FILE_STATUS_COMPLETED) == COMPLETED
