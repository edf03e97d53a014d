"""Runs that go wrong: model failures, bad tool outputs, tools the server cannot run, and
invalid requests (reference §3.4, §5, §7)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import grpc
import pytest

from assistants.v1 import common_pb2, message_pb2, run_pb2, run_service_pb2, run_step_pb2, tools_pb2
from tests.conftest import TEST_ENGINE
from tests.fake_model import FakeModel, error, text, tool_calls
from tests.helpers import Client, field_violation
from tests.runs.support import (
    FAILED_AT_ONCE,
    PLAIN,
    TERMINAL,
    TOOL_CALLS,
    assistant,
    collect,
    function_tool,
    names,
    rpc_error,
    thread,
    wait_for_status,
)

R = run_pb2
RS = run_service_pb2
S = run_step_pb2
T = tools_pb2
# The first try and the openai client's retries.
ATTEMPTS = 1 + TEST_ENGINE.model_max_retries


def _submit(run: R.Run, *pairs: tuple[str, str]) -> RS.SubmitToolOutputsRequest:
    return RS.SubmitToolOutputsRequest(
        thread_id=run.thread_id,
        run_id=run.id,
        tool_outputs=[R.ToolOutput(tool_call_id=i, output=o) for i, o in pairs],
    )


async def _stream(client: Client, thread_id: str, **fields: Any) -> list[Any]:
    return await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=thread_id, **fields))
    )


# Model failures.


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, common_pb2.ERROR_CODE_SERVER_ERROR),
        (503, common_pb2.ERROR_CODE_SERVER_ERROR),
        (429, common_pb2.ERROR_CODE_RATE_LIMIT_EXCEEDED),
    ],
)
async def test_model_errors_past_the_retries_fail_the_run(
    client: Client, model: FakeModel, status: int, code: int
) -> None:
    model.script(error(status, times=5))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = await _stream(client, t.id, assistant_id=a.id)
    assert names(events) == FAILED_AT_ONCE
    run = events[-2].run
    assert run.status == R.RUN_STATUS_FAILED
    assert run.last_error.code == code
    assert str(status) in run.last_error.message
    assert run.HasField("failed_at") and not run.HasField("expires_at")
    assert not run.HasField("completed_at") and not run.HasField("cancelled_at")
    assert len(model.requests) == ATTEMPTS
    got = await client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=run.id))
    assert got == run
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id))
    assert list(steps.data) == []


async def test_bad_request_from_the_model_is_an_invalid_prompt(
    client: Client, model: FakeModel
) -> None:
    model.script(error(400, message="This model's maximum context length is exceeded."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = await _stream(client, t.id, assistant_id=a.id)
    assert names(events) == FAILED_AT_ONCE
    run = events[-2].run
    assert run.last_error.code == common_pb2.ERROR_CODE_INVALID_PROMPT
    assert "maximum context length" in run.last_error.message
    assert len(model.requests) == 1


async def test_one_rate_limit_is_retried(client: Client, model: FakeModel) -> None:
    model.script(error(429, times=1), text("Made it."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = await _stream(client, t.id, assistant_id=a.id)
    assert names(events) == PLAIN
    run = events[-2].run
    assert run.status == R.RUN_STATUS_COMPLETED and not run.HasField("last_error")
    completed = next(e.message for e in events if e.event == "thread.message.completed")
    assert completed.content[0].text.value == "Made it."
    assert len(model.requests) == 2
    assert model.requests[0] == model.requests[1]


async def test_model_failure_after_tool_outputs_keeps_the_tool_step(
    client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", "{}"), usage=(30, 7))
    model.script(call, error(500, times=5))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    first = await _stream(client, t.id, assistant_id=a.id)
    paused = first[-2].run
    events = await collect(client.runs.SubmitToolOutputsStream(_submit(paused, (call.ids[0], "x"))))
    assert names(events) == [
        "thread.run.step.completed",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.failed",
        "done",
    ]
    run = events[-2].run
    assert run.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    assert run.usage.total_tokens == 37
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id))
    assert [(s.type, s.status) for s in steps.data] == [
        (S.RUN_STEP_TYPE_TOOL_CALLS, S.RUN_STEP_STATUS_COMPLETED)
    ]
    assert len(model.requests) == 1 + ATTEMPTS


# Tool outputs.


async def test_parallel_tool_calls_need_every_output(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", '{"location": "Oslo"}'), ("get_time", "{}"))
    model.script(call, text("Cold, and noon."))
    a = await assistant(client, tools=[function_tool("get_weather"), function_tool("get_time")])
    t = await thread(client, "Weather and time?")
    first = await _stream(client, t.id, assistant_id=a.id)
    paused = first[-2].run
    assert paused.status == R.RUN_STATUS_REQUIRES_ACTION
    required = paused.required_action.submit_tool_outputs.tool_calls
    assert [(c.id, c.function.name) for c in required] == [
        (call.ids[0], "get_weather"),
        (call.ids[1], "get_time"),
    ]
    indices = {
        c.index
        for e in first
        if e.event == "thread.run.step.delta"
        for c in e.run_step_delta.delta.step_details.tool_calls
    }
    assert indices == {0, 1}

    error = await rpc_error(client.runs.SubmitToolOutputs(_submit(paused, (call.ids[0], "cold"))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error) == (
        "tool_outputs",
        f"Expected tool outputs for call_ids {call.ids}, got {[call.ids[0]]}",
    )
    extra = ("call_" + "X" * 24, "?")
    error = await rpc_error(
        client.runs.SubmitToolOutputs(
            _submit(paused, (call.ids[0], "cold"), (call.ids[1], "noon"), extra)
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == "tool_outputs"
    error = await rpc_error(
        client.runs.SubmitToolOutputs(_submit(paused, (call.ids[0], "a"), (call.ids[0], "b")))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    still = await client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=paused.id))
    assert still == paused

    # Any order will do.
    queued = await client.runs.SubmitToolOutputs(
        _submit(paused, (call.ids[1], "noon"), (call.ids[0], "cold"))
    )
    assert queued.status == R.RUN_STATUS_QUEUED and not queued.HasField("required_action")
    done = await wait_for_status(client, t.id, paused.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED
    steps = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=t.id, run_id=paused.id, order=common_pb2.LIST_ORDER_ASC)
    )
    tool_step = steps.data[0]
    assert tool_step.status == S.RUN_STEP_STATUS_COMPLETED
    assert [(c.id, c.function.output) for c in tool_step.step_details.tool_calls] == [
        (call.ids[0], "cold"),
        (call.ids[1], "noon"),
    ]
    replay = model.requests[1]["messages"]
    assert [c["id"] for c in replay[-3]["tool_calls"]] == call.ids
    assert replay[-2:] == [
        {"role": "tool", "tool_call_id": call.ids[0], "content": "cold"},
        {"role": "tool", "tool_call_id": call.ids[1], "content": "noon"},
    ]


async def test_second_submit_of_the_same_outputs_is_refused(
    client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", "{}"))
    model.script(call, text("Done.", delay=0.05))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    paused = await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    request = _submit(paused, (call.ids[0], "x"))
    try:
        results = await asyncio.gather(
            client.runs.SubmitToolOutputs(request),
            client.runs.SubmitToolOutputs(request),
            return_exceptions=True,
        )
        # Once the first has been taken, a later one is refused with the reference wording.
        late = await rpc_error(client.runs.SubmitToolOutputs(request))
    finally:
        done = await wait_for_status(client, t.id, run.id, TERMINAL)
    accepted = [r for r in results if isinstance(r, R.Run)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(accepted) == 1 and len(refused) == 1
    assert accepted[0].status == R.RUN_STATUS_QUEUED
    # Racing the first, the wording may differ (see the report); the code may not.
    assert refused[0].code() == grpc.StatusCode.FAILED_PRECONDITION
    assert late.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert re.fullmatch(
        r'Runs in status "(queued|in_progress|completed)" do not accept tool outputs\.',
        late.details(),
    )
    assert done.status == R.RUN_STATUS_COMPLETED
    assert len(model.requests) == 2


# Tools the run cannot use.


async def test_call_of_a_function_the_run_lacks_fails_the_run(
    client: Client, model: FakeModel
) -> None:
    model.script(tool_calls(("launch_rockets", "{}")))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Go")
    events = await _stream(client, t.id, assistant_id=a.id)
    assert names(events) == [*TOOL_CALLS, "thread.run.step.failed", "thread.run.failed", "done"]
    run = events[-2].run
    assert run.status == R.RUN_STATUS_FAILED and run.HasField("failed_at")
    assert run.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    assert "launch_rockets" in run.last_error.message
    assert not run.HasField("required_action")
    step = events[-3].run_step
    assert step.status == S.RUN_STEP_STATUS_FAILED and step.HasField("failed_at")
    assert step.last_error == run.last_error
    assert len(model.requests) == 1


async def test_failed_tool_turn_still_reports_its_usage(client: Client, model: FakeModel) -> None:
    model.script(tool_calls(("launch_rockets", "{}"), usage=(30, 7)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Go")
    events = await _stream(client, t.id, assistant_id=a.id)
    run = events[-2].run
    assert run.status == R.RUN_STATUS_FAILED
    assert (run.usage.prompt_tokens, run.usage.completion_tokens, run.usage.total_tokens) == (
        30,
        7,
        37,
    )
    assert events[-3].run_step.usage == run.usage


async def test_tool_choice_of_a_tool_the_run_lacks_fails_at_once(
    client: Client, model: FakeModel
) -> None:
    """code_interpreter that is not among the run's tools (tests/code_interpreter covers
    the tool itself, and a server where it cannot run)."""
    a = await assistant(client)
    t = await thread(client, "Compute")
    events = await _stream(
        client,
        t.id,
        assistant_id=a.id,
        tool_choice=T.ToolChoice(type=T.TOOL_CHOICE_TYPE_CODE_INTERPRETER),
    )
    assert names(events) == FAILED_AT_ONCE
    run = events[-2].run
    assert run.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    assert "code_interpreter" in run.last_error.message
    assert model.requests == []


# Invalid requests: refused before anything is recorded.


_LAST_MESSAGES = T.TruncationStrategy(type=T.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES)


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"thread_id": "thrd_nope"}, "thread_id"),
        ({"assistant_id": ""}, "assistant_id"),
        ({"assistant_id": "assistant-1"}, "assistant_id"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"max_completion_tokens": 255}, "max_completion_tokens"),
        ({"max_prompt_tokens": 10}, "max_prompt_tokens"),
        ({"model": ""}, "model"),
        ({"truncation_strategy": _LAST_MESSAGES}, "truncation_strategy.last_messages"),
        (
            {
                "truncation_strategy": T.TruncationStrategy(
                    type=T.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES, last_messages=0
                )
            },
            "truncation_strategy.last_messages",
        ),
        (
            {
                "tool_choice": T.ToolChoice(
                    type=T.TOOL_CHOICE_TYPE_FUNCTION,
                    function=T.ToolChoiceFunction(name="not_a_tool"),
                )
            },
            "tool_choice.function.name",
        ),
        ({"include": ["step_details.everything"]}, "include[0]"),
        (
            {"additional_messages": [message_pb2.MessageInput(role=message_pb2.MESSAGE_ROLE_USER)]},
            None,
        ),
    ],
)
async def test_invalid_create_run_is_refused(
    client: Client, model: FakeModel, fields: dict[str, Any], param: str | None
) -> None:
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Hi")
    request = RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id)
    for name, value in fields.items():
        if isinstance(value, list):
            getattr(request, name).extend(value)
        elif hasattr(value, "DESCRIPTOR"):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    for call in (client.runs.CreateRun(request), client.runs.CreateRunStream(request)):
        error = await rpc_error(call if not hasattr(call, "read") else _drain(call))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        violated, description = field_violation(error)
        if param is not None:
            assert violated == param
        else:
            assert violated.startswith("additional_messages[0].")
        assert description
    runs = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id))
    assert list(runs.data) == []
    assert model.requests == []


async def _drain(stream: Any) -> None:
    await collect(stream)


async def test_create_run_needs_a_thread_and_assistant(client: Client, model: FakeModel) -> None:
    error = await rpc_error(client.runs.CreateRun(RS.CreateRunRequest()))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == "thread_id"
    t = await thread(client, "Hi")
    error = await rpc_error(client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id)))
    assert field_violation(error)[0] == "assistant_id"
    error = await rpc_error(
        client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id="msg_" + "A" * 24))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == "run_id"


async def test_invalid_queries_are_refused(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    await wait_for_status(client, t.id, run.id, TERMINAL)
    cases = [
        (client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id, limit=0)), "limit"),
        (client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id, limit=101)), "limit"),
        (
            client.runs.ListRunSteps(
                RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id, include=["everything"])
            ),
            "include[0]",
        ),
        (
            client.runs.GetRunStep(
                RS.GetRunStepRequest(thread_id=t.id, run_id=run.id, step_id="msg_" + "A" * 24)
            ),
            "step_id",
        ),
        (client.runs.CancelRun(RS.CancelRunRequest(thread_id=t.id, run_id="")), "run_id"),
    ]
    for call, param in cases:
        error = await rpc_error(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violation(error)[0] == param


async def test_step_of_another_run_is_not_found(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    runs = []
    for _ in range(2):
        run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        runs.append(await wait_for_status(client, t.id, run.id, TERMINAL))
    steps = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=t.id, run_id=runs[0].id)
    )
    step_id = steps.data[0].id
    error = await rpc_error(
        client.runs.GetRunStep(
            RS.GetRunStepRequest(thread_id=t.id, run_id=runs[1].id, step_id=step_id)
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == f"No run step found with id '{step_id}'."
