"""chunk_text: exact token windows with overlap, whole characters, nothing over max_tokens."""

from __future__ import annotations

import itertools
import random

import pytest

from service.domain.tokens import count_text, encoding
from service.retrieval.chunking import chunk_text

ENC = encoding()


def words(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    vocab = ["alpha", "beta", "gamma", "delta", "river", "stone", "cloud", "paper", "light"]
    return " ".join(rng.choice(vocab) + ("." if rng.random() < 0.1 else "") for _ in range(n))


def test_empty_text_has_no_chunks() -> None:
    assert chunk_text("", 800, 400) == []


def test_short_text_is_one_chunk() -> None:
    chunks = chunk_text("A short sentence.", 800, 400)
    assert [(c.index, c.text) for c in chunks] == [(0, "A short sentence.")]
    assert chunks[0].token_count == count_text("A short sentence.")


def test_default_800_400_shape() -> None:
    text = words(3000)
    n = len(ENC.encode(text))
    chunks = chunk_text(text, 800, 400)
    # Windows start every 400 tokens; the last one reaches the end of the text.
    expected = 1 + -(-(n - 800) // 400)
    assert len(chunks) == expected
    assert [c.index for c in chunks] == list(range(expected))
    assert all(c.token_count <= 800 for c in chunks)
    assert all(abs(c.token_count - 800) <= 2 for c in chunks[:-1])
    assert chunks[-1].text.endswith(text[-20:])
    assert chunks[0].text.startswith(text[:20])


@pytest.mark.parametrize(("max_tokens", "overlap"), [(100, 0), (100, 50), (128, 17), (4096, 2048)])
def test_windows_are_the_token_slices_and_overlap_exactly(max_tokens: int, overlap: int) -> None:
    text = words(6000, seed=max_tokens)
    tokens = ENC.encode(text)
    chunks = chunk_text(text, max_tokens, overlap)
    step = max_tokens - overlap
    for chunk in chunks:
        start = chunk.index * step
        assert chunk.text == ENC.decode(tokens[start : start + max_tokens])
        assert count_text(chunk.text) == chunk.token_count <= max_tokens
    for before, after in itertools.pairwise(chunks):
        start = after.index * step
        shared = ENC.decode(tokens[start : start + overlap])
        assert before.text.endswith(shared) and after.text.startswith(shared)
    # Together the chunks cover the whole text.
    assert chunks[-1].index * step + max_tokens >= len(tokens)


def test_no_chunk_holds_a_broken_character() -> None:
    # Rare emoji, CJK extension B and Hangul split into several o200k tokens each, so window
    # boundaries fall inside characters.
    rng = random.Random(7)
    ranges = [(0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0xAC00, 0xD7A3), (0x20, 0x20)]
    text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(2000))
    tokens = ENC.encode(text)
    broken = sum(
        1 for s in range(0, len(tokens), 7) if not _valid(ENC.decode_bytes(tokens[s : s + 10]))
    )
    assert broken > 50, "the text no longer splits characters across tokens"
    for max_tokens, overlap in ((10, 3), (37, 0), (100, 50)):
        chunks = chunk_text(text, max_tokens, overlap)
        assert chunks
        for chunk in chunks:
            assert "\ufffd" not in chunk.text
            assert chunk.text in text
            assert count_text(chunk.text) == chunk.token_count <= max_tokens


def test_special_token_strings_are_plain_text() -> None:
    chunks = chunk_text("before <|endoftext|> after", 100, 0)
    assert chunks[0].text == "before <|endoftext|> after"


def test_bad_bounds_are_rejected() -> None:
    with pytest.raises(ValueError):
        chunk_text("text", 100, 100)
    with pytest.raises(ValueError):
        chunk_text("text", 0, 0)


def _valid(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True
