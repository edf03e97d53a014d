"""Text to token windows with overlap, in o200k_base, as file_search's static strategy cuts it.

A window holds `max_tokens` tokens and the next one starts `max_tokens - overlap` tokens later,
so consecutive chunks share exactly `overlap` tokens; the last window ends at the text's end
(a window wholly inside the previous one's overlap is not made). The boundaries are the token
positions alone: ending windows at sentence breaks was left out, because it would make the
overlap and the chunk count depend on the text, and the reference's strategy is token-exact.

A token boundary can fall inside a character (o200k_base splits some multibyte characters
across tokens). A chunk's text is decoded from its tokens' bytes with the partial character
at either edge dropped, so no chunk holds a replacement character; that character belongs
whole to the neighbouring chunk that covers it. `token_count` is the count of the chunk's text
re-encoded, which is what the text costs in a prompt, and never exceeds `max_tokens`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import tokens


@dataclass(frozen=True)
class TextChunk:
    index: int
    text: str
    token_count: int


def encode(text: str) -> list[int]:
    """The o200k_base tokens of text; special-token strings are plain text here."""
    return tokens.encoding().encode(text, disallowed_special=())


def chunk_text(text: str, max_tokens: int, overlap: int) -> list[TextChunk]:
    """The chunks of text: windows of `max_tokens` advancing by `max_tokens - overlap`."""
    return chunk_tokens(encode(text), max_tokens, overlap)


def chunk_tokens(token_ids: Sequence[int], max_tokens: int, overlap: int) -> list[TextChunk]:
    """chunk_text for text already encoded (the pipeline encodes once, to count and cut)."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    if not 0 <= overlap < max_tokens:
        raise ValueError(f"overlap must be in 0..{max_tokens - 1}, got {overlap}")
    enc = tokens.encoding()
    step = max_tokens - overlap
    chunks: list[TextChunk] = []
    for start in range(0, len(token_ids), step):
        window = token_ids[start : start + max_tokens]
        text = _decode_whole_characters(enc.decode_bytes(window))
        count = len(enc.encode(text, disallowed_special=()))
        while count > max_tokens:  # a re-encoding longer than its window: rare, trim it
            text = text[:-1]
            count = len(enc.encode(text, disallowed_special=()))
        if text:
            chunks.append(TextChunk(index=len(chunks), text=text, token_count=count))
        if start + max_tokens >= len(token_ids):
            break
    return chunks


def _decode_whole_characters(data: bytes) -> str:
    """UTF-8 bytes cut from a longer text, less the partial characters at both edges."""
    start = 0
    while start < len(data) and start < 3 and data[start] & 0xC0 == 0x80:
        start += 1
    end = len(data)
    # Walk back over at most 3 continuation bytes to the last lead byte; drop it if incomplete.
    lead = end - 1
    while lead > start and end - lead < 4 and data[lead] & 0xC0 == 0x80:
        lead -= 1
    if lead >= start and data[lead] >= 0xC0 and end - lead < _sequence_length(data[lead]):
        end = lead
    return data[start:end].decode("utf-8", errors="ignore")


def _sequence_length(lead: int) -> int:
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    return 2
