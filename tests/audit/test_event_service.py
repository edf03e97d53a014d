"""EventService over a real gRPC channel: reads and subscriptions of the caller's project's log,
gap-free under racing writers, with fell_behind and recovery for a subscriber that stops
reading."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

import grpc
import pytest

from assistants.v1 import assistant_pb2, event_service_pb2, events_pb2, message_pb2, thread_pb2
from service.api.server import GrpcServer
from service.app import Application
from storage import GENESIS, Storage, check_stream
from storage import _subscriptions as subscriptions
from tests.helpers import Client, field_violation
from tests.runs.support import text, thread

ES = event_service_pb2
M = message_pb2
Subscription = grpc.aio.UnaryStreamCall  # type: ignore[type-arg]


async def _read(
    client: Client, request: event_service_pb2.ReadEventsRequest
) -> list[ES.ReadEventsResponse]:
    return [response async for response in client.events.ReadEvents(request)]


async def _log(client: Client) -> list[events_pb2.Event]:
    responses = await _read(client, ES.ReadEventsRequest(log=ES.LogSource()))
    return [event for response in responses for event in response.events]


async def _message(client: Client, thread_id: str, body: str) -> None:
    await client.messages.CreateMessage(
        M.CreateMessageRequest(thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=[text(body)])
    )


async def test_a_thread_reads_in_batches_with_metadata_and_hashes(client: Client) -> None:
    created = await thread(client, *(f"message {n}" for n in range(6)))
    await _message(client, created.id, "one more")
    responses = await _read(
        client, ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=created.id), batch_size=3)
    )
    assert [len(r.events) for r in responses] == [3, 3, 2]
    events = [event for response in responses for event in response.events]
    assert [e.stream_version for e in events] == list(range(1, 9))
    assert [e.type for e in events] == ["ThreadCreated"] + ["MessageCreated"] * 7
    assert events[0].thread_created.thread.id == created.id
    assert events[-1].message_created.message.content[0].text.value == "one more"
    assert responses[-1].position.stream_version == 8
    assert responses[-1].position.position == events[-1].position
    keys = await client_key(client)
    for event in events:
        assert event.metadata.project_id == client.project_id
        assert event.metadata.key_id == keys
        assert event.metadata.request_id.startswith("req_")
        assert event.time.seconds > 0
    # The request that created the thread wrote its first eight events together.
    assert len({e.metadata.request_id for e in events}) == 2
    # An outside auditor needs nothing but these events to check the chain.
    assert check_stream(created.id, events, 8) == []
    assert events[0].hash != GENESIS


async def client_key(client: Client) -> str:
    """The key id the client's requests are recorded under."""
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o")
    )
    responses = await _read(
        client, ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=created.id))
    )
    return responses[0].events[0].metadata.key_id


async def test_a_stream_reads_from_a_version(client: Client) -> None:
    created = await thread(client, "a", "b", "c")
    responses = await _read(
        client, ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=created.id, from_version=3))
    )
    assert [e.stream_version for r in responses for e in r.events] == [3, 4]
    past_end = await _read(
        client, ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=created.id, from_version=9))
    )
    assert [len(r.events) for r in past_end] == [0]
    assert past_end[0].position.stream_version == 4


async def test_the_log_is_the_projects_own_filtered_and_resumable(
    client: Client, other_client: Client
) -> None:
    await other_client.assistants.CreateAssistant(assistant_pb2.CreateAssistantRequest(model="x"))
    helper = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o")
    )
    created = await thread(client, "hello")
    await client.assistants.DeleteAssistant(
        assistant_pb2.DeleteAssistantRequest(assistant_id=helper.id)
    )
    events = await _log(client)
    assert [e.type for e in events] == [
        "AssistantCreated",
        "ThreadCreated",
        "MessageCreated",
        "AssistantDeleted",
    ]
    assert all(e.metadata.project_id == client.project_id for e in events)
    positions = [e.position for e in events]
    assert positions == sorted(positions)

    by_kind = await _read(
        client,
        ES.ReadEventsRequest(log=ES.LogSource(), filter=ES.EventFilter(stream_kinds=["thread"])),
    )
    assert {e.stream_id for r in by_kind for e in r.events} == {created.id}
    by_type = await _read(
        client,
        ES.ReadEventsRequest(
            filter=ES.EventFilter(event_types=["AssistantCreated", "AssistantDeleted"])
        ),
    )
    assert [e.type for r in by_type for e in r.events] == ["AssistantCreated", "AssistantDeleted"]

    first_two = await _read(client, ES.ReadEventsRequest(log=ES.LogSource(), max_count=2))
    assert [e.position for r in first_two for e in r.events] == positions[:2]
    rest = await _read(
        client,
        ES.ReadEventsRequest(log=ES.LogSource(after_position=first_two[-1].position.position)),
    )
    assert [e.position for r in rest for e in r.events] == positions[2:]


async def test_another_projects_stream_is_not_found(client: Client, other_client: Client) -> None:
    theirs = await thread(other_client, "secret")
    for request in (
        ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=theirs.id)),
        ES.ReadEventsRequest(stream=ES.StreamSource(stream_id="thread_doesnotexist")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await _read(client, request)
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        assert "No stream found with id" in (raised.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        stream = client.events.SubscribeEvents(
            ES.SubscribeEventsRequest(stream=ES.StreamSource(stream_id=theirs.id))
        )
        await stream.read()
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ES.ReadEventsRequest(stream=ES.StreamSource()), "stream.stream_id"),
        (ES.ReadEventsRequest(log=ES.LogSource(after_position=-1)), "log.after_position"),
        (ES.ReadEventsRequest(filter=ES.EventFilter(event_types=["Nope"])), "filter.event_types"),
        (ES.ReadEventsRequest(filter=ES.EventFilter(stream_kinds=["run"])), "filter.stream_kinds"),
        (
            ES.ReadEventsRequest(
                stream=ES.StreamSource(stream_id="thread_x"),
                filter=ES.EventFilter(stream_kinds=["thread"]),
            ),
            "filter.stream_kinds",
        ),
        (ES.ReadEventsRequest(batch_size=1001), "batch_size"),
        (
            ES.ReadEventsRequest(filter=ES.EventFilter(key_ids=[f"key_{n}" for n in range(101)])),
            "filter.key_ids",
        ),
        (ES.ReadEventsRequest(max_count=-5), "max_count"),
    ],
)
async def test_bad_requests_are_invalid_argument(
    client: Client, request_: event_service_pb2.ReadEventsRequest, field: str
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _read(client, request_)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(raised.value)[0] == field


@contextlib.asynccontextmanager
async def _subscription(
    client: Client, request: event_service_pb2.SubscribeEventsRequest
) -> AsyncIterator[Subscription]:
    call = client.events.SubscribeEvents(request)
    try:
        yield call
    finally:
        call.cancel()


async def _until(
    call: Subscription, done: object, timeout: float = 20
) -> list[event_service_pb2.SubscribeEventsResponse]:
    """Responses up to and including the first whose content kind is `done`."""
    responses = []
    async with asyncio.timeout(timeout):
        while True:
            response = await call.read()
            assert response is not grpc.aio.EOF
            responses.append(response)
            if response.WhichOneof("content") == done:
                return responses


async def test_a_subscription_catches_up_then_goes_live(client: Client) -> None:
    created = await thread(client, "before")
    async with _subscription(client, ES.SubscribeEventsRequest(log=ES.LogSource())) as call:
        catch_up = await _until(call, "caught_up")
        kinds = [r.WhichOneof("content") for r in catch_up]
        assert kinds == ["confirmation", "events", "caught_up"]
        assert catch_up[0].confirmation.subscription_id.startswith("sub_")
        assert [e.type for e in catch_up[1].events.events] == ["ThreadCreated", "MessageCreated"]
        # Caught up at the head of the whole log, which other projects' events may have moved.
        assert catch_up[2].position.position >= catch_up[1].events.events[-1].position

        await _message(client, created.id, "after")
        live = await _until(call, "events")
        assert live[-1].events.events[0].message_created.message.content[0].text.value == "after"
        assert live[-1].position.position == live[-1].events.events[-1].position


async def test_a_stream_subscription_resumes_from_a_version(client: Client) -> None:
    created = await thread(client, "one", "two")
    request = ES.SubscribeEventsRequest(
        stream=ES.StreamSource(stream_id=created.id, from_version=3)
    )
    async with _subscription(client, request) as call:
        responses = await _until(call, "caught_up")
        assert [e.stream_version for r in responses for e in r.events.events] == [3]
        assert responses[-1].position.stream_version == 3
        await thread(client, "elsewhere")  # another stream: not this subscription's
        await _message(client, created.id, "three")
        live = await _until(call, "events")
        assert [e.stream_version for e in live[-1].events.events] == [4]
        assert live[-1].position.stream_version == 4


async def test_from_end_and_filtered_subscriptions_checkpoint(client: Client) -> None:
    await thread(client, "old")
    only_files = ES.SubscribeEventsRequest(filter=ES.EventFilter(event_types=["FileCreated"]))
    async with _subscription(client, only_files) as call:
        responses = await _until(call, "caught_up")
        # Nothing matched, but the read moved on: checkpoints say where to resume, one per
        # window of positions scanned.
        kinds = [r.WhichOneof("content") for r in responses]
        assert kinds[0] == "confirmation"
        assert kinds[-1] == "caught_up"
        assert set(kinds[1:-1]) == {"checkpoint"}
        checkpoints = [r.position.position for r in responses[1:-1]]
        assert checkpoints == sorted(checkpoints)
        assert checkpoints[-1] == responses[-1].position.position > 0
    async with _subscription(client, ES.SubscribeEventsRequest(from_end=True)) as call:
        responses = await _until(call, "caught_up")
        assert [r.WhichOneof("content") for r in responses] == ["confirmation", "caught_up"]
        created = await thread(client, "new")
        live = await _until(call, "events")
        assert {e.stream_id for e in live[-1].events.events} == {created.id}


async def _writers(client: Client, stop: asyncio.Event, count: int = 8) -> int:
    """`count` writers, each appending to its own thread until stopped; returns appends."""
    threads = [await thread(client, f"writer {n}") for n in range(count)]
    appended = 0

    async def write(thread_id: str) -> None:
        nonlocal appended
        while not stop.is_set():
            await _message(client, thread_id, f"{appended}")
            appended += 1

    await asyncio.gather(*(write(t.id) for t in threads))
    return appended


async def _collect_to(call: Subscription, head: int, timeout: float = 30) -> list[int]:
    """Positions delivered until one at `head` arrives."""
    positions: list[int] = []
    async with asyncio.timeout(timeout):
        while not positions or positions[-1] < head:
            response = await call.read()
            assert response is not grpc.aio.EOF
            positions += [e.position for e in response.events.events]
    return positions


async def test_catch_up_to_live_with_8_racing_writers_loses_and_repeats_nothing(
    client: Client,
) -> None:
    stop = asyncio.Event()
    writing = asyncio.create_task(_writers(client, stop))
    calls = []
    try:
        # Subscribers start one after another while the writers run, so their switches from
        # the table to the tail fall at different moments of the race.
        for _ in range(6):
            await asyncio.sleep(0.15)
            calls.append(client.events.SubscribeEvents(ES.SubscribeEventsRequest(batch_size=7)))
        await asyncio.sleep(0.5)
    finally:
        stop.set()
        appended = await writing
    assert appended > 100
    expected = [e.position for e in await _log(client)]
    for call in calls:
        try:
            assert await _collect_to(call, expected[-1]) == expected
        finally:
            call.cancel()


async def test_a_subscriber_that_stops_reading_falls_behind_then_recovers(
    storage: Storage, client: Client
) -> None:
    app = Application(storage, subscriber_buffer=20)
    server = await GrpcServer.start(app, "127.0.0.1", 0)
    # No BDP probing: the HTTP/2 window stays at its 64 KiB default, so a reader that stops
    # stops the server's writes soon.
    slow = Client(
        f"127.0.0.1:{server.port}",
        client.key,
        client.project_id,
        options=(("grpc.http2.bdp_probe", 0),),
    )
    try:
        async with _subscription(slow, ES.SubscribeEventsRequest(batch_size=50)) as call:
            await _until(call, "caught_up")
            for batch in range(60):
                await thread(
                    client, *(f"batch {batch} message {n} " + "x" * 200 for n in range(32))
                )
            expected = [e.position for e in await _log(client)]
            kinds: list[str] = []
            positions: list[int] = []
            async with asyncio.timeout(60):
                while not positions or positions[-1] < expected[-1]:
                    response = await call.read()
                    assert response is not grpc.aio.EOF
                    kinds.append(response.WhichOneof("content") or "")
                    positions += [e.position for e in response.events.events]
            assert "fell_behind" in kinds
            after = kinds[kinds.index("fell_behind") :]
            assert "caught_up" in after
            assert positions == expected
    finally:
        await slow.close()
        await server.stop(0)


def _types(events: Sequence[events_pb2.Event]) -> list[str]:
    return [e.type for e in events]


async def test_subscriptions_see_only_their_project(client: Client, other_client: Client) -> None:
    async with _subscription(client, ES.SubscribeEventsRequest(from_end=True)) as call:
        await _until(call, "caught_up")
        await thread(other_client, "not yours")
        mine = await thread(client, "yours")
        live = await _until(call, "events")
        assert {e.stream_id for e in live[-1].events.events} == {mine.id}
        assert _types(live[-1].events.events) == ["ThreadCreated", "MessageCreated"]


async def test_thread_deleted_history_stays_readable(client: Client) -> None:
    created = await thread(client, "gone soon")
    await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=created.id))
    responses = await _read(
        client, ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=created.id))
    )
    assert _types([e for r in responses for e in r.events]) == [
        "ThreadCreated",
        "MessageCreated",
        "ThreadDeleted",
    ]


async def test_a_quiet_live_subscription_sends_checkpoints(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So a proxy that closes silent streams never sees one, and a client has a fresh place
    to resume from."""
    monkeypatch.setattr(subscriptions, "CHECKPOINT_SECONDS", 0.2)
    only_files = ES.SubscribeEventsRequest(
        from_end=True, filter=ES.EventFilter(event_types=["FileCreated"])
    )
    async with _subscription(client, only_files) as call:
        caught_up = (await _until(call, "caught_up"))[-1]
        quiet = await _until(call, "checkpoint", timeout=5)
        assert [r.WhichOneof("content") for r in quiet] == ["checkpoint"]
        assert quiet[0].position.position == caught_up.position.position
        await thread(client, "not a file")
        positions = []
        async with asyncio.timeout(5):
            while not positions or positions[-1] == caught_up.position.position:
                response = await call.read()
                assert response.WhichOneof("content") == "checkpoint"
                positions.append(response.position.position)
        # The thread's two events (and any other project's) were read and skipped.
        assert positions[-1] >= caught_up.position.position + 2


async def test_what_one_key_did(app: Application, grpc_target: str) -> None:
    """An auditor reads, and follows, the events of one API key's requests in a project that
    several keys share; "" selects the server's own work."""
    project = f"audit-keys-{uuid.uuid4().hex[:8]}"
    first, second = [await app.auth.issue_key(project) for _ in range(2)]
    alice = Client(grpc_target, first.secret, first.project_id)
    bob = Client(grpc_target, second.secret, second.project_id)
    try:
        mine = await thread(alice, "from alice")
        theirs = await thread(bob, "from bob")
        by_bob = ES.EventFilter(key_ids=[second.key_id])
        read = await _read(bob, ES.ReadEventsRequest(filter=by_bob))
        assert {e.stream_id for r in read for e in r.events} == {theirs.id}
        assert {e.metadata.key_id for r in read for e in r.events} == {second.key_id}
        in_stream = await _read(
            alice,
            ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=mine.id), filter=by_bob),
        )
        assert [e for r in in_stream for e in r.events] == []
        async with _subscription(alice, ES.SubscribeEventsRequest(filter=by_bob)) as call:
            await _until(call, "caught_up")
            await _message(alice, mine.id, "alice again")
            await _message(bob, theirs.id, "bob again")
            live = await _until(call, "events")
            events = live[-1].events.events
            assert [e.metadata.key_id for e in events] == [second.key_id]
            assert events[0].message_created.message.content[0].text.value == "bob again"
    finally:
        await alice.close()
        await bob.close()
