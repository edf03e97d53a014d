"""Thread commands and queries."""

from __future__ import annotations

import time
from collections import OrderedDict

from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import common_pb2, events_pb2, thread_pb2
from service.app._appends import append, original_payload, previous_payload, retry_on_conflict
from service.app._context import RequestContext
from service.domain import ids, limits
from service.domain import messages as message_rules
from service.domain import threads as rules
from service.domain.validation import check_id, check_max_items
from service.errors import NotFoundError
from storage import NO_STREAM, Storage, ThreadHead, VersionedThread

KIND = "thread"
# Thread heads kept per process. The expected-version check of every append makes a stale one
# harmless: it costs one conflict and a fresh read.
HEAD_CACHE_SIZE = 10_000


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
        self._heads: OrderedDict[tuple[str, str], ThreadHead] = OrderedDict()

    async def create(
        self, ctx: RequestContext, request: thread_pb2.CreateThreadRequest
    ) -> thread_pb2.Thread:
        if prior := await previous_payload(self._events, ctx, events_pb2.ThreadCreated):
            return prior.thread
        thread, payloads = new_thread_events(request, int(time.time()))
        result = await append(self._events, ctx, thread.id, KIND, payloads, NO_STREAM)
        if result.duplicate:
            created = await original_payload(self._events, ctx, result, events_pb2.ThreadCreated)
            return created.thread
        self.remember_head(ctx, thread.id, ThreadHead(result.last_version, len(request.messages)))
        return thread

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
