"""The HTTP server: aiohttp in the process's event loop, beside gRPC, on the same Application.

One middleware names the request, authenticates it and turns every failure into the OpenAI
error envelope, so handlers (_routes) hold only the mapping of one endpoint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from service.app import Application, RequestContext, request_digest, request_id_from
from service.errors import InvalidArgumentError
from service.http._context import CALLER, REQUEST_ID
from service.http._errors import envelope, error_body, error_response
from service.http._files import is_files_path, streams_request_body
from service.http._routes import add_routes
from service.logs import request_id_var

log = logging.getLogger("service.http")

# Instructions may be 256,000 characters and a thread may start with 32 messages of as many;
# anything larger than this is not a request the reference allows. A file upload is streamed
# by its route (_files), which this limit does not bound: request.read() alone applies it.
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
# The beta the SDK declares; another value is refused, as OpenAI did. No header is accepted.
BETA = "assistants=v2"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    """A started HTTP server and its port."""

    def __init__(self, runner: web.AppRunner, port: int) -> None:
        self._runner = runner
        self.port = port

    @classmethod
    async def start(
        cls, app: Application, host: str, port: int, *, shutdown_grace: float = 10.0
    ) -> HttpServer:
        web_app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[_Serve(app)])
        web_app.on_response_prepare.append(_name_response)
        add_routes(web_app, app)
        runner = web.AppRunner(
            web_app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=shutdown_grace,
            # Past aiohttp's 8 KiB a request line or header got its plain-text 400; up to
            # this, an over-long id reaches the routes and gets the error envelope.
            max_line_size=MAX_LINE_BYTES,
            max_field_size=MAX_LINE_BYTES,
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if port == 0 else port
        return cls(runner, bound)

    async def stop(self) -> None:
        """Stops accepting, lets in-flight requests finish for the grace, then closes."""
        await self._runner.cleanup()


class _Serve:
    """The middleware: names the request, authenticates it and answers any failure."""

    __middleware_version__ = 1  # what @web.middleware marks: the (request, handler) kind

    def __init__(self, app: Application) -> None:
        self._app = app

    async def __call__(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        request_id, idempotency = request_id_from(request.headers)
        request_id_var.set(request_id)
        request[REQUEST_ID] = request_id
        response = await _answer(self._app, request, handler, request_id, idempotency)
        _log_request(request, response.status, started)
        return response


async def _answer(
    app: Application,
    request: web.Request,
    handler: Handler,
    request_id: str,
    idempotency: str | None,
) -> web.StreamResponse:
    unrouted = request.match_info.http_exception
    if unrouted is not None:
        response = error_response(
            unrouted.status, envelope(f"Invalid URL ({request.method} {request.path})")
        )
        if isinstance(unrouted, web.HTTPMethodNotAllowed):
            response.headers["Allow"] = ", ".join(sorted(unrouted.allowed_methods))
        return response
    try:
        if not is_files_path(request.path):  # the SDK sends no beta header to /files
            _check_beta(request.headers.get("OpenAI-Beta"))
        principal = await app.auth.authenticate(request.headers.get("Authorization"))
        digest = ""
        if idempotency is not None:
            sent = (request.method.encode(), request.path_qs.encode(), await _sent_body(request))
            digest = request_digest(*sent)
        request[CALLER] = RequestContext(principal, request_id, idempotency, digest)
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = f"{MAX_BODY_BYTES // (1024 * 1024)} MiB"
        return error_response(413, envelope(f"The request body is larger than {limit}."))
    except Exception as failure:
        status, body = error_body(failure, request_id)
        return error_response(status, body)


async def _sent_body(request: web.Request) -> bytes:
    """What tells two requests under one key apart. An upload (up to 512 MB, past
    MAX_BODY_BYTES) is streamed by its route, not read here: its length stands for it."""
    if streams_request_body(request):
        return f"length:{request.content_length}".encode()
    return await request.read()


def _check_beta(value: str | None) -> None:
    if value is not None and BETA not in [v.strip() for v in value.split(",")]:
        raise InvalidArgumentError(
            None,
            f"Invalid 'OpenAI-Beta' header: '{value}'. This server implements '{BETA}'.",
            "invalid_beta",
        )


async def _name_response(request: web.Request, response: web.StreamResponse) -> None:
    request_id = request.get(REQUEST_ID)
    if request_id:
        response.headers["x-request-id"] = request_id


def _log_request(request: web.Request, status: int, started: float) -> None:
    level = logging.DEBUG if status < 400 else logging.INFO
    if log.isEnabledFor(level):
        log.log(
            level,
            "http",
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 3),
            },
        )
