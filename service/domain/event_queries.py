"""What a read of, or subscription to, the event log may ask for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistants.v1 import events_pb2
from service.domain.validation import check_max_items, invalid_value
from service.errors import InvalidArgumentError

# The payload message names: the `type` of every event the log can hold.
EVENT_TYPES: tuple[str, ...] = tuple(
    field.message_type.name
    for field in events_pb2.Event.DESCRIPTOR.oneofs_by_name["payload"].fields
    if field.message_type is not None
)
# Each object kind is one kind of stream (DESIGN §3).
STREAM_KINDS = ("assistant", "thread", "file", "vector_store")
DEFAULT_BATCH = 500
MAX_BATCH = 1000
# Entries of one filter list.
MAX_FILTER_VALUES = 100


@dataclass(frozen=True)
class EventQuery:
    """A checked request: a stream or the whole log, from where, which events, how many."""

    stream_id: str | None
    from_version: int
    after_position: int
    event_types: tuple[str, ...]
    stream_kinds: tuple[str, ...]
    key_ids: tuple[str, ...]
    batch_size: int


def check_query(
    source: str | None,
    stream_id: str,
    from_version: int,
    after_position: int,
    event_types: Sequence[str],
    stream_kinds: Sequence[str],
    key_ids: Sequence[str],
    batch_size: int,
) -> EventQuery:
    """source is "stream", "log" or None (the whole log from its start)."""
    if source == "stream" and not stream_id:
        raise InvalidArgumentError(
            "stream.stream_id",
            "Missing required parameter: 'stream.stream_id'.",
            "missing_required_parameter",
        )
    _check_not_negative("stream.from_version", from_version)
    _check_not_negative("log.after_position", after_position)
    for param, values in (
        ("filter.event_types", event_types),
        ("filter.stream_kinds", stream_kinds),
        ("filter.key_ids", key_ids),
    ):
        check_max_items(values, param, MAX_FILTER_VALUES)
    for event_type in event_types:
        if event_type not in EVENT_TYPES:
            raise invalid_value("filter.event_types", event_type, EVENT_TYPES)
    for kind in stream_kinds:
        if kind not in STREAM_KINDS:
            raise invalid_value("filter.stream_kinds", kind, STREAM_KINDS)
    if source == "stream" and stream_kinds:
        raise InvalidArgumentError(
            "filter.stream_kinds", "'filter.stream_kinds' applies to a log source only."
        )
    if not 0 <= batch_size <= MAX_BATCH:
        raise InvalidArgumentError(
            "batch_size",
            f"Invalid 'batch_size': {batch_size}. Expected a value between 1 and {MAX_BATCH}.",
        )
    return EventQuery(
        stream_id=stream_id if source == "stream" else None,
        # Versions start at 1: reading from version v resumes after v - 1.
        from_version=max(from_version, 1),
        after_position=after_position,
        event_types=tuple(event_types),
        stream_kinds=tuple(stream_kinds),
        key_ids=tuple(key_ids),
        batch_size=batch_size or DEFAULT_BATCH,
    )


def check_max_count(max_count: int) -> int:
    _check_not_negative("max_count", max_count)
    return max_count


def _check_not_negative(param: str, value: int) -> None:
    if value < 0:
        raise InvalidArgumentError(
            param, f"Invalid '{param}': {value}. Expected a value of at least 0."
        )
