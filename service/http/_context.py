"""What the middleware leaves on a request for the handlers: its id and its caller."""

from __future__ import annotations

from aiohttp import web

from service.app import RequestContext

REQUEST_ID = web.RequestKey("request_id", str)
CALLER = web.RequestKey("caller", RequestContext)
