"""ModelClient against the fake Chat Completions server, and its pure parts."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator

import pytest
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall, ChoiceDeltaToolCallFunction

from service.engine.model import (
    ChatRequest,
    Finished,
    ModelClient,
    ModelError,
    ModelEvent,
    TextDelta,
    ToolCallArguments,
    ToolCallStarted,
    Usage,
    _ToolCalls,
    chat_arguments,
)
from tests.fake_model import FakeModel, error, hang, length, text, tool_calls

MESSAGES = [{"role": "user", "content": "Hi"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}


def _request(**changes: object) -> ChatRequest:
    fields: dict[str, object] = {"model": "gpt-test", "messages": MESSAGES, "tools": []}
    fields.update(changes)
    return ChatRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def fake() -> AsyncIterator[FakeModel]:
    async with FakeModel() as server:
        yield server


@contextlib.asynccontextmanager
async def _client(
    base_url: str, *, api_key: str | None = "test-key", max_retries: int = 3, timeout: float = 10
) -> AsyncIterator[ModelClient]:
    client = ModelClient(base_url, api_key, max_retries=max_retries, timeout=timeout)
    try:
        yield client
    finally:
        await client.close()


async def _events(client: ModelClient, request: ChatRequest) -> list[ModelEvent]:
    return [event async for event in client.stream(request)]


async def _failure(client: ModelClient, request: ChatRequest) -> ModelError:
    with pytest.raises(ModelError) as raised:
        await _events(client, request)
    return raised.value


async def test_text_streams_as_deltas_then_finished_with_usage(fake: FakeModel) -> None:
    fake.script(text("Hello there, world", chunk_size=4, usage=(21, 7)))
    async with _client(fake.base_url) as client:
        events = await _events(client, _request())
    deltas = events[:-1]
    assert deltas and all(isinstance(event, TextDelta) for event in deltas)
    assert "".join(event.text for event in deltas if isinstance(event, TextDelta)) == (
        "Hello there, world"
    )
    assert events[-1] == Finished("stop", Usage(prompt_tokens=21, completion_tokens=7))


async def test_length_finish_and_missing_usage(fake: FakeModel) -> None:
    fake.script(length("Cut sh", usage=None))
    async with _client(fake.base_url) as client:
        events = await _events(client, _request())
    assert events[-1] == Finished("length", None)


async def test_split_parallel_tool_calls_start_with_whole_names(fake: FakeModel) -> None:
    reply = tool_calls(
        ("get_weather", {"city": "Paris", "unit": "celsius"}),
        ("get_time", '{"zone": "Europe/Rome"}'),
        chunk_size=3,
        usage=(30, 12),
    )
    fake.script(reply)
    async with _client(fake.base_url) as client:
        events = await _events(client, _request(tools=[WEATHER_TOOL]))

    started = [event for event in events if isinstance(event, ToolCallStarted)]
    assert started == [
        ToolCallStarted(0, reply.ids[0], "get_weather"),
        ToolCallStarted(1, reply.ids[1], "get_time"),
    ]
    for index, call in enumerate(reply.calls):
        position = events.index(started[index])
        fragments = [
            (i, event.fragment)
            for i, event in enumerate(events)
            if isinstance(event, ToolCallArguments) and event.index == index
        ]
        assert fragments and all(i > position for i, _ in fragments)
        assert "".join(fragment for _, fragment in fragments) == call.arguments
    assert events[-1] == Finished("tool_calls", Usage(30, 12))


async def test_a_rate_limit_then_success_succeeds(fake: FakeModel) -> None:
    fake.script(error(429), text("fine"))
    async with _client(fake.base_url) as client:
        events = await _events(client, _request())
    assert isinstance(events[-1], Finished)
    assert len(fake.requests) == 2


async def test_a_persisting_server_error_is_a_server_error(fake: FakeModel) -> None:
    fake.script(error(500, times=3, message="upstream exploded"))
    async with _client(fake.base_url, max_retries=2) as client:
        failure = await _failure(client, _request())
    assert failure.code == "server_error"
    assert "500" in failure.message and "upstream exploded" in failure.message
    assert len(fake.requests) == 3


async def test_a_persisting_rate_limit_is_rate_limit_exceeded(fake: FakeModel) -> None:
    fake.script(error(429, times=2, message="Slow down"))
    async with _client(fake.base_url, max_retries=1) as client:
        failure = await _failure(client, _request())
    assert failure.code == "rate_limit_exceeded"
    assert "429" in failure.message and "Slow down" in failure.message


async def test_a_bad_request_is_an_invalid_prompt_and_is_not_retried(fake: FakeModel) -> None:
    fake.script(error(400, message="This model's maximum context length is 8192 tokens."))
    async with _client(fake.base_url) as client:
        failure = await _failure(client, _request())
    assert failure.code == "invalid_prompt"
    assert "maximum context length" in failure.message
    assert len(fake.requests) == 1


async def test_error_messages_never_show_the_api_key(fake: FakeModel) -> None:
    fake.script(error(401, message="Incorrect API key provided: sk-very-secret."))
    async with _client(fake.base_url, api_key="sk-very-secret") as client:
        failure = await _failure(client, _request())
    assert failure.code == "server_error"
    assert "401" in failure.message and "sk-very-secret" not in failure.message


async def test_a_hang_times_out_as_a_server_error(fake: FakeModel) -> None:
    fake.script(hang())
    async with _client(fake.base_url, max_retries=0, timeout=0.3) as client:
        failure = await _failure(client, _request())
    assert failure.code == "server_error"
    assert "timed out" in failure.message


async def test_a_stream_that_stalls_midway_fails_after_its_deltas(fake: FakeModel) -> None:
    fake.script(hang(after_chunks="Hello"))
    events: list[ModelEvent] = []
    async with _client(fake.base_url, max_retries=2, timeout=0.3) as client:
        with pytest.raises(ModelError) as raised:
            async for event in client.stream(_request()):
                events.append(event)
    assert raised.value.code == "server_error"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello"
    # A broken stream is not replayed: its deltas went out already.
    assert len(fake.requests) == 1


async def test_an_unreachable_endpoint_is_a_server_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://user:hunter2@127.0.0.1:{port}/v1"
    async with _client(base_url, max_retries=0, api_key=None) as client:
        failure = await _failure(client, _request())
    assert failure.code == "server_error"
    assert "could not be reached" in failure.message
    assert "hunter2" not in failure.message


async def test_closing_the_stream_early_closes_the_http_response(fake: FakeModel) -> None:
    fake.script(hang(after_chunks="Hello"))
    async with _client(fake.base_url) as client:
        stream = client.stream(_request())
        async with contextlib.aclosing(stream):
            first = await anext(stream)
        assert isinstance(first, TextDelta)
        for _ in range(100):
            if fake.disconnects:
                break
            await asyncio.sleep(0.02)
    assert fake.disconnects == 1


async def test_cancelling_the_consumer_closes_the_http_response(fake: FakeModel) -> None:
    fake.script(hang(after_chunks="Hello"))
    async with _client(fake.base_url) as client:

        async def consume() -> None:
            async with contextlib.aclosing(client.stream(_request())) as stream:
                async for _ in stream:
                    pass

        task = asyncio.create_task(consume())
        await fake.wait_for_requests(1)
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):
            if fake.disconnects:
                break
            await asyncio.sleep(0.02)
    assert fake.disconnects == 1


async def test_the_request_carries_the_call_and_asks_for_usage(fake: FakeModel) -> None:
    fake.script(text("ok"), text("ok"))
    request = _request(
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
        temperature=0.2,
        top_p=0.9,
        max_completion_tokens=300,
        response_format={"type": "json_object"},
        reasoning_effort="low",
    )
    async with _client(fake.base_url) as client:
        await _events(client, request)
        await _events(client, _request(tool_choice="auto", parallel_tool_calls=True))
    sent, bare = fake.requests
    assert sent["model"] == "gpt-test"
    assert sent["messages"] == MESSAGES
    assert sent["tools"] == [WEATHER_TOOL]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["parallel_tool_calls"] is False
    assert sent["max_completion_tokens"] == 300
    assert sent["temperature"] == 0.2 and sent["top_p"] == 0.9
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["reasoning_effort"] == "low"
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    # Without tools, no tool settings; unset values are left out.
    assert set(bare) == {"model", "messages", "stream", "stream_options"}


# Pure parts.


def test_chat_arguments_leave_out_what_is_unset() -> None:
    assert chat_arguments(_request()) == {
        "model": "gpt-test",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    arguments = chat_arguments(_request(tools=[WEATHER_TOOL], tool_choice="none", temperature=0.0))
    assert arguments["tools"] == [WEATHER_TOOL]
    assert arguments["tool_choice"] == "none"
    assert arguments["temperature"] == 0.0
    assert "parallel_tool_calls" not in arguments


def _delta(
    index: int, *, call_id: str | None = None, name: str | None = None, arguments: str | None = None
) -> ChoiceDeltaToolCall:
    return ChoiceDeltaToolCall(
        index=index,
        id=call_id,
        function=ChoiceDeltaToolCallFunction(name=name, arguments=arguments),
    )


def test_a_call_starts_when_its_arguments_begin_and_buffers_until_then() -> None:
    calls = _ToolCalls()
    assert calls.feed(_delta(0, call_id="call_1", name="get_")) == []
    assert calls.feed(_delta(0, name="wea")) == []
    assert calls.feed(_delta(0, name="ther", arguments="")) == []
    assert calls.feed(_delta(0, arguments='{"a"')) == [
        ToolCallStarted(0, "call_1", "get_weather"),
        ToolCallArguments(0, '{"a"'),
    ]
    assert calls.feed(_delta(0, arguments=":1}")) == [ToolCallArguments(0, ":1}")]
    assert calls.finish() == []


def test_a_call_starts_when_another_begins_or_the_choice_ends() -> None:
    calls = _ToolCalls()
    assert calls.feed(_delta(0, call_id="call_a", name="no_args")) == []
    assert calls.feed(_delta(1, call_id="call_b", name="la")) == [
        ToolCallStarted(0, "call_a", "no_args")
    ]
    assert calls.feed(_delta(1, name="st")) == []
    assert calls.finish() == [ToolCallStarted(1, "call_b", "last")]


def test_a_whole_call_in_one_delta_and_a_missing_id() -> None:
    calls = _ToolCalls()
    events = calls.feed(_delta(0, name="f", arguments='{"x": 1}'))
    assert len(events) == 2
    started, arguments = events
    assert isinstance(started, ToolCallStarted) and started.name == "f"
    assert re.fullmatch(r"call_[0-9A-Za-z]{24}", started.call_id)
    assert arguments == ToolCallArguments(0, '{"x": 1}')
