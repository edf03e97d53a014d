"""One file's bytes to the chunk rows of a vector store file: extract, chunk, embed.

Extraction and tokenising are CPU work (a large PDF takes seconds), so they run in a worker
thread and the event loop keeps serving. The text is encoded once: its token count enforces
the reference's 5,000,000-token limit per file, and the same tokens are cut into chunks.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from service.retrieval.chunking import TextChunk, chunk_tokens, encode
from service.retrieval.embeddings import Embedder, EmbeddingError
from service.retrieval.extraction import ExtractionError, extract_text
from storage._chunks import ChunkRow

MAX_FILE_TOKENS = 5_000_000


@dataclass(frozen=True)
class PreparedFile:
    text: str
    chunks: list[ChunkRow]
    token_count: int


async def prepare_file(
    data: bytes, filename: str, max_tokens: int, overlap: int, embedder: Embedder | None
) -> PreparedFile:
    """The text and chunk rows of a file, embedded when an embedder is given.

    Raises ExtractionError (unsupported_file, invalid_file: too many tokens included) and
    EmbeddingError.
    """
    text, token_count, chunks = await asyncio.to_thread(
        _extract_and_chunk, data, filename, max_tokens, overlap
    )
    embeddings: list[list[float]] | list[None] = [None] * len(chunks)
    if embedder is not None and chunks:
        embeddings = await embedder.embed_documents([chunk.text for chunk in chunks])
        if len(embeddings) != len(chunks):
            raise EmbeddingError(f"{len(embeddings)} embeddings for {len(chunks)} chunks")
    rows = [
        ChunkRow(index=c.index, text=c.text, token_count=c.token_count, embedding=e)
        for c, e in zip(chunks, embeddings, strict=True)
    ]
    return PreparedFile(text=text, chunks=rows, token_count=token_count)


def _extract_and_chunk(
    data: bytes, filename: str, max_tokens: int, overlap: int
) -> tuple[str, int, list[TextChunk]]:
    text = extract_text(data, filename)
    token_ids = encode(text)
    if len(token_ids) > MAX_FILE_TOKENS:
        raise ExtractionError(
            "invalid_file",
            f"The file has {len(token_ids):,} tokens; at most {MAX_FILE_TOKENS:,} can be searched.",
        )
    return text, len(token_ids), chunk_tokens(token_ids, max_tokens, overlap)
