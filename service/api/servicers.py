"""The gRPC servicers: protos in, application calls, protos out. No rules live here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeAlias

import grpc

from assistants.v1 import (
    assistant_pb2,
    assistant_pb2_grpc,
    common_pb2,
    event_service_pb2,
    event_service_pb2_grpc,
    message_pb2,
    message_pb2_grpc,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    run_service_pb2_grpc,
    run_step_pb2,
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


class RunServicer(run_service_pb2_grpc.RunServiceServicer):
    """Runs. A *Stream RPC creates or moves the run first, so a bad request fails with a
    status before any event is sent, then streams the run's events up to done."""

    def __init__(self, app: Application) -> None:
        self._app = app

    async def CreateRun(
        self, request: run_service_pb2.CreateRunRequest, context: Context
    ) -> run_pb2.Run:
        return (await self._app.runs.create(current(), request)).run

    async def CreateRunStream(
        self, request: run_service_pb2.CreateRunRequest, context: Context
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        started = await self._app.runs.create(current(), request)
        async for event in self._follow(started.run, started.after_sequence, started.include):
            yield event

    async def CreateThreadAndRun(
        self, request: run_service_pb2.CreateThreadAndRunRequest, context: Context
    ) -> run_pb2.Run:
        return (await self._app.runs.create_thread_and_run(current(), request)).run

    async def CreateThreadAndRunStream(
        self, request: run_service_pb2.CreateThreadAndRunRequest, context: Context
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        started = await self._app.runs.create_thread_and_run(current(), request)
        async for event in self._follow(started.run, started.after_sequence):
            yield event

    async def GetRun(self, request: run_service_pb2.GetRunRequest, context: Context) -> run_pb2.Run:
        return await self._app.runs.get(current(), request.thread_id, request.run_id)

    async def ListRuns(
        self, request: run_service_pb2.ListRunsRequest, context: Context
    ) -> run_service_pb2.ListRunsResponse:
        return await self._app.runs.list(current(), request)

    async def UpdateRun(
        self, request: run_service_pb2.UpdateRunRequest, context: Context
    ) -> run_pb2.Run:
        return await self._app.runs.update(current(), request)

    async def CancelRun(
        self, request: run_service_pb2.CancelRunRequest, context: Context
    ) -> run_pb2.Run:
        return await self._app.runs.cancel(current(), request)

    async def SubmitToolOutputs(
        self, request: run_service_pb2.SubmitToolOutputsRequest, context: Context
    ) -> run_pb2.Run:
        return (await self._app.runs.submit_tool_outputs(current(), request)).run

    async def SubmitToolOutputsStream(
        self, request: run_service_pb2.SubmitToolOutputsRequest, context: Context
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        started = await self._app.runs.submit_tool_outputs(current(), request)
        async for event in self._follow(started.run, started.after_sequence):
            yield event

    async def StreamRun(
        self, request: run_service_pb2.StreamRunRequest, context: Context
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        events = self._app.runs.events(
            current(), request.thread_id, request.run_id, request.after_sequence_number
        )
        async for event in events:
            yield event

    async def GetRunStep(
        self, request: run_service_pb2.GetRunStepRequest, context: Context
    ) -> run_step_pb2.RunStep:
        return await self._app.runs.get_step(current(), request)

    async def ListRunSteps(
        self, request: run_service_pb2.ListRunStepsRequest, context: Context
    ) -> run_service_pb2.ListRunStepsResponse:
        return await self._app.runs.list_steps(current(), request)

    def _follow(
        self, run: run_pb2.Run, after: int, include: Sequence[str] = ()
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        return self._app.runs.events(current(), run.thread_id, run.id, after, include)


class EventServicer(event_service_pb2_grpc.EventServiceServicer):
    """The event log. Both RPCs check the request and the stream before the first response."""

    def __init__(self, app: Application) -> None:
        self._app = app

    async def ReadEvents(
        self, request: event_service_pb2.ReadEventsRequest, context: Context
    ) -> AsyncIterator[event_service_pb2.ReadEventsResponse]:
        async for response in self._app.events.read(current(), request):
            yield response

    async def SubscribeEvents(
        self, request: event_service_pb2.SubscribeEventsRequest, context: Context
    ) -> AsyncIterator[event_service_pb2.SubscribeEventsResponse]:
        async for response in self._app.events.subscribe(current(), request):
            yield response
