"""A fake OpenAI-compatible model server for tests, scripted reply by reply.

It is a real HTTP server on 127.0.0.1 (a free port) that speaks the Chat Completions API the
way api.openai.com does, streamed Server-Sent Events included, so the real `openai` client
works against it unchanged:

    async with FakeModel() as fake:
        fake.script(text("Hello there"), tool_calls(("get_weather", '{"city": "Paris"}')))
        client = openai.AsyncOpenAI(base_url=fake.base_url, api_key="test")
        ...
        assert fake.requests[0]["messages"] == [...]

Each request to /v1/chat/completions takes the next scripted reply; once the script is used
up, every request is answered with text("ok"). Every request body is recorded, in order, in
`requests` before it is answered.

POST /v1/embeddings answers with fake_embedding() vectors: a hashed bag of lowercase word
stems, normalised, so texts sharing words are close. Its requests are recorded apart, in
`embedding_requests`; `script_embeddings(error(429, times=2))` makes the next calls fail.
`embedding_delay` (seconds, 0 by default) holds each answer back after the request is
recorded, so a test can see an embedding in flight.

Streaming wire format, as OpenAI sends it: `content-type: text/event-stream`; each event is
`data: <json>\\n\\n` with a `chat.completion.chunk` object; the first chunk carries the role,
then one chunk per piece of content or tool call, then a chunk with an empty delta and the
finish_reason; when the request asks for `stream_options.include_usage`, every chunk carries
`"usage": null` and a last chunk has `"choices": []` and the usage; then `data: [DONE]`.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import json
import math
import re
import secrets
import socket
import string
import struct
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

__all__ = [
    "ErrorReply",
    "FakeModel",
    "HangReply",
    "Reply",
    "TextReply",
    "ToolCall",
    "ToolCallsReply",
    "error",
    "fake_embedding",
    "hang",
    "length",
    "text",
    "tool_calls",
]

Usage = tuple[int, int]
"""(prompt_tokens, completion_tokens)."""

_ALNUM = string.ascii_letters + string.digits


def _random_id(prefix: str, n: int) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(n))


def _pieces(value: str, size: int) -> list[str]:
    return [value[i : i + size] for i in range(0, len(value), size)]


def _check_chunk_size(chunk_size: int) -> None:
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")


# Replies.


@dataclass(frozen=True)
class TextReply:
    """Assistant text, streamed `chunk_size` characters to a chunk, `delay` seconds apart."""

    value: str
    chunk_size: int = 3
    usage: Usage | None = (10, 5)
    finish_reason: str = "stop"
    delay: float = 0.0


@dataclass(frozen=True)
class ToolCall:
    """One function call of a ToolCallsReply; `id` is what the client will see."""

    name: str
    arguments: str
    id: str = field(default_factory=lambda: _random_id("call_", 24))


@dataclass(frozen=True)
class ToolCallsReply:
    """Parallel function calls (indices 0..n-1), optionally after some text."""

    calls: tuple[ToolCall, ...]
    chunk_size: int = 4
    usage: Usage | None = (10, 5)
    text_before: str | None = None
    delay: float = 0.0

    @property
    def ids(self) -> list[str]:
        """The call ids, in order: handy for submitting tool outputs."""
        return [c.id for c in self.calls]


@dataclass(frozen=True)
class ErrorReply:
    """An HTTP error with an OpenAI error body, for `times` consecutive requests."""

    status: int
    message: str
    type: str
    code: str | None = None
    times: int = 1


@dataclass(frozen=True)
class HangReply:
    """Headers (and some text, if `after_chunks`), then nothing until the client goes away."""

    after_chunks: str | None = None


Reply = TextReply | ToolCallsReply | ErrorReply | HangReply


def text(
    value: str,
    *,
    chunk_size: int = 3,
    usage: Usage | None = (10, 5),
    finish_reason: str = "stop",
    delay: float = 0.0,
) -> TextReply:
    """Text split into `chunk_size`-character chunks, `delay` seconds between chunks.

    `usage` is (prompt_tokens, completion_tokens); None sends no usage at all.
    """
    _check_chunk_size(chunk_size)
    return TextReply(value, chunk_size, usage, finish_reason, delay)


def length(
    value: str,
    *,
    chunk_size: int = 3,
    usage: Usage | None = (10, 5),
    delay: float = 0.0,
) -> TextReply:
    """Like text(), but the completion stops at max_tokens: finish_reason "length"."""
    return text(value, chunk_size=chunk_size, usage=usage, finish_reason="length", delay=delay)


def tool_calls(
    *calls: tuple[str, str | dict[str, Any]],
    chunk_size: int = 4,
    usage: Usage | None = (10, 5),
    text_before: str | None = None,
    delay: float = 0.0,
) -> ToolCallsReply:
    """Function calls, each (name, arguments as a JSON string or a dict to encode).

    A call's first chunk has its index, id, type and the first half of the name, the next
    chunk the rest of the name, then the arguments follow in `chunk_size` pieces; the
    finish_reason is "tool_calls". The ids ("call_" + 24 alphanumerics) are fixed here, so
    a test can read them from the reply's `ids`.
    """
    if not calls:
        raise ValueError("tool_calls() needs at least one call")
    _check_chunk_size(chunk_size)
    made = tuple(
        ToolCall(name, args if isinstance(args, str) else json.dumps(args)) for name, args in calls
    )
    return ToolCallsReply(made, chunk_size, usage, text_before, delay)


_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def error(
    status: int,
    *,
    times: int = 1,
    message: str | None = None,
    type: str | None = None,
    code: str | None = None,
) -> ErrorReply:
    """HTTP `status` with `{"error": {"message", "type", "param", "code"}}`, `times` in a row.

    429 and 5xx replies carry `retry-after-ms: 10`, so the openai client retries at once.
    `type` and `code` default to what OpenAI sends for the status (e.g. 429 "requests" /
    "rate_limit_exceeded", 5xx "server_error").
    """
    if times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    default_type, default_code = _ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return ErrorReply(
        status=status,
        message=message or f"Fake model error {status}",
        type=type or default_type,
        code=code if code is not None else default_code,
        times=times,
    )


def hang(*, after_chunks: str | None = None) -> HangReply:
    """Send the headers (and, with `after_chunks`, the role chunk and that text), then never
    finish: the handler ends when the client disconnects or the server stops."""
    return HangReply(after_chunks)


# The server.


class FakeModel:
    """A scripted Chat Completions server on 127.0.0.1; start() or `async with` it."""

    base_url: str
    """The server URL, "http://127.0.0.1:<port>/v1", once started."""
    requests: list[dict[str, Any]]
    """Every /v1/chat/completions JSON body received, in order."""
    disconnects: int
    """How many streamed replies the client abandoned before their end (hangs included)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.requests = []
        self.disconnects = 0
        self._script: collections.deque[Reply] = collections.deque()
        self._models: dict[str, None] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._received = asyncio.Condition()
        self.embedding_requests: list[dict[str, Any]] = []
        self.reverse_embeddings = False
        self.embedding_delay = 0.0
        self._embedding_script: collections.deque[ErrorReply] = collections.deque()

    def script(self, *replies: Reply) -> None:
        """Queue replies: each request takes the next; an error() counts `times` requests."""
        for reply in replies:
            count = reply.times if isinstance(reply, ErrorReply) else 1
            self._script.extend([reply] * count)

    def reset(self) -> None:
        """Forget the script and the requests received: a fresh start for the next test."""
        self._script.clear()
        self.requests.clear()
        self.disconnects = 0
        self._embedding_script.clear()
        self.embedding_requests.clear()
        self.reverse_embeddings = False
        self.embedding_delay = 0.0

    def script_embeddings(self, *replies: ErrorReply) -> None:
        """Queue failures for /v1/embeddings: each error() fails its `times` next calls."""
        for reply in replies:
            self._embedding_script.extend([reply] * reply.times)

    @property
    def embedding_inputs(self) -> int:
        """How many inputs all /v1/embeddings requests held (failed ones included)."""
        return sum(len(_embedding_inputs(body)) for body in self.embedding_requests)

    @property
    def pending(self) -> int:
        """How many scripted replies no request has taken yet."""
        return len(self._script)

    async def wait_for_requests(self, n: int, timeout: float = 5) -> None:
        """Wait until at least `n` requests have been received; TimeoutError after `timeout`."""
        async with self._received:
            try:
                await asyncio.wait_for(
                    self._received.wait_for(lambda: len(self.requests) >= n), timeout
                )
            except TimeoutError:
                raise TimeoutError(
                    f"expected {n} requests within {timeout}s, got {len(self.requests)}"
                ) from None

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeModel already started")
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_post("/v1/embeddings", self._embeddings)
        # handler_cancellation: a hung handler is cancelled when its client disconnects.
        runner = web.AppRunner(
            app, shutdown_timeout=0.1, handler_cancellation=True, access_log=None
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        try:
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._stopping.clear()
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        """Stop at once: hung replies end, open connections close."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._stopping.set()
        await runner.cleanup()

    async def __aenter__(self) -> FakeModel:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Handlers.

    async def _list_models(self, request: web.Request) -> web.Response:
        data = [
            {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self._models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await _json_object(request)
        if isinstance(body, web.Response):
            return body
        async with self._received:
            self.requests.append(body)
            self._received.notify_all()
        model = str(body.get("model", ""))
        self._models[model] = None
        reply = self._script.popleft() if self._script else text("ok")

        if isinstance(reply, ErrorReply):
            return _error_response(reply)
        if not body.get("stream"):
            if isinstance(reply, HangReply):
                await self._hang()
                return web.Response(status=503)
            return web.json_response(_completion(reply, model))

        stream_options = body.get("stream_options") or {}
        stream = _Stream(model, bool(stream_options.get("include_usage")))
        await stream.resp.prepare(request)
        try:
            if isinstance(reply, HangReply):
                if reply.after_chunks is not None:
                    await stream.chunk({"role": "assistant", "content": ""})
                    for piece in _pieces(reply.after_chunks, 3):
                        await stream.chunk({"content": piece})
                await self._hang()
            else:
                await stream.send(reply)
        except (ConnectionResetError, asyncio.CancelledError):
            self.disconnects += 1
            raise
        return stream.resp

    async def _embeddings(self, request: web.Request) -> web.Response:
        """OpenAI's /v1/embeddings; data in input order unless `reverse_embeddings` is set."""
        body = await _json_object(request)
        if isinstance(body, web.Response):
            return body
        self.embedding_requests.append(body)
        if self.embedding_delay:
            await asyncio.sleep(self.embedding_delay)
        if self._embedding_script:
            return _error_response(self._embedding_script.popleft())
        inputs = _embedding_inputs(body)
        dimensions = body.get("dimensions", 256)
        if not body.get("model") or not inputs or any(i == "" for i in inputs):
            return _error_response(error(400, message="'$.input' is invalid.", code=None))
        if not isinstance(dimensions, int) or dimensions < 1:
            return _error_response(error(400, message="Invalid 'dimensions'.", code=None))
        data = []
        for index, item in enumerate(inputs):
            vector = fake_embedding(item if isinstance(item, str) else str(item), dimensions)
            encoded: Any = vector
            if body.get("encoding_format") == "base64":
                encoded = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        if self.reverse_embeddings:
            data.reverse()
        words = sum(len(str(item).split()) for item in inputs)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": words, "total_tokens": words},
            }
        )

    async def _hang(self) -> None:
        """Wait until the server stops (a disconnect cancels the handler instead)."""
        await self._stopping.wait()


class _Stream:
    """The SSE response of one streamed completion."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.id = _random_id("chatcmpl-", 29)
        self.created = int(time.time())
        self.resp = web.StreamResponse(
            headers={"content-type": "text/event-stream", "cache-control": "no-cache"}
        )

    def _envelope(self, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": choices,
        }

    async def _event(self, data: str) -> None:
        await self.resp.write(f"data: {data}\n\n".encode())

    async def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> None:
        obj = self._envelope(
            [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )
        if self.include_usage:
            obj["usage"] = None
        await self._event(json.dumps(obj, separators=(",", ":")))

    async def send(self, reply: TextReply | ToolCallsReply) -> None:
        delay = reply.delay

        async def paced(delta: dict[str, Any]) -> None:
            if delay:
                await asyncio.sleep(delay)
            await self.chunk(delta)

        if isinstance(reply, TextReply):
            await self.chunk({"role": "assistant", "content": ""})
            for piece in _pieces(reply.value, reply.chunk_size):
                await paced({"content": piece})
            finish_reason = reply.finish_reason
        else:
            if reply.text_before is not None:
                await self.chunk({"role": "assistant", "content": ""})
                for piece in _pieces(reply.text_before, 3):
                    await paced({"content": piece})
            else:
                await self.chunk({"role": "assistant", "content": None})
            for index, call in enumerate(reply.calls):
                half = (len(call.name) + 1) // 2 if len(call.name) > 1 else len(call.name)
                first = {
                    "index": index,
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name[:half], "arguments": ""},
                }
                await paced({"tool_calls": [first]})
                if call.name[half:]:
                    rest = {"index": index, "function": {"name": call.name[half:]}}
                    await paced({"tool_calls": [rest]})
                for piece in _pieces(call.arguments, reply.chunk_size):
                    await paced(
                        {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                    )
            finish_reason = "tool_calls"
        await self.chunk({}, finish_reason)
        if self.include_usage and reply.usage is not None:
            obj = self._envelope([])
            obj["usage"] = _usage(reply.usage)
            await self._event(json.dumps(obj, separators=(",", ":")))
        await self._event("[DONE]")
        await self.resp.write_eof()


def _usage(usage: Usage) -> dict[str, int]:
    prompt, completion = usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(reply: TextReply | ToolCallsReply, model: str) -> dict[str, Any]:
    """The non-streamed chat.completion object for a reply."""
    message: dict[str, Any] = {"role": "assistant", "refusal": None}
    if isinstance(reply, TextReply):
        message["content"] = reply.value
        finish_reason = reply.finish_reason
    else:
        message["content"] = reply.text_before
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in reply.calls
        ]
        finish_reason = "tool_calls"
    completion: dict[str, Any] = {
        "id": _random_id("chatcmpl-", 29),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
    }
    if reply.usage is not None:
        completion["usage"] = _usage(reply.usage)
    return completion


async def _json_object(request: web.Request) -> dict[str, Any] | web.Response:
    """The request's JSON object, or the 400 response to answer when it is none."""
    try:
        body = await request.json()
    except ValueError:
        return _error_response(error(400, message="The request body is not valid JSON."))
    if not isinstance(body, dict):
        return _error_response(error(400, message="The request body must be an object."))
    return body


def _error_response(reply: ErrorReply) -> web.Response:
    headers = {"retry-after-ms": "10"} if reply.status == 429 or reply.status >= 500 else {}
    body = {
        "error": {
            "message": reply.message,
            "type": reply.type,
            "param": None,
            "code": reply.code,
        }
    }
    return web.json_response(body, status=reply.status, headers=headers)


# Embeddings.

_SUFFIXES = ("ations", "ation", "ings", "ing", "edly", "ies", "ed", "es", "ly", "er", "s")
_STOPWORDS = frozenset(
    """
    a an and are as at be by do does for from how i in is it of on or that the this to was
    what when where which who why with you
    """.split()  # noqa: SIM905 - a word list reads better
)


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def fake_embedding(text: str, dimensions: int = 256) -> list[float]:
    """A unit vector: lowercase word stems (stopwords dropped) hashed into `dimensions` buckets.

    Deterministic across processes (blake2b, not hash()). Text with no words gets one bucket
    chosen by the whole text.
    """
    stems = [_stem(w) for w in re.findall(r"\w+", text.lower()) if w not in _STOPWORDS]
    counts = [0.0] * dimensions
    for stem in stems or [text]:
        digest = hashlib.blake2b(stem.encode(), digest_size=8).digest()
        counts[int.from_bytes(digest, "big") % dimensions] += 1.0
    norm = math.sqrt(sum(c * c for c in counts))
    return [c / norm for c in counts]


def _embedding_inputs(body: dict[str, Any]) -> list[Any]:
    """The inputs of an embeddings request: a string, strings, or token arrays."""
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [value]
    return list(value) if isinstance(value, list) else []
