"""Contract tests of the event log: versions, conflicts, idempotency and global order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from assistants.v1 import assistant_pb2, events_pb2
from storage import (
    ANY_VERSION,
    NO_STREAM,
    STREAM_EXISTS,
    AppendResult,
    Storage,
    WrongExpectedVersionError,
)
from tests.storage.conftest import lock_waiters, metadata, new_id, wait_until


def created(assistant_id: str, name: str = "a") -> events_pb2.AssistantCreated:
    return events_pb2.AssistantCreated(
        assistant=assistant_pb2.Assistant(
            id=assistant_id, object="assistant", created_at=1_700_000_000, model="m", name=name
        )
    )


def updated(assistant_id: str, name: str) -> events_pb2.AssistantUpdated:
    return events_pb2.AssistantUpdated(
        assistant=assistant_pb2.Assistant(
            id=assistant_id, object="assistant", created_at=1_700_000_000, model="m", name=name
        )
    )


def payload_of(event: events_pb2.Event) -> object:
    field = event.WhichOneof("payload")
    assert field is not None, f"event {event.type} has no payload"
    return getattr(event, field)


async def head_position(storage: Storage) -> int:
    position: int = await storage.pool.fetchval("SELECT coalesce(max(position), 0) FROM events")
    return position


# -- append and read ------------------------------------------------------------------------


async def test_append_to_new_stream_then_read_it_back(storage: Storage, project_id: str) -> None:
    stream = new_id("asst")
    meta = metadata(
        project_id,
        request_id=new_id("req"),
        key_id="key_1",
        causation_id="cause_1",
        correlation_id="corr_1",
        trace_id="trace_1",
    )
    payloads = [created(stream), updated(stream, "b"), updated(stream, "c")]
    before = datetime.now(UTC)

    result = await storage.events.append(
        stream, "assistant", payloads, expected_version=NO_STREAM, metadata=meta
    )

    assert result.duplicate is False
    assert (result.first_version, result.last_version) == (1, 3)
    assert result.first_position is not None
    events = await storage.events.read_stream(project_id, stream)
    assert [e.type for e in events] == ["AssistantCreated", "AssistantUpdated", "AssistantUpdated"]
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [payload_of(e) for e in events] == payloads
    assert [e.position for e in events] == [result.first_position + i for i in range(3)]
    assert len({e.event_id for e in events}) == 3
    assert all(uuid.UUID(e.event_id) for e in events)
    for event in events:
        assert event.stream_id == stream
        assert event.metadata == meta
        assert event.metadata.key_id == "key_1"
        assert event.schema_version == 1
        assert event.HasField("time")
        recorded = event.time.ToDatetime(UTC)
        assert before - timedelta(minutes=1) < recorded < datetime.now(UTC) + timedelta(minutes=1)
    assert await storage.events.stream_version(project_id, stream) == 3
    # A stream reads as missing from another project.
    assert await storage.events.read_stream(new_id("proj"), stream) == []
    assert await storage.events.stream_version(new_id("proj"), stream) == 0


async def test_read_stream_version_range(storage: Storage, project_id: str) -> None:
    stream = new_id("asst")
    payloads = [created(stream)] + [updated(stream, str(i)) for i in range(2, 7)]
    await storage.events.append(
        stream, "assistant", payloads, expected_version=NO_STREAM, metadata=metadata(project_id)
    )

    events = await storage.events.read_stream(project_id, stream, from_version=2, to_version=5)
    assert [e.stream_version for e in events] == [2, 3, 4, 5]
    events = await storage.events.read_stream(project_id, stream, from_version=3, limit=2)
    assert [e.stream_version for e in events] == [3, 4]


# -- expected versions ----------------------------------------------------------------------


async def test_stale_expected_version_is_refused_and_appends_nothing(
    storage: Storage, project_id: str
) -> None:
    stream = new_id("asst")
    meta = metadata(project_id)
    await storage.events.append(
        stream,
        "assistant",
        [created(stream), updated(stream, "b")],
        expected_version=NO_STREAM,
        metadata=meta,
    )
    log_before = await storage.events.read_all(project_id=project_id)
    head_before = await head_position(storage)

    with pytest.raises(WrongExpectedVersionError) as caught:
        await storage.events.append(
            stream, "assistant", [updated(stream, "stale")], expected_version=1, metadata=meta
        )

    assert caught.value.stream_id == stream
    assert caught.value.expected == 1
    assert caught.value.actual == 2
    assert await storage.events.stream_version(project_id, stream) == 2
    assert await storage.events.read_all(project_id=project_id) == log_before
    assert await head_position(storage) == head_before
    # The refused append's projection was rolled back too.
    got = await storage.reads.get_assistant(project_id, stream)
    assert got is not None and got.assistant.name == "b" and got.version == 2


async def test_no_stream_on_an_existing_stream_is_refused(
    storage: Storage, project_id: str
) -> None:
    stream = new_id("asst")
    meta = metadata(project_id)
    await storage.events.append(
        stream, "assistant", [created(stream)], expected_version=NO_STREAM, metadata=meta
    )

    with pytest.raises(WrongExpectedVersionError) as caught:
        await storage.events.append(
            stream,
            "assistant",
            [created(stream, "again")],
            expected_version=NO_STREAM,
            metadata=meta,
        )

    assert (caught.value.expected, caught.value.actual) == (NO_STREAM, 1)
    assert [e.stream_version for e in await storage.events.read_stream(project_id, stream)] == [1]


async def test_stream_exists_on_a_missing_stream_is_refused(
    storage: Storage, project_id: str
) -> None:
    stream = new_id("asst")

    with pytest.raises(WrongExpectedVersionError) as caught:
        await storage.events.append(
            stream,
            "assistant",
            [created(stream)],
            expected_version=STREAM_EXISTS,
            metadata=metadata(project_id),
        )

    assert (caught.value.expected, caught.value.actual) == (STREAM_EXISTS, 0)
    assert await storage.events.stream_version(project_id, stream) == 0
    assert await storage.events.read_stream(project_id, stream) == []
    assert await storage.events.read_all(project_id=project_id) == []


async def test_stream_exists_and_exact_version_append(storage: Storage, project_id: str) -> None:
    stream = new_id("asst")
    meta = metadata(project_id)
    await storage.events.append(
        stream, "assistant", [created(stream)], expected_version=NO_STREAM, metadata=meta
    )

    r1 = await storage.events.append(
        stream, "assistant", [updated(stream, "b")], expected_version=STREAM_EXISTS, metadata=meta
    )
    r2 = await storage.events.append(
        stream,
        "assistant",
        [updated(stream, "c"), updated(stream, "d")],
        expected_version=2,
        metadata=meta,
    )

    assert (r1.first_version, r1.last_version) == (2, 2)
    assert (r2.first_version, r2.last_version) == (3, 4)
    assert await storage.events.stream_version(project_id, stream) == 4


async def test_any_version_appends(storage: Storage, project_id: str) -> None:
    stream = new_id("asst")
    meta = metadata(project_id)

    first = await storage.events.append(
        stream, "assistant", [created(stream)], expected_version=ANY_VERSION, metadata=meta
    )
    second = await storage.events.append(
        stream,
        "assistant",
        [updated(stream, "b"), updated(stream, "c")],
        expected_version=ANY_VERSION,
        metadata=meta,
    )

    assert (first.first_version, first.last_version) == (1, 1)
    assert (second.first_version, second.last_version) == (2, 3)
    events = await storage.events.read_stream(project_id, stream)
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [e.assistant_updated.assistant.name for e in events[1:]] == ["b", "c"]


# -- idempotent retries ----------------------------------------------------------------------


def versions(result: AppendResult) -> tuple[bool, str, int, int]:
    return (result.duplicate, result.stream_id, result.first_version, result.last_version)


async def test_retried_request_id_appends_nothing_new(storage: Storage, project_id: str) -> None:
    stream = new_id("asst")
    request_id = new_id("req")
    meta = metadata(project_id, request_id=request_id)
    first = await storage.events.append(
        stream,
        "assistant",
        [created(stream), updated(stream, "b")],
        expected_version=NO_STREAM,
        metadata=meta,
        idempotency_key=request_id,
    )
    log_before = await storage.events.read_all(project_id=project_id)
    head_before = await head_position(storage)

    # The retry carries the original, now stale, expected version: still the duplicate.
    retry = await storage.events.append(
        stream,
        "assistant",
        [created(stream), updated(stream, "b")],
        expected_version=NO_STREAM,
        metadata=meta,
        idempotency_key=request_id,
    )
    # A retry aimed elsewhere still answers with where the first append landed.
    elsewhere = await storage.events.append(
        new_id("asst"),
        "assistant",
        [updated(stream, "x")],
        expected_version=ANY_VERSION,
        metadata=meta,
        idempotency_key=request_id,
    )

    assert versions(first) == (False, stream, 1, 2)
    assert first.first_position == log_before[0].position
    assert versions(retry) == (True, stream, 1, 2)
    assert retry.first_position is None
    assert versions(elsewhere) == (True, stream, 1, 2)
    assert await storage.events.read_all(project_id=project_id) == log_before
    assert await head_position(storage) == head_before
    assert await storage.events.stream_version(project_id, stream) == 2
    found = await storage.events.find_request(project_id, request_id)
    assert found is not None and versions(found) == (True, stream, 1, 2)

    # The key is the project's: the same key in another project is another request.
    other_project = new_id("proj")
    other = await storage.events.append(
        new_id("asst"),
        "assistant",
        [updated(stream, "x")],
        expected_version=NO_STREAM,
        metadata=metadata(other_project, request_id=request_id),
        idempotency_key=request_id,
    )
    assert other.duplicate is False
    assert len(await storage.events.read_all(project_id=other_project)) == 1


async def test_failed_append_does_not_burn_the_request_id(
    storage: Storage, project_id: str
) -> None:
    stream = new_id("asst")
    await storage.events.append(
        stream,
        "assistant",
        [created(stream)],
        expected_version=NO_STREAM,
        metadata=metadata(project_id),
    )
    request_id = new_id("req")
    meta = metadata(project_id, request_id=request_id)

    with pytest.raises(WrongExpectedVersionError):
        await storage.events.append(
            stream,
            "assistant",
            [updated(stream, "b")],
            expected_version=5,
            metadata=meta,
            idempotency_key=request_id,
        )
    assert await storage.events.find_request(project_id, request_id) is None
    corrected = await storage.events.append(
        stream,
        "assistant",
        [updated(stream, "b")],
        expected_version=1,
        metadata=meta,
        idempotency_key=request_id,
    )
    again = await storage.events.append(
        stream,
        "assistant",
        [updated(stream, "b")],
        expected_version=1,
        metadata=meta,
        idempotency_key=request_id,
    )

    assert versions(corrected) == (False, stream, 2, 2)
    assert versions(again) == (True, stream, 2, 2)
    events = await storage.events.read_stream(project_id, stream)
    assert [e.stream_version for e in events] == [1, 2]
    assert events[1].metadata.request_id == request_id


@pytest.mark.parametrize(
    ("existing", "expected_version"),
    [
        pytest.param(False, ANY_VERSION, id="new_stream-any_version"),
        pytest.param(True, ANY_VERSION, id="existing_stream-any_version"),
        pytest.param(False, NO_STREAM, id="new_stream-no_stream"),
        pytest.param(True, 1, id="existing_stream-exact_version"),
    ],
)
async def test_concurrent_twins_with_one_request_id_append_once(
    storage: Storage, project_id: str, existing: bool, expected_version: int
) -> None:
    """Two appends under one request id race: one writes, the other is the duplicate.

    A gate holding the log head keeps the first inside its transaction until the twin has
    passed its own request-id check and is blocked too, so the race happens on every run.
    """
    stream = new_id("asst")
    request_id = new_id("req")
    meta = metadata(project_id, request_id=request_id)
    base = 0
    if existing:
        await storage.events.append(
            stream,
            "assistant",
            [created(stream)],
            expected_version=NO_STREAM,
            metadata=metadata(project_id),
        )
        base = 1

    async def append() -> AppendResult:
        return await storage.events.append(
            stream,
            "assistant",
            [updated(stream, "b"), updated(stream, "c")],
            expected_version=expected_version,
            metadata=meta,
            idempotency_key=request_id,
        )

    async with storage.pool.acquire() as gate:
        gate_tx = gate.transaction()
        await gate_tx.start()
        await gate.execute("SELECT 1 FROM log_head FOR UPDATE")
        try:
            tasks = [asyncio.create_task(append()), asyncio.create_task(append())]
            await wait_until(
                lambda: _both_blocked(storage), "both twins are blocked inside append_events"
            )
        finally:
            await gate_tx.rollback()
        results = await asyncio.gather(*tasks, return_exceptions=True)

    for result in results:
        if isinstance(result, BaseException):
            raise result
    written = (stream, base + 1, base + 2)
    assert sorted(versions(r) for r in results) == [(False, *written), (True, *written)]
    events = await storage.events.read_stream(project_id, stream)
    assert [e.stream_version for e in events] == list(range(1, base + 3))
    assert len(await storage.events.read_all(project_id=project_id)) == base + 2
    assert await storage.events.stream_version(project_id, stream) == base + 2


async def _both_blocked(storage: Storage) -> bool:
    return await lock_waiters(storage.pool, "append_events") == 2


# -- global order -----------------------------------------------------------------------------


async def test_positions_never_interleave_under_concurrent_writers(
    storage: Storage, project_id: str
) -> None:
    writers, appends_each, batch = 8, 25, 3
    total = writers * appends_each * batch
    start = await head_position(storage)
    results: dict[str, list[AppendResult]] = {}
    writing = True

    async def writer(stream: str) -> None:
        meta = metadata(project_id)
        results[stream] = []
        version = NO_STREAM
        for i in range(appends_each):
            payloads = [updated(stream, f"{i}.{j}") for j in range(batch)]
            result = await storage.events.append(
                stream, "assistant", payloads, expected_version=version, metadata=meta
            )
            results[stream].append(result)
            version = result.last_version

    async def tail() -> tuple[list[int], int]:
        """Catches up and follows the log while writers race; returns what it saw."""
        seen: list[int] = []
        cursor = start
        reads_with_events = 0
        while True:
            done = not writing
            page = await storage.events.read_all(
                project_id=project_id, after_position=cursor, limit=37
            )
            positions = [e.position for e in page]
            # Commit order: whatever is visible past the cursor starts right after it and has
            # no hole, so a later commit can never land behind the cursor.
            assert positions == list(range(cursor + 1, cursor + 1 + len(positions))), (
                f"tail at {cursor} read {positions}"
            )
            if positions:
                reads_with_events += 1
                seen.extend(positions)
                cursor = positions[-1]
            elif done:
                return seen, reads_with_events

    streams = [new_id("asst") for _ in range(writers)]
    tail_task = asyncio.create_task(tail())
    try:
        await asyncio.gather(*(writer(s) for s in streams))
    finally:
        writing = False
    seen, reads_with_events = await tail_task

    # The tail saw every event exactly once, and read while the writers were still writing.
    assert seen == list(range(start + 1, start + total + 1))
    assert reads_with_events > 1
    # The whole log after the start, every project's, is exactly these events, gap-free.
    log = await storage.events.read_all(after_position=start, limit=10 * total)
    assert [e.position for e in log] == list(range(start + 1, start + total + 1))
    assert {e.metadata.project_id for e in log} == {project_id}
    by_position = {e.position: e for e in log}
    for stream, appended in results.items():
        assert [(r.first_version, r.last_version) for r in appended] == [
            (i * batch + 1, i * batch + batch) for i in range(appends_each)
        ]
        for result in appended:
            assert result.first_position is not None
            # An append's events hold consecutive positions, in version order.
            events = [by_position[result.first_position + k] for k in range(batch)]
            assert [(e.stream_id, e.stream_version) for e in events] == [
                (stream, result.first_version + k) for k in range(batch)
            ]
        assert await storage.events.stream_version(project_id, stream) == appends_each * batch


async def test_read_all_scoping_after_position_and_limit(storage: Storage) -> None:
    project_a, project_b = new_id("proj"), new_id("proj")
    stream_a, stream_b = new_id("asst"), new_id("asst")
    for i in range(3):
        await storage.events.append(
            stream_a,
            "assistant",
            [updated(stream_a, f"a{i}")],
            expected_version=ANY_VERSION,
            metadata=metadata(project_a),
        )
        await storage.events.append(
            stream_b,
            "assistant",
            [updated(stream_b, f"b{i}")],
            expected_version=ANY_VERSION,
            metadata=metadata(project_b),
        )

    all_a = await storage.events.read_all(project_id=project_a)
    all_b = await storage.events.read_all(project_id=project_b)
    assert [e.assistant_updated.assistant.name for e in all_a] == ["a0", "a1", "a2"]
    assert [e.assistant_updated.assistant.name for e in all_b] == ["b0", "b1", "b2"]
    assert {e.stream_id for e in all_a} == {stream_a}
    assert {e.metadata.project_id for e in all_b} == {project_b}
    positions_a = [e.position for e in all_a]
    assert positions_a == sorted(positions_a)

    after = await storage.events.read_all(project_id=project_a, after_position=positions_a[0])
    assert [e.position for e in after] == positions_a[1:]
    limited = await storage.events.read_all(project_id=project_a, limit=2)
    assert [e.position for e in limited] == positions_a[:2]
    assert await storage.events.read_all(project_id=project_a, after_position=positions_a[-1]) == []
    # Unscoped, both projects' events come in position order.
    unscoped = await storage.events.read_all(after_position=positions_a[0] - 1, limit=6)
    assert [e.position for e in unscoped] == sorted(positions_a + [e.position for e in all_b])
    assert await storage.events.read_all(project_id=new_id("proj")) == []


async def test_events_table_rejects_a_duplicate_stream_version(
    storage: Storage, project_id: str
) -> None:
    stream = new_id("asst")
    await storage.events.append(
        stream,
        "assistant",
        [created(stream)],
        expected_version=NO_STREAM,
        metadata=metadata(project_id),
    )

    async with storage.pool.acquire() as conn:
        with pytest.raises(asyncpg.UniqueViolationError) as caught:
            async with conn.transaction():
                # A fresh position and event id: only (stream_id, version) collides.
                await conn.execute(
                    """
                    INSERT INTO events (position, stream_id, version, event_id, type, data,
                                        metadata, project_id, recorded_at)
                    SELECT max(position) + 1000000, $1, 1, $2, 'AssistantUpdated', '{}'::jsonb,
                           '{}'::jsonb, $3, now()
                      FROM events
                    """,
                    stream,
                    uuid.uuid4(),
                    project_id,
                )
    assert caught.value.constraint_name == "events_stream_version"
    assert [e.stream_version for e in await storage.events.read_stream(project_id, stream)] == [1]


def test_metadata_json_is_proto3_json() -> None:
    from google.protobuf import json_format

    from storage._event_codec import metadata_json

    full = events_pb2.EventMetadata(
        project_id="p",
        key_id="k",
        request_id="r",
        causation_id="c",
        correlation_id="o",
        trace_id="t",
    )
    for meta in (full, events_pb2.EventMetadata(project_id="p")):
        assert metadata_json(meta) == json_format.MessageToDict(
            meta, preserving_proto_field_name=True
        )
    # The shortcut holds only while every field is a string.
    assert all(f.type == f.TYPE_STRING for f in events_pb2.EventMetadata.DESCRIPTOR.fields)
