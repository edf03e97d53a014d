"""The code of a code_interpreter call streams out of its JSON arguments as they arrive, and
what streamed is always the start of the code the call ran."""

from __future__ import annotations

import json
import time

import pytest

from service.engine.code_interpreter import CodeStream, file_names, parse_code

CODES = [
    "print('hi')",
    'x = "quoted \\"string\\""\nprint(x)\t# tab',
    "s = 'caf\u00e9 \u2603 \U0001f600'\nprint(s)",
    "path = 'C:\\\\dir'\n",
    "",
]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_code_streams_exactly_in_any_fragments(code: str, size: int) -> None:
    arguments = json.dumps({"code": code})
    stream = CodeStream()
    streamed = ""
    for start in range(0, len(arguments), size):
        new = stream.feed(arguments[start : start + size])
        streamed += new
        assert code.startswith(streamed)
    whole, rest = stream.finish()
    assert whole == code
    assert streamed + rest == code


def test_arguments_of_another_shape_stream_nothing_then_the_whole_code() -> None:
    stream = CodeStream()
    arguments = json.dumps({"language": "python", "code": "1 + 1"})
    assert stream.feed(arguments) == ""
    assert stream.finish() == ("1 + 1", "1 + 1")


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ('{"code": "1 + 1"}', "1 + 1"),
        ('{"input": "2"}', "2"),
        ("print(3)", "print(3)"),
        ('"print(4)"', "print(4)"),
        ('{"code": "print(5)"', "print(5)"),
        ('{"code": "a = \\"x', 'a = "x'),
        ('{"code": 5}', None),
        ("{}", None),
        ("", None),
    ],
)
def test_parse_code(arguments: str, code: str | None) -> None:
    assert parse_code(arguments) == code


def test_file_names_are_safe_and_unique() -> None:
    named = file_names(
        [
            ("file-a", "data.csv"),
            ("file-b", "dir/data.csv"),
            ("file-c", "../../etc/passwd"),
            ("file-d", ".hidden"),
            ("file-e", ""),
        ]
    )
    assert named == [
        ("file-a", "data.csv"),
        ("file-b", "data-file-b.csv"),
        ("file-c", "passwd"),
        ("file-d", "file-d"),
        ("file-e", "file-e"),
    ]


def test_cut_short_arguments_stream_what_they_hold() -> None:
    """A call cut off before its closing quote streams, stores and runs the same code."""
    stream = CodeStream()
    streamed = "".join(stream.feed(piece) for piece in ['{"code": "print', "('hi')", "\\n"])
    code, rest = stream.finish()
    assert code == "print('hi')\n" and streamed + rest == code


def test_streaming_reads_each_character_once() -> None:
    """200 KB of code in 4-character fragments decodes in linear time."""
    arguments = json.dumps({"code": "x = 1  # \u00e9\n" * 12_500})
    stream = CodeStream()
    started = time.perf_counter()
    streamed = "".join(stream.feed(arguments[i : i + 4]) for i in range(0, len(arguments), 4))
    assert time.perf_counter() - started < 2.0
    assert streamed == json.loads(arguments)["code"]
