"""Result markers and the file_citation annotations they become.

The file_search tool heads each result it gives the model with a marker `【m:i†file_name】`:
m numbers the run's file_search calls (0 for the first), i the result within that call. An
answer that quotes a marker back cites that result, and the marker becomes a `file_citation`
annotation over exactly its characters. Markers whose numbers name no result stay plain text.

Offsets are Python str indices, that is Unicode code points, not UTF-16 units: the same
numbers a client gets slicing the value in Python; JavaScript clients differ only when
astral-plane characters (emoji) come before a marker. OpenAI never documented which it counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistants.v1 import message_pb2

M = message_pb2
OPEN, CLOSE = "【", "】"
# 【m:i†name】, and the forms models also write: 【m:i】 and 【m†name】 (result 0).
_MARKER = re.compile(r"【(\d+)(?::(\d+))?(?:†([^【】\n]*))?】")
# A marker is short; an opening bracket this far back with no close is not one.
MAX_MARKER_CHARS = 300


@dataclass(frozen=True)
class Source:
    """What a marker cites."""

    file_id: str
    file_name: str


def marker(call: int, result: int, file_name: str) -> str:
    """The marker that heads result `result` of file_search call `call`."""
    name = file_name.replace(OPEN, "").replace(CLOSE, "").replace("\n", " ")
    return f"{OPEN}{call}:{result}†{name}{CLOSE}"


def citations(
    text: str, sources: Mapping[tuple[int, int], Source], start: int = 0, end: int | None = None
) -> list[message_pb2.Annotation]:
    """The file_citation annotations of the markers that lie wholly in text[start:end] and
    name a known result, in order of position."""
    found: list[message_pb2.Annotation] = []
    stop = len(text) if end is None else end
    for match in _MARKER.finditer(text, start, stop):
        key = (int(match.group(1)), int(match.group(2) or 0))
        source = sources.get(key)
        if source is None:
            continue
        found.append(
            M.Annotation(
                type=M.ANNOTATION_TYPE_FILE_CITATION,
                text=match.group(0),
                start_index=match.start(),
                end_index=match.end(),
                file_citation=M.FileCitation(file_id=source.file_id),
            )
        )
    return found


def settled_end(text: str, start: int = 0) -> int:
    """How far text may be sent on while more may follow: up to an unclosed `【` that could
    still become a marker, so a streamed delta never splits one."""
    opened = text.rfind(OPEN, start)
    if opened == -1 or CLOSE in text[opened:]:
        return len(text)
    if len(text) - opened > MAX_MARKER_CHARS:
        return len(text)
    return opened
