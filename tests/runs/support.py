"""Helpers of the run tests: an assistant and thread to run on, and reading a run's stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
from google.protobuf import struct_pb2

from assistants.v1 import (
    assistant_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    tools_pb2,
)
from tests.helpers import Client

M = message_pb2
RS = run_service_pb2
TERMINAL = {
    run_pb2.RUN_STATUS_CANCELLED,
    run_pb2.RUN_STATUS_FAILED,
    run_pb2.RUN_STATUS_COMPLETED,
    run_pb2.RUN_STATUS_INCOMPLETE,
    run_pb2.RUN_STATUS_EXPIRED,
}

# The reference event order of a run that answers in one message (§7 order a).
PLAIN = [
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.step.created",
    "thread.run.step.in_progress",
    "thread.message.created",
    "thread.message.in_progress",
    "thread.message.delta*",
    "thread.message.completed",
    "thread.run.step.completed",
    "thread.run.completed",
    "done",
]
# The start of a run whose first step calls tools, up to that step's deltas.
TOOL_CALLS = [*PLAIN[:5], "thread.run.step.delta*"]
# A run that fails before its first model call.
FAILED_AT_ONCE = [*PLAIN[:3], "thread.run.failed", "done"]


def text(value: str) -> M.MessageContentInput:
    return M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)


def function_tool(name: str) -> tools_pb2.Tool:
    parameters = struct_pb2.Struct()
    parameters.update({"type": "object", "properties": {"location": {"type": "string"}}})
    return tools_pb2.Tool(
        type=tools_pb2.TOOL_TYPE_FUNCTION,
        function=tools_pb2.FunctionDefinition(name=name, parameters=parameters),
    )


async def assistant(client: Client, **fields: object) -> assistant_pb2.Assistant:
    fields.setdefault("model", "gpt-4o")
    fields.setdefault("instructions", "You are terse.")
    return await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(**fields)  # type: ignore[arg-type]
    )


async def thread(client: Client, *messages: str) -> thread_pb2.Thread:
    return await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[M.MessageInput(role=M.MESSAGE_ROLE_USER, content=[text(m)]) for m in messages]
        )
    )


async def collect(stream: AsyncIterator[run_event_pb2.RunEvent]) -> list[run_event_pb2.RunEvent]:
    return [event async for event in stream]


def names(events: list[run_event_pb2.RunEvent]) -> list[str]:
    """Event names, with runs of deltas collapsed into one "...delta*" entry."""
    result: list[str] = []
    for event in events:
        name = event.event + ("*" if event.event.endswith(".delta") else "")
        if not result or result[-1] != name or not name.endswith("*"):
            result.append(name)
    return result


async def wait_for_status(
    client: Client, thread_id: str, run_id: str, statuses: set[int], timeout: float = 10
) -> run_pb2.Run:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        run = await client.runs.GetRun(RS.GetRunRequest(thread_id=thread_id, run_id=run_id))
        if run.status in statuses:
            return run
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"run stayed {run_pb2.RunStatus.Name(run.status)}")
        await asyncio.sleep(0.05)


async def read_until(
    stream: grpc.aio.UnaryStreamCall,
    stop: Callable[[run_event_pb2.RunEvent], bool],
    timeout: float = 10,
) -> list[run_event_pb2.RunEvent]:
    """Reads a stream's events up to and including the first one `stop` accepts.

    Uses read(), so go on with read_rest(), never `async for`, on the same call."""
    events: list[run_event_pb2.RunEvent] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await stream.read()
            if event is grpc.aio.EOF:
                raise AssertionError(f"the stream ended first: {names(events)}")
            events.append(event)
            if stop(event):
                return events


async def read_rest(
    stream: grpc.aio.UnaryStreamCall, timeout: float = 10
) -> list[run_event_pb2.RunEvent]:
    """The events left on a stream read with read_until, to its end."""
    events: list[run_event_pb2.RunEvent] = []
    async with asyncio.timeout(timeout):
        while (event := await stream.read()) is not grpc.aio.EOF:
            events.append(event)
    return events


async def rpc_error(call: Awaitable[object]) -> grpc.aio.AioRpcError:
    """The error an RPC fails with (AssertionError when it succeeds)."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


async def stream_run(
    client: Client, thread_id: str, run_id: str, after: int = 0
) -> list[run_event_pb2.RunEvent]:
    """A run's events after sequence number `after`, up to the next done."""
    return await collect(
        client.runs.StreamRun(
            RS.StreamRunRequest(thread_id=thread_id, run_id=run_id, after_sequence_number=after)
        )
    )


async def finish(client: Client, run: run_pb2.Run) -> run_pb2.Run:
    """Leaves no active run behind: cancels the run if it is active, and waits for its end."""
    current = await client.runs.GetRun(RS.GetRunRequest(thread_id=run.thread_id, run_id=run.id))
    if current.status not in TERMINAL:
        with contextlib.suppress(grpc.aio.AioRpcError):
            await client.runs.CancelRun(RS.CancelRunRequest(thread_id=run.thread_id, run_id=run.id))
    return await wait_for_status(client, run.thread_id, run.id, TERMINAL)
