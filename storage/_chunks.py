"""Chunks of vector-store files: pgvector detection, writes, and keyword/vector/hybrid search.

Chunks are not projections. The ingestion worker writes them, in the transaction of the event
that marks their file completed, and search finds only the chunks of files whose
vector_store_files row is completed: a file being re-ingested or detached is never half found.

- **Keyword:** an OR of the query's `english` lexemes, ranked by ts_rank_cd (normalised by
  rank / (rank + 1) into 0..1). AND semantics find nothing on paraphrased questions.
- **Vector:** cosine distance on pgvector; the score is 1 - distance, clipped to 0..1. Stores
  totalling up to EXACT_SCAN_MAX chunks are scanned exactly; bigger ones go through the HNSW
  index of the query's dimension (an expression index on `embedding::vector(d)`, partial on
  `vector_dims(embedding) = d`, created on first use), over-fetching for the store and status
  filters, which the index cannot apply.
- **Hybrid:** reciprocal-rank fusion, 1/(60 + rank) summed over both lists' top FUSION_DEPTH,
  in one statement, scaled so that first place in both lists scores 1.0.

The `embedding` column has no fixed dimension, so one table holds the vectors of any
embedder; it exists only where the pgvector extension does (vector_support() adds it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import asyncpg

log = logging.getLogger(__name__)

COMPLETED = "VECTOR_STORE_FILE_STATUS_COMPLETED"
# Stores holding at most this many chunks in all are scanned exactly: at 384 dimensions that
# costs a few milliseconds, and it is exact.
EXACT_SCAN_MAX = 20_000
# Reciprocal-rank fusion: the constant of 1/(k + rank), and how deep each list is fused.
RRF_K = 60
FUSION_DEPTH = 50
# HNSW candidates are over-fetched by this factor over what the stores' share of the table
# predicts, because the index cannot apply the store, status and attribute filters.
OVERFETCH = 4
# The fewest candidates (and hnsw.ef_search) of an HNSW search. On the bench's topical
# vectors at 100,000 chunks, top-10 recall was 0.973 at 100 and 0.993 at 200, for about 60 %
# more time (docs/benchmarks.md, Retrieval).
MIN_CANDIDATES = 100
# hnsw.ef_search cannot exceed 1,000; a query that would need more candidates scans exactly.
MAX_CANDIDATES = 1_000
# pgvector's HNSW indexes vectors of up to 2,000 dimensions.
MAX_INDEXED_DIMENSIONS = 2_000
# How long a store's chunk count is trusted for choosing between exact scan and HNSW.
SIZE_TTL_SECONDS = 30.0
# How long index creation and the embedding column's addition wait for a lock: they must not
# hang behind a long transaction (or, worse, behind one waiting on them).
DDL_LOCK_TIMEOUT = "30s"
# The errors of CREATE EXTENSION when the package is missing or the role may not create it.
_NO_EXTENSION = (
    asyncpg.FeatureNotSupportedError,
    asyncpg.UndefinedFileError,
    asyncpg.InsufficientPrivilegeError,
)
# The errors of a DDL statement another process ran at the same moment.
_RACED = (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError, asyncpg.DuplicateObjectError)

Mode: TypeAlias = Literal["hybrid", "vector", "keyword"]
ComparisonOp: TypeAlias = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]
Scalar: TypeAlias = str | float | bool


@dataclass(frozen=True)
class Comparison:
    """`attributes[key] <op> value`; a file without the key never matches."""

    key: str
    op: ComparisonOp
    value: Scalar | list[Scalar]


@dataclass(frozen=True)
class Compound:
    """All (`and`) or any (`or`) of the filters."""

    op: Literal["and", "or"]
    filters: list[AttributeFilterNode] = field(default_factory=list)


AttributeFilterNode: TypeAlias = Comparison | Compound


@dataclass(frozen=True)
class ChunkRow:
    index: int
    text: str
    token_count: int
    embedding: Sequence[float] | None


@dataclass(frozen=True)
class ChunkHit:
    vector_store_id: str
    file_id: str
    chunk_index: int
    text: str
    score: float  # 0..1, higher is better


@dataclass(frozen=True)
class ChunkQuery:
    project_id: str
    vector_store_ids: Sequence[str]
    text: str
    embedding: Sequence[float] | None
    mode: Mode
    limit: int
    filter: AttributeFilterNode | None = None
    # The model that made `embedding`: vectors of another model (one the server used before)
    # are not comparable with it, even at the same dimension, and are left out.
    embedding_model: str | None = None


def vector_literal(values: Sequence[float]) -> str:
    """pgvector's text form, '[x,y,...]': no pgvector Python package is needed."""
    return "[" + ",".join(f"{float(v):.9g}" for v in values) + "]"


def index_name(dimensions: int) -> str:
    return f"chunks_embedding_{dimensions}_hnsw"


# --- attribute filters -----------------------------------------------------------------------


class _Params:
    """Positional parameters of one statement, numbered as they are added."""

    def __init__(self, *initial: object) -> None:
        self.values: list[object] = list(initial)

    def add(self, value: object) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


_ORDER = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def compile_filter(node: AttributeFilterNode, params: _Params, column: str) -> str:
    """The filter as a parameterised SQL condition on the jsonb `column`.

    Values are compared as jsonb, which compares numbers numerically, strings as text and
    booleans as booleans; an ordering comparison needs both sides of the same JSON type. A
    missing key yields NULL, which no comparison (not even ne or nin) lets through.
    """
    if isinstance(node, Compound):
        if node.op not in ("and", "or"):
            raise ValueError(f"unknown compound filter type {node.op!r}")
        if not node.filters:
            return "TRUE" if node.op == "and" else "FALSE"
        joiner = " AND " if node.op == "and" else " OR "
        return "(" + joiner.join(compile_filter(f, params, column) for f in node.filters) + ")"
    attribute = f"({column} -> {params.add(node.key)}::text)"
    if node.op in ("in", "nin"):
        values = node.value if isinstance(node.value, list) else [node.value]
        listed = f"{params.add(json.dumps(values))}::text::jsonb @> jsonb_build_array({attribute})"
        negation = "NOT " if node.op == "nin" else ""
        return f"({attribute} IS NOT NULL AND {negation}{listed})"
    if isinstance(node.value, list):
        raise ValueError(f"filter {node.op!r} on {node.key!r} takes one value, not a list")
    value = f"{params.add(json.dumps(node.value))}::text::jsonb"
    if node.op == "eq":
        return f"({attribute} = {value})"
    if node.op == "ne":
        return f"({attribute} <> {value})"
    if node.op in _ORDER:
        return (
            f"(CASE WHEN jsonb_typeof({attribute}) = jsonb_typeof({value})"
            f" THEN {attribute} {_ORDER[node.op]} {value} ELSE FALSE END)"
        )
    raise ValueError(f"unknown comparison filter type {node.op!r}")


# --- SQL -------------------------------------------------------------------------------------

# The tsquery OR-ing the query text's lexemes, each quoted (backslashes and quotes escaped) so
# that lexemes such as URLs or "o'neil" parse as one. NULL when the text has no lexemes.
_TSQUERY = """
    SELECT string_agg(
               '''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''', ' | '
           )::tsquery AS query
      FROM unnest(tsvector_to_array(to_tsvector('english', {text}::text))) AS lexeme
"""


def _visible(params: _Params, query: ChunkQuery) -> str:
    """FROM/WHERE of the chunks the query may find: its project and stores, completed files."""
    where = (
        f"c.project_id = {params.add(query.project_id)}"
        f" AND c.vector_store_id = ANY({params.add(list(query.vector_store_ids))}::text[])"
        f" AND f.project_id = c.project_id AND f.status = '{COMPLETED}'"
    )
    if query.filter is not None:
        where += " AND " + compile_filter(query.filter, params, "f.attributes")
    return (
        "chunks c JOIN vector_store_files f"
        " ON f.vector_store_id = c.vector_store_id AND f.file_id = c.file_id"
        f" WHERE {where}"
    )


def _keyword_cte(params: _Params, visible: str, query: ChunkQuery, depth: int) -> str:
    text = params.add(query.text)
    return f"""
        q AS MATERIALIZED ({_TSQUERY.format(text=text)}),
        kw AS (
            SELECT c.id, ts_rank_cd(c.tsv, (SELECT query FROM q), 32) AS rank
              FROM {visible} AND c.tsv @@ (SELECT query FROM q)
             ORDER BY rank DESC, c.id
             LIMIT {depth}
        )"""


@dataclass(frozen=True)
class _VectorPlan:
    """How the vector side runs: an exact scan, or HNSW with this many candidates."""

    dimensions: int
    candidates: int | None  # None: exact scan


def _vector_cte(
    params: _Params, visible: str, query: ChunkQuery, plan: _VectorPlan, depth: int
) -> str:
    assert query.embedding is not None
    d = plan.dimensions
    vector = f"{params.add(vector_literal(query.embedding))}::text::vector({d})"
    if query.embedding_model is not None:
        visible += f" AND c.embedding_model = {params.add(query.embedding_model)}"
    if plan.candidates is None:
        return f"""
        vec AS (
            SELECT c.id, c.embedding <=> {vector} AS distance
              FROM {visible} AND vector_dims(c.embedding) = {d}
             ORDER BY distance, c.id
             LIMIT {depth}
        )"""
    # The exact scan orders by `embedding <=> q`, which no index matches. The HNSW inner query
    # matches the partial expression index exactly, so it walks the graph; the store, status
    # and attribute filters apply to its candidates afterwards.
    return f"""
        near AS MATERIALIZED (
            SELECT id, embedding::vector({d}) <=> {vector} AS distance
              FROM chunks
             WHERE vector_dims(embedding) = {d}
             ORDER BY embedding::vector({d}) <=> {vector}
             LIMIT {plan.candidates}
        ),
        vec AS (
            SELECT c.id, n.distance
              FROM near n, {visible} AND c.id = n.id
             ORDER BY n.distance, c.id
             LIMIT {depth}
        )"""


_RESULT = """
    SELECT c.vector_store_id, c.file_id, c.chunk_index, c.text, {score} AS score
      FROM {ranked} r JOIN chunks c ON c.id = r.id
     ORDER BY score DESC, c.vector_store_id, c.file_id, c.chunk_index
     LIMIT {limit}
"""


def keyword_sql(query: ChunkQuery) -> tuple[str, list[object]]:
    params = _Params()
    visible = _visible(params, query)
    cte = _keyword_cte(params, visible, query, query.limit)
    sql = f"WITH {cte}" + _RESULT.format(score="r.rank", ranked="kw", limit=query.limit)
    return sql, params.values


def vector_sql(query: ChunkQuery, plan: _VectorPlan) -> tuple[str, list[object]]:
    params = _Params()
    visible = _visible(params, query)
    cte = _vector_cte(params, visible, query, plan, query.limit)
    score = "1 - r.distance"
    sql = f"WITH {cte}" + _RESULT.format(score=score, ranked="vec", limit=query.limit)
    return sql, params.values


def hybrid_sql(query: ChunkQuery, plan: _VectorPlan) -> tuple[str, list[object]]:
    """Both lists' top `depth` fused by reciprocal rank, in one statement."""
    params = _Params()
    visible = _visible(params, query)
    depth = max(FUSION_DEPTH, query.limit)
    keyword = _keyword_cte(params, visible, query, depth)
    vector = _vector_cte(params, visible, query, plan, depth)
    best = 2.0 / (RRF_K + 1)
    fused = f"""
        kr AS (SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM kw),
        vr AS (SELECT id, row_number() OVER (ORDER BY distance, id) AS r FROM vec),
        fused AS (
            SELECT coalesce(kr.id, vr.id) AS id,
                   (coalesce(1.0::float8 / ({RRF_K} + kr.r), 0)
                    + coalesce(1.0::float8 / ({RRF_K} + vr.r), 0)) / {best!r} AS score
              FROM kr FULL JOIN vr ON vr.id = kr.id
        )"""
    sql = f"WITH {keyword}, {vector}, {fused}" + _RESULT.format(
        score="r.score", ranked="fused", limit=query.limit
    )
    return sql, params.values


# --- the store -------------------------------------------------------------------------------


class ChunkStore:
    """Chunk writes and search on the pool; writes join the caller's transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._vector: bool | None = None
        # Why vector search is unavailable, for the start-up log; None when it is available.
        self.vector_unavailable_reason: str | None = None
        self.pgvector_version: str | None = None
        self._vector_lock = asyncio.Lock()
        self._indexed: set[int] = set()
        self._index_lock = asyncio.Lock()
        self._sizes: dict[str, tuple[int, float]] = {}
        self._warned_dropped = False

    # --- pgvector ------------------------------------------------------------------------

    async def vector_support(self) -> bool:
        """True when pgvector is installed here and chunks have their embedding column.

        The first call tries CREATE EXTENSION (which needs the package on the server and the
        privilege) and adds the column; the answer is kept for the process's life.
        """
        if self._vector is not None:
            return self._vector
        async with self._vector_lock:
            if self._vector is None:
                self._vector = await self._enable_vector()
        return self._vector

    async def _enable_vector(self) -> bool:
        async with self._pool.acquire() as conn:
            version = await self._extension_version(conn)
            if version is None:
                return False
            try:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
                    if not await self._has_embedding_column(conn):
                        # MAIN keeps vectors in the row (the text is moved out first): an
                        # out-of-line vector costs the exact scan two TOAST fetches a row.
                        await conn.execute(
                            "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS embedding vector;"
                            " ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE MAIN"
                        )
                    await self._ensure_dims_statistics(conn)
            except _RACED:
                log.info("another process added the chunks embedding column at the same time")
            except asyncpg.LockNotAvailableError:
                # Not remembered as unsupported: the next call tries again.
                log.warning("chunks embedding column: lock wait timed out; vector search off")
                return await self._retry_later()
        self.pgvector_version = version
        self.vector_unavailable_reason = None
        return True

    async def _retry_later(self) -> bool:
        self.vector_unavailable_reason = "the embedding column could not be added yet"
        self._vector = None
        return False

    async def _extension_version(self, conn: asyncpg.Connection) -> str | None:
        """pgvector's installed version, creating the extension if the server can."""
        query = "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        version: str | None = await conn.fetchval(query)
        if version is not None:
            return version
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except _NO_EXTENSION as error:
            self.vector_unavailable_reason = (
                f"the PostgreSQL server has no usable pgvector extension ({error})"
            )
            log.info("pgvector unavailable", extra={"reason": str(error)})
            return None
        except _RACED:
            log.info("another process created the vector extension at the same time")
        version = await conn.fetchval(query)
        return version

    @staticmethod
    async def _ensure_dims_statistics(conn: asyncpg.Connection) -> None:
        """Statistics on vector_dims(embedding), so the planner knows that most rows pass the
        exact scan's `vector_dims(embedding) = d` (without them it guesses 0.5 % and joins
        the files row by row). Expression statistics need PostgreSQL 14."""
        if conn.get_server_version().major < 14:
            return
        exists = await conn.fetchval(
            "SELECT true FROM pg_statistic_ext WHERE stxname = 'chunks_embedding_dims'"
        )
        if not exists:
            await conn.execute(
                "CREATE STATISTICS IF NOT EXISTS chunks_embedding_dims"
                " ON (vector_dims(embedding)) FROM chunks"
            )

    @staticmethod
    async def _has_embedding_column(conn: asyncpg.Connection) -> bool:
        found = await conn.fetchval(
            "SELECT true FROM pg_attribute WHERE attrelid = 'chunks'::regclass"
            " AND attname = 'embedding' AND NOT attisdropped"
        )
        return bool(found)

    async def ensure_vector_index(self, dimensions: int) -> None:
        """Creates the HNSW index for vectors of `dimensions`, if missing.

        Runs on a connection of its own, never in a caller's transaction: CREATE INDEX waits
        for every open writer of chunks, and the caller's transaction may be one. A concurrent
        creator is tolerated; a lock wait that times out is logged and retried on the next
        write (search is correct without the index, only slower).
        """
        if dimensions in self._indexed:
            return
        if dimensions > MAX_INDEXED_DIMENSIONS or not await self.vector_support():
            return
        async with self._index_lock:
            if dimensions in self._indexed:
                return
            if await self._create_index(dimensions):
                self._indexed.add(dimensions)

    async def _create_index(self, d: int) -> bool:
        name = index_name(d)
        async with self._pool.acquire() as conn:
            if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name):
                return True
            try:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT}'")
                    await conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {name} ON chunks"
                        f" USING hnsw ((embedding::vector({d})) vector_cosine_ops)"
                        f" WHERE vector_dims(embedding) = {d}"
                    )
            except _RACED:
                log.info("another process created the HNSW index", extra={"index": name})
            except asyncpg.LockNotAvailableError:
                log.warning(
                    "HNSW index creation timed out waiting for a lock", extra={"index": name}
                )
                return False
        log.info("HNSW index ready", extra={"index": name})
        return True

    # --- writes --------------------------------------------------------------------------

    async def replace(
        self,
        conn: asyncpg.Connection,
        project_id: str,
        vector_store_id: str,
        file_id: str,
        chunks: Sequence[ChunkRow],
        embedding_model: str | None,
    ) -> None:
        """Replaces the file's chunks in the store, in the caller's transaction on `conn`.

        The HNSW index of the embeddings' dimension is ensured first, on another connection.
        """
        vector = await self.vector_support()
        dimensions = {len(c.embedding) for c in chunks if c.embedding is not None}
        for d in dimensions if vector else ():
            await self.ensure_vector_index(d)
        if dimensions and not vector and not self._warned_dropped:
            self._warned_dropped = True
            log.warning(
                "embeddings dropped: the database has no pgvector", extra={"file_id": file_id}
            )
        await conn.execute(
            "DELETE FROM chunks WHERE vector_store_id = $1 AND file_id = $2",
            vector_store_id,
            file_id,
        )
        self._sizes.pop(vector_store_id, None)
        if not chunks:
            return
        columns = [
            [c.index for c in chunks],
            [c.text for c in chunks],
            [c.token_count for c in chunks],
        ]
        if vector:
            embeddings = [
                None if c.embedding is None else vector_literal(c.embedding) for c in chunks
            ]
            await conn.execute(
                """
                INSERT INTO chunks (project_id, vector_store_id, file_id, chunk_index, text,
                                    token_count, embedding_model, embedding)
                SELECT $1, $2, $3, i, t, n, $4, e::vector
                  FROM unnest($5::int[], $6::text[], $7::int[], $8::text[]) AS u(i, t, n, e)
                """,
                project_id,
                vector_store_id,
                file_id,
                embedding_model,
                *columns,
                embeddings,
            )
            return
        await conn.execute(
            """
            INSERT INTO chunks (project_id, vector_store_id, file_id, chunk_index, text,
                                token_count, embedding_model)
            SELECT $1, $2, $3, i, t, n, NULL
              FROM unnest($4::int[], $5::text[], $6::int[]) AS u(i, t, n)
            """,
            project_id,
            vector_store_id,
            file_id,
            *columns,
        )

    async def delete(
        self, project_id: str, vector_store_id: str, file_id: str | None = None
    ) -> None:
        """Deletes a file's chunks in a store, or all of the store's when file_id is None.

        A file's chunks go only while the file is not in the store: this runs after the
        detach committed, and a re-attachment ingested meanwhile keeps the chunks it wrote
        (an attachment's ingestion replaces whatever chunks the file had in the store).
        """
        if file_id is None:
            await self._pool.execute(
                "DELETE FROM chunks WHERE project_id = $1 AND vector_store_id = $2",
                project_id,
                vector_store_id,
            )
        else:
            await self._pool.execute(
                "DELETE FROM chunks"
                " WHERE project_id = $1 AND vector_store_id = $2 AND file_id = $3"
                " AND NOT EXISTS (SELECT 1 FROM vector_store_files f"
                " WHERE f.vector_store_id = $2 AND f.file_id = $3)",
                project_id,
                vector_store_id,
                file_id,
            )
        self._sizes.pop(vector_store_id, None)

    async def save_text(self, conn: asyncpg.Connection, sha256: str, text: str) -> None:
        """Keeps a content's extracted text; the same bytes always give the same text."""
        await conn.execute(
            "INSERT INTO file_texts (sha256, text) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
            sha256,
            text,
        )

    async def forget_text(self, sha256: str) -> None:
        """Drops a content's extracted text once no file has that content (a file uploaded
        with the same bytes meanwhile keeps it)."""
        await self._pool.execute(
            "DELETE FROM file_texts WHERE sha256 = $1"
            " AND NOT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)",
            sha256,
        )

    async def text_page(self, sha256: str, offset: int, size: int) -> tuple[str, bool] | None:
        """Characters [offset, offset + size) of the text, and whether more follow it."""
        row = await self._pool.fetchrow(
            "SELECT substr(text, $2, $3) AS part, length(text) AS total"
            " FROM file_texts WHERE sha256 = $1",
            sha256,
            offset + 1,
            size,
        )
        if row is None:
            return None
        return row["part"], offset + size < row["total"]

    # --- search --------------------------------------------------------------------------

    async def search(self, query: ChunkQuery) -> list[ChunkHit]:
        """The query's best chunks, best first, scores in 0..1.

        Hybrid and vector fall back to keyword without a query embedding or without pgvector.
        """
        if query.limit <= 0 or not query.vector_store_ids:
            return []
        mode = query.mode
        if mode != "keyword" and (query.embedding is None or not await self.vector_support()):
            mode = "keyword"
        if mode == "keyword":
            sql, params = keyword_sql(query)
            return _hits(await self._pool.fetch(sql, *params))
        plan = await self._plan(query)
        hits = await self._run_vector(query, mode, plan)
        if plan.candidates is not None and len(hits) < query.limit:
            # The HNSW candidates were too few after the filters: scan exactly instead.
            hits = await self._run_vector(query, mode, _VectorPlan(plan.dimensions, None))
        return hits

    async def _run_vector(self, query: ChunkQuery, mode: Mode, plan: _VectorPlan) -> list[ChunkHit]:
        sql, params = hybrid_sql(query, plan) if mode == "hybrid" else vector_sql(query, plan)
        if plan.candidates is None:
            return _hits(await self._pool.fetch(sql, *params))
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(
                "SELECT set_config('hnsw.ef_search', $1, true)", str(plan.candidates)
            )
            return _hits(await conn.fetch(sql, *params))

    async def _plan(self, query: ChunkQuery) -> _VectorPlan:
        """Exact scan for small stores; HNSW, with enough candidates, for big ones."""
        assert query.embedding is not None
        d = len(query.embedding)
        stored, total = await self._store_sizes(query.vector_store_ids)
        if stored <= EXACT_SCAN_MAX or d > MAX_INDEXED_DIMENSIONS:
            return _VectorPlan(d, None)
        wanted = max(FUSION_DEPTH, query.limit) if query.mode == "hybrid" else query.limit
        share = stored / max(total, stored)
        candidates = max(MIN_CANDIDATES, math.ceil(wanted * OVERFETCH / share))
        if candidates > MAX_CANDIDATES:
            return _VectorPlan(d, None)
        return _VectorPlan(d, candidates)

    async def _store_sizes(self, store_ids: Sequence[str]) -> tuple[int, int]:
        """(chunks in these stores, chunks in the table), counts cached for a while."""
        now = time.monotonic()
        stale = [s for s in store_ids if self._sizes.get(s, (0, 0.0))[1] <= now]
        if stale:
            rows = await self._pool.fetch(
                "SELECT s.id, (SELECT count(*) FROM chunks c WHERE c.vector_store_id = s.id) AS n"
                " FROM unnest($1::text[]) AS s(id)",
                stale,
            )
            for row in rows:
                self._sizes[row["id"]] = (row["n"], now + SIZE_TTL_SECONDS)
        stored = sum(self._sizes[s][0] for s in set(store_ids))
        estimate = await self._pool.fetchval(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'chunks'::regclass"
        )
        return stored, int(estimate or 0)


def _hits(rows: Sequence[asyncpg.Record]) -> list[ChunkHit]:
    return [
        ChunkHit(
            vector_store_id=row["vector_store_id"],
            file_id=row["file_id"],
            chunk_index=row["chunk_index"],
            text=row["text"],
            score=min(1.0, max(0.0, float(row["score"]))),
        )
        for row in rows
    ]
