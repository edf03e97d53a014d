"""Message commands and queries."""

from __future__ import annotations

import time

from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import common_pb2, events_pb2, message_pb2
from service.app._appends import append, original_payload, previous_payload, retry_on_conflict
from service.app._context import RequestContext
from service.app._lists import list_response, page_query
from service.app.threads import KIND as THREAD_KIND
from service.app.threads import Threads
from service.app.threads import not_found as thread_not_found
from service.domain import ids
from service.domain import messages as rules
from service.domain import runs as run_rules
from service.domain import threads as thread_rules
from service.domain.validation import check_id, check_storable
from service.errors import InvalidArgumentError, NotFoundError
from storage import (
    CursorNotFoundError,
    Storage,
    ThreadHead,
    VersionedMessage,
    WrongExpectedVersionError,
)


def not_found(message_id: str) -> NotFoundError:
    return NotFoundError(f"No message found with id '{message_id}'.")


class Messages:
    def __init__(self, storage: Storage, threads: Threads) -> None:
        self._events = storage.events
        self._reads = storage.reads
        self._threads = threads

    async def create(
        self, ctx: RequestContext, request: message_pb2.CreateMessageRequest
    ) -> message_pb2.Message:
        check_id(request.thread_id, "thread_id", ids.THREAD)
        check_storable(request)
        rules.check_message_input(
            request.role, request.content, request.attachments, request.metadata
        )
        if prior := await previous_payload(
            self._events, ctx, events_pb2.MessageCreated, request.thread_id
        ):
            return prior.message
        attached = thread_rules.attached_files([("", request.attachments)])
        store_id = await self._threads.attach_to_store(
            ctx, request.thread_id, attached, run_rules.check_can_add_message
        )

        async def attempt() -> message_pb2.Message:
            thread = await self._threads.head(ctx, request.thread_id)
            run_rules.check_can_add_message(request.thread_id, thread.active_run_id)
            rules.check_room(request.thread_id, thread.message_count)
            update = await self._threads.resources_update(
                ctx, request.thread_id, attached, store_id
            )
            message = rules.new_message(
                message_id=ids.new_id(ids.MESSAGE),
                thread_id=request.thread_id,
                now=int(time.time()),
                role=request.role,
                content=request.content,
                attachments=request.attachments,
                metadata=request.metadata,
            )
            created = rules.message_created(message)
            payloads: list[ProtoMessage] = [created, *([update] if update else [])]
            try:
                result = await append(
                    self._events, ctx, request.thread_id, THREAD_KIND, payloads, thread.version
                )
            except WrongExpectedVersionError:
                self._threads.forget_head(ctx, request.thread_id)
                raise
            if not result.duplicate:
                self._threads.remember_head(
                    ctx,
                    request.thread_id,
                    ThreadHead(result.last_version, thread.message_count + 1),
                )
            else:
                created = await original_payload(
                    self._events, ctx, result, events_pb2.MessageCreated
                )
            return created.message

        return await retry_on_conflict(attempt)

    async def get(
        self, ctx: RequestContext, request: message_pb2.GetMessageRequest
    ) -> message_pb2.Message:
        return (await self._load(ctx, request.thread_id, request.message_id)).message

    async def list(
        self, ctx: RequestContext, request: message_pb2.ListMessagesRequest
    ) -> message_pb2.ListMessagesResponse:
        check_id(request.thread_id, "thread_id", ids.THREAD)
        query = page_query(request, ids.MESSAGE)
        if request.run_id:
            check_id(request.run_id, "run_id", ids.RUN)
        try:
            page = await self._reads.list_messages(
                ctx.project_id, request.thread_id, query, request.run_id or None
            )
        except CursorNotFoundError as missing:
            raise InvalidArgumentError(
                missing.param,
                f"Invalid '{missing.param}': no message '{missing.object_id}' in thread "
                f"'{request.thread_id}'.",
            ) from None
        if page is None:
            raise thread_not_found(request.thread_id)
        return list_response(message_pb2.ListMessagesResponse(), page)

    async def update(
        self, ctx: RequestContext, request: message_pb2.UpdateMessageRequest
    ) -> message_pb2.Message:
        if prior := await previous_payload(
            self._events, ctx, events_pb2.MessageUpdated, request.thread_id
        ):
            return prior.message

        async def attempt() -> message_pb2.Message:
            current = await self._load(ctx, request.thread_id, request.message_id)
            message = rules.updated_message(current.message, request)
            updated = events_pb2.MessageUpdated(message=message)
            await append(
                self._events, ctx, request.thread_id, THREAD_KIND, [updated], current.version
            )
            return message

        return await retry_on_conflict(attempt)

    async def delete(
        self, ctx: RequestContext, request: message_pb2.DeleteMessageRequest
    ) -> common_pb2.DeletedObject:
        if not await previous_payload(
            self._events, ctx, events_pb2.MessageDeleted, request.thread_id
        ):
            await retry_on_conflict(lambda: self._delete(ctx, request))
        return common_pb2.DeletedObject(
            id=request.message_id, object=rules.DELETED_OBJECT, deleted=True
        )

    async def _delete(self, ctx: RequestContext, request: message_pb2.DeleteMessageRequest) -> None:
        current = await self._load(ctx, request.thread_id, request.message_id)
        deleted = events_pb2.MessageDeleted(message_id=request.message_id)
        await append(self._events, ctx, request.thread_id, THREAD_KIND, [deleted], current.version)

    async def _load(self, ctx: RequestContext, thread_id: str, message_id: str) -> VersionedMessage:
        check_id(thread_id, "thread_id", ids.THREAD)
        check_id(message_id, "message_id", ids.MESSAGE)
        found = await self._reads.get_message(ctx.project_id, thread_id, message_id)
        if found is None:
            if await self._reads.get_thread(ctx.project_id, thread_id) is None:
                raise thread_not_found(thread_id)
            raise not_found(message_id)
        return found
