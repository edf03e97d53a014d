"""The hash chain that makes the log tamper-evident.

Each event's hash chains it to the previous event of its stream:

    digest  = SHA-256(canonical encoding of the event)
    hash(v) = SHA-256(hash(v - 1) || be64(version) || be64(position) || be64(time_us) || digest)

hash(0) is 32 zero bytes. The canonical encoding is the deterministic protobuf serialization
of the `Event` envelope (events.proto) with stream_version, position, time and hash cleared:
its id, stream, type, schema version, metadata and payload. The writer sends that encoding;
append_events (migrations 0006, 0008) hashes it, adds version, position and time, which only
the database knows at commit, and stores the hash and the encoding. Anyone holding the events
of a stream, as ReadEvents returns them, can recompute every link with this module and nothing
else.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf.message import Message

from assistants.v1 import events_pb2
from storage._event_codec import FIELD_BY_TYPE

GENESIS = bytes(32)
_CLEARED = ("stream_version", "position", "time", "hash")
_LINK = struct.Struct(">qqq")


def canonical_body(
    event_id: str,
    stream_id: str,
    payload: Message,
    metadata: events_pb2.EventMetadata,
    schema_version: int = 1,
) -> bytes:
    """The canonical encoding of an event about to be appended: its digest is SHA-256 of it."""
    field = _payload_field(payload)
    body = events_pb2.Event(
        event_id=event_id,
        stream_id=stream_id,
        type=payload.DESCRIPTOR.name,
        schema_version=schema_version,
        metadata=metadata,
    )
    getattr(body, field).CopyFrom(payload)
    return _serialize(body)


def event_digest(event: events_pb2.Event) -> bytes:
    """The digest of a recorded event."""
    return hashlib.sha256(encode(event)).digest()


def encode(event: events_pb2.Event) -> bytes:
    """The canonical encoding of a recorded event."""
    body = events_pb2.Event()
    body.CopyFrom(event)
    for name in _CLEARED:
        body.ClearField(name)
    return _serialize(body)


def _serialize(body: events_pb2.Event) -> bytes:
    return body.SerializeToString(deterministic=True)


def link(previous: bytes, event: events_pb2.Event) -> bytes:
    """The hash the event must carry when the stream's previous event carries `previous`."""
    time_us = event.time.seconds * 1_000_000 + event.time.nanos // 1000
    header = _LINK.pack(event.stream_version, event.position, time_us)
    return hashlib.sha256(previous + header + event_digest(event)).digest()


@dataclass(frozen=True)
class ChainProblem:
    """One place where the recorded events do not match their chain. Problems of the whole
    log (missing positions) have no stream; a stream's missing tail has no position."""

    stream_id: str | None
    version: int | None
    position: int | None
    problem: str

    def __str__(self) -> str:
        where = [
            f"{label} {value}"
            for label, value in (
                ("stream", self.stream_id),
                ("version", self.version),
                ("position", self.position),
            )
            if value is not None
        ]
        return f"{', '.join(where) or 'log'}: {self.problem}"


def check_stream(
    stream_id: str, events: Iterable[events_pb2.Event], recorded_version: int
) -> list[ChainProblem]:
    """Checks one stream's events, read in version order, against their hashes.

    Each event is checked against the stored hash of the one before it, so a changed row is
    reported on its own and the rest of the stream still verifies. recorded_version is the
    stream's version in the streams table: events missing from its end are reported too.
    """
    problems: list[ChainProblem] = []
    previous, expected = GENESIS, 1
    last = 0
    for event in events:
        version, position = event.stream_version, event.position
        if version != expected:
            problems.append(
                ChainProblem(stream_id, version, position, _order_problem(expected, version))
            )
        if not event.hash:
            problems.append(ChainProblem(stream_id, version, position, "has no hash"))
        elif link(previous, event) != event.hash:
            problems.append(
                ChainProblem(
                    stream_id,
                    version,
                    position,
                    "does not match its hash: the row was changed, or moved from elsewhere",
                )
            )
        previous, expected, last = event.hash, version + 1, version
    if recorded_version != last:
        problems.append(
            ChainProblem(
                stream_id,
                recorded_version,
                None,
                f"the stream is at version {recorded_version} but its last event is {last}:"
                " events were removed from its end",
            )
        )
    return problems


def _order_problem(expected: int, version: int) -> str:
    if version > expected:
        missing = f"{expected}" if version == expected + 1 else f"{expected}..{version - 1}"
        return f"follows a gap: version {missing} is missing"
    return f"is out of order: version {expected} was expected"


def _payload_field(payload: Message) -> str:
    field = FIELD_BY_TYPE.get(payload.DESCRIPTOR.name)
    if field is None:
        raise TypeError(f"{payload.DESCRIPTOR.name} is not an event payload of events.proto")
    return field
