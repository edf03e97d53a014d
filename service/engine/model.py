"""The model client of runs: a streamed Chat Completion from any OpenAI-compatible endpoint.

`ModelClient.stream` turns the chunks into `ModelEvent`s: text and refusal deltas, tool calls
(started once their id and whole name are known, then argument fragments), and a last
`Finished`. Failures that outlast the retries become one `ModelError`, whose code and message
are fit for a run's `last_error`.

Callers that may stop reading early should close the stream (`contextlib.aclosing`), so the
HTTP response is released at once rather than when the generator is collected.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import openai
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from service.domain import ids

ModelErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]

# Local endpoints often need no key, but the client insists on one.
_NO_API_KEY = "unused"
# Upstream error texts are cut to this length in a ModelError's message.
_DETAIL_CHARS = 500


@dataclass(frozen=True)
class ChatRequest:
    """One Chat Completions call. None and empty values are left out of the request."""

    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None
    response_format: dict[str, Any] | None = None
    reasoning_effort: str | None = None


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class RefusalDelta:
    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    """A tool call whose id and whole name are known. Comes before its arguments."""

    index: int
    call_id: str
    name: str


@dataclass(frozen=True)
class ToolCallArguments:
    index: int
    fragment: str


@dataclass(frozen=True)
class Finished:
    """The last event. `usage` is None when the endpoint reported none."""

    finish_reason: str
    usage: Usage | None


ModelEvent = TextDelta | RefusalDelta | ToolCallStarted | ToolCallArguments | Finished


class ModelError(Exception):
    """The model call failed for good: retries are exhausted or retrying cannot help."""

    def __init__(self, code: ModelErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ModelErrorCode = code
        self.message = message


def chat_arguments(request: ChatRequest) -> dict[str, Any]:
    """The keyword arguments of `chat.completions.create` for a request, streaming with usage."""
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": request.messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        arguments["tools"] = request.tools
        if request.tool_choice is not None:
            arguments["tool_choice"] = request.tool_choice
        if request.parallel_tool_calls is not None:
            arguments["parallel_tool_calls"] = request.parallel_tool_calls
    optional = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_completion_tokens": request.max_completion_tokens,
        "response_format": request.response_format,
        "reasoning_effort": request.reasoning_effort,
    }
    arguments.update((name, value) for name, value in optional.items() if value is not None)
    return arguments


@dataclass
class _Call:
    index: int
    call_id: str | None = None
    name: str = ""
    started: bool = False
    pending: list[str] = field(default_factory=list)


class _ToolCalls:
    """Assembles streamed tool-call deltas. A call starts when its first arguments fragment
    arrives, another call's delta does, or the choice finishes: only then is its name whole."""

    def __init__(self) -> None:
        self._calls: dict[int, _Call] = {}
        self._last: _Call | None = None

    def feed(self, delta: ChoiceDeltaToolCall) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        call = self._calls.get(delta.index)
        if call is None:
            call = self._calls[delta.index] = _Call(delta.index)
        if self._last is not None and self._last is not call:
            events.extend(self._start(self._last))
        self._last = call
        if delta.id and call.call_id is None:
            call.call_id = delta.id
        function = delta.function
        if function is None:
            return events
        if function.name and not call.started:
            call.name += function.name
        if function.arguments:
            if call.started:
                events.append(ToolCallArguments(call.index, function.arguments))
            else:
                call.pending.append(function.arguments)
                events.extend(self._start(call))
        return events

    def finish(self) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        for index in sorted(self._calls):
            events.extend(self._start(self._calls[index]))
        return events

    @staticmethod
    def _start(call: _Call) -> list[ModelEvent]:
        if call.started:
            return []
        call.started = True
        call_id = call.call_id or ids.new_id(ids.CALL)
        events: list[ModelEvent] = [ToolCallStarted(call.index, call_id, call.name)]
        if call.pending:
            events.append(ToolCallArguments(call.index, "".join(call.pending)))
            call.pending.clear()
        return events


class ModelClient:
    """Streams completions from one endpoint. Safe to share between concurrent runs."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        *,
        max_retries: int = 3,
        timeout: float = 600.0,
    ) -> None:
        # Retries are the openai client's own: 408, 409, 429, 5xx, connection errors and
        # timeouts are retried with exponential backoff and jitter, waiting as long as a
        # `retry-after-ms` or `retry-after` header asks (up to two minutes) when there is one.
        # They cover opening the stream only; a stream that breaks after its first chunk is not
        # replayed, since its deltas have been handed on already.
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or _NO_API_KEY,
            max_retries=max_retries,
            timeout=timeout,
        )
        self._secrets = _secrets(base_url, api_key)

    async def close(self) -> None:
        await self._client.close()

    async def stream(self, request: ChatRequest) -> AsyncGenerator[ModelEvent, None]:
        """The events of one completion; raises ModelError when the endpoint fails."""
        calls = _ToolCalls()
        finish_reason: str | None = None
        usage: Usage | None = None
        try:
            create = self._client.chat.completions.create
            chunks: openai.AsyncStream[ChatCompletionChunk] = await create(
                **chat_arguments(request)
            )
            # Leaving the block, by the end, an error, a close or a cancellation, closes the
            # HTTP response.
            async with chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for event in _chunk_events(chunk, calls):
                        yield event
                    for choice in chunk.choices:
                        if choice.index == 0 and choice.finish_reason is not None:
                            finish_reason = choice.finish_reason
        except openai.APIError as error:
            raise _model_error(error, self._secrets) from error
        for event in calls.finish():
            yield event
        if finish_reason is None:
            raise ModelError("server_error", "The model endpoint ended its stream unfinished.")
        yield Finished(finish_reason, usage)


def _chunk_events(chunk: ChatCompletionChunk, calls: _ToolCalls) -> list[ModelEvent]:
    events: list[ModelEvent] = []
    for choice in chunk.choices:
        # Only one choice is asked for.
        if choice.index != 0:
            continue
        delta = choice.delta
        if delta.content:
            events.append(TextDelta(delta.content))
        if delta.refusal:
            events.append(RefusalDelta(delta.refusal))
        for tool_call in delta.tool_calls or ():
            events.extend(calls.feed(tool_call))
        if choice.finish_reason is not None:
            events.extend(calls.finish())
    return events


def _secrets(base_url: str | None, api_key: str | None) -> list[str]:
    """Strings that must never appear in an error message."""
    password = urlsplit(base_url).password if base_url else None
    return [secret for secret in (api_key, password) if secret]


def _detail(body: object) -> str:
    """The upstream's own error text from an error body: `{message}` or raw text."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str):
            return message
        nested = body.get("error")
        return _detail(nested) if nested is not None else ""
    if isinstance(body, str):
        return body.strip()
    return ""


def _model_error(error: openai.APIError, secrets: Sequence[str]) -> ModelError:
    code: ModelErrorCode = "server_error"
    if isinstance(error, openai.APITimeoutError):
        message = "The model endpoint timed out."
    elif isinstance(error, openai.APIConnectionError):
        cause = error.__cause__
        reason = f": {type(cause).__name__}: {cause}" if cause is not None else "."
        message = f"The model endpoint could not be reached{reason}"
    elif isinstance(error, openai.APIStatusError):
        if isinstance(error, openai.RateLimitError):
            code = "rate_limit_exceeded"
        elif isinstance(error, openai.BadRequestError):
            code = "invalid_prompt"
        detail = _detail(error.body) or error.response.reason_phrase
        message = f"The model endpoint failed: {error.status_code} {_cut(detail)}"
    else:
        # An error event inside the stream, or a response the client could not read.
        message = f"The model endpoint failed: {_cut(_detail(error.body) or error.message)}"
    for secret in secrets:
        message = message.replace(secret, "[redacted]")
    return ModelError(code, message.strip())


def _cut(text: str) -> str:
    return text if len(text) <= _DETAIL_CHARS else text[:_DETAIL_CHARS] + "…"
