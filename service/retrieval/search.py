"""Searcher: file_search over vector stores, from query texts to cited chunks.

Each query is embedded (when the database has pgvector and an embedder is configured) and run
through ChunkStore.search; several queries are fused by each chunk's best score. Then come
the score threshold, the result cap and the token budget, in that order, so the budget only
ever drops the worst of what would otherwise be returned. Filenames and attributes are read
last, for the hits that are kept.

Without pgvector or without an embedder, search is keyword-only; start() logs which, and why,
once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.retrieval.embeddings import Embedder
from storage._chunks import AttributeFilterNode, ChunkHit, ChunkQuery, Mode

if TYPE_CHECKING:
    from storage import Storage

log = logging.getLogger(__name__)

Attributes = dict[str, str | float | bool]


@dataclass(frozen=True)
class SearchHit:
    vector_store_id: str
    file_id: str
    filename: str
    chunk_index: int
    text: str
    score: float
    attributes: Attributes


_DETAILS = """
    SELECT k.store AS vector_store_id, k.file AS file_id, k.idx AS chunk_index,
           c.token_count, f.attributes, fl.object ->> 'filename' AS filename
      FROM unnest($2::text[], $3::text[], $4::int[]) AS k(store, file, idx)
      JOIN chunks c
        ON c.vector_store_id = k.store AND c.file_id = k.file AND c.chunk_index = k.idx
      JOIN vector_store_files f
        ON f.vector_store_id = k.store AND f.file_id = k.file AND f.project_id = $1
      LEFT JOIN files fl ON fl.id = k.file AND fl.project_id = $1
"""

_Key = tuple[str, str, int]


class Searcher:
    """Search for the file_search tool and the vector store search endpoint."""

    def __init__(self, storage: Storage, embedder: Embedder | None) -> None:
        self._storage = storage
        self._embedder = embedder
        self._vector = False
        self._started = False
        self.keyword_only = True

    async def start(self) -> None:
        """Finds out whether vector search is possible and says so, once."""
        if self._started:
            return
        self._vector = await self._storage.chunks.vector_support()
        self.keyword_only = not (self._vector and self._embedder is not None)
        self._started = True
        if not self.keyword_only:
            assert self._embedder is not None
            log.info(
                "file_search: hybrid search (keyword and vector)",
                extra={"embedding_model": self._embedder.model},
            )
        elif not self._vector:
            log.warning(
                "file_search: keyword-only search: %s",
                self._storage.chunks.vector_unavailable_reason or "pgvector is unavailable",
            )
        else:
            log.warning("file_search: keyword-only search: no embedder is configured")

    async def search(
        self,
        project_id: str,
        vector_store_ids: Sequence[str],
        queries: Sequence[str],
        *,
        max_num_results: int,
        score_threshold: float = 0.0,
        filter: AttributeFilterNode | None = None,
        mode: Mode | None = None,
        token_budget: int | None = None,
    ) -> list[SearchHit]:
        """The best chunks for the queries, best first. Mode None means hybrid."""
        await self.start()
        texts = [q for q in queries if q.strip()]
        if not texts or not vector_store_ids or max_num_results <= 0:
            return []
        results = await asyncio.gather(
            *(
                self._one(project_id, vector_store_ids, q, max_num_results, filter, mode)
                for q in texts
            )
        )
        best = _fuse(results)
        ranked = [h for h in best if h.score >= score_threshold][:max_num_results]
        details = await self._details(project_id, ranked)
        hits = [h for h in ranked if _key(h) in details]  # a file detached meanwhile
        return _within_budget(hits, details, token_budget)

    async def _one(
        self,
        project_id: str,
        vector_store_ids: Sequence[str],
        text: str,
        limit: int,
        filter: AttributeFilterNode | None,
        mode: Mode | None,
    ) -> list[ChunkHit]:
        wanted: Mode = mode or "hybrid"
        embedding = None
        if wanted != "keyword" and self._vector and self._embedder is not None:
            embedding = await self._embedder.embed_query(text)
        query = ChunkQuery(
            project_id=project_id,
            vector_store_ids=list(vector_store_ids),
            text=text,
            embedding=embedding,
            mode=wanted,
            limit=limit,
            filter=filter,
            embedding_model=self._embedder.model if self._embedder is not None else None,
        )
        return await self._storage.chunks.search(query)

    async def _details(self, project_id: str, hits: Sequence[ChunkHit]) -> dict[_Key, Any]:
        """Token count, attributes and filename of each hit's chunk, by (store, file, index)."""
        if not hits:
            return {}
        rows = await self._storage.pool.fetch(
            _DETAILS,
            project_id,
            [h.vector_store_id for h in hits],
            [h.file_id for h in hits],
            [h.chunk_index for h in hits],
        )
        return {(r["vector_store_id"], r["file_id"], r["chunk_index"]): r for r in rows}


def _key(hit: ChunkHit) -> _Key:
    return (hit.vector_store_id, hit.file_id, hit.chunk_index)


def _fuse(results: Sequence[Sequence[ChunkHit]]) -> list[ChunkHit]:
    """Each chunk once, with its best score over the queries, best first."""
    best: dict[_Key, ChunkHit] = {}
    for hits in results:
        for hit in hits:
            seen = best.get(_key(hit))
            if seen is None or hit.score > seen.score:
                best[_key(hit)] = hit
    return sorted(
        best.values(), key=lambda h: (-h.score, h.vector_store_id, h.file_id, h.chunk_index)
    )


def _within_budget(
    hits: Sequence[ChunkHit], details: dict[_Key, Any], token_budget: int | None
) -> list[SearchHit]:
    """The best hits whose token counts sum to at most the budget (None: no budget)."""
    kept: list[SearchHit] = []
    spent = 0
    for hit in hits:
        row = details[_key(hit)]
        spent += row["token_count"]
        if token_budget is not None and spent > token_budget:
            break
        kept.append(
            SearchHit(
                vector_store_id=hit.vector_store_id,
                file_id=hit.file_id,
                filename=row["filename"] or "",
                chunk_index=hit.chunk_index,
                text=hit.text,
                score=hit.score,
                attributes=dict(row["attributes"] or {}),
            )
        )
    return kept
