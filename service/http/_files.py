"""The /v1/files routes (reference §3.6, §4): multipart upload, list, get, delete, download.

An upload is up to 512 MB, so it is never held in memory: the file part of the form goes to
Files.upload as it arrives. The server's JSON body limit does not apply to it (server.py asks
`streams_request_body`), and files calls carry no OpenAI-Beta header (`is_files_path`).
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import IO, Any
from urllib.parse import quote

from aiohttp import BodyPartReader, MultipartReader, web

from assistants.v1 import file_pb2
from service.app import Application, RequestContext
from service.domain.files import MAX_BYTES as MAX_FILE_BYTES
from service.domain.validation import missing
from service.errors import InvalidArgumentError
from service.http import _wire as wire
from service.http._context import CALLER
from service.http._errors import envelope, error_response
from service.http._request_parts import ORDER, Query, enum, first, query_integer, unknown

log = logging.getLogger("service.http")

PREFIX = "/v1/files"
# The file may be 512 MB (Files.upload enforces that); the form around it is a few fields.
MAX_UPLOAD_BODY_BYTES = MAX_FILE_BYTES + 1024 * 1024
# A form field (purpose, expires_after[...]) is a short string; a form is a few of them.
_MAX_FIELD_BYTES = 64 * 1024
_MAX_FIELDS = 16
_CHUNK_BYTES = 1024 * 1024
_FIELDS = {
    "purpose": "purpose",
    "expires_after[anchor]": "expires_after.anchor",
    "expires_after[seconds]": "expires_after.seconds",
}
_ANCHOR = enum(file_pb2.FileExpiresAfterAnchor, "FILE_EXPIRES_AFTER_ANCHOR_")
FILE_STATUS = {
    file_pb2.FILE_STATUS_UNSPECIFIED: "processed",
    file_pb2.FILE_STATUS_UPLOADED: "uploaded",
    file_pb2.FILE_STATUS_PROCESSED: "processed",
    file_pb2.FILE_STATUS_ERROR: "error",
}


def is_files_path(path: str) -> bool:
    """The files API, which the SDK calls without the assistants beta header."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def streams_request_body(request: web.Request) -> bool:
    """The upload: its body is read as a stream by the route, never whole."""
    return request.method == "POST" and request.path == PREFIX


class UploadTooLargeError(Exception):
    """The request body passed MAX_UPLOAD_BODY_BYTES: answered 413."""


# JSON.


def file_object(f: file_pb2.File) -> dict[str, Any]:
    return {
        "id": f.id,
        "object": "file",
        "bytes": f.bytes,
        "created_at": f.created_at,
        "expires_at": f.expires_at if f.HasField("expires_at") else None,
        "filename": f.filename,
        "purpose": f.purpose,
        "status": FILE_STATUS.get(f.status, "processed"),
        "status_details": f.status_details if f.HasField("status_details") else None,
    }


def _json(body: dict[str, Any]) -> web.Response:
    return web.Response(text=wire.dumps(body), content_type="application/json")


def _ctx(request: web.Request) -> RequestContext:
    return request[CALLER]


# Queries.


def list_files_request(query: Query) -> file_pb2.ListFilesRequest:
    """purpose, limit, order and after; the ranges are the application's to check."""
    request = file_pb2.ListFilesRequest()
    if (purpose := first(query, "purpose")) is not None:
        request.purpose = purpose
    if (limit := first(query, "limit")) is not None:
        request.limit = query_integer(limit, "limit")
    if (order := first(query, "order")) is not None:
        request.order = ORDER(order, "order")
    request.after = first(query, "after") or ""
    return request


# The multipart form.


class _Form:
    """Reads an upload form part by part: the fields, and the one file part between them."""

    def __init__(self, reader: MultipartReader) -> None:
        self._reader = reader
        self.fields: dict[str, str] = {}
        self.filename = ""
        self._parts = 0

    async def file_part(self) -> BodyPartReader | None:
        """Reads the fields before the file part and returns it; None when there is none."""
        while (part := await self._next()) is not None:
            if part.name == "file":
                self.filename = part.filename or ""
                return part
            await self._field(part)
        return None

    async def rest(self, streamed: bool) -> None:
        """Reads the parts after the file. A field there comes too late for a file already
        being stored (`streamed`): the client must send it first, as the SDK and curl do."""
        while (part := await self._next()) is not None:
            if part.name == "file":
                raise InvalidArgumentError("file", "Expected exactly one 'file' part.", None)
            if streamed:
                raise InvalidArgumentError(
                    _FIELDS.get(part.name or "", part.name),
                    f"The form field '{part.name}' must come before the 'file' part.",
                    None,
                )
            await self._field(part)

    def header(self) -> file_pb2.FileUploadHeader:
        if "purpose" not in self.fields:
            raise missing("purpose")
        header = file_pb2.FileUploadHeader(filename=self.filename, purpose=self.fields["purpose"])
        anchor = self.fields.get("expires_after[anchor]")
        seconds = self.fields.get("expires_after[seconds]")
        if anchor is not None or seconds is not None:
            header.expires_after.SetInParent()
        if anchor is not None:
            header.expires_after.anchor = _ANCHOR(anchor, "expires_after.anchor")
        if seconds is not None:
            header.expires_after.seconds = query_integer(seconds, "expires_after.seconds")
        return header

    async def stream(self, part: BodyPartReader) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive; then the rest of the form, which must be empty."""
        received = 0
        while chunk := await part.read_chunk(_CHUNK_BYTES):
            received += len(chunk)
            if received > MAX_UPLOAD_BODY_BYTES:
                raise UploadTooLargeError
            yield chunk
        await self.rest(streamed=True)

    async def _next(self) -> BodyPartReader | None:
        part = await self._reader.next()
        if part is None:
            return None
        if not isinstance(part, BodyPartReader):
            raise InvalidArgumentError(None, "Nested multipart parts are not supported.", None)
        self._parts += 1
        if self._parts > _MAX_FIELDS:
            raise InvalidArgumentError(None, "The form has too many parts.", None)
        return part

    async def _field(self, part: BodyPartReader) -> None:
        name = part.name or ""
        if name not in _FIELDS:
            raise unknown(name)
        if name in self.fields:
            raise InvalidArgumentError(_FIELDS[name], f"The form field '{name}' is repeated.")
        raw = bytearray()
        while chunk := await part.read_chunk(_MAX_FIELD_BYTES):
            raw += chunk
            if len(raw) > _MAX_FIELD_BYTES:
                raise InvalidArgumentError(
                    _FIELDS[name], f"Invalid '{name}': string too long.", "string_above_max_length"
                )
        try:
            self.fields[name] = raw.decode()
        except UnicodeDecodeError:
            raise InvalidArgumentError(
                _FIELDS[name], f"Invalid '{name}': expected UTF-8 text.", "invalid_type"
            ) from None


async def _spool(part: BodyPartReader, spool: IO[bytes]) -> None:
    """A file part that came before the purpose: kept on disk until the form is read."""
    received = 0
    while chunk := await part.read_chunk(_CHUNK_BYTES):
        received += len(chunk)
        if received > MAX_UPLOAD_BODY_BYTES:
            raise UploadTooLargeError
        await asyncio.to_thread(spool.write, chunk)
    await asyncio.to_thread(spool.seek, 0)


async def _replay(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(spool.read, _CHUNK_BYTES):
        yield chunk


def _too_large() -> web.Response:
    limit = MAX_UPLOAD_BODY_BYTES // (1024 * 1024)
    return error_response(413, envelope(f"The upload is larger than {limit} MiB."))


def _disposition(filename: str) -> str:
    """attachment, with an ASCII fallback name and the exact one in RFC 5987 form."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _content_type(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


class FileRoutes:
    """The handlers of /v1/files; _routes lists their paths."""

    def __init__(self, app: Application) -> None:
        self._app = app

    async def upload_file(self, request: web.Request) -> web.Response:
        length = request.content_length
        if length is not None and length > MAX_UPLOAD_BODY_BYTES:
            return _too_large()
        if request.content_type == "application/x-www-form-urlencoded":
            raise missing("file")  # a form with no file part, as clients encode one
        if not request.content_type.startswith("multipart/"):
            raise InvalidArgumentError(
                None,
                "Invalid Content-Type header: expected multipart/form-data.",
                "invalid_type",
            )
        try:
            created = await self._upload(request, _Form(await request.multipart()))
        except UploadTooLargeError:
            return _too_large()
        return _json(file_object(created))

    async def _upload(self, request: web.Request, form: _Form) -> file_pb2.File:
        part = await form.file_part()
        if part is None:
            raise missing("file")
        if "purpose" in form.fields:
            # The SDK's form: fields first, then the file, which is stored as it arrives.
            return await self._app.files.upload(_ctx(request), form.header(), form.stream(part))
        with tempfile.TemporaryFile() as spool:
            await _spool(part, spool)
            await form.rest(streamed=False)
            chunks: AsyncIterable[bytes] = _replay(spool)
            return await self._app.files.upload(_ctx(request), form.header(), chunks)

    async def list_files(self, request: web.Request) -> web.Response:
        proto = list_files_request(request.query)
        return _json(wire.page(await self._app.files.list(_ctx(request), proto), file_object))

    async def get_file(self, request: web.Request) -> web.Response:
        found = await self._app.files.get(_ctx(request), request.match_info["file_id"])
        return _json(file_object(found))

    async def delete_file(self, request: web.Request) -> web.Response:
        deleted = await self._app.files.delete(_ctx(request), request.match_info["file_id"])
        return _json(wire.deleted(deleted))

    async def download(self, request: web.Request) -> web.StreamResponse:
        found, chunks = await self._app.files.download(_ctx(request), request.match_info["file_id"])
        response = web.StreamResponse(headers=_download_headers(found))
        response.content_length = found.bytes
        try:
            await response.prepare(request)
            if request.method != "HEAD":
                async for chunk in chunks:
                    await response.write(chunk)
        except (ConnectionError, asyncio.CancelledError):
            raise  # the client went away
        except Exception:
            # The status is sent: an error envelope can no longer replace the body. Cut the
            # connection, so the client sees a short body rather than a whole file.
            log.exception("download failed", extra={"file_id": found.id})
            if request.transport is not None:
                request.transport.close()
            return response
        finally:
            closing = getattr(chunks, "aclose", None)
            if closing is not None:
                await closing()
        await response.write_eof()
        return response


def _download_headers(found: file_pb2.File) -> Mapping[str, str]:
    return {
        "Content-Type": _content_type(found.filename),
        "Content-Disposition": _disposition(found.filename),
    }
