"""prepare_file: bytes to chunk rows, embedded through a real endpoint (the fake model)."""

from __future__ import annotations

import math

import pytest

from service.retrieval.embeddings import EmbeddingError, ProviderEmbedder
from service.retrieval.extraction import ExtractionError
from service.retrieval.pipeline import MAX_FILE_TOKENS, prepare_file
from tests.fake_model import FakeModel, error, fake_embedding


def paragraphs(n: int) -> bytes:
    return "\n\n".join(f"Paragraph {i} talks about subject {i}." for i in range(n)).encode()


async def test_chunks_are_embedded_in_order() -> None:
    async with FakeModel() as fake:
        embedder = ProviderEmbedder(fake.base_url, "k", "emb-model", dimensions=32)
        prepared = await prepare_file(paragraphs(300), "notes.md", 100, 50, embedder)
    assert prepared.text.startswith("Paragraph 0 talks")
    assert prepared.token_count > 1000
    assert len(prepared.chunks) > 10
    assert [c.index for c in prepared.chunks] == list(range(len(prepared.chunks)))
    assert all(c.token_count <= 100 for c in prepared.chunks)
    for chunk in prepared.chunks:
        assert chunk.embedding is not None
        expected = fake_embedding(chunk.text, 32)
        assert all(
            math.isclose(a, b, abs_tol=1e-6) for a, b in zip(chunk.embedding, expected, strict=True)
        )
    assert fake.embedding_inputs == len(prepared.chunks)


async def test_without_an_embedder_chunks_have_no_vectors() -> None:
    prepared = await prepare_file(paragraphs(5), "notes.txt", 800, 400, None)
    assert len(prepared.chunks) == 1
    assert prepared.chunks[0].embedding is None
    assert prepared.chunks[0].text == prepared.text


async def test_extraction_and_embedding_errors_pass_through() -> None:
    with pytest.raises(ExtractionError) as caught:
        await prepare_file(b"\x00\x01\x02", "x.bin", 800, 400, None)
    assert caught.value.code == "unsupported_file"
    async with FakeModel() as fake:
        fake.script_embeddings(error(500, times=10))
        embedder = ProviderEmbedder(
            fake.base_url, "k", "m", max_retries=1, client_max_retries=0, backoff_seconds=0.01
        )
        with pytest.raises(EmbeddingError):
            await prepare_file(paragraphs(5), "notes.txt", 800, 400, embedder)


async def test_a_file_over_5m_tokens_is_invalid() -> None:
    data = b" a" * (MAX_FILE_TOKENS + 1)  # one token per " a"
    with pytest.raises(ExtractionError) as caught:
        await prepare_file(data, "huge.txt", 800, 400, None)
    assert caught.value.code == "invalid_file"
    assert "5,000,000" in caught.value.message
