"""Token counts of messages, for the context-window projection.

Counts use o200k_base, the encoding of the gpt-4o family. tiktoken would download the BPE file
at first use; the file shipped by the bpe-openai package is loaded instead, checked against
tiktoken's own hash, so counting works offline.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path

import tiktoken

from assistants.v1 import message_pb2

# tiktoken's expected sha256 of o200k_base.tiktoken.
_O200K_HASH = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
# The pattern and special tokens of tiktoken's o200k_base (tiktoken_ext/openai_public.py).
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}

# Chat formatting around each message: role and separators, as OpenAI's cookbook counts them.
MESSAGE_OVERHEAD_TOKENS = 3
# An image part, counted at the low-detail price until images are sized.
IMAGE_TOKENS = 85


@functools.cache
def encoding() -> tiktoken.Encoding:
    """The o200k_base encoding, loaded once from the bpe-openai package data."""
    # Found without importing bpe_openai, whose import loads its own native tokenizer.
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the bpe-openai package, which ships the BPE file, is not installed")
    packaged = Path(spec.submodule_search_locations[0]) / "data" / "o200k_base.tiktoken.gz"
    contents = gzip.decompress(packaged.read_bytes())
    if hashlib.sha256(contents).hexdigest() != _O200K_HASH:
        raise RuntimeError("the packaged o200k_base BPE file does not match tiktoken's hash")
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in contents.splitlines() if line)
    }
    return tiktoken.Encoding(
        name="o200k_base",
        pat_str=_O200K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=_O200K_SPECIAL,
    )


def count_text(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def count_message(content: Iterable[message_pb2.MessageContent]) -> int:
    """Tokens a message costs in a prompt: its parts plus the chat formatting."""
    total = MESSAGE_OVERHEAD_TOKENS
    for part in content:
        if part.type == message_pb2.MESSAGE_CONTENT_TYPE_TEXT:
            total += count_text(part.text.value)
        elif part.type == message_pb2.MESSAGE_CONTENT_TYPE_REFUSAL:
            total += count_text(part.refusal)
        else:
            total += IMAGE_TOKENS
    return total
