"""Event payloads to rows and rows to typed Event envelopes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from assistants.v1 import events_pb2

# What decode_event needs of an events row aliased `e`. The JSON columns only come along
# for a row without its canonical encoding: parsing them is what the encoding saves.
EVENT_COLUMNS = """e.position, e.stream_id, e.version, e.event_id, e.type, e.schema_version,
       e.recorded_at, e.hash, e.body,
       CASE WHEN e.body IS NULL THEN e.data END AS data,
       CASE WHEN e.body IS NULL THEN e.metadata END AS metadata"""

_PAYLOAD = events_pb2.Event.DESCRIPTOR.oneofs_by_name["payload"]
_METADATA_FIELDS = frozenset(events_pb2.EventMetadata.DESCRIPTOR.fields_by_name)
# "AssistantCreated" -> "assistant_created": the stored type is the payload message name.
FIELD_BY_TYPE: dict[str, str] = {
    field.message_type.name: field.name for field in _PAYLOAD.fields if field.message_type
}


def to_json(message: Message) -> dict[str, Any]:
    """Proto3 JSON with the proto (= OpenAI) field names, as stored in jsonb."""
    result: dict[str, Any] = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return result


def metadata_json(metadata: events_pb2.EventMetadata) -> dict[str, Any]:
    """EventMetadata in proto3 JSON. Every field is a string, so that is its set fields; this
    skips json_format, which costs as much as the rest of an append's Python work."""
    return {field.name: value for field, value in metadata.ListFields()}


def encode_payload(payload: Message) -> tuple[str, dict[str, Any]]:
    """Returns the stored type and data of an events.proto payload message."""
    name = payload.DESCRIPTOR.name
    if name not in FIELD_BY_TYPE:
        raise TypeError(f"{name} is not an event payload of events.proto")
    return name, to_json(payload)


def decode_event(row: Mapping[str, Any]) -> events_pb2.Event:
    """Builds the typed envelope of one events row, from its stored canonical encoding."""
    body = row.get("body")
    if body is None:
        return decode_event_json(row)
    event = events_pb2.Event.FromString(body)
    _add_recorded(event, row)
    return event


def decode_event_json(row: Mapping[str, Any]) -> events_pb2.Event:
    """Builds the typed envelope of one events row from its JSON columns (the record)."""
    event = events_pb2.Event(
        event_id=str(row["event_id"]),
        stream_id=row["stream_id"],
        type=row["type"],
        schema_version=row["schema_version"],
    )
    # Every metadata field is a string (metadata_json relies on it too): a keyword build is
    # a sixteenth of what json_format costs.
    event.metadata.CopyFrom(
        events_pb2.EventMetadata(
            **{k: v for k, v in row["metadata"].items() if k in _METADATA_FIELDS}
        )
    )
    field = FIELD_BY_TYPE.get(row["type"])
    if field is not None:
        json_format.ParseDict(row["data"], getattr(event, field), ignore_unknown_fields=True)
    _add_recorded(event, row)
    return event


def _add_recorded(event: events_pb2.Event, row: Mapping[str, Any]) -> None:
    """What the database added at commit: version, position, time and hash."""
    event.stream_version = row["version"]
    event.position = row["position"]
    event.time.FromDatetime(row["recorded_at"])
    event.hash = row["hash"] or b""
