"""The FileService servicer.

UploadFile is the one client-streaming RPC, which the service interceptor does not wrap (it
wraps unary requests, whose message it digests before the call). So UploadFile names,
authenticates and maps errors itself, the way the interceptor does for the others, once it has
read the header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, TypeAlias

import grpc

from assistants.v1 import common_pb2, file_pb2, file_pb2_grpc
from service.api._context import current, set_current
from service.api._status import REQUEST_ID_KEY, grpc_status
from service.app import (
    Application,
    RequestContext,
    client_error,
    request_digest,
    request_id_from,
)
from service.errors import InvalidArgumentError
from service.logs import request_id_var

log = logging.getLogger("service.api")

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]

UPLOAD_METHOD = "/assistants.v1.FileService/UploadFile"
# The largest chunk of a DownloadFile response.
DOWNLOAD_CHUNK = 1024 * 1024


def _missing_header() -> InvalidArgumentError:
    return InvalidArgumentError(
        "header",
        "The first message of an UploadFile stream must carry the header.",
        "missing_required_parameter",
    )


async def _chunks(messages: AsyncIterator[file_pb2.UploadFileRequest]) -> AsyncIterator[bytes]:
    """The content of the messages after the header; a second header is refused."""
    async for message in messages:
        if message.WhichOneof("part") == "header":
            raise InvalidArgumentError(
                "header", "Only the first message of an UploadFile stream may carry the header."
            )
        if message.chunk:
            yield message.chunk


def _outcome(failure: Exception) -> str:
    if isinstance(failure, grpc.aio.AbortError):
        return "ABORTED"
    error = client_error(failure)
    return "INTERNAL" if error is None else error.reason


class FileServicer(file_pb2_grpc.FileServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def UploadFile(
        self, request_iterator: AsyncIterable[file_pb2.UploadFileRequest], context: Context
    ) -> file_pb2.File:
        started = time.perf_counter()
        outcome = "OK"
        try:
            metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
            request_id, idempotency = request_id_from(metadata)
            request_id_var.set(request_id)
            context.set_trailing_metadata(((REQUEST_ID_KEY, request_id),))
            principal = await self._app.auth.authenticate(metadata.get("authorization"))
            messages = aiter(request_iterator)
            first = await anext(messages, None)
            if first is None or first.WhichOneof("part") != "header":
                raise _missing_header()
            digest = ""
            if idempotency is not None:
                # The header is the request as sent; the content is known only once read.
                digest = request_digest(
                    UPLOAD_METHOD.encode(), first.SerializeToString(deterministic=True)
                )
            ctx = RequestContext(principal, request_id, idempotency, digest)
            set_current(ctx)
            return await self._app.files.upload(ctx, first.header, _chunks(messages))
        except Exception as failure:
            outcome = _outcome(failure)
            await self._abort(failure, context)
            raise
        finally:
            level = logging.DEBUG if outcome == "OK" else logging.INFO
            log.log(
                level,
                "rpc",
                extra={
                    "method": UPLOAD_METHOD,
                    "outcome": outcome,
                    "ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )

    async def _abort(self, failure: Exception, context: Context) -> None:
        """Ends the call with the failure's status, as the interceptor does."""
        if isinstance(failure, grpc.aio.AbortError):
            raise failure
        request_id = request_id_var.get() or ""
        error = client_error(failure)
        if error is None:
            log.error("unexpected error", exc_info=failure, extra={"method": UPLOAD_METHOD})
            await context.abort(
                grpc.StatusCode.INTERNAL,
                f"The server had an error processing request {request_id}.",
                trailing_metadata=((REQUEST_ID_KEY, request_id),),
            )
        assert error is not None
        await context.abort_with_status(grpc_status(error, request_id))

    async def GetFile(self, request: file_pb2.GetFileRequest, context: Context) -> file_pb2.File:
        return await self._app.files.get(current(), request.file_id)

    async def ListFiles(
        self, request: file_pb2.ListFilesRequest, context: Context
    ) -> file_pb2.ListFilesResponse:
        return await self._app.files.list(current(), request)

    async def DeleteFile(
        self, request: file_pb2.DeleteFileRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.files.delete(current(), request.file_id)

    async def DownloadFile(
        self, request: file_pb2.DownloadFileRequest, context: Context
    ) -> AsyncIterator[file_pb2.DownloadFileResponse]:
        """The file first, then its content in chunks of at most 1 MiB."""
        file, content = await self._app.files.download(current(), request.file_id)
        yield file_pb2.DownloadFileResponse(file=file)
        async for part in content:
            for start in range(0, len(part), DOWNLOAD_CHUNK):
                yield file_pb2.DownloadFileResponse(chunk=part[start : start + DOWNLOAD_CHUNK])
