"""Several `assistants serve` processes on one database behave as one service.

Real processes on different ports, one PostgreSQL, one fake model:
- every run is executed exactly once, however the processes race to claim runs;
- StreamRun and SubscribeEvents on a process without workers see, live and complete, a run
  that another process executes, text deltas included;
- kill -9 of the process executing a run, with a subscriber on a live replica: the replica
  takes the run over and finishes it (the model had not answered yet) or fails it explicitly
  (the dead process had streamed part of an answer), and the subscriber sees it happen.
  tests/e2e/test_run_takeover.py covers re-attaching StreamRun after the kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import grpc
import pytest

from assistants.v1 import (
    common_pb2,
    event_service_pb2,
    events_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
)
from service.app import Application
from storage import Storage
from tests.e2e.servers import server
from tests.fake_model import FakeModel, hang, text
from tests.helpers import Client, fresh_database
from tests.runs.support import PLAIN, TERMINAL, assistant, names, thread, wait_for_status

pytestmark = pytest.mark.slow

ES = event_service_pb2
RS = run_service_pb2
R = run_pb2
Event = events_pb2.Event
RunEvent = run_event_pb2.RunEvent
TIMEOUT = 30.0
ENDED: set[int] = set(TERMINAL)


# Helpers.


async def project_key(database_url: str) -> str:
    """Migrates the database and creates a key, as an operator does before starting
    replicas (see docs/deployment.md): no replica then creates a first key of its own."""
    storage = await Storage.open(database_url, Path("."))
    try:
        await storage.migrate()
        issued = await Application(storage).auth.issue_key("replicas")
    finally:
        await storage.close()
    return issued.secret


@asynccontextmanager
async def connected(target: str, key: str) -> AsyncIterator[Client]:
    client = Client(target, key)
    try:
        yield client
    finally:
        await client.close()


@dataclass
class Subscriber:
    """A SubscribeEvents call read in the background: every event with the time it arrived."""

    call: grpc.aio.UnaryStreamCall[ES.SubscribeEventsRequest, ES.SubscribeEventsResponse]
    start: int = 0
    events: list[Event] = field(default_factory=list)
    arrived: dict[str, float] = field(default_factory=dict)
    caught_up_at: float | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        try:
            async for response in self.call:
                kind = response.WhichOneof("content")
                if kind == "confirmation":
                    self.start = response.position.position
                elif kind == "caught_up" and self.caught_up_at is None:
                    self.caught_up_at = time.monotonic()
                elif kind == "events":
                    now = time.monotonic()
                    for event in response.events.events:
                        self.arrived[event.event_id] = now
                        self.events.append(event)
                self.changed.set()
        finally:
            self.changed.set()  # a waiter sees the subscription end

    async def wait_for(self, found: Callable[[list[Event]], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not found(self.events):
                assert self.task is not None and not self.task.done(), "subscription ended"
                self.changed.clear()
                await self.changed.wait()

    async def caught_up(self) -> None:
        """Until the subscription has caught up: from then on events arrive live."""
        async with asyncio.timeout(TIMEOUT):
            while self.caught_up_at is None:
                assert self.task is not None and not self.task.done(), "subscription ended"
                self.changed.clear()
                await self.changed.wait()


@asynccontextmanager
async def subscribed(
    client: Client, request: event_service_pb2.SubscribeEventsRequest
) -> AsyncIterator[Subscriber]:
    subscriber = Subscriber(client.events.SubscribeEvents(request))
    subscriber.task = asyncio.create_task(subscriber._read())
    try:
        await subscriber.caught_up()
        yield subscriber
    finally:
        subscriber.call.cancel()
        subscriber.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
            await subscriber.task


async def read_stream(client: Client, stream_id: str) -> list[Event]:
    """Every event of a stream, through ReadEvents."""
    request = ES.ReadEventsRequest(stream=ES.StreamSource(stream_id=stream_id, from_version=1))
    return [e async for response in client.events.ReadEvents(request) for e in response.events]


async def read_log(client: Client, after: int) -> list[Event]:
    """The project's log after a position, through ReadEvents."""
    request = ES.ReadEventsRequest(log=ES.LogSource(after_position=after))
    return [e async for response in client.events.ReadEvents(request) for e in response.events]


def run_statuses(events: list[Event], run_id: str) -> list[int]:
    """The statuses a run's RunStatusChanged events moved it to, in log order."""
    return [
        e.run_status_changed.run.status
        for e in events
        if e.type == "RunStatusChanged" and e.run_status_changed.run.id == run_id
    ]


def ended(run_id: str) -> Callable[[list[Event]], bool]:
    """Whether the events include the run's move to a terminal status."""
    return lambda events: any(status in ENDED for status in run_statuses(events, run_id))


def delta_text(events: list[RunEvent]) -> str:
    return "".join(
        e.message_delta.delta.content[0].text.value
        for e in events
        if e.event == "thread.message.delta"
    )


async def message_text(client: Client, thread_id: str, run_id: str) -> list[str]:
    """The text of each message the run wrote."""
    listed = await client.messages.ListMessages(
        message_pb2.ListMessagesRequest(thread_id=thread_id, run_id=run_id)
    )
    return [part.text.value for m in listed.data for part in m.content]


def ids(events: list[Event]) -> list[str]:
    return [e.event_id for e in events]


Served = tuple[str, list[str], asyncio.subprocess.Process]


async def start(
    stack: AsyncExitStack, *servers: contextlib.AbstractAsyncContextManager[Served]
) -> list[Served]:
    """Starts servers at once, each on the stack, even when one of them fails to start."""
    results = await asyncio.gather(
        *(stack.enter_async_context(s) for s in servers), return_exceptions=True
    )
    started: list[Served] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        started.append(result)
    return started


# 1. Exactly once.

RUNS = 30
MARKER = re.compile(r"replica question (\d+)\b")


async def test_each_run_is_executed_exactly_once_by_three_processes(
    tmp_path: Path, server_url: str
) -> None:
    answer = "Answered by one replica."
    async with (
        FakeModel() as fake,
        fresh_database(server_url, "assistants_replicas") as url,
        AsyncExitStack() as stack,
    ):
        key = await project_key(url)
        started = await start(
            stack,
            *(server(tmp_path / f"p{i}", url, fake.base_url, lease_seconds=5) for i in range(3)),
        )
        targets = [target for target, _, _ in started]
        pids = {process.pid: i for i, (_, _, process) in enumerate(started)}
        clients = [await stack.enter_async_context(connected(t, key)) for t in targets]
        # Slow enough that the runs overlap: every process has several at once.
        fake.script(*[text(answer, chunk_size=2, delay=0.03) for _ in range(RUNS)])
        a = await assistant(clients[0])
        # A subscriber on one process follows what all three write.
        subscriber = await stack.enter_async_context(
            subscribed(clients[0], ES.SubscribeEventsRequest(log=ES.LogSource(), from_end=True))
        )

        # Which worker holds each run's lease, sampled while they execute.
        owners: defaultdict[str, set[str]] = defaultdict(set)
        watching = asyncio.Event()

        async def watch_leases() -> None:
            conn = await asyncpg.connect(url)
            try:
                while not watching.is_set():
                    rows = await conn.fetch(
                        "SELECT id, lease_owner FROM runs WHERE lease_owner IS NOT NULL"
                    )
                    for row in rows:
                        owners[row["id"]].add(row["lease_owner"])
                    await asyncio.sleep(0.01)
            finally:
                await conn.close()

        watcher = asyncio.create_task(watch_leases())

        async def one_run(i: int) -> tuple[str, run_pb2.Run]:
            client = clients[i % 3]
            t = await thread(client, f"replica question {i}: who answers me?")
            run = await client.runs.CreateRun(
                RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
            )
            # Waited for on another process than the one it was created on.
            other = clients[(i + 1) % 3]
            done = await wait_for_status(other, t.id, run.id, ENDED, timeout=TIMEOUT)
            return t.id, done

        try:
            runs = await asyncio.gather(*(one_run(i) for i in range(RUNS)))
        finally:
            watching.set()
            await watcher

        assert [R.RunStatus.Name(run.status) for _, run in runs] == ["RUN_STATUS_COMPLETED"] * RUNS

        # One model call per run: each request carries exactly one run's user message.
        asked = Counter(
            tuple(MARKER.findall(json.dumps(request["messages"]))) for request in fake.requests
        )
        assert asked == Counter((str(i),) for i in range(RUNS)), asked

        # Each run leased by one worker only (no takeover), and the processes shared the work.
        assert set(owners) == {run.id for _, run in runs}, "a run was never seen leased"
        assert all(len(held) == 1 for held in owners.values()), owners
        executed_by = Counter(
            pids[int(next(iter(held)).split(":")[-2])] for held in owners.values()
        )
        assert len(executed_by) >= 2, f"one process executed every run: {executed_by}"

        for i, (thread_id, run) in enumerate(runs):
            client = clients[i % 3]
            steps = await client.runs.ListRunSteps(
                RS.ListRunStepsRequest(thread_id=thread_id, run_id=run.id)
            )
            assert [(s.type, s.status) for s in steps.data] == [
                (
                    run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION,
                    run_step_pb2.RUN_STEP_STATUS_COMPLETED,
                )
            ]
            assert await message_text(client, thread_id, run.id) == [answer]

            events = await read_stream(client, thread_id)
            types = Counter(e.type for e in events)
            assert types["RunCreated"] == 1
            assert types["RunStepCreated"] == 1
            assert types["MessageCompleted"] == 1
            assert run_statuses(events, run.id) == [
                R.RUN_STATUS_IN_PROGRESS,
                R.RUN_STATUS_COMPLETED,
            ]
            assistant_messages = [
                e
                for e in events
                if e.type == "MessageCreated"
                and e.message_created.message.role == message_pb2.MESSAGE_ROLE_ASSISTANT
            ]
            assert len(assistant_messages) == 1

        # The subscriber got every event of the three writers once, in log order, no gap.
        logged = await read_log(clients[1], subscriber.start)
        await subscriber.wait_for(lambda got: bool(got) and got[-1].position >= logged[-1].position)
        assert subscriber.events == logged
        positions = [e.position for e in subscriber.events]
        assert positions == list(range(subscriber.start + 1, subscriber.start + 1 + len(positions)))
        print(f"runs executed per process: {dict(executed_by)}; {len(logged)} events followed")


# 2. Live across processes.


async def test_a_replica_without_workers_streams_another_ones_run_live(
    tmp_path: Path, server_url: str
) -> None:
    words = " ".join(f"w{i}" for i in range(60))
    async with (
        FakeModel() as fake,
        fresh_database(server_url, "assistants_replicas") as url,
        AsyncExitStack() as stack,
    ):
        key = await project_key(url)
        (target_a, _, _), (target_b, _, _) = await start(
            stack,
            server(tmp_path / "a", url, fake.base_url),
            server(tmp_path / "b", url, fake.base_url, env={"ASSISTANTS_WORKER_CONCURRENCY": "0"}),
        )
        client_a = await stack.enter_async_context(connected(target_a, key))
        client_b = await stack.enter_async_context(connected(target_b, key))
        # 58 chunks, 30 ms apart: the answer streams for about 1.7 s.
        fake.script(text(words, chunk_size=4, delay=0.03))

        # B's subscriber starts at the end of the log: after the assistant, before the thread.
        a = await assistant(client_a)
        subscriber = await stack.enter_async_context(
            subscribed(client_b, ES.SubscribeEventsRequest(log=ES.LogSource(), from_end=True))
        )
        assert subscriber.start > 0
        t = await thread(client_a, "Count for me, slowly.")
        run = await client_a.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))

        # StreamRun on B from the start, while A executes the run.
        live: list[RunEvent] = []
        received: list[float] = []
        async with asyncio.timeout(TIMEOUT):
            async for event in client_b.runs.StreamRun(
                RS.StreamRunRequest(thread_id=t.id, run_id=run.id, after_sequence_number=0)
            ):
                live.append(event)
                received.append(time.monotonic())
        await subscriber.wait_for(ended(run.id))

        # B's stream: every event of the run, in order, deltas included, ending in done.
        assert [e.sequence_number for e in live] == list(range(1, len(live) + 1))
        assert names(live) == PLAIN
        assert delta_text(live) == words
        assert await message_text(client_b, t.id, run.id) == [words]
        completed = next(e for e in live if e.event == "thread.message.completed")
        assert completed.message.content[0].text.value == words
        # Nothing was held back: what B streamed live is what the run's stream holds.
        replay = [
            e
            async for e in client_b.runs.StreamRun(
                RS.StreamRunRequest(thread_id=t.id, run_id=run.id)
            )
        ]
        assert replay == live
        # Live: the deltas reached B as A received them, not in a burst at the end.
        deltas = [at for e, at in zip(live, received, strict=True) if e.event.endswith(".delta")]
        assert len(deltas) >= 10
        assert deltas[-1] - deltas[0] >= 0.75, "the deltas arrived in a burst"

        # B's subscription: every event of the project since it started, in position order,
        # without a gap or a repeat, and the same as reading the log afterwards.
        logged = await read_log(client_b, subscriber.start)
        assert ids(subscriber.events) == ids(logged)
        assert subscriber.events == logged
        positions = [e.position for e in subscriber.events]
        assert positions == list(range(subscriber.start + 1, subscriber.start + 1 + len(positions)))
        assert a.id not in {e.stream_id for e in subscriber.events}
        thread_events = [e for e in subscriber.events if e.stream_id == t.id]
        assert thread_events == await read_stream(client_b, t.id)
        run_part = thread_events[[e.type for e in thread_events].index("RunCreated") :]
        assert [e.type for e in run_part] == [
            "RunCreated",
            "RunStatusChanged",
            "MessageCreated",
            "RunStepCreated",
            "MessageCompleted",
            "RunStepStatusChanged",
            "RunStatusChanged",
        ]
        assert run_statuses(run_part, run.id) == [R.RUN_STATUS_IN_PROGRESS, R.RUN_STATUS_COMPLETED]
        # Live, not after the fact: the subscriber had the run's start and its message while
        # the message was still streaming.
        message_created = next(e for e in run_part if e.type == "MessageCreated")
        for early in (run_part[0], run_part[1], message_created):
            assert subscriber.arrived[early.event_id] < deltas[-1], early.type
        assert len(fake.requests) == 1


# 3. kill -9 mid-run, with a subscriber on the replica that takes over.


@pytest.mark.parametrize("partial", [False, True], ids=["before-any-text", "mid-message"])
async def test_a_live_replica_takes_over_the_run_of_a_killed_one(
    tmp_path: Path, server_url: str, partial: bool
) -> None:
    """Before the model's first token the run is resumed and completed by B; after part of a
    message, B fails it explicitly (the partial answer died with A). B's subscriber sees it."""
    recovered = "Answered after the takeover."
    async with (
        FakeModel() as fake,
        fresh_database(server_url, "assistants_replicas") as url,
        AsyncExitStack() as stack,
    ):
        key = await project_key(url)
        target_a, _, process_a = await stack.enter_async_context(
            server(tmp_path / "a", url, fake.base_url)
        )
        client_a = await stack.enter_async_context(connected(target_a, key))
        fake.script(hang(after_chunks="Half an ans" if partial else None), text(recovered))
        a = await assistant(client_a)
        t = await thread(client_a, "Answer me, whoever you are.")
        stream = client_a.runs.CreateRunStream(
            RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
        )
        seen: list[RunEvent] = []
        wanted = "thread.message.delta" if partial else "thread.run.in_progress"
        async with asyncio.timeout(TIMEOUT):
            async for event in stream:
                seen.append(event)
                if event.event == wanted:
                    break
        await fake.wait_for_requests(1)
        run_id = seen[0].run.id

        # B joins while A executes; its subscriber catches up on the thread, then follows.
        target_b, _, _ = await stack.enter_async_context(server(tmp_path / "b", url, fake.base_url))
        client_b = await stack.enter_async_context(connected(target_b, key))
        subscriber = await stack.enter_async_context(
            subscribed(
                client_b,
                ES.SubscribeEventsRequest(stream=ES.StreamSource(stream_id=t.id, from_version=1)),
            )
        )
        before_kill = len(subscriber.events)
        assert not ended(run_id)(subscriber.events)
        stream.cancel()
        process_a.kill()
        await process_a.wait()
        killed_at = time.monotonic()

        rest = [
            event
            async for event in client_b.runs.StreamRun(
                RS.StreamRunRequest(
                    thread_id=t.id, run_id=run_id, after_sequence_number=seen[-1].sequence_number
                )
            )
        ]
        await subscriber.wait_for(ended(run_id))

        numbers = [e.sequence_number for e in seen + rest]
        assert numbers == list(range(1, len(numbers) + 1))
        final = await wait_for_status(client_b, t.id, run_id, ENDED)
        events = await read_stream(client_b, t.id)
        steps = await client_b.runs.ListRunSteps(
            RS.ListRunStepsRequest(thread_id=t.id, run_id=run_id)
        )
        if partial:
            assert [e.event for e in rest[-4:]] == [
                "thread.message.incomplete",
                "thread.run.step.failed",
                "thread.run.failed",
                "done",
            ]
            assert final.status == R.RUN_STATUS_FAILED
            assert final.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
            assert final.last_error.message
            assert [s.status for s in steps.data] == [run_step_pb2.RUN_STEP_STATUS_FAILED]
            assert run_statuses(events, run_id) == [R.RUN_STATUS_IN_PROGRESS, R.RUN_STATUS_FAILED]
            assert len(fake.requests) == 1, "the failed run called the model again"
            live_types = ["MessageIncomplete", "RunStepStatusChanged", "RunStatusChanged"]
        else:
            assert names(rest) == PLAIN[3:]
            assert delta_text(rest) == recovered
            assert final.status == R.RUN_STATUS_COMPLETED
            assert [(s.type, s.status) for s in steps.data] == [
                (
                    run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION,
                    run_step_pb2.RUN_STEP_STATUS_COMPLETED,
                )
            ]
            assert await message_text(client_b, t.id, run_id) == [recovered]
            # Resumed, not restarted: the run went in_progress once, and B asked the model
            # the same question A had.
            assert run_statuses(events, run_id) == [
                R.RUN_STATUS_IN_PROGRESS,
                R.RUN_STATUS_COMPLETED,
            ]
            assert len(fake.requests) == 2
            assert fake.requests[0]["messages"] == fake.requests[1]["messages"]
            live_types = [
                "MessageCreated",
                "RunStepCreated",
                "MessageCompleted",
                "RunStepStatusChanged",
                "RunStatusChanged",
            ]

        # The subscriber: the thread's whole stream, once each, in order; what happened
        # after the kill arrived live.
        assert subscriber.events == events
        assert [e.stream_version for e in events] == list(range(1, len(events) + 1))
        after_kill = subscriber.events[before_kill:]
        assert [e.type for e in after_kill] == live_types
        assert all(subscriber.arrived[e.event_id] > killed_at for e in after_kill)


# 4. Replicas starting at once on an empty database.


async def test_keys_for_one_project_created_at_once_all_work(server_url: str) -> None:
    async with fresh_database(server_url, "assistants_replicas") as url:
        storage = await Storage.open(url, Path("."), min_size=8, max_size=8)
        try:
            await storage.migrate()
            app = Application(storage)
            for round_ in range(20):
                issued = await asyncio.gather(
                    *(app.auth.issue_key(f"project-{round_}") for _ in range(8))
                )
                assert len({key.project_id for key in issued}) == 1
        finally:
            await storage.close()
