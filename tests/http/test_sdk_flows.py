"""End to end: the real `openai` SDK against the real HTTP server, the fake model answering.

Each test has a project (an API key) of its own. The sync client blocks, so sync code runs in
a thread (`asyncio.to_thread`) while the in-process server goes on serving on the event loop.
What is expected comes from the reference digest (/work/shared/reference/assistants-api.md):
§2 envelopes and limits, §4 endpoints and the poll header, §5 the run state machine and the
active-run messages, §7 streaming, §11 errors.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import aiohttp
import openai
import pytest
from openai.types.beta import AssistantStreamEvent
from openai.types.beta.threads import Message, Text, TextDelta
from openai.types.beta.threads.runs import RunStep, RunStepDelta, ToolCall, ToolCallDelta
from typing_extensions import override

from assistants.v1 import run_event_pb2, run_service_pb2
from service.app import Application, IssuedKey
from service.http._wire_events import run_event
from tests.fake_model import FakeModel, error, hang, length, text, tool_calls
from tests.helpers import Client
from tests.runs.support import PLAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

T = TypeVar("T")
RS = run_service_pb2

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


async def in_thread(fn: Callable[[], T]) -> T:
    """Runs blocking SDK code off the event loop, so the in-process server keeps serving."""
    return await asyncio.wait_for(asyncio.to_thread(fn), timeout=30)


@pytest.fixture
async def key(app: Application) -> IssuedKey:
    return await app.auth.issue_key(f"sdk-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def sync_sdk(http_url: str, key: IssuedKey) -> openai.OpenAI:
    return openai.OpenAI(base_url=http_url, api_key=key.secret, max_retries=0, timeout=20)


@pytest.fixture
async def sdk(http_url: str, key: IssuedKey) -> AsyncIterator[openai.AsyncOpenAI]:
    # No retries: a 5xx must show as itself, not as a slow success or a retried conflict.
    client = openai.AsyncOpenAI(base_url=http_url, api_key=key.secret, max_retries=0, timeout=20)
    yield client
    await client.close()


class Recorder(openai.AssistantEventHandler):
    """Records every callback, in order, as (name, payload)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def payloads(self, name: str) -> list[Any]:
        return [payload for n, payload in self.calls if n == name]

    @override
    def on_event(self, event: AssistantStreamEvent) -> None:
        self.calls.append((f"event:{event.event}", event.data))

    @override
    def on_end(self) -> None:
        self.calls.append(("end", None))

    @override
    def on_exception(self, exception: Exception) -> None:
        self.calls.append(("exception", exception))

    @override
    def on_timeout(self) -> None:
        self.calls.append(("timeout", None))

    @override
    def on_run_step_created(self, run_step: RunStep) -> None:
        self.calls.append(("run_step_created", run_step))

    @override
    def on_run_step_delta(self, delta: RunStepDelta, snapshot: RunStep) -> None:
        self.calls.append(("run_step_delta", (delta, snapshot)))

    @override
    def on_run_step_done(self, run_step: RunStep) -> None:
        self.calls.append(("run_step_done", run_step))

    @override
    def on_tool_call_created(self, tool_call: ToolCall) -> None:
        self.calls.append(("tool_call_created", tool_call))

    @override
    def on_tool_call_delta(self, delta: ToolCallDelta, snapshot: ToolCall) -> None:
        self.calls.append(("tool_call_delta", (delta, snapshot)))

    @override
    def on_tool_call_done(self, tool_call: ToolCall) -> None:
        self.calls.append(("tool_call_done", tool_call))

    @override
    def on_message_created(self, message: Message) -> None:
        self.calls.append(("message_created", message))

    @override
    def on_message_delta(self, delta: Any, snapshot: Message) -> None:
        self.calls.append(("message_delta", (delta, snapshot)))

    @override
    def on_message_done(self, message: Message) -> None:
        self.calls.append(("message_done", message))

    @override
    def on_text_created(self, text: Text) -> None:
        self.calls.append(("text_created", text.value))

    @override
    def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.calls.append(("text_delta", (delta.value, snapshot.value)))

    @override
    def on_text_done(self, text: Text) -> None:
        self.calls.append(("text_done", text.value))


def text_answer_calls(deltas: int) -> list[str]:
    """The callbacks of a plain text answer (§7 order a) with `deltas` message deltas."""
    first = ["event:thread.message.delta", "text_created", "text_delta", "message_delta"]
    more = ["event:thread.message.delta", "text_delta", "message_delta"]
    return [
        "event:thread.run.step.created",
        "run_step_created",
        "event:thread.run.step.in_progress",
        "event:thread.message.created",
        "message_created",
        "event:thread.message.in_progress",
        *first,
        *more * (deltas - 1),
        "event:thread.message.completed",
        "text_done",
        "message_done",
        "event:thread.run.step.completed",
        "run_step_done",
        "event:thread.run.completed",
    ]


RUN_START = ["event:thread.run.created", "event:thread.run.queued", "event:thread.run.in_progress"]


# 1. The quickstart.


QUICKSTART_ANSWER = (
    "Of course, Jane Doe! Subtract 11 from both sides: 3x = 3. Then divide by 3: x = 1."
)


async def test_the_quickstart_verbatim(http_url: str, key: IssuedKey, model: FakeModel) -> None:
    model.script(text(QUICKSTART_ANSWER, chunk_size=7, usage=(50, 21)))
    handler = Recorder()

    def quickstart() -> tuple[str, str, list[Any]]:
        from openai import OpenAI

        client = OpenAI(base_url=http_url, api_key=key.secret)
        assistant = client.beta.assistants.create(
            name="Math Tutor",
            instructions=(
                "You are a personal math tutor. Write and run code to answer math questions."
            ),
            tools=[{"type": "code_interpreter"}],
            model="gpt-4o",
        )
        thread = client.beta.threads.create()
        client.beta.threads.messages.create(
            thread_id=thread.id,
            role="user",
            content="I need to solve the equation `3x + 11 = 14`. Can you help me?",
        )
        with client.beta.threads.runs.stream(
            thread_id=thread.id,
            assistant_id=assistant.id,
            instructions="Please address the user as Jane Doe. The user has a premium account.",
            event_handler=handler,
        ) as stream:
            stream.until_done()
        listed = list(client.beta.threads.messages.list(thread_id=thread.id))
        client.close()
        return assistant.id, thread.id, listed

    assistant_id, thread_id, listed = await in_thread(quickstart)

    # The text arrives through on_text_delta, in more than one piece, and adds up.
    deltas = handler.payloads("text_delta")
    assert len(deltas) >= 2
    assert "".join(piece for piece, _ in deltas) == QUICKSTART_ANSWER
    assert [snapshot for _, snapshot in deltas][-1] == QUICKSTART_ANSWER
    # The order of the callbacks, from the first event to on_end.
    assert handler.names() == [*RUN_START, *text_answer_calls(len(deltas)), "end"]
    assert handler.payloads("text_created") == [deltas[0][0]]
    assert handler.payloads("text_done") == [QUICKSTART_ANSWER]
    (done,) = handler.payloads("message_done")
    assert done.status == "completed" and done.role == "assistant"
    assert done.content[0].type == "text" and done.content[0].text.value == QUICKSTART_ANSWER
    (step,) = handler.payloads("run_step_done")
    assert step.step_details.type == "message_creation"
    assert step.step_details.message_creation.message_id == done.id
    assert step.usage is not None and step.usage.total_tokens == 71
    run = handler.current_run
    assert run is not None and run.status == "completed"
    assert run.instructions == (
        "Please address the user as Jane Doe. The user has a premium account."
    )
    assert run.assistant_id == assistant_id and run.thread_id == thread_id
    assert run.usage is not None and run.usage.total_tokens == 71

    # The model got the run's instructions in place of the assistant's, then the question.
    (sent,) = model.requests
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0] == {
        "role": "system",
        "content": "Please address the user as Jane Doe. The user has a premium account.",
    }
    assert sent["messages"][-1] == {
        "role": "user",
        "content": "I need to solve the equation `3x + 11 = 14`. Can you help me?",
    }
    assert "math tutor" not in json.dumps(sent)

    # messages.list (newest first) shows the answer above the question.
    assert [(m.role, m.content[0].text.value) for m in listed if m.content[0].type == "text"] == [
        ("assistant", QUICKSTART_ANSWER),
        ("user", "I need to solve the equation `3x + 11 = 14`. Can you help me?"),
    ]
    assert listed[0].id == done.id and listed[0].run_id == run.id


# 2. create_and_poll.


async def test_create_and_poll_returns_soon_after_the_run_ends(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    model.script(text("Polled to the end."))
    assistant = await sdk.beta.assistants.create(model="gpt-4o", instructions="Be brief.")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    polling = asyncio.create_task(
        sdk.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    )
    await model.wait_for_requests(1, timeout=10)
    answered = time.perf_counter()
    run = await asyncio.wait_for(polling, timeout=10)
    returned = time.perf_counter()
    lag = returned - answered
    print(f"create_and_poll returned {lag * 1000:.1f} ms after the model was asked")
    assert run.status == "completed" and run.completed_at is not None
    assert run.usage is not None and run.usage.total_tokens == 15
    assert lag < 1.0
    messages = await sdk.beta.threads.messages.list(thread_id=thread.id, run_id=run.id)
    assert [m.content[0].text.value for m in messages.data if m.content[0].type == "text"] == [
        "Polled to the end."
    ]


# 3. Function calling.


async def test_function_call_stream_then_submit_outputs_stream(
    sync_sdk: openai.OpenAI, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", {"location": "Paris"}), usage=(30, 7))
    model.script(call, text("It is 70F in Paris.", chunk_size=4, usage=(40, 5)))
    paused_handler, resumed_handler = Recorder(), Recorder()

    def flow() -> tuple[str, str]:
        assistant = sync_sdk.beta.assistants.create(
            model="gpt-4o", instructions="Use tools.", tools=[WEATHER_TOOL]
        )
        thread = sync_sdk.beta.threads.create(
            messages=[{"role": "user", "content": "Weather in Paris?"}]
        )
        with sync_sdk.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id, event_handler=paused_handler
        ) as stream:
            stream.until_done()
        run = paused_handler.current_run
        assert run is not None and run.required_action is not None
        outputs = [
            {"tool_call_id": c.id, "output": "70F"}
            for c in run.required_action.submit_tool_outputs.tool_calls
        ]
        with sync_sdk.beta.threads.runs.submit_tool_outputs_stream(
            thread_id=thread.id,
            run_id=run.id,
            tool_outputs=outputs,  # type: ignore[arg-type]
            event_handler=resumed_handler,
        ) as stream:
            stream.until_done()
        return thread.id, run.id

    thread_id, run_id = await in_thread(flow)

    # The first stream: the tool call builds up, then the run waits for its output.
    names = paused_handler.names()
    arg_deltas = names.count("tool_call_delta")
    assert names == [
        *RUN_START,
        "event:thread.run.step.created",
        "run_step_created",
        "event:thread.run.step.in_progress",
        "event:thread.run.step.delta",
        "tool_call_created",
        "run_step_delta",
        *["event:thread.run.step.delta", "tool_call_delta", "run_step_delta"] * arg_deltas,
        "event:thread.run.requires_action",
        "tool_call_done",
        "end",
    ]
    assert arg_deltas >= 1
    (created,) = paused_handler.payloads("tool_call_created")
    assert created.type == "function" and created.id == call.ids[0]
    assert created.function.name == "get_weather"
    (done_call,) = paused_handler.payloads("tool_call_done")
    assert done_call.id == call.ids[0]
    assert json.loads(done_call.function.arguments) == {"location": "Paris"}
    assert done_call.function.output is None
    paused = paused_handler.current_run
    assert paused is not None and paused.status == "requires_action"
    assert paused.required_action is not None and paused.required_action.type == (
        "submit_tool_outputs"
    )
    required = paused.required_action.submit_tool_outputs.tool_calls
    assert [(c.id, c.type, c.function.name) for c in required] == [
        (call.ids[0], "function", "get_weather")
    ]
    assert json.loads(required[0].function.arguments) == {"location": "Paris"}

    # The second stream: the tool step completes with the output, then the text answer.
    names = resumed_handler.names()
    deltas = resumed_handler.payloads("text_delta")
    assert names == [
        "event:thread.run.step.completed",
        "run_step_done",
        "event:thread.run.queued",
        "event:thread.run.in_progress",
        *text_answer_calls(len(deltas)),
        "end",
    ]
    tool_step = resumed_handler.payloads("run_step_done")[0]
    assert tool_step.step_details.type == "tool_calls"
    assert tool_step.step_details.tool_calls[0].function.output == "70F"
    assert "".join(piece for piece, _ in deltas) == "It is 70F in Paris."
    final = resumed_handler.current_run
    assert final is not None and final.status == "completed" and final.id == run_id
    assert final.usage is not None and final.usage.total_tokens == 37 + 45

    # The model's second request replays the call and carries its output.
    assert len(model.requests) == 2
    replay = model.requests[1]["messages"]
    assert replay[-2]["role"] == "assistant"
    assert replay[-2]["tool_calls"][0]["id"] == call.ids[0]
    assert replay[-2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert replay[-1] == {"role": "tool", "tool_call_id": call.ids[0], "content": "70F"}
    assert thread_id == final.thread_id


async def test_function_call_submit_tool_outputs_and_poll(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", {"location": "Oslo"}), ("get_weather", {"location": "Rome"}))
    model.script(call, text("Oslo 5C, Rome 20C."))
    assistant = await sdk.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Oslo and Rome?"}])
    paused = await sdk.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20
    )
    assert paused.status == "requires_action" and paused.required_action is not None
    required = paused.required_action.submit_tool_outputs.tool_calls
    assert [c.id for c in required] == call.ids
    assert [json.loads(c.function.arguments)["location"] for c in required] == ["Oslo", "Rome"]
    final = await sdk.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread.id,
        run_id=paused.id,
        tool_outputs=[
            {"tool_call_id": call.ids[0], "output": "5C"},
            {"tool_call_id": call.ids[1], "output": "20C"},
        ],
        poll_interval_ms=20,
    )
    assert final.status == "completed" and final.required_action is None
    replay = model.requests[1]["messages"]
    assert replay[-2:] == [
        {"role": "tool", "tool_call_id": call.ids[0], "content": "5C"},
        {"role": "tool", "tool_call_id": call.ids[1], "content": "20C"},
    ]
    steps = await sdk.beta.threads.runs.steps.list(thread_id=thread.id, run_id=paused.id)
    assert [s.type for s in steps.data] == ["message_creation", "tool_calls"]
    tool_step = steps.data[1].step_details
    assert tool_step.type == "tool_calls"
    assert [c.function.output for c in tool_step.tool_calls if c.type == "function"] == [
        "5C",
        "20C",
    ]


# 4. create_and_run_poll.


async def test_create_and_run_poll(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    model.script(text("A new thread, answered."))
    assistant = await sdk.beta.assistants.create(model="gpt-4o", instructions="Be kind.")
    run = await sdk.beta.threads.create_and_run_poll(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "Start here."}], "metadata": {"k": "v"}},
        poll_interval_ms=20,
    )
    assert run.status == "completed" and run.assistant_id == assistant.id
    thread = await sdk.beta.threads.retrieve(run.thread_id)
    assert thread.metadata == {"k": "v"}
    listed = await sdk.beta.threads.messages.list(thread_id=run.thread_id, order="asc")
    assert [
        (m.role, m.content[0].text.value) for m in listed.data if m.content[0].type == "text"
    ] == [
        ("user", "Start here."),
        ("assistant", "A new thread, answered."),
    ]
    assert model.requests[0]["messages"] == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Start here."},
    ]


# 5. The auto-pager.


async def test_the_auto_pager_walks_250_messages_both_ways(
    sdk: openai.AsyncOpenAI, sync_sdk: openai.OpenAI
) -> None:
    thread = await sdk.beta.threads.create()
    created = [
        (await sdk.beta.threads.messages.create(thread.id, role="user", content=f"m{i}")).id
        for i in range(250)
    ]
    assert len(set(created)) == 250

    def walk(order: Any, limit: int) -> tuple[list[str], list[str], list[int]]:
        first = sync_sdk.beta.threads.messages.list(thread_id=thread.id, limit=limit, order=order)
        ids, texts = [], []
        for m in first:  # the SDK fetches the next pages itself
            ids.append(m.id)
            texts.append(m.content[0].text.value if m.content[0].type == "text" else "")
        sizes = [len(page.data) for page in first.iter_pages()]
        return ids, texts, sizes

    ids, texts, sizes = await in_thread(lambda: walk("asc", 100))
    assert ids == created
    assert texts == [f"m{i}" for i in range(250)]
    assert sizes == [100, 100, 50]
    ids, texts, sizes = await in_thread(lambda: walk("desc", 100))
    assert ids == created[::-1]
    assert sizes == [100, 100, 50]
    # A limit that does not divide 250, and the async pager.
    walked = [m.id async for m in sdk.beta.threads.messages.list(thread.id, limit=37, order="asc")]
    assert walked == created
    desc = [m.id async for m in sdk.beta.threads.messages.list(thread.id, limit=37)]
    assert desc == created[::-1]  # desc is the default order


# 6. Errors as the SDK's exceptions.


async def test_metadata_limits_are_bad_requests(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.beta.assistants.create(model="gpt-4o", metadata={f"k{i}": "v" for i in range(17)})
    error = caught.value
    assert error.status_code == 400
    assert isinstance(error.body, dict)
    assert error.body["param"] == "metadata" and error.param == "metadata"
    assert error.body["code"] == "object_above_max_properties"
    assert error.body["type"] == "invalid_request_error"
    assert error.body["message"] == (
        "Invalid 'metadata': too many properties. Expected an object with at most 16"
        " properties, but got an object with 17 properties instead."
    )

    thread = await sdk.beta.threads.create()
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.beta.threads.update(thread.id, metadata={"long": "x" * 513})
    error = caught.value
    assert isinstance(error.body, dict)
    assert error.body["param"] == "metadata.long"
    assert error.body["code"] == "string_above_max_length"
    # The boundaries themselves are fine.
    ok = await sdk.beta.threads.update(
        thread.id, metadata={**{f"k{i}": "v" for i in range(15)}, "long": "x" * 512}
    )
    assert len(ok.metadata or {}) == 16


async def test_the_active_run_lock_is_a_400(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    model.script(hang())
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    run = await sdk.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    try:
        await model.wait_for_requests(1, timeout=10)
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.beta.threads.messages.create(thread.id, role="user", content="More")
        assert caught.value.status_code == 400
        assert caught.value.body == {
            "message": f"Can't add messages to {thread.id} while a run {run.id} is active.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
        with pytest.raises(openai.BadRequestError) as caught:
            await sdk.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
        assert caught.value.body == {
            "message": f"Thread {thread.id} already has an active run {run.id}.",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
        # The streamed form is refused the same way, before any stream opens.
        with pytest.raises(openai.BadRequestError):
            async with sdk.beta.threads.runs.stream(
                thread_id=thread.id, assistant_id=assistant.id
            ) as stream:
                await stream.until_done()
    finally:
        await sdk.beta.threads.runs.cancel(run.id, thread_id=thread.id)
        ended = await sdk.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=20)
    assert ended.status == "cancelled"
    listed = await sdk.beta.threads.messages.list(thread.id)
    assert [m.role for m in listed.data] == ["user"]  # nothing was added


async def test_unknown_ids_are_not_found(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    missing_assistant = "asst_" + "Z" * 24
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.beta.assistants.retrieve(missing_assistant)
    assert caught.value.status_code == 404
    assert caught.value.body == {
        "message": f"No assistant found with id '{missing_assistant}'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    missing_thread = "thread_" + "Z" * 24
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.beta.threads.messages.list(missing_thread)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == f"No thread found with id '{missing_thread}'."
    thread = await sdk.beta.threads.create()
    with pytest.raises(openai.NotFoundError):
        await sdk.beta.threads.runs.retrieve("run_" + "Z" * 24, thread_id=thread.id)
    with pytest.raises(openai.NotFoundError):
        await sdk.beta.threads.runs.create(thread_id=thread.id, assistant_id=missing_assistant)
    with pytest.raises(openai.NotFoundError):
        await sdk.beta.threads.messages.retrieve("msg_" + "Z" * 24, thread_id=thread.id)


async def test_another_projects_objects_are_not_found(
    sdk: openai.AsyncOpenAI, http_url: str, app: Application
) -> None:
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    other = await app.auth.issue_key(f"sdk-other-{uuid.uuid4().hex[:12]}")
    async with openai.AsyncOpenAI(base_url=http_url, api_key=other.secret, max_retries=0) as them:
        with pytest.raises(openai.NotFoundError):
            await them.beta.assistants.retrieve(assistant.id)
        assert (await them.beta.assistants.list()).data == []


async def test_a_bad_key_is_an_authentication_error(http_url: str) -> None:
    async with openai.AsyncOpenAI(
        base_url=http_url, api_key="sk-asst-not-a-real-key", max_retries=0
    ) as client:
        with pytest.raises(openai.AuthenticationError) as caught:
            await client.beta.assistants.list()
    assert caught.value.status_code == 401
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["code"] == "invalid_api_key"
    assert caught.value.body["type"] == "invalid_request_error"


# 7. Cancel.


async def test_cancel_a_running_run(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    model.script(hang(after_chunks="Let me think about"))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hard one"}])
    run = await sdk.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    await model.wait_for_requests(1, timeout=10)
    await wait_until(
        lambda: sdk.beta.threads.runs.retrieve(run.id, thread_id=thread.id),
        lambda r: r.status == "in_progress",
    )
    cancelling = await sdk.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert cancelling.status == "cancelling"
    assert cancelling.cancelled_at is None
    cancelled = await sdk.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=20)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    assert cancelled.completed_at is None and cancelled.expires_at is None
    steps = await sdk.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id)
    assert [s.status for s in steps.data] == ["cancelled"]
    # Cancelling again: the run is over.
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == "Cannot cancel run with status 'cancelled'."
    # The thread is free again.
    await sdk.beta.threads.messages.create(thread.id, role="user", content="Never mind.")


async def wait_until(
    fetch: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 10
) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = await fetch()
            if done(value):
                return value
            await asyncio.sleep(0.02)


# 8. The SSE byte stream against the gRPC stream of the same run.


def sse_frames(raw: bytes) -> list[tuple[str, str]]:
    """(event, data) of each `event: X\\ndata: Y\\n\\n` frame; any other shape fails."""
    assert raw.endswith(b"event: done\ndata: [DONE]\n\n"), raw[-200:]
    frames = []
    for block in raw.decode().split("\n\n")[:-1]:
        lines = block.split("\n")
        assert len(lines) == 2, block
        assert lines[0].startswith("event: ") and lines[1].startswith("data: "), block
        frames.append((lines[0][len("event: ") :], lines[1][len("data: ") :]))
    return frames


async def post_sse(
    session: aiohttp.ClientSession, url: str, secret: str, body: dict[str, Any]
) -> list[tuple[str, str]]:
    headers = {"Authorization": f"Bearer {secret}", "OpenAI-Beta": "assistants=v2"}
    async with session.post(url, json=body, headers=headers) as response:
        raw = await response.read()
        assert response.status == 200, raw
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert response.headers.get("x-request-id")
    return sse_frames(raw)


async def grpc_stream(
    client: Client, thread_id: str, run_id: str, after: int
) -> list[run_event_pb2.RunEvent]:
    request = RS.StreamRunRequest(thread_id=thread_id, run_id=run_id, after_sequence_number=after)
    return [event async for event in client.runs.StreamRun(request)]


def assert_same_events(sse: list[tuple[str, str]], grpc: list[run_event_pb2.RunEvent]) -> None:
    assert [name for name, _ in sse] == [event.event for event in grpc]
    for (name, data), event in zip(sse, grpc, strict=True):
        expected_name, expected_data = run_event(event)
        assert name == expected_name
        if data == "[DONE]":
            assert expected_data == "[DONE]"
        else:
            assert json.loads(data) == json.loads(expected_data), name


async def test_sse_bytes_match_the_grpc_stream(
    http_url: str, grpc_target: str, key: IssuedKey, sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", {"location": "Lima"}))
    model.script(
        text("Hello from both transports: ½ · 👋 · наконец.", chunk_size=3),
        call,
        text("Lima is sunny.", chunk_size=2),
    )
    assistant = await sdk.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    grpc_client = Client(grpc_target, key.secret, key.project_id)
    try:
        async with aiohttp.ClientSession() as session:
            runs_url = f"{http_url}/threads/{thread.id}/runs"
            # A plain answer (§7 order a).
            plain = await post_sse(
                session, runs_url, key.secret, {"assistant_id": assistant.id, "stream": True}
            )
            run_id = json.loads(plain[0][1])["id"]
            assert [name for name, _ in plain][:3] == [
                "thread.run.created",
                "thread.run.queued",
                "thread.run.in_progress",
            ]
            assert plain[-2][0] == "thread.run.completed" and plain[-1] == ("done", "[DONE]")
            deltas = [json.loads(d) for n, d in plain if n == "thread.message.delta"]
            assert len(deltas) >= 2
            assert "".join(d["delta"]["content"][0]["text"]["value"] for d in deltas) == (
                "Hello from both transports: ½ · 👋 · наконец."
            )
            assert_same_events(plain, await grpc_stream(grpc_client, thread.id, run_id, 0))

            # A function call (§7 order b): paused, then resumed with a second stream.
            paused = await post_sse(
                session, runs_url, key.secret, {"assistant_id": assistant.id, "stream": True}
            )
            run_id = json.loads(paused[0][1])["id"]
            assert [n for n, _ in paused][-2:] == ["thread.run.requires_action", "done"]
            first = await grpc_stream(grpc_client, thread.id, run_id, 0)
            assert_same_events(paused, first)
            resumed = await post_sse(
                session,
                f"{runs_url}/{run_id}/submit_tool_outputs",
                key.secret,
                {
                    "tool_outputs": [{"tool_call_id": call.ids[0], "output": "sunny"}],
                    "stream": True,
                },
            )
            assert resumed[0][0] == "thread.run.step.completed"
            assert [n for n, _ in resumed][-2:] == ["thread.run.completed", "done"]
            after = first[-1].sequence_number
            assert_same_events(resumed, await grpc_stream(grpc_client, thread.id, run_id, after))
    finally:
        await grpc_client.close()


# More of the SDK's stream helpers: create_and_run_stream, failures, cut-off answers, and a
# client that goes away mid-stream.


class AsyncRecorder(openai.AsyncAssistantEventHandler):
    """The async handler: records event names and the text deltas."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text: list[str] = []
        self.exceptions: list[Exception] = []

    @override
    async def on_event(self, event: AssistantStreamEvent) -> None:
        self.events.append(event.event)

    @override
    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        self.text.append(delta.value or "")

    @override
    async def on_exception(self, exception: Exception) -> None:
        self.exceptions.append(exception)


# A plain answer's events up to its message deltas (the handler sees each delta).
PLAIN_EVENTS = PLAIN[:7]


async def test_create_and_run_stream_starts_with_the_thread(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    model.script(text("A thread of its own.", chunk_size=4))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    handler = AsyncRecorder()
    async with sdk.beta.threads.create_and_run_stream(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "Go"}]},
        event_handler=handler,
    ) as stream:
        await stream.until_done()
        run = await stream.get_final_run()
        messages = await stream.get_final_messages()
    deltas = handler.events.count("thread.message.delta")
    assert handler.events == [
        "thread.created",
        *PLAIN_EVENTS,
        *["thread.message.delta"] * deltas,
        "thread.message.completed",
        "thread.run.step.completed",
        "thread.run.completed",
    ]
    assert "".join(handler.text) == "A thread of its own."
    assert handler.exceptions == []
    assert run.status == "completed"
    assert [m.content[0].text.value for m in messages if m.content[0].type == "text"] == [
        "A thread of its own."
    ]
    # The user's message was not streamed; it is in the thread all the same.
    listed = await sdk.beta.threads.messages.list(run.thread_id, order="asc")
    assert [m.role for m in listed.data] == ["user", "assistant"]


async def test_a_failing_model_fails_the_run_in_the_stream(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    model.script(error(500, times=5))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    handler = AsyncRecorder()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=handler
    ) as stream:
        await stream.until_done()
    assert handler.events == [*PLAIN_EVENTS[:3], "thread.run.failed"]
    assert handler.exceptions == []
    run = handler.current_run
    assert run is not None and run.status == "failed" and run.failed_at is not None
    assert run.last_error is not None and run.last_error.code == "server_error"
    assert "500" in run.last_error.message
    # The thread is free for the next run.
    model.script(text("Better now."))
    retried = await sdk.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id, poll_interval_ms=20
    )
    assert retried.status == "completed"


async def test_a_cut_off_answer_ends_incomplete(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    model.script(length("A long answer that was cut", usage=(20, 256)))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Go on"}])
    handler = AsyncRecorder()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id,
        assistant_id=assistant.id,
        max_completion_tokens=256,
        event_handler=handler,
    ) as stream:
        await stream.until_done()
        (message,) = await stream.get_final_messages()
    assert handler.events[-3:] == [
        "thread.message.incomplete",
        "thread.run.step.completed",
        "thread.run.incomplete",
    ]
    assert message.status == "incomplete"
    assert message.incomplete_details is not None
    assert message.incomplete_details.reason == "max_tokens"
    run = handler.current_run
    assert run is not None and run.status == "incomplete"
    assert run.incomplete_details is not None
    assert run.incomplete_details.reason == "max_completion_tokens"


async def test_a_client_that_leaves_mid_stream_leaves_the_run_going(
    http_url: str, key: IssuedKey, sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    answer = "Slow and steady finishes the answer."
    model.script(text(answer, chunk_size=2, delay=0.01))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    headers = {"Authorization": f"Bearer {key.secret}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http_url}/threads/{thread.id}/runs",
            json={"assistant_id": assistant.id, "stream": True},
            headers=headers,
        ) as response,
    ):
        assert response.status == 200
        first = await response.content.readuntil(b"\n\n")
        run_id = json.loads(first.split(b"data: ", 1)[1])["id"]
        while b"thread.message.delta" not in await response.content.readuntil(b"\n\n"):
            pass
        response.close()  # gone, before the answer is done
    run = await sdk.beta.threads.runs.poll(run_id, thread_id=thread.id, poll_interval_ms=20)
    assert run.status == "completed"
    listed = await sdk.beta.threads.messages.list(thread.id)
    assert listed.data[0].content[0].type == "text"
    assert listed.data[0].content[0].text.value == answer


async def test_parallel_tool_calls_merge_into_the_sdk_snapshot(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    """Ids and names are sent once per call, so the SDK's merge (strings concatenated,
    numbers added) builds each call exactly (§7 rules 1, 2 and 5)."""
    call = tool_calls(
        ("get_weather", {"location": "Kyiv"}),
        ("get_weather", {"location": "Quito"}),
        chunk_size=3,
    )
    model.script(call)
    assistant = await sdk.beta.assistants.create(model="gpt-4o", tools=[WEATHER_TOOL])
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Both?"}])
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id
    ) as stream:
        (step,) = await stream.get_final_run_steps()
        run = await stream.get_final_run()
    assert run.status == "requires_action"
    assert step.step_details.type == "tool_calls"
    expected = [
        (call.ids[0], "get_weather", {"location": "Kyiv"}, None),
        (call.ids[1], "get_weather", {"location": "Quito"}, None),
    ]
    assert function_calls(step) == expected
    fetched = await sdk.beta.threads.runs.steps.retrieve(
        step.id, thread_id=thread.id, run_id=run.id
    )
    assert function_calls(fetched) == expected
    await sdk.beta.threads.runs.cancel(run.id, thread_id=thread.id)


def function_calls(step: RunStep) -> list[tuple[str, str, Any, str | None]]:
    assert step.step_details.type == "tool_calls"
    return [
        (c.id, c.function.name, json.loads(c.function.arguments), c.function.output)
        for c in step.step_details.tool_calls
        if c.type == "function"
    ]


async def test_a_long_run_is_polled_once_per_status_not_every_20_ms(
    sdk: openai.AsyncOpenAI, model: FakeModel, http_url: str, key: IssuedKey
) -> None:
    """The SDK's poll GETs (X-Stainless-Poll-Helper) are held until the run settles, so a
    1.5 s run costs a GET or two, and the answer comes as the run ends."""
    model.script(text("slowly " * 15, chunk_size=7, delay=0.1))
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi"}])
    gets: list[float] = []

    async def count(request: Any) -> None:
        if request.method == "GET":
            gets.append(time.perf_counter())

    counted = openai.AsyncOpenAI(
        base_url=http_url,
        api_key=key.secret,
        max_retries=0,
        http_client=openai.DefaultAsyncHttpxClient(event_hooks={"request": [count]}),
    )
    try:
        started = time.perf_counter()
        run = await counted.beta.threads.runs.create_and_poll(
            thread_id=thread.id, assistant_id=assistant.id
        )
        took = time.perf_counter() - started
    finally:
        await counted.close()
    assert run.status == "completed"
    assert took > 1.4
    # One held GET answers at the end; a second only if the run ended before it was sent.
    assert len(gets) <= 2, len(gets)
    # A plain GET (no poll helper header) is answered at once.
    plain = await sdk.beta.threads.runs.retrieve(thread_id=thread.id, run_id=run.id)
    assert plain.status == "completed"
