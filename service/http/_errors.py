"""Failures as the OpenAI error envelope and HTTP status (reference §11). The one table of it."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from service.app import client_error
from service.errors import (
    AssistantsError,
    ConflictError,
    DeadlineExceededError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)
from service.http._wire import dumps

log = logging.getLogger("service.http")

INVALID_REQUEST = "invalid_request_error"
SERVER_ERROR = "server_error"

# status, type, code (None: the error's own code, if it has one)
_TABLE: dict[type[AssistantsError], tuple[int, str, str | None]] = {
    InvalidArgumentError: (400, INVALID_REQUEST, None),
    NotFoundError: (404, INVALID_REQUEST, None),
    # The active-run lock and other state conflicts: 400 with a null code, as OpenAI did.
    FailedPreconditionError: (400, INVALID_REQUEST, None),
    # A concurrent writer moved the object: safe to retry, and the SDK retries 409 by itself.
    ConflictError: (409, INVALID_REQUEST, None),
    UnauthenticatedError: (401, INVALID_REQUEST, "invalid_api_key"),
    ResourceExhaustedError: (429, "rate_limit_exceeded", "rate_limit_exceeded"),
    UnavailableError: (503, SERVER_ERROR, None),
    DeadlineExceededError: (504, SERVER_ERROR, None),
}


def envelope(
    message: str, kind: str = INVALID_REQUEST, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_body(failure: Exception, request_id: str) -> tuple[int, dict[str, Any]]:
    """The status and envelope of any failure; a server fault is logged and kept opaque."""
    error = client_error(failure)
    if error is None:
        log.error("unexpected error", exc_info=failure)
        message = f"The server had an error processing your request ({request_id})."
        return 500, envelope(message, SERVER_ERROR)
    status, kind, code = _TABLE.get(type(error), (400, INVALID_REQUEST, None))
    param = error.param if isinstance(error, InvalidArgumentError) else None
    if isinstance(error, InvalidArgumentError):
        code = error.code
    return status, envelope(error.message, kind, param, code)


def error_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=dumps(body), content_type="application/json")
