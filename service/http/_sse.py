"""Run events as Server-Sent Events (reference §7): `event:`/`data:` frames, ending in done.

The command that starts a stream has already run (and been validated) when the response
opens; a failure after that can only be told in the stream, as an `error` event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from assistants.v1 import run_event_pb2
from service.http._context import REQUEST_ID
from service.http._errors import error_body
from service.http._wire import dumps
from service.http._wire_events import run_event

HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    # Proxies (nginx) must pass each event on at once.
    "X-Accel-Buffering": "no",
}


async def stream(
    request: web.Request, events: AsyncIterator[run_event_pb2.RunEvent]
) -> web.StreamResponse:
    response = web.StreamResponse(headers=HEADERS)
    await response.prepare(request)
    try:
        async for event in events:
            name, data = run_event(event)
            await response.write(f"event: {name}\ndata: {data}\n\n".encode())
    except ConnectionResetError:
        return response  # the client went away; the run goes on
    except Exception as failure:
        _, body = error_body(failure, request[REQUEST_ID])
        await response.write(f"event: error\ndata: {dumps(body['error'])}\n\n".encode())
    await response.write_eof()
    return response
