"""The caller of the RPC being served, set by the interceptor for the servicers."""

from __future__ import annotations

import contextvars

from service.app import RequestContext

_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("request_context")


def current() -> RequestContext:
    """The authenticated caller of the current RPC."""
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)
