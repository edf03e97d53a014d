"""Token counts of messages, and the encoding and context size of each model.

The messages projection stores counts in o200k_base, the encoding of the gpt-4o family and of
every newer OpenAI model. A run recounts its window in its model's own encoding
(`encoding_for_model`), so a cl100k_base model such as gpt-4 gets exact counts too.

tiktoken would download the BPE files at first use; the files shipped by the bpe-openai package
are loaded instead, each checked against tiktoken's own hash, so counting works offline.

Model names tiktoken does not know, local models above all, are counted in o200k_base: their
own tokenizers differ, so their counts are an estimate, close for English text.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tiktoken

from assistants.v1 import message_pb2

O200K_BASE = "o200k_base"
CL100K_BASE = "cl100k_base"
# The encoding of model names that tiktoken does not map to an encoding shipped here.
FALLBACK_ENCODING = O200K_BASE


@dataclass(frozen=True)
class _EncodingSpec:
    """What tiktoken_ext/openai_public.py says of an encoding, less the download URL."""

    sha256: str  # tiktoken's expected hash of the ungzipped .tiktoken file
    pattern: str
    special_tokens: dict[str, int]


_SPECS = {
    O200K_BASE: _EncodingSpec(
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pattern="|".join(
            [
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
                r"""\p{N}{1,3}""",
                r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
                r"""\s*[\r\n]+""",
                r"""\s+(?!\S)""",
                r"""\s+""",
            ]
        ),
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    CL100K_BASE: _EncodingSpec(
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pattern=(
            r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++"""
            r"""[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
        ),
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}

# Chat formatting around each message: role and separators, as OpenAI's cookbook counts them.
MESSAGE_OVERHEAD_TOKENS = 3
# An image part, counted at the low-detail price until images are sized.
IMAGE_TOKENS = 85


@functools.cache
def get_encoding(name: str) -> tiktoken.Encoding:
    """An encoding shipped here (o200k_base or cl100k_base), loaded once from bpe-openai's data.

    Raises KeyError for any other name, and RuntimeError when the file is missing or altered.
    """
    spec = _SPECS[name]
    # Found without importing bpe_openai, whose import loads its own native tokenizer.
    package = importlib.util.find_spec("bpe_openai")
    if package is None or not package.submodule_search_locations:
        raise RuntimeError("the bpe-openai package, which ships the BPE files, is not installed")
    packaged = Path(package.submodule_search_locations[0]) / "data" / f"{name}.tiktoken.gz"
    contents = gzip.decompress(packaged.read_bytes())
    if hashlib.sha256(contents).hexdigest() != spec.sha256:
        raise RuntimeError(f"the packaged {name} BPE file does not match tiktoken's hash")
    ranks = {
        base64.b64decode(token): int(rank)
        for token, rank in (line.split() for line in contents.splitlines() if line)
    }
    return tiktoken.Encoding(
        name=name,
        pat_str=spec.pattern,
        mergeable_ranks=ranks,
        special_tokens=spec.special_tokens,
    )


def encoding() -> tiktoken.Encoding:
    """The o200k_base encoding, in which the messages projection stores counts."""
    return get_encoding(O200K_BASE)


def encoding_name_for_model(model: str) -> str:
    """The encoding of a model: tiktoken's table, else the o200k_base fallback.

    tiktoken maps gpt-4, gpt-4-turbo, gpt-3.5-turbo and the embedding models to cl100k_base, and
    gpt-4o, gpt-4.1, gpt-4.5, gpt-5, o1, o3 and o4 to o200k_base. A name it does not know, or
    one it maps to an encoding not shipped here (the retired r50k/p50k models; gpt-oss's
    o200k_harmony, which is o200k_base plus special tokens), gets the fallback.
    """
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        return FALLBACK_ENCODING
    return name if name in _SPECS else FALLBACK_ENCODING


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for_model(model))


def count_text(text: str, enc: tiktoken.Encoding | None = None) -> int:
    """Tokens of text in `enc`, o200k_base by default. Special tokens count as plain text."""
    return len((enc or encoding()).encode(text, disallowed_special=()))


def count_message(
    content: Iterable[message_pb2.MessageContent], enc: tiktoken.Encoding | None = None
) -> int:
    """Tokens a message costs in a prompt: its parts plus the chat formatting."""
    total = MESSAGE_OVERHEAD_TOKENS
    for part in content:
        if part.type == message_pb2.MESSAGE_CONTENT_TYPE_TEXT:
            total += count_text(part.text.value, enc)
        elif part.type == message_pb2.MESSAGE_CONTENT_TYPE_REFUSAL:
            total += count_text(part.refusal, enc)
        else:
            total += IMAGE_TOKENS
    return total


def count_message_for(model: str, content: Iterable[message_pb2.MessageContent]) -> int:
    """count_message in the model's own encoding, to recount a window exactly."""
    return count_message(content, encoding_for_model(model))


# Context sizes (input plus output tokens) of OpenAI models, by family. A name belongs to the
# longest family it equals or extends with "-": gpt-4o-mini-2024-07-18 is gpt-4o-mini.
_CONTEXT_TOKENS = {
    "gpt-5": 400_000,
    "gpt-5-chat": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.5": 128_000,
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "chatgpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-4-32k": 32_768,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "gpt-3.5-turbo-instruct": 4_096,
    "gpt-3.5-turbo-0301": 4_096,
    "gpt-3.5-turbo-0613": 4_096,
    "o1": 200_000,
    "o1-mini": 128_000,
    "o1-preview": 128_000,
    "o3": 200_000,
    "o4-mini": 200_000,
}
# gpt-4-1106-preview, gpt-4-0125-preview, gpt-4-vision-preview: the gpt-4-turbo previews.
_GPT4_PREVIEW = re.compile(r"gpt-4-.+-preview")
_GPT4_PREVIEW_TOKENS = 128_000


def _family(model: str) -> str | None:
    families = (f for f in _CONTEXT_TOKENS if model == f or model.startswith(f + "-"))
    return max(families, key=len, default=None)


def context_window_tokens(model: str, default: int) -> int:
    """The context size of a known OpenAI model, else `default` (a local model's, configured).

    A fine-tuned model ("ft:gpt-4o-mini-2024-07-18:org::id") has its base model's size.
    """
    if model.startswith("ft:"):
        model = model.removeprefix("ft:").split(":", 1)[0]
    if _GPT4_PREVIEW.fullmatch(model):
        return _GPT4_PREVIEW_TOKENS
    family = _family(model)
    return _CONTEXT_TOKENS[family] if family is not None else default
