"""File commands and queries: upload, get, list, delete (with its cascade) and download."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, MutableSequence
from functools import partial
from typing import Protocol

from assistants.v1 import common_pb2, events_pb2, file_pb2
from service.app._appends import original_payload, previous_payload, retry_on_conflict
from service.app._context import Principal, RequestContext
from service.domain import files as rules
from service.domain import ids
from service.domain.pagination import list_params
from service.domain.validation import check_id
from service.errors import UnavailableError
from storage import (
    NO_STREAM,
    AppendResult,
    BlobTooLargeError,
    DuplicateRequestRaceError,
    PageQuery,
    Storage,
    VersionedFile,
)

KIND = "file"
ASSISTANT_KIND = "assistant"
THREAD_KIND = "thread"

log = logging.getLogger("service.files")


class VectorStoreDetacher(Protocol):
    """What a file delete needs of vector stores (service.app.vector_stores.VectorStores)."""

    async def detach_everywhere(self, ctx: RequestContext, file_id: str) -> None: ...


class Files:
    def __init__(self, storage: Storage, vector_stores: VectorStoreDetacher) -> None:
        self._pool = storage.pool
        self._events = storage.events
        self._reads = storage.reads
        self._files = storage.files
        self._blobs = storage.blobs
        self._texts = storage.chunks
        self._vector_stores = vector_stores

    async def upload(
        self,
        ctx: RequestContext,
        header: file_pb2.FileUploadHeader,
        chunks: AsyncIterable[bytes],
    ) -> file_pb2.File:
        """Stores the content, then appends FileCreated naming its sha256.

        The header is checked before any content is read, so bad input changes nothing.
        """
        filename, expires_after = rules.check_header(header)
        if prior := await previous_payload(self._events, ctx, events_pb2.FileCreated):
            return prior.file
        try:
            blob = await self._blobs.write(chunks, max_bytes=rules.MAX_BYTES)
        except BlobTooLargeError:
            raise rules.too_large() from None
        file = rules.new_file(
            ids.new_id(ids.FILE),
            filename,
            header.purpose,
            blob.size,
            int(time.time()),
            expires_after,
        )
        created = events_pb2.FileCreated(file=file, sha256=blob.sha256)
        try:
            result = await self._append_created(ctx, created)
        except DuplicateRequestRaceError:
            # A twin request under the same idempotency key committed first: answer with it.
            await self._discard(blob.sha256)
            if prior := await previous_payload(self._events, ctx, events_pb2.FileCreated):
                return prior.file
            raise
        except BaseException:
            await self._discard(blob.sha256)
            raise
        if result.duplicate:
            await self._discard(blob.sha256)
            created = await original_payload(self._events, ctx, result, events_pb2.FileCreated)
        log.info(
            "file created",
            extra={"file_id": created.file.id, "sha256": created.sha256, "bytes": blob.size},
        )
        return created.file

    async def save_output(self, project_id: str, run_id: str, filename: str, data: bytes) -> str:
        """Saves a file code_interpreter wrote in a run, with purpose assistants_output, and
        returns its id. Its FileCreated is the server's, correlated with the run."""
        ctx = RequestContext(Principal(project_id, key_id=""), request_id=run_id)

        async def content() -> AsyncIterator[bytes]:
            yield data

        blob = await self._blobs.write(content(), max_bytes=rules.MAX_BYTES)
        file = rules.new_file(
            ids.new_id(ids.FILE), filename, rules.OUTPUT_PURPOSE, blob.size, int(time.time()), None
        )
        try:
            await self._append_created(ctx, events_pb2.FileCreated(file=file, sha256=blob.sha256))
        except BaseException:
            await self._discard(blob.sha256)
            raise
        log.info("output file saved", extra={"file_id": file.id, "run_id": run_id})
        return file.id

    async def _append_created(
        self, ctx: RequestContext, created: events_pb2.FileCreated
    ) -> AppendResult:
        """Appends FileCreated while holding the blob, so no concurrent delete of the last
        file with the same content removes the bytes this file names."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await self._blobs.hold(conn, created.sha256):
                raise UnavailableError("The upload collided with a deletion. Retry the request.")
            return await self._events.append(
                created.file.id,
                KIND,
                [created],
                expected_version=NO_STREAM,
                metadata=ctx.event_metadata(),
                idempotency_key=ctx.idempotency_key(),
                connection=conn,
            )

    async def _discard(self, sha256: str) -> None:
        """Drops content that no file ended up naming."""
        await asyncio.shield(self._blobs.delete_if_unreferenced(sha256))

    async def get(self, ctx: RequestContext, file_id: str) -> file_pb2.File:
        return (await self._load(ctx, file_id)).file

    async def list(
        self, ctx: RequestContext, request: file_pb2.ListFilesRequest
    ) -> file_pb2.ListFilesResponse:
        limit = rules.list_limit(request.limit if request.HasField("limit") else None)
        params = list_params(None, request.order, request.after, "", ids.FILE)
        query = PageQuery(limit=limit, ascending=params.ascending, after=params.after)
        page = await self._files.list_files(ctx.project_id, request.purpose or None, query)
        response = file_pb2.ListFilesResponse(object="list", has_more=page.has_more)
        response.data.extend(page.items)
        if page.items:
            response.first_id = page.items[0].id
            response.last_id = page.items[-1].id
        return response

    async def delete(self, ctx: RequestContext, file_id: str) -> common_pb2.DeletedObject:
        """Appends FileDeleted, then removes the file from every vector store and
        code_interpreter resource, as events of those objects, and drops its content if no
        other file has the same.

        A retry under the same idempotency key runs the cascade again, so an interrupted one
        is finished; each step is a no-op where the file is already gone.
        """
        prior = await previous_payload(self._events, ctx, events_pb2.FileDeleted, file_id)
        if prior is None:
            sha256 = await retry_on_conflict(lambda: self._delete(ctx, file_id))
        else:
            sha256 = await self._recorded_sha256(ctx, file_id)
        # The cascade's appends are not the request's: the idempotency key names FileDeleted.
        cascade = dataclasses.replace(ctx, idempotency=None, request_digest="")
        await self._vector_stores.detach_everywhere(cascade, file_id)
        await self._drop_from_code_interpreter(cascade, file_id)
        if sha256 and await self._blobs.delete_if_unreferenced(sha256):
            await self._texts.forget_text(sha256)
        log.info("file deleted", extra={"file_id": file_id})
        return common_pb2.DeletedObject(id=file_id, object=rules.DELETED_OBJECT, deleted=True)

    async def _delete(self, ctx: RequestContext, file_id: str) -> str:
        current = await self._load(ctx, file_id)
        deleted = events_pb2.FileDeleted(file_id=file_id)
        await self._events.append(
            file_id,
            KIND,
            [deleted],
            expected_version=current.version,
            metadata=ctx.event_metadata(),
            idempotency_key=ctx.idempotency_key(),
        )
        return current.sha256

    async def _recorded_sha256(self, ctx: RequestContext, file_id: str) -> str:
        """The sha256 the file's FileCreated event recorded."""
        events = await self._events.read_stream(ctx.project_id, file_id, to_version=1)
        return events[0].file_created.sha256 if events else ""

    async def _drop_from_code_interpreter(self, ctx: RequestContext, file_id: str) -> None:
        assistant_ids, thread_ids = await self._files.code_interpreter_holders(
            ctx.project_id, file_id
        )
        for assistant_id in assistant_ids:
            await retry_on_conflict(partial(self._drop_from_assistant, ctx, assistant_id, file_id))
        for thread_id in thread_ids:
            await retry_on_conflict(partial(self._drop_from_thread, ctx, thread_id, file_id))

    async def _drop_from_assistant(
        self, ctx: RequestContext, assistant_id: str, file_id: str
    ) -> None:
        current = await self._reads.get_assistant(ctx.project_id, assistant_id)
        if current is not None:
            updated = events_pb2.AssistantUpdated(assistant=current.assistant)
            await self._drop_from(
                ctx, ASSISTANT_KIND, assistant_id, current.version, updated, file_id
            )

    async def _drop_from_thread(self, ctx: RequestContext, thread_id: str, file_id: str) -> None:
        current = await self._reads.get_thread(ctx.project_id, thread_id)
        if current is not None:
            updated = events_pb2.ThreadUpdated(thread=current.thread)
            await self._drop_from(ctx, THREAD_KIND, thread_id, current.version, updated, file_id)

    async def _drop_from(
        self,
        ctx: RequestContext,
        kind: str,
        holder_id: str,
        version: int,
        updated: events_pb2.AssistantUpdated | events_pb2.ThreadUpdated,
        file_id: str,
    ) -> None:
        """Appends `updated`, the assistant or thread at `version` without the file in its
        code_interpreter resources, unless they did not hold it."""
        if isinstance(updated, events_pb2.AssistantUpdated):
            resources = updated.assistant.tool_resources
        else:
            resources = updated.thread.tool_resources
        if not _remove_file(resources.code_interpreter.file_ids, file_id):
            return
        await self._events.append(
            holder_id, kind, [updated], expected_version=version, metadata=ctx.event_metadata()
        )
        log.info("file removed", extra={"file_id": file_id, f"{kind}_id": holder_id})

    async def download(
        self, ctx: RequestContext, file_id: str
    ) -> tuple[file_pb2.File, AsyncIterator[bytes]]:
        """The file and its content in parts of at most 1 MiB, for purposes that may be
        downloaded."""
        found = await self._load(ctx, file_id)
        rules.check_downloadable(found.file)
        return found.file, self._blobs.read(found.sha256)

    async def _load(self, ctx: RequestContext, file_id: str) -> VersionedFile:
        check_id(file_id, "file_id", ids.FILE)
        found = await self._files.get_file(ctx.project_id, file_id)
        if found is None or rules.is_expired(found.file, int(time.time())):
            raise rules.not_found(file_id)
        return found


def _remove_file(file_ids: MutableSequence[str], file_id: str) -> bool:
    """Removes every occurrence of file_id from a repeated field; True when one was there."""
    kept = [f for f in file_ids if f != file_id]
    if len(kept) == len(file_ids):
        return False
    del file_ids[:]
    file_ids.extend(kept)
    return True
