"""Thread commands and queries."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import common_pb2, events_pb2, message_pb2, thread_pb2, tools_pb2
from service.app._appends import append, original_payload, previous_payload, retry_on_conflict
from service.app._context import RequestContext
from service.domain import ids, limits
from service.domain import messages as message_rules
from service.domain import threads as rules
from service.domain.tools import check_tool_resources, with_store_placeholder
from service.domain.validation import check_id, check_max_items
from service.errors import InvalidArgumentError, NotFoundError
from storage import NO_STREAM, Storage, ThreadHead, VersionedThread

KIND = "thread"
# Thread heads kept per process. The expected-version check of every append makes a stale one
# harmless: it costs one conflict and a fresh read.
HEAD_CACHE_SIZE = 10_000


class ToolResourceStores(Protocol):
    """The vector store commands tool resources use: service.app.vector_stores.VectorStores."""

    async def create_inline(
        self, ctx: RequestContext, spec: tools_pb2.VectorStoreSpec, *, for_thread: bool
    ) -> str: ...

    async def add_to_thread_store(
        self, ctx: RequestContext, thread_store_id: str | None, file_ids: Sequence[str]
    ) -> str: ...


Attachments = Sequence[tuple[str, Sequence[message_pb2.Attachment]]]


def not_found(thread_id: str) -> NotFoundError:
    return NotFoundError(f"No thread found with id '{thread_id}'.")


def new_thread_events(
    request: thread_pb2.CreateThreadRequest, now: int
) -> tuple[thread_pb2.Thread, list[ProtoMessage]]:
    """A new thread and the events that create it with its first messages.

    Raises InvalidArgumentError.
    """
    check_max_items(request.messages, "messages", limits.THREAD_MESSAGES_MAX)
    for i, m in enumerate(request.messages):
        message_rules.check_message_input(
            m.role, m.content, m.attachments, m.metadata, prefix=f"messages[{i}]."
        )
    thread = rules.new_thread(request, ids.new_id(ids.THREAD), now)
    payloads: list[ProtoMessage] = [events_pb2.ThreadCreated(thread=thread)]
    payloads.extend(message_rules.new_messages(request.messages, thread.id, now))
    return thread, payloads


class Threads:
    def __init__(self, storage: Storage) -> None:
        self._events = storage.events
        self._reads = storage.reads
        self._files = storage.files
        self._store_reads = storage.vector_stores
        self._heads: OrderedDict[tuple[str, str], ThreadHead] = OrderedDict()
        # Set by the Application once its vector stores exist: attachments for file_search
        # and the vector_stores helper need them.
        self.vector_stores: ToolResourceStores | None = None

    async def create(
        self, ctx: RequestContext, request: thread_pb2.CreateThreadRequest
    ) -> thread_pb2.Thread:
        if prior := await previous_payload(self._events, ctx, events_pb2.ThreadCreated):
            return prior.thread
        request = await self.prepare(ctx, request)
        thread, payloads = new_thread_events(request, int(time.time()))
        result = await append(self._events, ctx, thread.id, KIND, payloads, NO_STREAM)
        if result.duplicate:
            created = await original_payload(self._events, ctx, result, events_pb2.ThreadCreated)
            return created.thread
        self.remember_head(ctx, thread.id, ThreadHead(result.last_version, len(request.messages)))
        return thread

    async def prepare(
        self, ctx: RequestContext, request: thread_pb2.CreateThreadRequest
    ) -> thread_pb2.CreateThreadRequest:
        """The create request with its tool resources made real: the vector_stores helper's
        store created, the messages' attachments added (a store for file_search ones, the
        file ids for code_interpreter ones). Everything is checked before anything is made,
        so a bad request changes nothing. Raises InvalidArgumentError."""
        check_tool_resources(request.tool_resources, on_create=True)
        await self.require_stores(ctx, request.tool_resources.file_search.vector_store_ids)
        await self.require_code_files(ctx, request.tool_resources.code_interpreter.file_ids)
        checked = thread_pb2.CreateThreadRequest()
        checked.CopyFrom(request)
        checked.tool_resources.CopyFrom(with_store_placeholder(request.tool_resources))
        new_thread_events(checked, int(time.time()))  # the checks, with nothing kept
        resources = request.tool_resources
        helpers = list(resources.file_search.vector_stores)
        attachments = [(f"messages[{i}].", m.attachments) for i, m in enumerate(request.messages)]
        param = "tool_resources.file_search.vector_stores[0].file_ids"
        helper_files = [(f, f"{param}[{i}]") for h in helpers for i, f in enumerate(h.file_ids)]
        attached = rules.attached_files(attachments)
        await self.require_files(ctx, helper_files + list(attached.params.items()))
        rules.with_attached(resources, attached.code_interpreter, None)  # the limit, early
        if not helpers and not attached.params:
            return request
        prepared = thread_pb2.CreateThreadRequest()
        prepared.CopyFrom(request)
        search = prepared.tool_resources.file_search
        if helpers:
            stores = self._stores()
            store_id = await stores.create_inline(ctx, helpers[0], for_thread=True)
            del search.vector_stores[:]
            search.vector_store_ids.append(store_id)
        updated = await self.with_attachments(ctx, prepared.tool_resources, attached, checked=True)
        prepared.tool_resources.CopyFrom(updated)
        return prepared

    async def with_attachments(
        self,
        ctx: RequestContext,
        resources: tools_pb2.ToolResources,
        attached: rules.AttachedFiles,
        *,
        checked: bool = False,
    ) -> tools_pb2.ToolResources:
        """The thread's resources with the attachments' files added. A file_search file goes
        into the thread's vector store, which is created (expiring 7 days after last use)
        when the thread has none. Raises InvalidArgumentError for files that do not exist,
        unless `checked` says the caller has checked them."""
        if not checked:
            await self.require_files(ctx, list(attached.params.items()))
        rules.with_attached(resources, attached.code_interpreter, None)
        store_id = None
        if attached.file_search:
            current = list(resources.file_search.vector_store_ids)
            store_id = await self._stores().add_to_thread_store(
                ctx, current[0] if current else None, attached.file_search
            )
        return rules.with_attached(resources, attached.code_interpreter, store_id)

    async def attach_to_store(
        self,
        ctx: RequestContext,
        thread_id: str,
        attached: rules.AttachedFiles,
        check_no_active_run: Callable[[str, str | None], None],
    ) -> str | None:
        """Checks attached files and puts the file_search ones into the thread's vector store
        (made when there is none), before the message or run that carries them is appended;
        returns that store's id. Raises InvalidArgumentError, and what check_no_active_run
        raises while a run is active (a message and a run word it their own way), before
        anything is made."""
        if not attached.params:
            return None
        head = await self.head(ctx, thread_id)
        check_no_active_run(thread_id, head.active_run_id)
        current = await self.load(ctx, thread_id)
        await self.require_files(ctx, list(attached.params.items()))
        resources = await self.with_attachments(
            ctx, current.thread.tool_resources, attached, checked=True
        )
        store_ids = resources.file_search.vector_store_ids
        return store_ids[0] if attached.file_search and store_ids else None

    async def resources_update(
        self,
        ctx: RequestContext,
        thread_id: str,
        attached: rules.AttachedFiles,
        store_id: str | None,
    ) -> events_pb2.ThreadUpdated | None:
        """The event that adds attachments' files (and the store with_attachments gave the
        file_search ones) to the thread as it is now, or None when it holds them already."""
        if not attached.params:
            return None
        current = (await self.load(ctx, thread_id)).thread
        resources = rules.with_attached(current.tool_resources, attached.code_interpreter, store_id)
        if resources == current.tool_resources:
            return None
        thread = thread_pb2.Thread()
        thread.CopyFrom(current)
        thread.tool_resources.CopyFrom(resources)
        return events_pb2.ThreadUpdated(thread=thread)

    async def require_files(self, ctx: RequestContext, files: Sequence[tuple[str, str]]) -> None:
        """Raises InvalidArgumentError naming the first (file id, param) that is not a file
        of the project."""
        if not files:
            return
        found = await self._files.get_files(ctx.project_id, [f for f, _ in files])
        for file_id, param in files:
            if file_id not in found:
                raise InvalidArgumentError(
                    param, f"Invalid '{param}': No such File object: {file_id}"
                )

    async def require_code_files(
        self, ctx: RequestContext, file_ids: Sequence[str], known: Sequence[str] = ()
    ) -> None:
        """Raises InvalidArgumentError naming the first of file_ids (tool_resources'
        code_interpreter.file_ids) that is not a file of the project; the `known` ones
        (already held) are not looked up again."""
        param = "tool_resources.code_interpreter.file_ids"
        await self.require_files(
            ctx, [(f, f"{param}[{i}]") for i, f in enumerate(file_ids) if f not in known]
        )

    async def require_stores(
        self, ctx: RequestContext, store_ids: Sequence[str], known: Sequence[str] = ()
    ) -> None:
        """Raises InvalidArgumentError naming the first of store_ids (tool_resources'
        file_search.vector_store_ids) that is not a vector store of the project; the `known`
        ones (already held) are not looked up again."""
        param = "tool_resources.file_search.vector_store_ids"
        now = int(time.time())
        for i, store_id in enumerate(store_ids):
            if store_id in known:
                continue
            if await self._store_reads.get_vector_store(ctx.project_id, store_id, now) is None:
                raise InvalidArgumentError(
                    f"{param}[{i}]",
                    f"Invalid '{param}[{i}]': No vector store found with id '{store_id}'.",
                )

    def _stores(self) -> ToolResourceStores:
        if self.vector_stores is None:
            raise InvalidArgumentError(
                "tool_resources.file_search",
                "Invalid 'tool_resources.file_search': this server serves no vector stores.",
            )
        return self.vector_stores

    async def get(self, ctx: RequestContext, thread_id: str) -> thread_pb2.Thread:
        return (await self.load(ctx, thread_id)).thread

    async def update(
        self, ctx: RequestContext, request: thread_pb2.UpdateThreadRequest
    ) -> thread_pb2.Thread:
        if prior := await previous_payload(
            self._events, ctx, events_pb2.ThreadUpdated, request.thread_id
        ):
            return prior.thread

        async def attempt() -> thread_pb2.Thread:
            current = await self.load(ctx, request.thread_id)
            thread = rules.updated_thread(current.thread, request)
            await self.require_stores(
                ctx,
                thread.tool_resources.file_search.vector_store_ids,
                current.thread.tool_resources.file_search.vector_store_ids,
            )
            await self.require_code_files(
                ctx,
                thread.tool_resources.code_interpreter.file_ids,
                current.thread.tool_resources.code_interpreter.file_ids,
            )
            updated = events_pb2.ThreadUpdated(thread=thread)
            await append(self._events, ctx, thread.id, KIND, [updated], current.version)
            return thread

        return await retry_on_conflict(attempt)

    async def delete(self, ctx: RequestContext, thread_id: str) -> common_pb2.DeletedObject:
        if not await previous_payload(self._events, ctx, events_pb2.ThreadDeleted, thread_id):
            await retry_on_conflict(lambda: self._delete(ctx, thread_id))
        return common_pb2.DeletedObject(id=thread_id, object=rules.DELETED_OBJECT, deleted=True)

    async def _delete(self, ctx: RequestContext, thread_id: str) -> None:
        current = await self.load(ctx, thread_id)
        deleted = events_pb2.ThreadDeleted(thread_id=thread_id)
        await append(self._events, ctx, thread_id, KIND, [deleted], current.version)

    async def head(self, ctx: RequestContext, thread_id: str) -> ThreadHead:
        """The thread's stream version and message count, possibly cached, so an append with
        this version may conflict (then call forget_head and ask again).

        Raises NotFoundError.
        """
        check_id(thread_id, "thread_id", ids.THREAD)
        key = (ctx.project_id, thread_id)
        cached = self._heads.get(key)
        # A cached active run may have ended since, in a worker: only the read can tell.
        if cached is not None and cached.active_run_id is None:
            self._heads.move_to_end(key)
            return cached
        found = await self._reads.get_thread_head(ctx.project_id, thread_id)
        if found is None:
            raise not_found(thread_id)
        self.remember_head(ctx, thread_id, found)
        return found

    def remember_head(self, ctx: RequestContext, thread_id: str, head: ThreadHead) -> None:
        """Records the head a successful append left the thread at."""
        self._heads[(ctx.project_id, thread_id)] = head
        self._heads.move_to_end((ctx.project_id, thread_id))
        while len(self._heads) > HEAD_CACHE_SIZE:
            self._heads.popitem(last=False)

    def forget_head(self, ctx: RequestContext, thread_id: str) -> None:
        self._heads.pop((ctx.project_id, thread_id), None)

    async def load(self, ctx: RequestContext, thread_id: str) -> VersionedThread:
        """The thread and its stream version. Raises NotFoundError."""
        check_id(thread_id, "thread_id", ids.THREAD)
        found = await self._reads.get_thread(ctx.project_id, thread_id)
        if found is None:
            raise not_found(thread_id)
        return found
