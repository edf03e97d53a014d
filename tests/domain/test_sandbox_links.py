"""sandbox:/mnt/data links become file_path annotations over exactly their characters, and a
link still streaming is held back whole (reference §9.1: end_index exclusive)."""

from __future__ import annotations

import pytest

from assistants.v1 import message_pb2
from service.domain.sandbox_links import file_paths, settled_end

SAVED = {"out.csv": "file-out", "my report.txt": "file-report", "plots/a.png": "file-a"}


def spans(text: str) -> list[tuple[str, str]]:
    found = file_paths(text, SAVED)
    for annotation in found:
        assert annotation.type == message_pb2.ANNOTATION_TYPE_FILE_PATH
        assert text[annotation.start_index : annotation.end_index] == annotation.text
    return [(a.text, a.file_path.file_id) for a in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Download](sandbox:/mnt/data/out.csv)", [("sandbox:/mnt/data/out.csv", "file-out")]),
        ("See sandbox:/mnt/data/out.csv.", [("sandbox:/mnt/data/out.csv", "file-out")]),
        ("(sandbox:/mnt/data/my report.txt)", [("sandbox:/mnt/data/my report.txt", "file-report")]),
        (
            "sandbox:/mnt/data/my%20report.txt",
            [("sandbox:/mnt/data/my%20report.txt", "file-report")],
        ),
        ("sandbox:/mnt/data/plots/a.png and", [("sandbox:/mnt/data/plots/a.png", "file-a")]),
        ("sandbox:/mnt/data/missing.csv", []),
        ("sandbox:/mnt/data/out.csvx", []),
        ("no link at all", []),
    ],
)
def test_links_to_saved_files_are_annotated(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


def test_two_links_are_annotated_in_order() -> None:
    text = "A: sandbox:/mnt/data/out.csv, B: [b](sandbox:/mnt/data/plots/a.png)"
    assert [file_id for _, file_id in spans(text)] == ["file-out", "file-a"]


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("Here (sandbox:/mnt/data/ou", "Here ("),
        ("Here (sand", "Here ("),
        ("Here [x](sandbox:/mnt/data/out.csv", "Here [x]("),
        ("Here [x](sandbox:/mnt/data/out.csv)", "Here [x](sandbox:/mnt/data/out.csv)"),
        ("Here sandbox:/mnt/data/out.csv ", "Here sandbox:/mnt/data/out.csv "),
        ("plain text.", "plain text."),
    ],
)
def test_streaming_holds_back_an_open_link(text: str, held: str) -> None:
    assert text[: settled_end(text)] == held


def test_a_prefix_far_back_with_no_end_is_not_held_forever() -> None:
    text = "(sandbox:/mnt/data/" + "x" * 400
    assert settled_end(text) == len(text)
