"""Assistant commands and queries."""

from __future__ import annotations

import time

from assistants.v1 import assistant_pb2, common_pb2, events_pb2
from service.app._appends import append, original_payload, previous_payload, retry_on_conflict
from service.app._context import RequestContext
from service.app._lists import list_response, page_query
from service.app.threads import Threads, ToolResourceStores
from service.domain import assistants as rules
from service.domain import ids
from service.domain.tools import check_tool_resources, with_store_placeholder
from service.domain.validation import check_id
from service.errors import InvalidArgumentError, NotFoundError
from storage import NO_STREAM, Storage, VersionedAssistant

KIND = "assistant"


def not_found(assistant_id: str) -> NotFoundError:
    return NotFoundError(f"No assistant found with id '{assistant_id}'.")


class Assistants:
    def __init__(self, storage: Storage, threads: Threads | None = None) -> None:
        self._events = storage.events
        self._reads = storage.reads
        self._threads = threads or Threads(storage)
        # Set by the Application once its vector stores exist (the vector_stores helper).
        self.vector_stores: ToolResourceStores | None = None

    async def create(
        self, ctx: RequestContext, request: assistant_pb2.CreateAssistantRequest
    ) -> assistant_pb2.Assistant:
        if prior := await previous_payload(self._events, ctx, events_pb2.AssistantCreated):
            return prior.assistant
        check_tool_resources(request.tool_resources, on_create=True)
        await self._threads.require_stores(ctx, request.tool_resources.file_search.vector_store_ids)
        await self._threads.require_code_files(
            ctx, request.tool_resources.code_interpreter.file_ids
        )
        request = await self._with_inline_store(ctx, request)
        assistant = rules.new_assistant(request, ids.new_id(ids.ASSISTANT), int(time.time()))
        created = events_pb2.AssistantCreated(assistant=assistant)
        result = await append(self._events, ctx, assistant.id, KIND, [created], NO_STREAM)
        if result.duplicate:
            created = await original_payload(self._events, ctx, result, events_pb2.AssistantCreated)
        return created.assistant

    async def _with_inline_store(
        self, ctx: RequestContext, request: assistant_pb2.CreateAssistantRequest
    ) -> assistant_pb2.CreateAssistantRequest:
        """The request with the tool_resources.file_search.vector_stores helper's store made
        and named by id. The request and the helper's files are checked first, so a bad
        request makes no store. Raises InvalidArgumentError."""
        helpers = request.tool_resources.file_search.vector_stores
        if not helpers:
            return request
        check_tool_resources(request.tool_resources, on_create=True)
        checked = assistant_pb2.CreateAssistantRequest()
        checked.CopyFrom(request)
        checked.tool_resources.CopyFrom(with_store_placeholder(request.tool_resources))
        rules.new_assistant(checked, ids.new_id(ids.ASSISTANT), int(time.time()))  # the checks
        param = "tool_resources.file_search.vector_stores[0].file_ids"
        await self._threads.require_files(
            ctx, [(f, f"{param}[{i}]") for i, f in enumerate(helpers[0].file_ids)]
        )
        if self.vector_stores is None:
            raise InvalidArgumentError(
                "tool_resources.file_search",
                "Invalid 'tool_resources.file_search': this server serves no vector stores.",
            )
        store_id = await self.vector_stores.create_inline(ctx, helpers[0], for_thread=False)
        prepared = assistant_pb2.CreateAssistantRequest()
        prepared.CopyFrom(request)
        del prepared.tool_resources.file_search.vector_stores[:]
        prepared.tool_resources.file_search.vector_store_ids.append(store_id)
        return prepared

    async def get(self, ctx: RequestContext, assistant_id: str) -> assistant_pb2.Assistant:
        return (await self._load(ctx, assistant_id)).assistant

    async def list(
        self, ctx: RequestContext, request: assistant_pb2.ListAssistantsRequest
    ) -> assistant_pb2.ListAssistantsResponse:
        query = page_query(request, ids.ASSISTANT)
        page = await self._reads.list_assistants(ctx.project_id, query)
        return list_response(assistant_pb2.ListAssistantsResponse(), page)

    async def update(
        self, ctx: RequestContext, request: assistant_pb2.UpdateAssistantRequest
    ) -> assistant_pb2.Assistant:
        if prior := await previous_payload(
            self._events, ctx, events_pb2.AssistantUpdated, request.assistant_id
        ):
            return prior.assistant

        async def attempt() -> assistant_pb2.Assistant:
            current = await self._load(ctx, request.assistant_id)
            assistant = rules.updated_assistant(current.assistant, request)
            await self._threads.require_stores(
                ctx,
                assistant.tool_resources.file_search.vector_store_ids,
                current.assistant.tool_resources.file_search.vector_store_ids,
            )
            await self._threads.require_code_files(
                ctx,
                assistant.tool_resources.code_interpreter.file_ids,
                current.assistant.tool_resources.code_interpreter.file_ids,
            )
            updated = events_pb2.AssistantUpdated(assistant=assistant)
            result = await append(
                self._events, ctx, request.assistant_id, KIND, [updated], current.version
            )
            if result.duplicate:
                updated = await original_payload(
                    self._events, ctx, result, events_pb2.AssistantUpdated
                )
            return updated.assistant

        return await retry_on_conflict(attempt)

    async def delete(self, ctx: RequestContext, assistant_id: str) -> common_pb2.DeletedObject:
        if not await previous_payload(self._events, ctx, events_pb2.AssistantDeleted, assistant_id):
            await retry_on_conflict(lambda: self._delete(ctx, assistant_id))
        return common_pb2.DeletedObject(id=assistant_id, object=rules.DELETED_OBJECT, deleted=True)

    async def _delete(self, ctx: RequestContext, assistant_id: str) -> None:
        current = await self._load(ctx, assistant_id)
        deleted = events_pb2.AssistantDeleted(assistant_id=assistant_id)
        await append(self._events, ctx, assistant_id, KIND, [deleted], current.version)

    async def _load(self, ctx: RequestContext, assistant_id: str) -> VersionedAssistant:
        check_id(assistant_id, "assistant_id", ids.ASSISTANT)
        found = await self._reads.get_assistant(ctx.project_id, assistant_id)
        if found is None:
            raise not_found(assistant_id)
        return found
