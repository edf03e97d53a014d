"""The fake model server, through the real openai client: what it streams reassembles."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.fake_model import FakeModel, error, hang, length, text, tool_calls

MODEL = "gpt-4o-mini"
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]


@pytest.fixture
async def fake_model() -> AsyncIterator[FakeModel]:
    async with FakeModel() as fake:
        yield fake


def client_for(fake: FakeModel, **kwargs: Any) -> openai.AsyncOpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.AsyncOpenAI(base_url=fake.base_url, api_key="test", **kwargs)


@dataclass
class Collected:
    """A streamed completion, put back together as a caller would."""

    content_chunks: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    name_chunks: dict[int, int] = field(default_factory=dict)
    argument_chunks: dict[int, int] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: openai.types.CompletionUsage | None = None

    @property
    def content(self) -> str:
        return "".join(self.content_chunks)


async def stream(client: openai.AsyncOpenAI, **kwargs: Any) -> Collected:
    kwargs.setdefault("model", MODEL)
    kwargs.setdefault("messages", HELLO)
    out = Collected()
    chunks = await client.chat.completions.create(
        stream=True, stream_options={"include_usage": True}, **kwargs
    )
    async with chunks:
        async for chunk in chunks:
            if chunk.usage is not None:
                out.usage = chunk.usage
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    out.content_chunks.append(delta.content)
                for tc in delta.tool_calls or []:
                    call = out.calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                    if tc.id:
                        call["id"] = tc.id
                    if tc.function and tc.function.name:
                        call["name"] += tc.function.name
                        out.name_chunks[tc.index] = out.name_chunks.get(tc.index, 0) + 1
                    if tc.function and tc.function.arguments:
                        call["arguments"] += tc.function.arguments
                        out.argument_chunks[tc.index] = out.argument_chunks.get(tc.index, 0) + 1
                if choice.finish_reason:
                    out.finish_reason = choice.finish_reason
    return out


async def test_text_arrives_in_chunks_and_reassembles(fake_model: FakeModel) -> None:
    fake_model.script(text("Hello, world! How are you?", chunk_size=3, usage=(12, 7)))
    async with client_for(fake_model) as client:
        got = await stream(client)
    assert got.content == "Hello, world! How are you?"
    assert len(got.content_chunks) == 9
    assert got.finish_reason == "stop"
    assert got.usage is not None
    assert (got.usage.prompt_tokens, got.usage.completion_tokens) == (12, 7)
    assert got.usage.total_tokens == 19


async def test_wire_format_is_openai_sse(fake_model: FakeModel) -> None:
    fake_model.script(text("Hi!", chunk_size=2))
    body = {"model": MODEL, "messages": HELLO, "stream": True}
    body["stream_options"] = {"include_usage": True}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake_model.base_url}/chat/completions", json=body) as resp,
    ):
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        raw = (await resp.read()).decode()
    events = raw.split("\n\n")
    assert events[-1] == ""
    assert all(e.startswith("data: ") for e in events[:-1])
    assert events[-2] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    first = chunks[0]
    assert first["id"].startswith("chatcmpl-")
    assert first["object"] == "chat.completion.chunk"
    assert isinstance(first["created"], int)
    assert first["model"] == MODEL
    assert first["system_fingerprint"] is None
    assert first["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "logprobs": None,
            "finish_reason": None,
        }
    ]
    assert [c["choices"][0]["delta"] for c in chunks[1:3]] == [{"content": "Hi"}, {"content": "!"}]
    assert chunks[3]["choices"][0]["delta"] == {}
    assert chunks[3]["choices"][0]["finish_reason"] == "stop"
    assert chunks[4]["choices"] == []
    assert chunks[4]["usage"] == {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    assert {c["id"] for c in chunks} == {first["id"]}


async def test_no_usage_chunk_unless_asked(fake_model: FakeModel) -> None:
    async with client_for(fake_model) as client:
        chunks = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        got = [c async for c in chunks]
    assert all(c.usage is None for c in got)
    assert all(c.choices for c in got)
    assert "".join(c.choices[0].delta.content or "" for c in got) == "ok"


async def test_one_tool_call_reassembles(fake_model: FakeModel) -> None:
    reply = tool_calls(("get_weather", '{"location": "Paris, France"}'), chunk_size=4)
    fake_model.script(reply)
    async with client_for(fake_model) as client:
        got = await stream(client)
    assert got.finish_reason == "tool_calls"
    assert got.content == ""
    assert list(got.calls) == [0]
    call = got.calls[0]
    assert call["id"] == reply.ids[0]
    assert call["id"].startswith("call_")
    assert len(call["id"]) == len("call_") + 24
    assert call["name"] == "get_weather"
    assert got.name_chunks[0] == 2
    assert json.loads(call["arguments"]) == {"location": "Paris, France"}
    assert got.argument_chunks[0] == 8
    assert got.usage is not None


async def test_two_parallel_tool_calls_after_text(fake_model: FakeModel) -> None:
    reply = tool_calls(
        ("get_weather", {"location": "Paris"}),
        ("get_time", '{"tz": "Europe/Paris"}'),
        text_before="Let me check.",
    )
    fake_model.script(reply)
    async with client_for(fake_model) as client:
        got = await stream(client)
    assert got.content == "Let me check."
    assert got.finish_reason == "tool_calls"
    assert sorted(got.calls) == [0, 1]
    assert [got.calls[i]["name"] for i in (0, 1)] == ["get_weather", "get_time"]
    assert json.loads(got.calls[0]["arguments"]) == {"location": "Paris"}
    assert json.loads(got.calls[1]["arguments"]) == {"tz": "Europe/Paris"}
    ids = [got.calls[i]["id"] for i in (0, 1)]
    assert ids == reply.ids
    assert all(i.startswith("call_") for i in ids)
    assert ids[0] != ids[1]


async def test_length_finish_reason(fake_model: FakeModel) -> None:
    fake_model.script(length("cut off mid"))
    async with client_for(fake_model) as client:
        got = await stream(client, max_completion_tokens=3)
    assert got.content == "cut off mid"
    assert got.finish_reason == "length"


async def test_a_429_is_retried_by_the_client(fake_model: FakeModel) -> None:
    fake_model.script(error(429), text("after the retry"))
    async with client_for(fake_model, max_retries=2) as client:
        got = await stream(client)
    assert got.content == "after the retry"
    assert len(fake_model.requests) == 2


async def test_500s_past_the_retries_raise(fake_model: FakeModel) -> None:
    fake_model.script(error(500, times=5, message="boom"))
    async with client_for(fake_model, max_retries=1) as client:
        with pytest.raises(openai.InternalServerError) as raised:
            await stream(client)
    assert raised.value.status_code == 500
    assert raised.value.body == {
        "message": "boom",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert len(fake_model.requests) == 2
    assert fake_model.pending == 3


async def test_a_400_error_body(fake_model: FakeModel) -> None:
    fake_model.script(error(400, message="too long", code="context_length_exceeded"))
    async with client_for(fake_model, max_retries=2) as client:
        with pytest.raises(openai.BadRequestError) as raised:
            await stream(client)
    assert raised.value.code == "context_length_exceeded"
    assert len(fake_model.requests) == 1


async def test_a_hang_times_out_and_the_server_stops_promptly(fake_model: FakeModel) -> None:
    fake_model.script(hang(after_chunks="Hel"))
    async with client_for(fake_model, timeout=0.5) as client:
        chunks = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        seen: list[str] = []
        with pytest.raises(openai.APITimeoutError):
            async for chunk in chunks:
                seen.append(chunk.choices[0].delta.content or "")
        await chunks.close()
    assert "".join(seen) == "Hel"
    deadline = time.monotonic() + 2
    while fake_model.disconnects < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert fake_model.disconnects == 1
    started = time.monotonic()
    await fake_model.stop()
    assert time.monotonic() - started < 0.5


async def test_stop_does_not_wait_for_a_hung_client() -> None:
    fake = FakeModel()
    await fake.start()
    fake.script(hang())
    async with client_for(fake, timeout=30) as client:

        async def read_all() -> None:
            chunks = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
            async for _ in chunks:
                pass

        reader = asyncio.create_task(read_all())
        await fake.wait_for_requests(1)
        started = time.monotonic()
        await fake.stop()
        assert time.monotonic() - started < 0.5
        # The client sees its stream end or break, and never hangs.
        await asyncio.wait_for(asyncio.gather(reader, return_exceptions=True), 2)


async def test_requests_are_recorded_as_sent(fake_model: FakeModel) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
            },
        }
    ]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    async with client_for(fake_model) as client:
        await stream(client, messages=messages, tools=tools, max_completion_tokens=50)
        await stream(client, model="gpt-4.1", max_tokens=20)
    first, last = fake_model.requests
    assert first["model"] == MODEL
    assert first["messages"] == messages
    assert first["tools"] == tools
    assert first["max_completion_tokens"] == 50
    assert first["stream"] is True
    assert first["stream_options"] == {"include_usage": True}
    assert last["model"] == "gpt-4.1"
    assert last["max_tokens"] == 20
    assert "tools" not in last


async def test_an_empty_script_answers_ok(fake_model: FakeModel) -> None:
    async with client_for(fake_model) as client:
        got = [await stream(client) for _ in range(3)]
        models = [m.id async for m in client.models.list()]
    assert [g.content for g in got] == ["ok"] * 3
    assert models == [MODEL]
    await fake_model.wait_for_requests(3, timeout=0.1)
    with pytest.raises(TimeoutError):
        await fake_model.wait_for_requests(4, timeout=0.05)


async def test_non_streaming(fake_model: FakeModel) -> None:
    reply = tool_calls(("lookup", '{"q": 1}'))
    fake_model.script(text("plain", usage=(3, 1)), reply)
    async with client_for(fake_model) as client:
        first = await client.chat.completions.create(model=MODEL, messages=HELLO)
        second = await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert first.choices[0].message.content == "plain"
    assert first.choices[0].finish_reason == "stop"
    assert first.usage is not None and first.usage.total_tokens == 4
    calls = second.choices[0].message.tool_calls
    assert calls is not None and [c.id for c in calls] == reply.ids
    assert calls[0].function.name == "lookup"  # type: ignore[union-attr]
    assert second.choices[0].finish_reason == "tool_calls"


async def test_delay_paces_the_chunks(fake_model: FakeModel) -> None:
    fake_model.script(text("abcdef", chunk_size=2, delay=0.05))
    async with client_for(fake_model) as client:
        chunks = await client.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        arrivals = [
            time.monotonic() async for c in chunks if c.choices and c.choices[0].delta.content
        ]
    assert len(arrivals) == 3
    assert arrivals[-1] - arrivals[0] >= 0.08
