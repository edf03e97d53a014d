"""Links to code_interpreter's files in an answer, and the file_path annotations they become.

The model links a file its code wrote as `sandbox:/mnt/data/<path>`, usually inside a
Markdown link: `[Download the table](sandbox:/mnt/data/out.csv)`. Each link to a file the run
saved becomes a `file_path` annotation whose text is the link and whose indices cover exactly
it (end exclusive, in code points like the citations of service.retrieval.citations). Links to
files the run did not save stay plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from assistants.v1 import message_pb2

M = message_pb2
PREFIX = "sandbox:/mnt/data/"
# A bare link ends at white space or one of these; one in parentheses ends at ")".
_BARE_END = set(" \t\r\n()[]<>\"'`")
_TRAILING = ".,;:!?*_"
# A link is short; a prefix this far back with no end yet is not held back any longer.
MAX_LINK_CHARS = 300


def _link_end(text: str, start: int, stop: int) -> int | None:
    """Where the link starting at `start` ends, or None while it may still grow."""
    path_start = start + len(PREFIX)
    in_parentheses = start > 0 and text[start - 1] == "("
    for i in range(path_start, stop):
        char = text[i]
        if char == "\n" or (char == ")" if in_parentheses else char in _BARE_END):
            return i
    return None


def _saved_path(raw: str, files: Mapping[str, str]) -> str | None:
    """The saved path a link names: as written, URL-decoded, or without trailing punctuation."""
    candidate = raw
    while candidate:
        for path in (candidate, unquote(candidate)):
            if path in files:
                return candidate
        if candidate[-1] not in _TRAILING:
            return None
        candidate = candidate[:-1]
    return None


def file_paths(
    text: str, files: Mapping[str, str], start: int = 0, end: int | None = None
) -> list[message_pb2.Annotation]:
    """The file_path annotations of the links in text[start:end] that name a file in `files`
    (path under /mnt/data -> file id), in order of position. A link still open at `end` is
    taken to end there: streaming holds open links back (settled_end)."""
    stop = len(text) if end is None else end
    found: list[message_pb2.Annotation] = []
    at = text.find(PREFIX, start, stop)
    while at != -1:
        link_end = _link_end(text, at, stop)
        raw = text[at + len(PREFIX) : stop if link_end is None else link_end]
        path = _saved_path(raw, files)
        if path is not None:
            finish = at + len(PREFIX) + len(path)
            file_id = files.get(path) or files[unquote(path)]
            found.append(
                M.Annotation(
                    type=M.ANNOTATION_TYPE_FILE_PATH,
                    text=text[at:finish],
                    start_index=at,
                    end_index=finish,
                    file_path=M.FilePath(file_id=file_id),
                )
            )
        at = text.find(PREFIX, at + len(PREFIX), stop)
    return found


def settled_end(text: str, start: int = 0) -> int:
    """How far text may be sent on while more may follow: up to a link (or the start of one)
    that may still grow, so a streamed delta never splits one."""
    held = len(text)
    at = text.rfind(PREFIX, start)
    if at != -1 and _link_end(text, at, len(text)) is None:
        held = at
    else:
        # The text may end in the first characters of a prefix: "(sandbox:/mn".
        for size in range(min(len(PREFIX) - 1, len(text) - start), 0, -1):
            if text.endswith(PREFIX[:size]):
                held = len(text) - size
                break
    return held if len(text) - held <= MAX_LINK_CHARS else len(text)
