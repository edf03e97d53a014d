"""Encodings and context sizes per model, loaded offline. Pure: no fixtures."""

from __future__ import annotations

from unittest import mock

import pytest
import tiktoken_ext.openai_public as openai_public  # type: ignore[import-untyped]

from assistants.v1 import message_pb2
from service.domain import tokens


@pytest.mark.parametrize("name", [tokens.O200K_BASE, tokens.CL100K_BASE])
def test_encodings_are_tiktokens_own(name: str) -> None:
    """Same hash, pattern and special tokens as tiktoken's definition of the encoding."""
    with mock.patch.object(openai_public, "load_tiktoken_bpe") as load:
        expected = getattr(openai_public, name)()
    assert load.call_args.kwargs["expected_hash"] == tokens._SPECS[name].sha256
    enc = tokens.get_encoding(name)
    assert enc.name == name
    assert enc._pat_str == expected["pat_str"]
    assert enc._special_tokens == expected["special_tokens"]


def test_known_token_ids() -> None:
    assert tokens.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert tokens.get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert tokens.encoding() is tokens.get_encoding("o200k_base")
    with pytest.raises(KeyError):
        tokens.get_encoding("p50k_base")


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-4-1106-preview", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("ft:gpt-3.5-turbo-0125:org::abc", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        # Unknown to tiktoken, or mapped to an encoding not shipped: the fallback.
        ("llama-3", "o200k_base"),
        ("qwen2.5:7b", "o200k_base"),
        ("gpt-oss-20b", "o200k_base"),
        ("davinci", "o200k_base"),
        ("", "o200k_base"),
    ],
)
def test_encoding_per_model(model: str, encoding: str) -> None:
    assert tokens.encoding_name_for_model(model) == encoding
    assert tokens.encoding_for_model(model).name == encoding


def test_counts_differ_between_encodings() -> None:
    text = "Привет, мир! Das Frühstück ist fertig. 你好世界。"
    cl100k = tokens.count_text(text, tokens.get_encoding("cl100k_base"))
    o200k = tokens.count_text(text)
    assert cl100k != o200k
    assert o200k == tokens.count_text(text, tokens.encoding_for_model("gpt-4o"))

    part = message_pb2.MessageContent(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT)
    part.text.value = text
    overhead = tokens.MESSAGE_OVERHEAD_TOKENS
    assert tokens.count_message_for("gpt-4", [part]) == cl100k + overhead
    assert tokens.count_message_for("gpt-4o", [part]) == o200k + overhead
    assert tokens.count_message_for("llama-3", [part]) == tokens.count_message([part])


def test_special_tokens_count_as_text() -> None:
    enc = tokens.get_encoding("cl100k_base")
    assert tokens.count_text("<|endoftext|>", enc) > 1


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("gpt-4o", 128_000),
        ("gpt-4o-2024-11-20", 128_000),
        ("gpt-4o-mini", 128_000),
        ("gpt-4o-mini-2024-07-18", 128_000),
        ("chatgpt-4o-latest", 128_000),
        ("gpt-4.1", 1_047_576),
        ("gpt-4.1-nano-2025-04-14", 1_047_576),
        ("gpt-4-turbo", 128_000),
        ("gpt-4-turbo-2024-04-09", 128_000),
        ("gpt-4-1106-preview", 128_000),
        ("gpt-4-0125-preview", 128_000),
        ("gpt-4-32k", 32_768),
        ("gpt-4-32k-0613", 32_768),
        ("gpt-4", 8_192),
        ("gpt-4-0613", 8_192),
        ("gpt-3.5-turbo", 16_385),
        ("gpt-3.5-turbo-0125", 16_385),
        ("gpt-3.5-turbo-instruct", 4_096),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o3-mini", 200_000),
        ("o4-mini", 200_000),
        ("gpt-5", 400_000),
        ("gpt-5-mini", 400_000),
        ("ft:gpt-4o-mini-2024-07-18:org::abc", 128_000),
        ("llama-3", 7_777),
        ("gpt-4x", 7_777),
        ("o2", 7_777),
    ],
)
def test_context_window_tokens(model: str, size: int) -> None:
    assert tokens.context_window_tokens(model, 7_777) == size
