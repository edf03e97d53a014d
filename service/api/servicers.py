"""The gRPC servicers: protos in, application calls, protos out. No rules live here."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from assistants.v1 import (
    assistant_pb2,
    assistant_pb2_grpc,
    common_pb2,
    message_pb2,
    message_pb2_grpc,
    thread_pb2,
    thread_pb2_grpc,
)
from service.api._context import current
from service.app import Application

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]


class AssistantServicer(assistant_pb2_grpc.AssistantServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def CreateAssistant(
        self, request: assistant_pb2.CreateAssistantRequest, context: Context
    ) -> assistant_pb2.Assistant:
        return await self._app.assistants.create(current(), request)

    async def GetAssistant(
        self, request: assistant_pb2.GetAssistantRequest, context: Context
    ) -> assistant_pb2.Assistant:
        return await self._app.assistants.get(current(), request.assistant_id)

    async def ListAssistants(
        self, request: assistant_pb2.ListAssistantsRequest, context: Context
    ) -> assistant_pb2.ListAssistantsResponse:
        return await self._app.assistants.list(current(), request)

    async def UpdateAssistant(
        self, request: assistant_pb2.UpdateAssistantRequest, context: Context
    ) -> assistant_pb2.Assistant:
        return await self._app.assistants.update(current(), request)

    async def DeleteAssistant(
        self, request: assistant_pb2.DeleteAssistantRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.assistants.delete(current(), request.assistant_id)


class ThreadServicer(thread_pb2_grpc.ThreadServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def CreateThread(
        self, request: thread_pb2.CreateThreadRequest, context: Context
    ) -> thread_pb2.Thread:
        return await self._app.threads.create(current(), request)

    async def GetThread(
        self, request: thread_pb2.GetThreadRequest, context: Context
    ) -> thread_pb2.Thread:
        return await self._app.threads.get(current(), request.thread_id)

    async def UpdateThread(
        self, request: thread_pb2.UpdateThreadRequest, context: Context
    ) -> thread_pb2.Thread:
        return await self._app.threads.update(current(), request)

    async def DeleteThread(
        self, request: thread_pb2.DeleteThreadRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.threads.delete(current(), request.thread_id)


class MessageServicer(message_pb2_grpc.MessageServiceServicer):
    def __init__(self, app: Application) -> None:
        self._app = app

    async def CreateMessage(
        self, request: message_pb2.CreateMessageRequest, context: Context
    ) -> message_pb2.Message:
        return await self._app.messages.create(current(), request)

    async def GetMessage(
        self, request: message_pb2.GetMessageRequest, context: Context
    ) -> message_pb2.Message:
        return await self._app.messages.get(current(), request)

    async def ListMessages(
        self, request: message_pb2.ListMessagesRequest, context: Context
    ) -> message_pb2.ListMessagesResponse:
        return await self._app.messages.list(current(), request)

    async def UpdateMessage(
        self, request: message_pb2.UpdateMessageRequest, context: Context
    ) -> message_pb2.Message:
        return await self._app.messages.update(current(), request)

    async def DeleteMessage(
        self, request: message_pb2.DeleteMessageRequest, context: Context
    ) -> common_pb2.DeletedObject:
        return await self._app.messages.delete(current(), request)
