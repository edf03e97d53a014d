"""One interceptor for every application RPC: request id, authentication, error mapping and
an access log line. Health checking and reflection pass through untouched.

A client-streaming call (UploadFile) is authenticated before its first message is read; its
request digest, for idempotency keys, covers that first message (the upload's header) only:
the content is known only once read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
from google.protobuf.message import Message

from service.api._context import set_current
from service.api._status import REQUEST_ID_KEY, grpc_status
from service.app import (
    Application,
    RequestContext,
    client_error,
    request_digest,
    request_id_from,
)
from service.logs import request_id_var

log = logging.getLogger("service.api")

PUBLIC_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
Unary: TypeAlias = Callable[[Any, Context], Awaitable[Any]]
Streaming: TypeAlias = Callable[[Any, Context], AsyncIterator[Any]]
ClientStreaming: TypeAlias = Callable[[AsyncIterable[Any], Context], Awaitable[Any]]
Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, app: Application) -> None:
        self._app = app
        self._wrapped: dict[str, Handler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        wrapped = self._wrapped.get(details.method)
        if wrapped is not None:
            return wrapped
        handler = await continuation(details)
        if handler is None or details.method.startswith(PUBLIC_PREFIXES):
            return handler
        if handler.unary_unary is not None:
            handler = grpc.unary_unary_rpc_method_handler(
                self._wrap(details.method, handler.unary_unary),  # type: ignore[arg-type]
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        elif handler.unary_stream is not None:
            handler = grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(details.method, handler.unary_stream),  # type: ignore[arg-type]
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        elif handler.stream_unary is not None:
            handler = grpc.stream_unary_rpc_method_handler(
                self._wrap_client_stream(details.method, handler.stream_unary),  # type: ignore[arg-type]
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        self._wrapped[details.method] = handler
        return handler

    async def _enter(
        self,
        context: Context,
        method: str,
        request: Message | Callable[[], Awaitable[Message | None]],
    ) -> None:
        """Names the request, authenticates the caller and makes it current. A request still
        to be read (the first message of a client stream) is read once the caller is known."""
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        request_id, idempotency = request_id_from(metadata)
        request_id_var.set(request_id)
        context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
        principal = await self._app.auth.authenticate(metadata.get("authorization"))
        digested = request if isinstance(request, Message) else await request()
        digest = ""
        if idempotency is not None and digested is not None:
            digest = request_digest(method.encode(), digested.SerializeToString(deterministic=True))
        set_current(RequestContext(principal, request_id, idempotency, digest))

    def _wrap(self, method: str, behavior: Unary) -> Unary:
        async def serve(request: Any, context: Context) -> Any:
            async with _Call(context, method):
                await self._enter(context, method, request)
                return await behavior(request, context)

        return serve

    def _wrap_stream(self, method: str, behavior: Streaming) -> Streaming:
        async def serve(request: Any, context: Context) -> AsyncIterator[Any]:
            async with _Call(context, method):
                await self._enter(context, method, request)
                async for item in behavior(request, context):
                    yield item

        return serve

    def _wrap_client_stream(self, method: str, behavior: ClientStreaming) -> ClientStreaming:
        async def serve(requests: AsyncIterable[Any], context: Context) -> Any:
            async with _Call(context, method):
                stream = _ReadAhead(requests)
                await self._enter(context, method, stream.read_first)
                return await behavior(stream, context)

        return serve


class _Call:
    """One call of an RPC: on exit, a failure ends it with the failure's status, and the call
    is logged with its outcome and duration."""

    __slots__ = ("_context", "_method", "_started")

    def __init__(self, context: Context, method: str) -> None:
        self._context = context
        self._method = method
        self._started = 0.0

    async def __aenter__(self) -> None:
        self._started = time.perf_counter()

    async def __aexit__(
        self, kind: type[BaseException] | None, failure: BaseException | None, tb: Any
    ) -> None:
        outcome = "OK"
        try:
            if isinstance(failure, Exception):
                outcome = _outcome(failure)
                await self._abort(failure)
        finally:
            _log_call(self._method, outcome, self._started)

    async def _abort(self, failure: Exception) -> None:
        """Ends the call with the failure's status."""
        if isinstance(failure, grpc.aio.AbortError):
            raise failure
        request_id = request_id_var.get() or ""
        error = client_error(failure)
        if error is None:
            log.error("unexpected error", exc_info=failure, extra={"method": self._method})
            await self._context.abort(
                grpc.StatusCode.INTERNAL,
                f"The server had an error processing request {request_id}.",
                trailing_metadata=((REQUEST_ID_KEY, request_id),),
            )
        assert error is not None
        await self._context.abort_with_status(grpc_status(error, request_id))


class _ReadAhead:
    """A client stream whose first message may be read ahead (to digest it); iterating gives
    every message, that one included. Nothing is read before read_first or iteration."""

    def __init__(self, requests: AsyncIterable[Any]) -> None:
        self._requests = requests
        self._messages: AsyncIterator[Any] | None = None
        self._first: Message | None = None

    def _rest(self) -> AsyncIterator[Any]:
        if self._messages is None:
            self._messages = aiter(self._requests)
        return self._messages

    async def read_first(self) -> Message | None:
        self._first = await anext(self._rest(), None)
        return self._first

    async def __aiter__(self) -> AsyncIterator[Any]:
        if self._first is not None:
            yield self._first
        async for message in self._rest():
            yield message


def _outcome(failure: Exception) -> str:
    if isinstance(failure, grpc.aio.AbortError):
        return "ABORTED"
    error = client_error(failure)
    return "INTERNAL" if error is None else error.reason


def _log_call(method: str, outcome: str, started: float) -> None:
    # Successful calls are logged at DEBUG: formatting a line costs a tenth of the time of a
    # whole CreateMessage. Errors are logged at INFO.
    level = logging.DEBUG if outcome == "OK" else logging.INFO
    if log.isEnabledFor(level):
        log.log(
            level,
            "rpc",
            extra={
                "method": method,
                "outcome": outcome,
                "ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )
