"""The FileService servicer.

UploadFile is the one client-streaming RPC. The service interceptor names and authenticates
it, digests its first message (the header) for idempotency keys and maps its errors, as for
every other RPC.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, TypeAlias

import grpc

from assistants.v1 import common_pb2, file_pb2, file_pb2_grpc
from service.api._context import current
from service.app import Application
from service.errors import InvalidArgumentError

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]

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


class FileServicer(file_pb2_grpc.FileServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def UploadFile(
        self, request_iterator: AsyncIterable[file_pb2.UploadFileRequest], context: Context
    ) -> file_pb2.File:
        messages = aiter(request_iterator)
        first = await anext(messages, None)
        if first is None or first.WhichOneof("part") != "header":
            raise _missing_header()
        return await self._app.files.upload(current(), first.header, _chunks(messages))

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
