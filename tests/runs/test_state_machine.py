"""The run state machine over gRPC (reference §5-§7): cancel, expiry, the thread lock, the
createAndRun stream, and the run and step queries."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable

import grpc
import pytest

from assistants.v1 import (
    common_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
    thread_pb2,
)
from service.api.server import GrpcServer
from service.app import Application
from storage import Storage
from tests.conftest import TEST_ENGINE, new_client
from tests.fake_model import FakeModel, hang, text, tool_calls
from tests.helpers import Client, request_id
from tests.runs.support import (
    PLAIN,
    TERMINAL,
    assistant,
    collect,
    function_tool,
    names,
    read_rest,
    read_until,
    rpc_error,
    stream_run,
    thread,
    wait_for_status,
)

R = run_pb2
RS = run_service_pb2
S = run_step_pb2
M = message_pb2
RunEvent = run_event_pb2.RunEvent
# The lifetime of the runs of the short-lived server.
SHORT_LIFETIME = 2


@pytest.fixture
async def short_client(storage: Storage, model: FakeModel) -> AsyncIterator[Client]:
    """A client of a second in-process server whose runs expire after SHORT_LIFETIME seconds.
    The session's workers (same database) execute and expire its runs."""
    app = Application(storage, run_expires_seconds=SHORT_LIFETIME)
    server = await GrpcServer.start(app, "127.0.0.1", 0)
    c = await new_client(app, f"127.0.0.1:{server.port}")
    yield c
    await c.close()
    await server.stop(0)


def _get(client: Client, run: R.Run) -> Awaitable[R.Run]:
    return client.runs.GetRun(RS.GetRunRequest(thread_id=run.thread_id, run_id=run.id))


def _cancel(client: Client, run: R.Run) -> Awaitable[R.Run]:
    return client.runs.CancelRun(RS.CancelRunRequest(thread_id=run.thread_id, run_id=run.id))


def _outputs(run: R.Run, *pairs: tuple[str, str]) -> RS.SubmitToolOutputsRequest:
    return RS.SubmitToolOutputsRequest(
        thread_id=run.thread_id,
        run_id=run.id,
        tool_outputs=[R.ToolOutput(tool_call_id=i, output=o) for i, o in pairs],
    )


def _user_message(thread_id: str, value: str) -> M.CreateMessageRequest:
    return M.CreateMessageRequest(
        thread_id=thread_id,
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)],
    )


def _message_text(delta_events: list[RunEvent]) -> str:
    return "".join(
        e.message_delta.delta.content[0].text.value
        for e in delta_events
        if e.event == "thread.message.delta"
    )


async def _disconnected(model: FakeModel, n: int = 1, timeout: float = 3) -> None:
    async with asyncio.timeout(timeout):
        while model.disconnects < n:
            await asyncio.sleep(0.05)


# Cancel.


async def test_cancel_in_progress_stops_the_model_stream(client: Client, model: FakeModel) -> None:
    model.script(hang(after_chunks="Partial answer"))
    a = await assistant(client)
    t = await thread(client, "Hi")
    stream = client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    seen: list[RunEvent] = []

    def all_text_in(event: RunEvent) -> bool:
        seen.append(event)
        return _message_text(seen) == "Partial answer"

    head = await read_until(stream, all_text_in)
    assert names(head) == PLAIN[:8]
    run = head[0].run
    # In progress, the run holds the thread and reports no usage yet.
    current = await _get(client, run)
    assert current.status == R.RUN_STATUS_IN_PROGRESS and not current.HasField("usage")
    error = await rpc_error(client.messages.CreateMessage(_user_message(t.id, "More")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == f"Can't add messages to {t.id} while a run {run.id} is active."

    cancelling = await _cancel(client, run)
    assert cancelling.status == R.RUN_STATUS_CANCELLING
    assert not cancelling.HasField("cancelled_at")

    tail = await read_rest(stream)
    assert names(tail) == [
        "thread.run.cancelling",
        "thread.message.incomplete",
        "thread.run.step.cancelled",
        "thread.run.cancelled",
        "done",
    ]
    assert [e.sequence_number for e in head + tail] == list(range(1, len(head + tail) + 1))
    message = tail[1].message
    assert message.status == M.MESSAGE_STATUS_INCOMPLETE
    assert message.incomplete_details.reason == M.MESSAGE_INCOMPLETE_REASON_RUN_CANCELLED
    assert message.HasField("incomplete_at") and not message.HasField("completed_at")
    assert message.content[0].text.value == "Partial answer"
    step = tail[2].run_step
    assert step.status == S.RUN_STEP_STATUS_CANCELLED and step.HasField("cancelled_at")
    assert step.step_details.message_creation.message_id == message.id
    cancelled = tail[3].run
    assert cancelled.status == R.RUN_STATUS_CANCELLED
    assert cancelled.HasField("cancelled_at") and not cancelled.HasField("expires_at")
    assert await _get(client, run) == cancelled
    stored = await client.messages.GetMessage(
        M.GetMessageRequest(thread_id=t.id, message_id=message.id)
    )
    assert stored.status == M.MESSAGE_STATUS_INCOMPLETE
    assert stored.content[0].text.value == "Partial answer"
    await _disconnected(model)
    assert len(model.requests) == 1


async def test_cancel_during_a_function_call_keeps_the_call(
    client: Client, model: FakeModel
) -> None:
    arguments = '{"location": "Paris, France, Europe"}'
    call = tool_calls(("get_weather", arguments), chunk_size=1, delay=0.05)
    model.script(call)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    stream = client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    head = await read_until(stream, lambda e: e.event == "thread.run.step.delta")
    await _cancel(client, head[0].run)
    tail = await read_rest(stream)
    assert names(tail)[-4:] == [
        "thread.run.cancelling",
        "thread.run.step.cancelled",
        "thread.run.cancelled",
        "done",
    ]
    streamed = "".join(
        c.function.arguments
        for e in head + tail
        if e.event == "thread.run.step.delta"
        for c in e.run_step_delta.delta.step_details.tool_calls
    )
    step = tail[-3].run_step
    assert step.status == S.RUN_STEP_STATUS_CANCELLED
    assert [(c.id, c.function.name) for c in step.step_details.tool_calls] == [
        (call.ids[0], "get_weather")
    ]
    # What was streamed, and perhaps a little more the model sent as the cancel came in.
    kept = step.step_details.tool_calls[0].function.arguments
    assert kept.startswith(streamed) and arguments.startswith(kept)


async def test_cancel_requires_action_is_immediate(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", '{"location": "Oslo"}'))
    model.script(call)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    first = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    paused = first[-2].run
    assert paused.status == R.RUN_STATUS_REQUIRES_ACTION

    cancelled = await _cancel(client, paused)
    assert cancelled.status == R.RUN_STATUS_CANCELLED
    assert cancelled.HasField("cancelled_at") and not cancelled.HasField("expires_at")
    assert not cancelled.HasField("required_action")
    tail = await stream_run(client, t.id, paused.id, after=first[-1].sequence_number)
    assert names(tail) == [
        "thread.run.cancelling",
        "thread.run.step.cancelled",
        "thread.run.cancelled",
        "done",
    ]
    assert tail[-2].run == cancelled
    step = tail[1].run_step
    assert step.status == S.RUN_STEP_STATUS_CANCELLED and step.HasField("cancelled_at")
    assert [c.id for c in step.step_details.tool_calls] == call.ids
    assert not step.step_details.tool_calls[0].function.HasField("output")
    got = await client.runs.GetRunStep(
        RS.GetRunStepRequest(thread_id=t.id, run_id=paused.id, step_id=step.id)
    )
    assert got == step
    assert await _get(client, paused) == cancelled
    assert len(model.requests) == 1


@contextlib.asynccontextmanager
async def _every_worker_busy(client: Client, model: FakeModel) -> AsyncIterator[None]:
    """Holds every worker slot of the session with a hung model call, so that no worker
    claims anything else; on exit the hung runs are cancelled and have ended."""
    slots = TEST_ENGINE.concurrency
    before = len(model.requests)
    model.script(*[hang() for _ in range(slots)])
    a = await assistant(client)
    busy = []
    for i in range(slots):
        t = await thread(client, f"busy {i}")
        busy.append(
            await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        )
    try:
        await model.wait_for_requests(before + slots)
        yield
    finally:
        for run in busy:
            await _cancel(client, run)
        for run in busy:
            done = await wait_for_status(client, run.thread_id, run.id, TERMINAL)
            assert done.status == R.RUN_STATUS_CANCELLED


async def test_cancel_queued_run_is_immediate(client: Client, model: FakeModel) -> None:
    """With every worker slot busy, a new run stays queued."""
    a = await assistant(client)
    t = await thread(client, "Wait your turn")
    async with _every_worker_busy(client, model):
        queued = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        await asyncio.sleep(3 * TEST_ENGINE.poll_seconds)
        still = await _get(client, queued)
        assert still.status == R.RUN_STATUS_QUEUED and not still.HasField("started_at")

        cancelled = await _cancel(client, queued)
        assert cancelled.status == R.RUN_STATUS_CANCELLED and cancelled.HasField("cancelled_at")
        assert names(await stream_run(client, t.id, queued.id)) == [
            "thread.run.created",
            "thread.run.queued",
            "thread.run.cancelling",
            "thread.run.cancelled",
            "done",
        ]
        listed = await client.runs.ListRunSteps(
            RS.ListRunStepsRequest(thread_id=t.id, run_id=queued.id)
        )
        assert list(listed.data) == []
    # The cancelled run never reached the model.
    assert len(model.requests) == TEST_ENGINE.concurrency
    assert (await _get(client, queued)) == cancelled


async def test_terminal_run_refuses_cancel_and_tool_outputs(
    client: Client, model: FakeModel
) -> None:
    model.script(text("Done."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_COMPLETED})

    error = await rpc_error(_cancel(client, run))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "Cannot cancel run with status 'completed'."
    error = await rpc_error(client.runs.SubmitToolOutputs(_outputs(run, ("call_abc", "x"))))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == 'Runs in status "completed" do not accept tool outputs.'


async def test_cancelled_run_cannot_be_cancelled_again(client: Client, model: FakeModel) -> None:
    model.script(tool_calls(("get_weather", "{}")))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    await _cancel(client, run)
    error = await rpc_error(_cancel(client, run))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "Cannot cancel run with status 'cancelled'."


# The thread lock.


async def test_active_run_locks_the_thread(client: Client, model: FakeModel) -> None:
    model.script(tool_calls(("get_weather", "{}")), text("Second run."))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})

    error = await rpc_error(
        client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == f"Thread {t.id} already has an active run {run.id}."
    new_message = _user_message(t.id, "More")
    error = await rpc_error(client.messages.CreateMessage(new_message))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == f"Can't add messages to {t.id} while a run {run.id} is active."

    await _cancel(client, run)
    await client.messages.CreateMessage(new_message)
    second = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    done = await wait_for_status(client, t.id, second.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED
    assert model.requests[-1]["messages"][-1] == {"role": "user", "content": "More"}


async def test_text_before_tool_calls_makes_two_steps(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", "{}"), text_before="Let me check.")
    model.script(call, text("Sunny."))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    first = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    assert names(first) == [
        *PLAIN[:10],
        "thread.run.step.created",
        "thread.run.step.in_progress",
        "thread.run.step.delta*",
        "thread.run.requires_action",
        "done",
    ]
    said = next(e.message for e in first if e.event == "thread.message.completed")
    assert said.content[0].text.value == "Let me check."
    tool_step = [e.run_step for e in first if e.event == "thread.run.step.created"][1]
    assert tool_step.type == S.RUN_STEP_TYPE_TOOL_CALLS
    assert {e.run_step_delta.id for e in first if e.event == "thread.run.step.delta"} == {
        tool_step.id
    }
    paused = first[-2].run
    second = await collect(
        client.runs.SubmitToolOutputsStream(_outputs(paused, (call.ids[0], "sun")))
    )
    assert names(second)[-2:] == ["thread.run.completed", "done"]
    assert second[-2].run.started_at == paused.started_at
    steps = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=t.id, run_id=paused.id, order=common_pb2.LIST_ORDER_ASC)
    )
    assert [(s.type, s.status) for s in steps.data] == [
        (S.RUN_STEP_TYPE_MESSAGE_CREATION, S.RUN_STEP_STATUS_COMPLETED),
        (S.RUN_STEP_TYPE_TOOL_CALLS, S.RUN_STEP_STATUS_COMPLETED),
        (S.RUN_STEP_TYPE_MESSAGE_CREATION, S.RUN_STEP_STATUS_COMPLETED),
    ]
    replay = model.requests[1]["messages"]
    assert any(
        m["role"] == "assistant" and m.get("content") == "Let me check." for m in replay[2:-1]
    )
    assert replay[-2]["tool_calls"][0]["id"] == call.ids[0]
    assert replay[-1] == {"role": "tool", "tool_call_id": call.ids[0], "content": "sun"}


# Expiry.


async def test_run_expires_at_is_created_at_plus_lifetime(client: Client, model: FakeModel) -> None:
    model.script(tool_calls(("get_weather", "{}")))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    assert run.status == R.RUN_STATUS_QUEUED
    assert run.expires_at == run.created_at + 600
    paused = await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    assert paused.expires_at == run.expires_at
    await _cancel(client, run)


async def test_unanswered_tool_call_expires(short_client: Client, model: FakeModel) -> None:
    client = short_client
    call = tool_calls(("get_weather", "{}"))
    model.script(call)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    first = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    paused = first[-2].run
    assert paused.status == R.RUN_STATUS_REQUIRES_ACTION
    assert paused.expires_at == paused.created_at + SHORT_LIFETIME

    async with asyncio.timeout(SHORT_LIFETIME + 6):
        tail = await stream_run(client, t.id, paused.id, after=first[-1].sequence_number)
    assert names(tail) == ["thread.run.step.expired", "thread.run.expired", "done"]
    step = tail[0].run_step
    assert step.status == S.RUN_STEP_STATUS_EXPIRED and step.HasField("expired_at")
    assert [c.id for c in step.step_details.tool_calls] == call.ids
    expired = tail[1].run
    assert expired.status == R.RUN_STATUS_EXPIRED
    assert not expired.HasField("expires_at") and not expired.HasField("required_action")
    assert not expired.HasField("cancelled_at") and not expired.HasField("failed_at")
    assert await _get(client, paused) == expired

    error = await rpc_error(client.runs.SubmitToolOutputs(_outputs(paused, (call.ids[0], "late"))))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == 'Runs in status "expired" do not accept tool outputs.'
    # The thread is free again.
    await client.messages.CreateMessage(_user_message(t.id, "Hello?"))
    assert len(model.requests) == 1


async def test_hung_model_call_expires_with_its_message(
    short_client: Client, model: FakeModel
) -> None:
    client = short_client
    model.script(hang(after_chunks="Still thinking"))
    a = await assistant(client)
    t = await thread(client, "Hi")
    async with asyncio.timeout(SHORT_LIFETIME + 6):
        events = await collect(
            client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        )
    assert names(events) == [
        *PLAIN[:8],
        "thread.message.incomplete",
        "thread.run.step.expired",
        "thread.run.expired",
        "done",
    ]
    assert _message_text(events) == "Still thinking"
    message = events[-4].message
    assert message.status == M.MESSAGE_STATUS_INCOMPLETE
    assert message.incomplete_details.reason == M.MESSAGE_INCOMPLETE_REASON_RUN_EXPIRED
    assert message.content[0].text.value == "Still thinking"
    step = events[-3].run_step
    assert step.status == S.RUN_STEP_STATUS_EXPIRED and step.HasField("expired_at")
    run = events[-2].run
    assert run.status == R.RUN_STATUS_EXPIRED and not run.HasField("expires_at")
    await _disconnected(model)


async def test_tool_outputs_after_the_deadline_are_refused(
    client: Client, short_client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", "{}"))
    model.script(call)
    a = await assistant(short_client, tools=[function_tool("get_weather")])
    t = await thread(short_client, "Weather?")
    run = await short_client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    paused = await wait_for_status(short_client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    try:
        # No worker is free to expire the run: only the deadline itself can refuse the outputs.
        async with _every_worker_busy(client, model):
            await asyncio.sleep(max(0.0, paused.expires_at - time.time()) + 0.3)
            error = await rpc_error(
                short_client.runs.SubmitToolOutputs(_outputs(paused, (call.ids[0], "late")))
            )
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert error.details() == 'Runs in status "expired" do not accept tool outputs.'
    finally:
        ended = await wait_for_status(short_client, t.id, run.id, TERMINAL)
    assert ended.status == R.RUN_STATUS_EXPIRED


# createAndRun.


async def test_create_thread_and_run_stream_opens_with_the_thread(
    client: Client, model: FakeModel
) -> None:
    model.script(text("Hello back."))
    a = await assistant(client)
    events = await collect(
        client.runs.CreateThreadAndRunStream(
            RS.CreateThreadAndRunRequest(
                assistant_id=a.id,
                thread=thread_pb2.CreateThreadRequest(
                    messages=[
                        M.MessageInput(
                            role=M.MESSAGE_ROLE_USER,
                            content=[
                                M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hi")
                            ],
                        )
                    ],
                    metadata={"k": "v"},
                ),
            )
        )
    )
    assert names(events) == ["thread.created", *PLAIN]
    assert [e.sequence_number for e in events] == list(range(1, len(events) + 1))
    new = events[0].thread
    assert new.id.startswith("thread_") and dict(new.metadata) == {"k": "v"}
    assert {e.run.thread_id for e in events if e.WhichOneof("data") == "run"} == {new.id}
    got = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=new.id))
    assert got.id == new.id and got.created_at == new.created_at
    assert dict(got.metadata) == {"k": "v"}
    listed = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=new.id, order=common_pb2.LIST_ORDER_ASC)
    )
    assert [(m.role, m.content[0].text.value) for m in listed.data] == [
        (M.MESSAGE_ROLE_USER, "Hi"),
        (M.MESSAGE_ROLE_ASSISTANT, "Hello back."),
    ]
    assert model.requests[0]["messages"][-1] == {"role": "user", "content": "Hi"}


async def test_create_thread_and_run_unary(client: Client, model: FakeModel) -> None:
    model.script(text("Fine."))
    a = await assistant(client)
    run = await client.runs.CreateThreadAndRun(RS.CreateThreadAndRunRequest(assistant_id=a.id))
    assert run.status == R.RUN_STATUS_QUEUED and run.thread_id.startswith("thread_")
    done = await wait_for_status(client, run.thread_id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED
    await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=run.thread_id))


# Queries and updates.


async def test_update_run_merges_metadata(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, metadata={"a": "1", "b": "2"})
    )
    assert dict(run.metadata) == {"a": "1", "b": "2"}
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    updated = await client.runs.UpdateRun(
        RS.UpdateRunRequest(thread_id=t.id, run_id=run.id, metadata={"b": "3", "c": "4"})
    )
    assert dict(updated.metadata) == {"a": "1", "b": "3", "c": "4"}
    assert updated.status == R.RUN_STATUS_COMPLETED
    got = await _get(client, run)
    assert dict(got.metadata) == {"a": "1", "b": "3", "c": "4"}
    got.metadata.clear()
    done.metadata.clear()
    assert got == done


async def test_list_runs_pages_newest_first(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    made = []
    for _ in range(3):
        run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        await wait_for_status(client, t.id, run.id, TERMINAL)
        made.append(run.id)

    page = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id, limit=2))
    assert page.object == "list"
    assert [r.id for r in page.data] == [made[2], made[1]]
    assert page.has_more and page.first_id == made[2] and page.last_id == made[1]
    rest = await client.runs.ListRuns(
        RS.ListRunsRequest(thread_id=t.id, limit=2, after=page.last_id)
    )
    assert [r.id for r in rest.data] == [made[0]] and not rest.has_more
    ascending = await client.runs.ListRuns(
        RS.ListRunsRequest(thread_id=t.id, order=common_pb2.LIST_ORDER_ASC)
    )
    assert [r.id for r in ascending.data] == made
    assert {r.status for r in ascending.data} == {R.RUN_STATUS_COMPLETED}
    later = await client.runs.ListRuns(
        RS.ListRunsRequest(thread_id=t.id, order=common_pb2.LIST_ORDER_ASC, after=made[0])
    )
    assert [r.id for r in later.data] == made[1:]


async def test_run_steps_get_and_list(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", "{}"), usage=(30, 7))
    model.script(call, text("Warm.", usage=(40, 5)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    await client.runs.SubmitToolOutputs(_outputs(run, (call.ids[0], "warm")))
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED

    desc = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id))
    assert desc.object == "list" and len(desc.data) == 2 and not desc.has_more
    tool_step, message_step = desc.data[1], desc.data[0]
    assert tool_step.type == S.RUN_STEP_TYPE_TOOL_CALLS
    assert message_step.type == S.RUN_STEP_TYPE_MESSAGE_CREATION
    for step in desc.data:
        assert step.id.startswith("step_") and step.object == "thread.run.step"
        assert (step.run_id, step.thread_id, step.assistant_id) == (run.id, t.id, a.id)
        got = await client.runs.GetRunStep(
            RS.GetRunStepRequest(thread_id=t.id, run_id=run.id, step_id=step.id)
        )
        assert got == step
    assert tool_step.usage.total_tokens == 37 and message_step.usage.total_tokens == 45
    assert done.usage.total_tokens == 82
    first = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(
            thread_id=t.id, run_id=run.id, order=common_pb2.LIST_ORDER_ASC, limit=1
        )
    )
    assert [s.id for s in first.data] == [tool_step.id] and first.has_more
    second = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(
            thread_id=t.id,
            run_id=run.id,
            order=common_pb2.LIST_ORDER_ASC,
            limit=1,
            after=first.last_id,
        )
    )
    assert [s.id for s in second.data] == [message_step.id] and not second.has_more

    missing = "step_" + "A" * 24
    error = await rpc_error(
        client.runs.GetRunStep(RS.GetRunStepRequest(thread_id=t.id, run_id=run.id, step_id=missing))
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == f"No run step found with id '{missing}'."


async def test_missing_objects_are_not_found(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    ghost_run, ghost_thread = "run_" + "Z" * 24, "thread_" + "Z" * 24
    ghost_asst = "asst_" + "Z" * 24
    cases = [
        (
            client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=ghost_run)),
            f"No run found with id '{ghost_run}'.",
        ),
        (
            client.runs.GetRun(RS.GetRunRequest(thread_id=ghost_thread, run_id=ghost_run)),
            f"No thread found with id '{ghost_thread}'.",
        ),
        (
            client.runs.CancelRun(RS.CancelRunRequest(thread_id=t.id, run_id=ghost_run)),
            f"No run found with id '{ghost_run}'.",
        ),
        (
            client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=ghost_asst)),
            f"No assistant found with id '{ghost_asst}'.",
        ),
        (
            client.runs.CreateRun(RS.CreateRunRequest(thread_id=ghost_thread, assistant_id=a.id)),
            f"No thread found with id '{ghost_thread}'.",
        ),
        (
            client.runs.ListRuns(RS.ListRunsRequest(thread_id=ghost_thread)),
            f"No thread found with id '{ghost_thread}'.",
        ),
        (
            client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=ghost_run)),
            f"No run found with id '{ghost_run}'.",
        ),
    ]
    for call, message in cases:
        error = await rpc_error(call)
        assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, message)
    assert model.requests == []


async def test_another_projects_run_is_not_found(
    client: Client, other_client: Client, model: FakeModel
) -> None:
    model.script(tool_calls(("get_weather", "{}")))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    paused = await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    calls = [
        _get(other_client, run),
        _cancel(other_client, run),
        other_client.runs.UpdateRun(
            RS.UpdateRunRequest(thread_id=t.id, run_id=run.id, metadata={"x": "y"})
        ),
        other_client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id)),
        other_client.runs.SubmitToolOutputs(
            _outputs(paused, (paused.required_action.submit_tool_outputs.tool_calls[0].id, "x"))
        ),
        other_client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)),
    ]
    for call in calls:
        error = await rpc_error(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND
    assert await _get(client, run) == paused
    await _cancel(client, run)


async def test_create_run_is_idempotent_per_request_id(client: Client, model: FakeModel) -> None:
    model.script(text("Once.", delay=0.05))
    a = await assistant(client)
    t = await thread(client, "Hi")
    request = RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
    key = request_id()
    first = await client.runs.CreateRun(request, metadata=key)
    # While the first run is still active: a retry is not a second run on a locked thread.
    again = await client.runs.CreateRun(request, metadata=key)
    assert again.id == first.id
    await wait_for_status(client, t.id, first.id, TERMINAL)
    later = await client.runs.CreateRun(request, metadata=key)
    assert later.id == first.id and later.status == R.RUN_STATUS_COMPLETED
    listed = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id))
    assert [r.id for r in listed.data] == [first.id]
    assert len(model.requests) == 1


async def test_create_run_stream_retried_replays_the_same_run(
    client: Client, model: FakeModel
) -> None:
    model.script(text("Once."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    request = RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
    key = request_id()
    first = await collect(client.runs.CreateRunStream(request, metadata=key))
    again = await collect(client.runs.CreateRunStream(request, metadata=key))
    assert names(first) == PLAIN
    assert again == first
    assert len(model.requests) == 1


async def test_request_id_of_another_request_is_refused(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client)
    key = request_id()
    await client.messages.CreateMessage(_user_message(t.id, "Hi"), metadata=key)
    error = await rpc_error(
        client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id), metadata=key)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == (
        f"The idempotency key '{key[0][1]}' was already used for a different request."
    )
    listed = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id))
    assert list(listed.data) == []


async def test_request_id_reused_on_another_thread_is_refused(
    client: Client, model: FakeModel
) -> None:
    a = await assistant(client)
    first_thread = await thread(client, "Hi")
    other_thread = await thread(client, "Hello")
    key = request_id()
    first = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=first_thread.id, assistant_id=a.id), metadata=key
    )
    await wait_for_status(client, first_thread.id, first.id, TERMINAL)
    call = client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=other_thread.id, assistant_id=a.id), metadata=key
    )
    try:
        error = await rpc_error(call)
    finally:
        listed = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=other_thread.id))
        for run in listed.data:
            await wait_for_status(client, other_thread.id, run.id, TERMINAL)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_update_mid_run_survives_the_run(client: Client, model: FakeModel) -> None:
    model.script(text("A slow answer.", chunk_size=2, delay=0.05))
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, metadata={"a": "1"})
    )
    await model.wait_for_requests(1)
    updated = await client.runs.UpdateRun(
        RS.UpdateRunRequest(thread_id=t.id, run_id=run.id, metadata={"b": "2"})
    )
    assert updated.status in {R.RUN_STATUS_IN_PROGRESS, R.RUN_STATUS_QUEUED}
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED
    assert dict(done.metadata) == {"a": "1", "b": "2"}
    answer = await client.messages.ListMessages(M.ListMessagesRequest(thread_id=t.id, limit=1))
    assert answer.data[0].content[0].text.value == "A slow answer."


async def test_stream_run_replays_a_finished_run(client: Client, model: FakeModel) -> None:
    model.script(text("Replay me."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    live = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    run = live[0].run
    assert await stream_run(client, t.id, run.id) == live
    assert await stream_run(client, t.id, run.id, after=5) == live[5:]
    assert await stream_run(client, t.id, run.id, after=live[-1].sequence_number) == []
