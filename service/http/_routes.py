"""The /v1 routes (reference §4): each parses its request (_requests), calls the same
application function the gRPC servicer calls, and answers in the reference's JSON (_wire) or
as Server-Sent Events (_sse)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from assistants.v1 import message_pb2, run_pb2, run_service_pb2
from service.app import Application, RequestContext, Started
from service.domain import runs
from service.errors import InvalidArgumentError
from service.http import _requests as parse
from service.http import _wire as wire
from service.http._context import CALLER
from service.http._files import FileRoutes
from service.http._sse import stream
from service.http._vector_stores import VectorStoreRoutes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_INVALID_JSON = (
    "We could not parse the JSON body of your request. The API expects a JSON payload, but what"
    " was sent was not valid JSON."
)
# \uD800-\uDFFF: only such an escape can put a lone surrogate in parsed JSON.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# The openai SDK's poll helper marks its GETs so: those are held until the run settles (ends,
# or waits for tool outputs; at most this long), so a poll returns as soon as the run does and
# a long run is not read from the database fifty times a second.
POLL_HELPER = "X-Stainless-Poll-Helper"
POLL_HOLD_SECONDS = 10.0


def add_routes(web_app: web.Application, app: Application) -> None:
    routes = _Routes(app)
    files = FileRoutes(app)
    stores = VectorStoreRoutes(app, _body)
    vs, vs_file, batch = "/vector_stores", "/files/{file_id}", "/file_batches/{batch_id}"
    store = vs + "/{vector_store_id}"
    v1 = "/v1"
    table: list[tuple[str, str, Handler]] = [
        ("POST", "/assistants", routes.create_assistant),
        ("GET", "/assistants", routes.list_assistants),
        ("GET", "/assistants/{assistant_id}", routes.get_assistant),
        ("POST", "/assistants/{assistant_id}", routes.update_assistant),
        ("DELETE", "/assistants/{assistant_id}", routes.delete_assistant),
        # Before /threads/{thread_id}, which would take "runs" for a thread id.
        ("POST", "/threads/runs", routes.create_thread_and_run),
        ("POST", "/threads", routes.create_thread),
        ("GET", "/threads/{thread_id}", routes.get_thread),
        ("POST", "/threads/{thread_id}", routes.update_thread),
        ("DELETE", "/threads/{thread_id}", routes.delete_thread),
        ("POST", "/threads/{thread_id}/messages", routes.create_message),
        ("GET", "/threads/{thread_id}/messages", routes.list_messages),
        ("GET", "/threads/{thread_id}/messages/{message_id}", routes.get_message),
        ("POST", "/threads/{thread_id}/messages/{message_id}", routes.update_message),
        ("DELETE", "/threads/{thread_id}/messages/{message_id}", routes.delete_message),
        ("POST", "/threads/{thread_id}/runs", routes.create_run),
        ("GET", "/threads/{thread_id}/runs", routes.list_runs),
        ("GET", "/threads/{thread_id}/runs/{run_id}", routes.get_run),
        ("POST", "/threads/{thread_id}/runs/{run_id}", routes.update_run),
        ("POST", "/threads/{thread_id}/runs/{run_id}/cancel", routes.cancel_run),
        (
            "POST",
            "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
            routes.submit_tool_outputs,
        ),
        ("GET", "/threads/{thread_id}/runs/{run_id}/steps", routes.list_steps),
        ("GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}", routes.get_step),
        ("POST", "/files", files.upload_file),
        ("GET", "/files", files.list_files),
        ("GET", "/files/{file_id}", files.get_file),
        ("DELETE", "/files/{file_id}", files.delete_file),
        ("GET", "/files/{file_id}/content", files.download),
        ("POST", vs, stores.create_store),
        ("GET", vs, stores.list_stores),
        ("GET", store, stores.get_store),
        ("POST", store, stores.update_store),
        ("DELETE", store, stores.delete_store),
        ("POST", store + "/files", stores.create_file),
        ("GET", store + "/files", stores.list_files),
        ("GET", store + vs_file, stores.get_file),
        ("POST", store + vs_file, stores.update_file),
        ("DELETE", store + vs_file, stores.delete_file),
        ("GET", store + vs_file + "/content", stores.file_content),
        ("POST", store + "/file_batches", stores.create_batch),
        ("GET", store + batch, stores.get_batch),
        ("POST", store + batch + "/cancel", stores.cancel_batch),
        ("GET", store + batch + "/files", stores.list_batch_files),
        ("POST", store + "/search", stores.search),
    ]
    for method, path, handler in table:
        if method == "GET":
            web_app.router.add_get(v1 + path, handler)  # HEAD too
        else:
            web_app.router.add_route(method, v1 + path, handler)


def _ctx(request: web.Request) -> RequestContext:
    return request[CALLER]


def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=wire.dumps(body),
        content_type="application/json",
        headers=headers,
    )


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object of the request body; an empty body is an empty object."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
        raise InvalidArgumentError(None, _INVALID_JSON, None) from None
    if _SURROGATE_ESCAPE.search(raw) and not _is_unicode(body):
        raise InvalidArgumentError(
            None, "The request body holds an unpaired surrogate: strings must be Unicode.", None
        )
    if not isinstance(body, dict):
        raise InvalidArgumentError(
            None, "Invalid request body: expected a JSON object.", "invalid_type"
        )
    return body


def _is_unicode(body: object) -> bool:
    """False when a JSON escape made a lone surrogate, which no protobuf string can hold."""
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _run(run: run_pb2.Run) -> web.Response:
    """A run, with how soon the SDK's poll helper should ask again (openai-poll-after-ms)."""
    return _json(wire.run(run), {"openai-poll-after-ms": str(poll_after_ms(run))})


def poll_after_ms(run: run_pb2.Run, now: float | None = None) -> int:
    """Soon for a young run, so create_and_poll returns within tens of milliseconds of a
    quick run; less often as a run ages. A paused or finished run is not polled again."""
    if not runs.is_moving(run):
        return 1000
    age = (time.time() if now is None else now) - run.created_at
    if age < 2:
        return 20
    return 250 if age < 30 else 1000


class _Routes:
    def __init__(self, app: Application) -> None:
        self._app = app

    # Assistants

    async def create_assistant(self, request: web.Request) -> web.Response:
        proto = parse.create_assistant(await _body(request))
        return _json(wire.assistant(await self._app.assistants.create(_ctx(request), proto)))

    async def list_assistants(self, request: web.Request) -> web.Response:
        proto = parse.list_assistants(request.query)
        page = await self._app.assistants.list(_ctx(request), proto)
        return _json(wire.page(page, wire.assistant))

    async def get_assistant(self, request: web.Request) -> web.Response:
        found = await self._app.assistants.get(_ctx(request), request.match_info["assistant_id"])
        return _json(wire.assistant(found))

    async def update_assistant(self, request: web.Request) -> web.Response:
        proto = parse.update_assistant(request.match_info["assistant_id"], await _body(request))
        return _json(wire.assistant(await self._app.assistants.update(_ctx(request), proto)))

    async def delete_assistant(self, request: web.Request) -> web.Response:
        deleted = await self._app.assistants.delete(
            _ctx(request), request.match_info["assistant_id"]
        )
        return _json(wire.deleted(deleted))

    # Threads

    async def create_thread(self, request: web.Request) -> web.Response:
        proto = parse.create_thread(await _body(request))
        return _json(wire.thread(await self._app.threads.create(_ctx(request), proto)))

    async def get_thread(self, request: web.Request) -> web.Response:
        found = await self._app.threads.get(_ctx(request), request.match_info["thread_id"])
        return _json(wire.thread(found))

    async def update_thread(self, request: web.Request) -> web.Response:
        proto = parse.update_thread(request.match_info["thread_id"], await _body(request))
        return _json(wire.thread(await self._app.threads.update(_ctx(request), proto)))

    async def delete_thread(self, request: web.Request) -> web.Response:
        deleted = await self._app.threads.delete(_ctx(request), request.match_info["thread_id"])
        return _json(wire.deleted(deleted))

    # Messages

    async def create_message(self, request: web.Request) -> web.Response:
        proto = parse.create_message(request.match_info["thread_id"], await _body(request))
        return _json(wire.message(await self._app.messages.create(_ctx(request), proto)))

    async def list_messages(self, request: web.Request) -> web.Response:
        proto = parse.list_messages(request.match_info["thread_id"], request.query)
        page = await self._app.messages.list(_ctx(request), proto)
        return _json(wire.page(page, wire.message))

    async def get_message(self, request: web.Request) -> web.Response:
        proto = message_pb2.GetMessageRequest(
            thread_id=request.match_info["thread_id"], message_id=request.match_info["message_id"]
        )
        return _json(wire.message(await self._app.messages.get(_ctx(request), proto)))

    async def update_message(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = parse.update_message(info["thread_id"], info["message_id"], await _body(request))
        return _json(wire.message(await self._app.messages.update(_ctx(request), proto)))

    async def delete_message(self, request: web.Request) -> web.Response:
        proto = message_pb2.DeleteMessageRequest(
            thread_id=request.match_info["thread_id"], message_id=request.match_info["message_id"]
        )
        return _json(wire.deleted(await self._app.messages.delete(_ctx(request), proto)))

    # Runs

    async def create_run(self, request: web.Request) -> web.StreamResponse:
        proto, streamed = parse.create_run(
            request.match_info["thread_id"], await _body(request), request.query
        )
        started = await self._app.runs.create(_ctx(request), proto)
        return await self._started(request, started, streamed)

    async def create_thread_and_run(self, request: web.Request) -> web.StreamResponse:
        proto, streamed = parse.create_thread_and_run(await _body(request))
        started = await self._app.runs.create_thread_and_run(_ctx(request), proto)
        return await self._started(request, started, streamed)

    async def submit_tool_outputs(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        proto, streamed = parse.submit_tool_outputs(
            info["thread_id"], info["run_id"], await _body(request)
        )
        started = await self._app.runs.submit_tool_outputs(_ctx(request), proto)
        return await self._started(request, started, streamed)

    async def list_runs(self, request: web.Request) -> web.Response:
        proto = parse.list_runs(request.match_info["thread_id"], request.query)
        page = await self._app.runs.list(_ctx(request), proto)
        return _json(wire.page(page, wire.run))

    async def get_run(self, request: web.Request) -> web.Response:
        info = request.match_info
        ctx, thread_id, run_id = _ctx(request), info["thread_id"], info["run_id"]
        if request.headers.get(POLL_HELPER) == "true":
            # The SDK's poll loop: answer when the run settles, not every 20 ms meanwhile.
            run = await self._app.runs.wait_until_settled(ctx, thread_id, run_id, POLL_HOLD_SECONDS)
            return _run(run)
        return _run(await self._app.runs.get(ctx, thread_id, run_id))

    async def update_run(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = parse.update_run(info["thread_id"], info["run_id"], await _body(request))
        return _run(await self._app.runs.update(_ctx(request), proto))

    async def cancel_run(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = run_service_pb2.CancelRunRequest(thread_id=info["thread_id"], run_id=info["run_id"])
        return _run(await self._app.runs.cancel(_ctx(request), proto))

    async def list_steps(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = parse.list_steps(info["thread_id"], info["run_id"], request.query)
        page = await self._app.runs.list_steps(_ctx(request), proto)
        return _json(wire.page(page, wire.run_step))

    async def get_step(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = parse.get_step(info["thread_id"], info["run_id"], info["step_id"], request.query)
        return _json(wire.run_step(await self._app.runs.get_step(_ctx(request), proto)))

    async def _started(
        self, request: web.Request, started: Started, streamed: bool
    ) -> web.StreamResponse:
        if not streamed:
            return _run(started.run)
        events = self._app.runs.events(
            _ctx(request),
            started.run.thread_id,
            started.run.id,
            started.after_sequence,
            started.include,
        )
        return await stream(request, events)
