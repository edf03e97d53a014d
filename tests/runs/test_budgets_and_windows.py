"""Token budgets, truncation and per-run overrides (reference §3.4, §8, §13), checked against
exactly what the fake model received."""

from __future__ import annotations

import json
from typing import Any

from assistants.v1 import (
    common_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
    tools_pb2,
)
from service.domain import tokens
from tests.fake_model import FakeModel, length, text, tool_calls
from tests.helpers import Client
from tests.runs.support import (
    PLAIN,
    TERMINAL,
    assistant,
    collect,
    function_tool,
    names,
    thread,
    wait_for_status,
)

R = run_pb2
RS = run_service_pb2
S = run_step_pb2
M = message_pb2
T = tools_pb2
SYSTEM = {"role": "system", "content": "You are terse."}


def _submit(run: R.Run, *pairs: tuple[str, str]) -> RS.SubmitToolOutputsRequest:
    return RS.SubmitToolOutputsRequest(
        thread_id=run.thread_id,
        run_id=run.id,
        tool_outputs=[R.ToolOutput(tool_call_id=i, output=o) for i, o in pairs],
    )


def _user(value: str) -> M.MessageInput:
    return M.MessageInput(
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)],
    )


def _cost(message: dict[str, Any]) -> int:
    """What a plain-text chat message costs in a prompt (o200k_base, as gpt-4o counts)."""
    return tokens.MESSAGE_OVERHEAD_TOKENS + tokens.count_text(message["content"])


async def _run(client: Client, thread_id: str, **fields: Any) -> R.Run:
    run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=thread_id, **fields))
    return await wait_for_status(client, thread_id, run.id, TERMINAL)


# Budgets.


async def test_max_completion_tokens_hit_ends_incomplete(client: Client, model: FakeModel) -> None:
    model.script(length("A long answer that was cut", usage=(20, 256)))
    a = await assistant(client)
    t = await thread(client, "Tell me everything.")
    events = await collect(
        client.runs.CreateRunStream(
            RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_completion_tokens=256)
        )
    )
    assert names(events) == [
        *PLAIN[:8],
        "thread.message.incomplete",
        "thread.run.step.completed",
        "thread.run.incomplete",
        "done",
    ]
    assert model.requests[0]["max_completion_tokens"] == 256
    message = events[-4].message
    assert message.status == M.MESSAGE_STATUS_INCOMPLETE
    assert message.incomplete_details.reason == M.MESSAGE_INCOMPLETE_REASON_MAX_TOKENS
    assert message.content[0].text.value == "A long answer that was cut"
    step = events[-3].run_step
    assert step.usage.completion_tokens == 256
    run = events[-2].run
    assert run.status == R.RUN_STATUS_INCOMPLETE
    assert run.incomplete_details.reason == R.RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS
    assert (run.usage.prompt_tokens, run.usage.completion_tokens) == (20, 256)
    assert run.max_completion_tokens == 256 and not run.HasField("expires_at")
    got = await client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=run.id))
    assert got == run


async def test_max_prompt_tokens_too_small_for_the_thread(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, " ".join(["word"] * 2000))
    events = await collect(
        client.runs.CreateRunStream(
            RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_prompt_tokens=256)
        )
    )
    assert names(events) == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.incomplete",
        "done",
    ]
    run = events[-2].run
    assert run.status == R.RUN_STATUS_INCOMPLETE
    assert run.incomplete_details.reason == R.RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS
    assert model.requests == []
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id))
    assert list(steps.data) == []


async def test_completion_budget_is_across_the_run(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", "{}"), usage=(300, 100))
    model.script(call, text("Cold.", usage=(350, 20)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_completion_tokens=1000)
    )
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    await client.runs.SubmitToolOutputs(_submit(run, (call.ids[0], "-5C")))
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED
    assert [r["max_completion_tokens"] for r in model.requests] == [1000, 900]
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (650, 120)
    assert done.usage.total_tokens == 770


async def test_spent_completion_budget_ends_the_run_before_the_next_call(
    client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", "{}"), usage=(40, 256))
    model.script(call)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_completion_tokens=256)
    )
    paused = await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    events = await collect(
        client.runs.SubmitToolOutputsStream(_submit(paused, (call.ids[0], "-5C")))
    )
    assert names(events) == [
        "thread.run.step.completed",
        "thread.run.queued",
        "thread.run.in_progress",
        "thread.run.incomplete",
        "done",
    ]
    ended = events[-2].run
    assert ended.incomplete_details.reason == R.RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS
    assert ended.usage.completion_tokens == 256
    assert len(model.requests) == 1


async def test_spent_prompt_budget_ends_the_run_before_the_next_call(
    client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", "{}"), usage=(300, 10))
    model.script(call)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_prompt_tokens=300)
    )
    paused = await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    await client.runs.SubmitToolOutputs(_submit(paused, (call.ids[0], "-5C")))
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_INCOMPLETE
    assert done.incomplete_details.reason == R.RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS
    assert len(model.requests) == 1
    assert "max_completion_tokens" not in model.requests[0]


async def test_prompt_budget_left_shrinks_the_next_window(client: Client, model: FakeModel) -> None:
    """After a completion that used 600 of 1,000 prompt tokens, the next prompt has 400."""
    filler = " ".join(["word"] * 95)
    call = tool_calls(("get_weather", "{}"), usage=(600, 10))
    model.script(call, text("Done."))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, *[f"Message {i}: {filler}" for i in range(8)])
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id, max_prompt_tokens=1000)
    )
    await wait_for_status(client, t.id, run.id, {R.RUN_STATUS_REQUIRES_ACTION})
    await client.runs.SubmitToolOutputs(_submit(run, (call.ids[0], "x")))
    done = await wait_for_status(client, t.id, run.id, TERMINAL)
    assert done.status == R.RUN_STATUS_COMPLETED

    def history(request: dict[str, Any]) -> list[dict[str, Any]]:
        return [m for m in request["messages"] if m["role"] == "user"]

    first, second = history(model.requests[0]), history(model.requests[1])
    assert 0 < len(second) < len(first) <= 8
    assert second == first[len(first) - len(second) :]
    own = [m for m in model.requests[1]["messages"] if m["role"] != "user"]
    assert sum(map(_cost, second)) + tokens.count_text(json.dumps(own)) <= 400


# Truncation.


async def test_last_messages_sends_only_the_newest(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "m0", "m1", "m2", "m3", "m4")
    strategy = T.TruncationStrategy(type=T.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES, last_messages=2)
    run = await _run(client, t.id, assistant_id=a.id, truncation_strategy=strategy)
    assert run.status == R.RUN_STATUS_COMPLETED
    assert run.truncation_strategy == strategy
    assert model.requests[0]["messages"] == [
        SYSTEM,
        {"role": "user", "content": "m3"},
        {"role": "user", "content": "m4"},
    ]


async def test_last_messages_above_the_thread_length_sends_all(
    client: Client, model: FakeModel
) -> None:
    a = await assistant(client)
    t = await thread(client, "m0", "m1")
    strategy = T.TruncationStrategy(type=T.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES, last_messages=9)
    await _run(client, t.id, assistant_id=a.id, truncation_strategy=strategy)
    assert [m["content"] for m in model.requests[0]["messages"]] == [
        "You are terse.",
        "m0",
        "m1",
    ]


async def test_auto_truncation_keeps_the_newest_that_fit(client: Client, model: FakeModel) -> None:
    filler = " ".join(["word"] * 95)
    sent = [f"Message {i}: {filler}" for i in range(10)]
    a = await assistant(client)
    t = await thread(client, *sent)
    run = await _run(client, t.id, assistant_id=a.id, max_prompt_tokens=500)
    assert run.status == R.RUN_STATUS_COMPLETED
    assert run.truncation_strategy.type == T.TRUNCATION_STRATEGY_TYPE_AUTO
    messages = model.requests[0]["messages"]
    assert messages[0] == SYSTEM
    kept = [m["content"] for m in messages[1:]]
    assert all(m["role"] == "user" for m in messages[1:])
    assert 0 < len(kept) < len(sent) and kept == sent[len(sent) - len(kept) :]
    fixed = tokens.count_text(json.dumps([SYSTEM]))
    window = sum(_cost(m) for m in messages[1:])
    assert fixed + window <= 500
    # The newest that fit: the next older one would not have.
    dropped = {"role": "user", "content": sent[len(sent) - len(kept) - 1]}
    assert fixed + window + _cost(dropped) > 500


async def test_auto_without_budgets_sends_the_whole_thread(
    client: Client, model: FakeModel
) -> None:
    a = await assistant(client)
    t = await thread(client, *[f"m{i}" for i in range(6)])
    await _run(client, t.id, assistant_id=a.id)
    request = model.requests[0]
    users = [{"role": "user", "content": f"m{i}"} for i in range(6)]
    assert request["messages"] == [SYSTEM, *users]
    for absent in ("max_completion_tokens", "tools", "tool_choice", "parallel_tool_calls"):
        assert absent not in request


# Overrides.


async def test_additional_instructions_are_appended(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(
            thread_id=t.id, assistant_id=a.id, additional_instructions="Answer in French."
        )
    )
    assert run.instructions == "You are terse. Answer in French."
    await wait_for_status(client, t.id, run.id, TERMINAL)
    assert model.requests[0]["messages"][0] == {
        "role": "system",
        "content": "You are terse. Answer in French.",
    }


async def test_instructions_override_replaces(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(
            thread_id=t.id,
            assistant_id=a.id,
            instructions="Be pirate.",
            additional_instructions="Say arr.",
        )
    )
    assert run.instructions == "Be pirate. Say arr."
    await wait_for_status(client, t.id, run.id, TERMINAL)
    assert model.requests[0]["messages"][0] == {"role": "system", "content": "Be pirate. Say arr."}

    empty = await _run(client, t.id, assistant_id=a.id, instructions="")
    assert empty.instructions == ""
    assert model.requests[1]["messages"][0]["role"] == "user"


async def test_additional_messages_join_the_thread_first(client: Client, model: FakeModel) -> None:
    model.script(text("Noted."))
    a = await assistant(client)
    t = await thread(client, "first")
    extra = [
        _user("second"),
        M.MessageInput(
            role=M.MESSAGE_ROLE_ASSISTANT,
            content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="an aside")],
        ),
        _user("third"),
    ]
    run = await _run(client, t.id, assistant_id=a.id, additional_messages=extra)
    assert run.status == R.RUN_STATUS_COMPLETED
    assert model.requests[0]["messages"] == [
        SYSTEM,
        {"role": "user", "content": "first"},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": "an aside"},
        {"role": "user", "content": "third"},
    ]
    listed = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=t.id, order=common_pb2.LIST_ORDER_ASC)
    )
    assert [m.content[0].text.value for m in listed.data] == [
        "first",
        "second",
        "an aside",
        "third",
        "Noted.",
    ]
    for added in listed.data[1:4]:
        assert not added.HasField("run_id") and not added.HasField("assistant_id")
        assert added.status == M.MESSAGE_STATUS_COMPLETED
    answer = listed.data[4]
    assert answer.run_id == run.id and answer.assistant_id == a.id


async def test_model_and_sampling_overrides_pass_through(client: Client, model: FakeModel) -> None:
    a = await assistant(client)
    t = await thread(client, "Hi")
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(
            thread_id=t.id, assistant_id=a.id, model="gpt-4o-mini", temperature=0.25, top_p=0.5
        )
    )
    assert (run.model, run.temperature, run.top_p) == ("gpt-4o-mini", 0.25, 0.5)
    await wait_for_status(client, t.id, run.id, TERMINAL)
    request = model.requests[0]
    assert (request["model"], request["temperature"], request["top_p"]) == (
        "gpt-4o-mini",
        0.25,
        0.5,
    )


async def test_assistant_sampling_defaults_apply(client: Client, model: FakeModel) -> None:
    a = await assistant(client, temperature=0.5)
    t = await thread(client, "Hi")
    run = await _run(client, t.id, assistant_id=a.id)
    assert run.temperature == 0.5 and run.model == "gpt-4o"
    assert model.requests[0]["temperature"] == 0.5
    assert model.requests[0]["model"] == "gpt-4o"


async def test_tool_overrides_pass_through(client: Client, model: FakeModel) -> None:
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Hi")
    run = await _run(
        client,
        t.id,
        assistant_id=a.id,
        tools=[function_tool("get_time"), function_tool("get_date")],
        tool_choice=T.ToolChoice(
            type=T.TOOL_CHOICE_TYPE_FUNCTION, function=T.ToolChoiceFunction(name="get_date")
        ),
        parallel_tool_calls=False,
    )
    assert run.status == R.RUN_STATUS_COMPLETED
    assert [tool.function.name for tool in run.tools] == ["get_time", "get_date"]
    request = model.requests[0]
    assert [tool["function"]["name"] for tool in request["tools"]] == ["get_time", "get_date"]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "get_date"}}
    assert request["parallel_tool_calls"] is False

    required = await _run(
        client,
        t.id,
        assistant_id=a.id,
        tool_choice=T.ToolChoice(type=T.TOOL_CHOICE_TYPE_REQUIRED),
    )
    assert required.status == R.RUN_STATUS_COMPLETED
    request = model.requests[1]
    assert [tool["function"]["name"] for tool in request["tools"]] == ["get_weather"]
    assert request["tool_choice"] == "required"
    assert request["parallel_tool_calls"] is True
