"""Vector store commands and queries, and the helpers files and file_search use.

A store's stream (`vs_…`) holds its files and batches. Attaching a file appends
VectorStoreFileAttached (in progress): that is the ingestion job, which a worker
(service.retrieval.ingestion) ends with VectorStoreFileUpdated. Every command here appends
with the store version it read, so it never races a worker's end or another command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import partial

from google.protobuf import struct_pb2
from google.protobuf.message import Message

from assistants.v1 import (
    common_pb2,
    events_pb2,
    tools_pb2,
    vector_store_pb2,
    vector_store_service_pb2,
)
from service.app._appends import append, original_payload, previous_payload, retry_on_conflict
from service.app._context import RequestContext
from service.app._lists import list_response, page_query
from service.domain import ids
from service.domain import vector_stores as rules
from service.domain.validation import check_id, invalid_value
from service.errors import FailedPreconditionError, NotFoundError
from service.retrieval.search import Searcher, SearchHit
from storage import (
    NO_STREAM,
    AppendResult,
    PageQuery,
    Storage,
    VersionedBatch,
    VersionedVectorStore,
    WrongExpectedVersionError,
)
from storage._chunks import AttributeFilterNode, Comparison, Compound

KIND = "vector_store"
# Characters of extracted text per content page.
CONTENT_PAGE_CHARS = 20_000
# touch() records a use at most this often per store.
TOUCH_INTERVAL_SECONDS = 60
# More files than a batch may hold: every file of one batch in one read.
_ALL_FILES = 100_000

log = logging.getLogger("service.vector_stores")


def not_found(vector_store_id: str) -> NotFoundError:
    return NotFoundError(f"No vector store found with id '{vector_store_id}'.")


def file_not_found(file_id: str) -> NotFoundError:
    return NotFoundError(f"No such File object: {file_id}")


def store_file_not_found(vector_store_id: str, file_id: str) -> NotFoundError:
    return NotFoundError(f"No file found with id '{file_id}' in vector store '{vector_store_id}'.")


def batch_not_found(batch_id: str) -> NotFoundError:
    return NotFoundError(f"No file batch found with id '{batch_id}'.")


def _stored(store: vector_store_pb2.VectorStore) -> vector_store_pb2.VectorStore:
    """The store as events record it: counts, usage and status are computed on read."""
    result = vector_store_pb2.VectorStore()
    result.CopyFrom(store)
    for name in ("file_counts", "usage_bytes", "status"):
        result.ClearField(name)
    return result


def _attached(
    file: vector_store_pb2.VectorStoreFile, batch_id: str = ""
) -> events_pb2.VectorStoreFileAttached:
    return events_pb2.VectorStoreFileAttached(vector_store_file=file, batch_id=batch_id)


def to_filter_node(node: rules.FilterNode) -> AttributeFilterNode:
    """The checked domain filter as the storage's filter tree."""
    if isinstance(node, rules.Comparison):
        return Comparison(node.key, node.op, node.value)
    return Compound(node.op, [to_filter_node(f) for f in node.filters])


def _value(value: str | float | bool) -> struct_pb2.Value:
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, int | float):
        return struct_pb2.Value(number_value=float(value))
    return struct_pb2.Value(string_value=str(value))


def _result(hit: SearchHit) -> vector_store_service_pb2.SearchResult:
    result = vector_store_service_pb2.SearchResult(
        file_id=hit.file_id, filename=hit.filename, score=hit.score
    )
    for key, value in hit.attributes.items():
        result.attributes[key].CopyFrom(_value(value))
    result.content.add(type=vector_store_service_pb2.FILE_CONTENT_TYPE_TEXT, text=hit.text)
    return result


def _store_file_ids(
    request: vector_store_service_pb2.CreateVectorStoreFileRequest
    | vector_store_service_pb2.UpdateVectorStoreFileRequest,
) -> tuple[str, str]:
    """The store and the file a request names, once both ids are well formed."""
    check_id(request.vector_store_id, "vector_store_id", ids.VECTOR_STORE)
    check_id(request.file_id, "file_id", ids.FILE)
    return request.vector_store_id, request.file_id


class VectorStores:
    def __init__(self, storage: Storage, searcher: Searcher) -> None:
        self._storage = storage
        self._events = storage.events
        self._reads = storage.vector_stores
        self._files = storage.files
        self._searcher = searcher

    # Stores.

    async def create(
        self, ctx: RequestContext, request: vector_store_service_pb2.CreateVectorStoreRequest
    ) -> vector_store_pb2.VectorStore:
        if prior := await previous_payload(self._events, ctx, events_pb2.VectorStoreCreated):
            return await self.get(ctx, prior.vector_store.id)
        now = int(time.time())
        store = rules.new_vector_store(request, ids.new_id(ids.VECTOR_STORE), now)
        payloads, file_ids = await self._created(ctx, store, request, now)
        result = await append(self._events, ctx, store.id, KIND, payloads, NO_STREAM)
        if result.duplicate:
            created = await original_payload(
                self._events, ctx, result, events_pb2.VectorStoreCreated
            )
            return await self.get(ctx, created.vector_store.id)
        self._announce(file_ids)
        log.info(
            "vector store created", extra={"vector_store_id": store.id, "files": len(file_ids)}
        )
        return await self.get(ctx, store.id)

    async def _created(
        self,
        ctx: RequestContext,
        store: vector_store_pb2.VectorStore,
        spec: vector_store_service_pb2.CreateVectorStoreRequest | tools_pb2.VectorStoreSpec,
        now: int,
    ) -> tuple[list[Message], list[str]]:
        """The events that create the store with the spec's files attached (each once, with
        the spec's chunking), once the files are found; and those files' ids."""
        chunking = rules.resolve_chunking(spec.chunking_strategy, "chunking_strategy")
        file_ids = list(dict.fromkeys(spec.file_ids))
        await self._require_files(ctx, file_ids)
        payloads: list[Message] = [events_pb2.VectorStoreCreated(vector_store=store)]
        payloads += [
            _attached(rules.new_vector_store_file(store.id, f, now, chunking, {})) for f in file_ids
        ]
        return payloads, file_ids

    async def get(self, ctx: RequestContext, vector_store_id: str) -> vector_store_pb2.VectorStore:
        return (await self._load(ctx, vector_store_id)).vector_store

    async def list(
        self, ctx: RequestContext, request: vector_store_service_pb2.ListVectorStoresRequest
    ) -> vector_store_service_pb2.ListVectorStoresResponse:
        query = page_query(request, ids.VECTOR_STORE)
        page = await self._reads.list_vector_stores(ctx.project_id, query, int(time.time()))
        return list_response(vector_store_service_pb2.ListVectorStoresResponse(), page)

    async def update(
        self, ctx: RequestContext, request: vector_store_service_pb2.UpdateVectorStoreRequest
    ) -> vector_store_pb2.VectorStore:
        store_id = request.vector_store_id
        if await previous_payload(self._events, ctx, events_pb2.VectorStoreUpdated, store_id):
            return await self.get(ctx, store_id)

        async def attempt() -> None:
            current = await self._load(ctx, store_id)
            store = rules.updated_vector_store(_stored(current.vector_store), request)
            updated = events_pb2.VectorStoreUpdated(vector_store=store)
            await append(self._events, ctx, store_id, KIND, [updated], current.version)

        await retry_on_conflict(attempt)
        return await self.get(ctx, store_id)

    async def delete(self, ctx: RequestContext, vector_store_id: str) -> common_pb2.DeletedObject:
        if not await previous_payload(
            self._events, ctx, events_pb2.VectorStoreDeleted, vector_store_id
        ):

            async def attempt() -> None:
                current = await self._load(ctx, vector_store_id)
                deleted = events_pb2.VectorStoreDeleted(vector_store_id=vector_store_id)
                await append(self._events, ctx, vector_store_id, KIND, [deleted], current.version)

            await retry_on_conflict(attempt)
            await self._delete_chunks(ctx.project_id, vector_store_id, None)
        return common_pb2.DeletedObject(
            id=vector_store_id, object=rules.DELETED_OBJECT, deleted=True
        )

    # Files.

    async def create_file(
        self, ctx: RequestContext, request: vector_store_service_pb2.CreateVectorStoreFileRequest
    ) -> vector_store_pb2.VectorStoreFile:
        """Attaches a file; a file already in the store is returned as it is."""
        store_id, file_id = _store_file_ids(request)
        chunking = rules.resolve_chunking(request.chunking_strategy, "chunking_strategy")
        rules.check_attributes(request.attributes, "attributes")
        if await previous_payload(self._events, ctx, events_pb2.VectorStoreFileAttached, store_id):
            return await self.get_file(ctx, store_id, file_id)

        async def attempt() -> vector_store_pb2.VectorStoreFile:
            current = await self._load(ctx, store_id)
            existing = await self._reads.get_vector_store_file(ctx.project_id, store_id, file_id)
            if existing is not None:
                return existing
            await self._require_files(ctx, [file_id])
            file = rules.new_vector_store_file(
                store_id, file_id, int(time.time()), chunking, request.attributes
            )
            await append(self._events, ctx, store_id, KIND, [_attached(file)], current.version)
            self._announce([file_id])
            return file

        await retry_on_conflict(attempt)
        return await self.get_file(ctx, store_id, file_id)

    async def get_file(
        self, ctx: RequestContext, vector_store_id: str, file_id: str
    ) -> vector_store_pb2.VectorStoreFile:
        await self._load(ctx, vector_store_id)
        check_id(file_id, "file_id", ids.FILE)
        found = await self._reads.get_vector_store_file(ctx.project_id, vector_store_id, file_id)
        if found is None:
            raise store_file_not_found(vector_store_id, file_id)
        return found

    async def list_files(
        self, ctx: RequestContext, request: vector_store_service_pb2.ListVectorStoreFilesRequest
    ) -> vector_store_service_pb2.ListVectorStoreFilesResponse:
        """The store's files, or its batch's when batch_id is set."""
        query = page_query(request, ids.FILE)
        status = rules.status_name(request.filter)
        await self._load(ctx, request.vector_store_id)
        batch_id = request.batch_id or None
        if batch_id is not None:
            await self._load_batch(ctx, request.vector_store_id, batch_id)
        page = await self._reads.list_vector_store_files(
            ctx.project_id, request.vector_store_id, batch_id, status, query
        )
        return list_response(vector_store_service_pb2.ListVectorStoreFilesResponse(), page)

    async def update_file(
        self, ctx: RequestContext, request: vector_store_service_pb2.UpdateVectorStoreFileRequest
    ) -> vector_store_pb2.VectorStoreFile:
        """Replaces the file's attributes."""
        store_id, file_id = _store_file_ids(request)
        rules.check_attributes(request.attributes, "attributes")
        if await previous_payload(self._events, ctx, events_pb2.VectorStoreFileUpdated, store_id):
            return await self.get_file(ctx, store_id, file_id)

        async def attempt() -> vector_store_pb2.VectorStoreFile:
            current = await self._load(ctx, store_id)
            file = await self.get_file(ctx, store_id, file_id)
            updated = rules.with_attributes(file, request.attributes)
            payload = events_pb2.VectorStoreFileUpdated(vector_store_file=updated)
            await append(self._events, ctx, store_id, KIND, [payload], current.version)
            return updated

        return await retry_on_conflict(attempt)

    async def delete_file(
        self, ctx: RequestContext, vector_store_id: str, file_id: str
    ) -> common_pb2.DeletedObject:
        """Detaches the file from the store; the file itself remains."""
        if not await previous_payload(
            self._events, ctx, events_pb2.VectorStoreFileDetached, vector_store_id
        ):
            await self.get_file(ctx, vector_store_id, file_id)
            await retry_on_conflict(lambda: self._detach(ctx, vector_store_id, file_id, True))
        return common_pb2.DeletedObject(id=file_id, object=rules.FILE_DELETED_OBJECT, deleted=True)

    async def file_content(
        self,
        ctx: RequestContext,
        request: vector_store_service_pb2.GetVectorStoreFileContentRequest,
    ) -> vector_store_service_pb2.VectorStoreFileContentPage:
        """A page of the file's extracted text; `page` is the character offset to start at."""
        offset = 0
        if request.page:
            if not request.page.isdigit():
                raise invalid_value("page", request.page, ["a next_page value"])
            offset = int(request.page)
        await self.get_file(ctx, request.vector_store_id, request.file_id)
        response = vector_store_service_pb2.VectorStoreFileContentPage(
            object=rules.CONTENT_PAGE_OBJECT
        )
        file = await self._files.get_file(ctx.project_id, request.file_id)
        found = None
        if file is not None:
            found = await self._storage.chunks.text_page(file.sha256, offset, CONTENT_PAGE_CHARS)
        if found is None:
            return response
        text, has_more = found
        if text:
            response.data.add(type=vector_store_service_pb2.FILE_CONTENT_TYPE_TEXT, text=text)
        response.has_more = has_more
        if has_more:
            response.next_page = str(offset + len(text))
        return response

    # Batches.

    async def create_batch(
        self,
        ctx: RequestContext,
        request: vector_store_service_pb2.CreateVectorStoreFileBatchRequest,
    ) -> vector_store_pb2.VectorStoreFileBatch:
        """Attaches the files as one batch. A file already in the store is attached again
        (ingested anew with the batch's chunking and attributes), so the batch counts it."""
        store_id = request.vector_store_id
        check_id(store_id, "vector_store_id", ids.VECTOR_STORE)
        entries = rules.batch_entries(request)
        if prior := await previous_payload(
            self._events, ctx, events_pb2.VectorStoreFileBatchCreated, store_id
        ):
            return await self.get_batch(ctx, store_id, prior.batch.id)
        await self._load(ctx, store_id)
        await self._require_files(ctx, [e.file_id for e in entries])
        batch_id = ids.new_id(ids.FILE_BATCH)

        async def attempt() -> AppendResult:
            current = await self._load(ctx, store_id)
            now = int(time.time())
            batch = rules.new_batch(batch_id, store_id, now)
            payloads: list[Message] = [events_pb2.VectorStoreFileBatchCreated(batch=batch)]
            payloads += [
                _attached(
                    rules.new_vector_store_file(store_id, e.file_id, now, e.chunking, e.attributes),
                    batch_id,
                )
                for e in entries
            ]
            payloads += await self._batches_taken_over(ctx, store_id, [e.file_id for e in entries])
            return await append(self._events, ctx, store_id, KIND, payloads, current.version)

        result = await retry_on_conflict(attempt)
        if result.duplicate:
            created = await original_payload(
                self._events, ctx, result, events_pb2.VectorStoreFileBatchCreated
            )
            batch_id = created.batch.id
        else:
            self._announce([e.file_id for e in entries])
            log.info(
                "file batch created",
                extra={"vector_store_id": store_id, "batch_id": batch_id, "files": len(entries)},
            )
        return await self.get_batch(ctx, store_id, batch_id)

    async def get_batch(
        self, ctx: RequestContext, vector_store_id: str, batch_id: str
    ) -> vector_store_pb2.VectorStoreFileBatch:
        return (await self._load_batch(ctx, vector_store_id, batch_id)).batch

    async def cancel_batch(
        self, ctx: RequestContext, vector_store_id: str, batch_id: str
    ) -> vector_store_pb2.VectorStoreFileBatch:
        """Cancels the batch's files still in progress, and the batch."""

        async def attempt() -> None:
            current = await self._load_batch(ctx, vector_store_id, batch_id)
            status = current.batch.status
            if status == rules.CANCELLED:
                return
            if status != rules.IN_PROGRESS:
                name = vector_store_pb2.VectorStoreFileStatus.Name(status)
                raise FailedPreconditionError(
                    f"Cannot cancel a file batch with status "
                    f"'{name.removeprefix('VECTOR_STORE_FILE_STATUS_').lower()}'."
                )
            pending = await self._reads.list_vector_store_files(
                ctx.project_id,
                vector_store_id,
                batch_id,
                "VECTOR_STORE_FILE_STATUS_IN_PROGRESS",
                PageQuery(limit=_ALL_FILES, ascending=True),
            )
            payloads: list[Message] = [
                events_pb2.VectorStoreFileUpdated(
                    vector_store_file=rules.ended_file(f, rules.CANCELLED)
                )
                for f in pending.items
            ]
            payloads.append(
                events_pb2.VectorStoreFileBatchUpdated(
                    batch=rules.ended_batch(current.batch, rules.CANCELLED)
                )
            )
            await append(self._events, ctx, vector_store_id, KIND, payloads, current.version)

        await retry_on_conflict(attempt)
        return await self.get_batch(ctx, vector_store_id, batch_id)

    # Search.

    async def search(
        self, ctx: RequestContext, request: vector_store_service_pb2.SearchVectorStoreRequest
    ) -> vector_store_service_pb2.SearchVectorStoreResponse:
        params = rules.search_params(request)
        await self._load(ctx, request.vector_store_id)
        hits = await self._searcher.search(
            ctx.project_id,
            [request.vector_store_id],
            params.queries,
            max_num_results=params.max_num_results,
            score_threshold=params.score_threshold,
            filter=None if params.filter is None else to_filter_node(params.filter),
        )
        response = vector_store_service_pb2.SearchVectorStoreResponse(
            object=rules.SEARCH_PAGE_OBJECT, search_query=params.queries, has_more=False
        )
        response.data.extend(_result(hit) for hit in hits)
        return response

    # Helpers for files and file_search.

    async def detach_everywhere(self, ctx: RequestContext, file_id: str) -> None:
        """Detaches a file from every store of the project that holds it (its deletion)."""
        for store_id in await self._reads.stores_holding_file(ctx.project_id, file_id):
            try:
                await retry_on_conflict(partial(self._detach, ctx, store_id, file_id, False))
            except NotFoundError:
                continue  # detached, or the store deleted, meanwhile

    async def create_inline(
        self, ctx: RequestContext, spec: tools_pb2.VectorStoreSpec, *, for_thread: bool
    ) -> str:
        """Creates a store from a tool_resources helper or attachments; returns its id.

        The caller appends its own events under the request's idempotency key, so this one
        appends under a key derived from it: a retried request finds the store it created.
        """
        now = int(time.time())
        store = rules.inline_vector_store(
            spec, ids.new_id(ids.VECTOR_STORE), now, for_thread=for_thread
        )
        payloads, file_ids = await self._created(ctx, store, spec, now)
        result = await self._events.append(
            store.id,
            KIND,
            payloads,
            expected_version=NO_STREAM,
            metadata=ctx.event_metadata(),
            idempotency_key=self._derived_key(ctx, "inline-vector-store"),
        )
        if not result.duplicate:
            self._announce(file_ids)
        return result.stream_id

    async def add_to_thread_store(
        self, ctx: RequestContext, thread_store_id: str | None, file_ids: Sequence[str]
    ) -> str:
        """Creates the thread's store with the files, or attaches those not in it yet."""
        if thread_store_id is None:
            spec = tools_pb2.VectorStoreSpec(file_ids=list(dict.fromkeys(file_ids)))
            return await self.create_inline(ctx, spec, for_thread=True)
        await self._require_files(ctx, list(file_ids))

        async def attempt() -> None:
            current = await self._load(ctx, thread_store_id)
            now = int(time.time())
            chunking = rules.resolve_chunking(tools_pb2.ChunkingStrategy(), "chunking_strategy")
            payloads: list[Message] = []
            for file_id in dict.fromkeys(file_ids):
                if await self._reads.get_vector_store_file(
                    ctx.project_id, thread_store_id, file_id
                ):
                    continue
                file = rules.new_vector_store_file(thread_store_id, file_id, now, chunking, {})
                payloads.append(_attached(file))
            if payloads:
                await self._events.append(
                    thread_store_id,
                    KIND,
                    payloads,
                    expected_version=current.version,
                    metadata=ctx.event_metadata(),
                )
                self._announce(file_ids)

        await retry_on_conflict(attempt)
        return thread_store_id

    async def touch(self, project_id: str, vector_store_ids: Sequence[str]) -> None:
        """Records that runs used the stores now (last_active_at, and the expiry anchored on
        it), at most once a minute per store. A store changed meanwhile, or expired, is left
        as it is."""
        now = int(time.time())
        metadata = events_pb2.EventMetadata(project_id=project_id)
        for store_id in vector_store_ids:
            found = await self._reads.get_vector_store(project_id, store_id, now)
            if found is None:
                continue
            store = found.vector_store
            if store.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED:
                continue  # an expired store stays expired: a use does not revive it
            if now - store.last_active_at < TOUCH_INTERVAL_SECONDS:
                continue
            updated = events_pb2.VectorStoreUpdated(vector_store=rules.touched(_stored(store), now))
            try:
                await self._events.append(
                    store_id, KIND, [updated], expected_version=found.version, metadata=metadata
                )
            except WrongExpectedVersionError:
                continue

    async def reindex(self, project_id: str, vector_store_id: str, file_ids: Sequence[str]) -> int:
        """Puts the store's completed files among file_ids back in progress, so ingestion
        workers embed them again (after the embedding model changed); returns how many.
        A file no longer completed (detached, attached again) is left alone, and a store
        gone meanwhile queues nothing. The workers' end replaces the file's chunks."""
        metadata = events_pb2.EventMetadata(project_id=project_id)

        async def attempt() -> list[str]:
            found = await self._reads.get_vector_store(project_id, vector_store_id, 0)
            if found is None:
                return []
            payloads: list[Message] = []
            queued: list[str] = []
            for file_id in dict.fromkeys(file_ids):
                file = await self._reads.get_vector_store_file(project_id, vector_store_id, file_id)
                if file is None or file.status != rules.COMPLETED:
                    continue
                reopened = rules.reopened_file(file)
                payloads.append(events_pb2.VectorStoreFileUpdated(vector_store_file=reopened))
                queued.append(file_id)
            if payloads:
                await self._events.append(
                    vector_store_id,
                    KIND,
                    payloads,
                    expected_version=found.version,
                    metadata=metadata,
                )
            return queued

        queued = await retry_on_conflict(attempt)
        self._announce(queued)
        if queued:
            log.info(
                "vector store files queued for reindexing",
                extra={"vector_store_id": vector_store_id, "files": len(queued)},
            )
        return len(queued)

    # Internals.

    async def _load(self, ctx: RequestContext, vector_store_id: str) -> VersionedVectorStore:
        check_id(vector_store_id, "vector_store_id", ids.VECTOR_STORE)
        found = await self._reads.get_vector_store(
            ctx.project_id, vector_store_id, int(time.time())
        )
        if found is None:
            raise not_found(vector_store_id)
        return found

    async def _load_batch(
        self, ctx: RequestContext, vector_store_id: str, batch_id: str
    ) -> VersionedBatch:
        await self._load(ctx, vector_store_id)
        check_id(batch_id, "batch_id", ids.FILE_BATCH)
        found = await self._reads.get_batch(ctx.project_id, vector_store_id, batch_id)
        if found is None:
            raise batch_not_found(batch_id)
        return found

    async def _require_files(self, ctx: RequestContext, file_ids: Sequence[str]) -> None:
        """Raises NotFoundError naming the first file that is not a live file of the project."""
        if not file_ids:
            return
        found = await self._files.get_files(ctx.project_id, file_ids)
        for file_id in file_ids:
            if file_id not in found:
                raise file_not_found(file_id)

    async def _detach(
        self, ctx: RequestContext, vector_store_id: str, file_id: str, keyed: bool
    ) -> None:
        """Appends VectorStoreFileDetached, with the batch's end when the file was the last
        of its batch in progress, then drops the file's chunks (best effort: chunks of a
        detached file are invisible to search anyway). The drop spares the chunks of a
        re-attachment ingested since the detach (storage.chunks.delete deletes only while
        the file is not in the store). Raises NotFoundError when the file is not in the
        store."""
        current = await self._load(ctx, vector_store_id)
        file = await self._reads.get_vector_store_file(ctx.project_id, vector_store_id, file_id)
        if file is None:
            raise store_file_not_found(vector_store_id, file_id)
        payloads: list[Message] = [
            events_pb2.VectorStoreFileDetached(vector_store_id=vector_store_id, file_id=file_id)
        ]
        if file.status == rules.IN_PROGRESS:
            payloads.extend(await self._batch_end(ctx, vector_store_id, file_id))
        if keyed:
            await append(self._events, ctx, vector_store_id, KIND, payloads, current.version)
        else:
            await self._events.append(
                vector_store_id,
                KIND,
                payloads,
                expected_version=current.version,
                metadata=ctx.event_metadata(),
            )
        log.info("file detached", extra={"vector_store_id": vector_store_id, "file_id": file_id})
        await self._delete_chunks(ctx.project_id, vector_store_id, file_id)

    async def _batches_taken_over(
        self, ctx: RequestContext, vector_store_id: str, file_ids: Sequence[str]
    ) -> Sequence[Message]:
        """The ends (completed) of the batches in progress whose files still in progress are
        all among file_ids: attaching those files again moves them out of their batch, which
        no ingestion would end otherwise."""
        ends: list[Message] = []
        moved = await self._reads.batches_in_progress_of(ctx.project_id, vector_store_id, file_ids)
        for other_id, count in sorted(moved.items()):
            found = await self._reads.get_batch(ctx.project_id, vector_store_id, other_id)
            if found is None or found.batch.status != rules.IN_PROGRESS:
                continue
            if found.batch.file_counts.in_progress > count:
                continue
            ended = rules.ended_batch(found.batch, rules.COMPLETED)
            ends.append(events_pb2.VectorStoreFileBatchUpdated(batch=ended))
        return ends

    async def _batch_end(
        self, ctx: RequestContext, vector_store_id: str, file_id: str
    ) -> Sequence[Message]:
        """The batch's VectorStoreFileBatchUpdated (completed) when file_id, in progress, is
        the last file of its batch in progress; else nothing."""
        batch_id = await self._reads.batch_of_file(ctx.project_id, vector_store_id, file_id)
        if batch_id is None:
            return []
        found = await self._reads.get_batch(ctx.project_id, vector_store_id, batch_id)
        if found is None or found.batch.status != rules.IN_PROGRESS:
            return []
        if found.batch.file_counts.in_progress > 1:
            return []
        ended = rules.ended_batch(found.batch, rules.COMPLETED)
        return [events_pb2.VectorStoreFileBatchUpdated(batch=ended)]

    async def _delete_chunks(self, project_id: str, store_id: str, file_id: str | None) -> None:
        try:
            await self._storage.chunks.delete(project_id, store_id, file_id)
        except Exception:
            log.warning(
                "deleting chunks failed; they are invisible to search",
                exc_info=True,
                extra={"vector_store_id": store_id, "file_id": file_id},
            )

    def _announce(self, file_ids: Sequence[str]) -> None:
        if file_ids:
            self._storage.ingestion_jobs.announce()

    @staticmethod
    def _derived_key(ctx: RequestContext, purpose: str) -> str | None:
        key = ctx.idempotency_key()
        return None if key is None else f"{key}:{purpose}"
