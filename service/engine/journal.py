"""Writing a run's changes: the events on the thread's stream, and the run events that tell of
them on the run's stream, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.message import Message

from assistants.v1 import events_pb2, run_event_pb2
from storage import AppendResult, EventStore, RunPublication

THREAD_KIND = "thread"


def publication(run_id: str, events: Sequence[run_event_pb2.RunEvent]) -> RunPublication:
    return RunPublication(run_id, [(e.event, e.SerializeToString()) for e in events])


async def record(
    events: EventStore,
    metadata: events_pb2.EventMetadata,
    thread_id: str,
    expected_version: int,
    payloads: Sequence[Message],
    run_id: str,
    run_events: Sequence[run_event_pb2.RunEvent],
    idempotency_key: str | None = None,
) -> AppendResult:
    """Appends payloads to the thread and publishes run_events; raises
    WrongExpectedVersionError when the thread moved since expected_version."""
    return await events.append(
        thread_id,
        THREAD_KIND,
        payloads,
        expected_version=expected_version,
        metadata=metadata,
        idempotency_key=idempotency_key,
        publish=publication(run_id, run_events),
    )
