"""HTTP requests to the protos the application takes: one function per endpoint (reference
§4), from the JSON body and the query string. The application checks the values; these only
read them (see _request_parts).

Bodies: every key the reference lists for an endpoint maps to the proto field of the same
name; any other key is an unknown_parameter. A null reads as absent, except on updates, where a
key given as null resets the field (the update_mask lists it).

Queries: unknown parameters are ignored; a repeated one counts once, the first.
"""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf.message import Message

from assistants.v1 import (
    assistant_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
)
from service.http._request_parts import (
    MESSAGE,
    MESSAGE_INPUT,
    REASONING_EFFORT,
    RESPONSE_FORMAT,
    TOOL_CHOICE,
    TOOL_RESOURCES,
    TOOLS,
    TRUNCATION_STRATEGY,
    Body,
    Query,
    Reader,
    array_of,
    boolean,
    fill,
    first,
    integer,
    mask,
    metadata,
    number,
    page,
    require,
    shaped,
    string,
    unknown,
)

__all__ = [
    "Query",
    "create_assistant",
    "create_message",
    "create_run",
    "create_thread",
    "create_thread_and_run",
    "get_step",
    "list_assistants",
    "list_messages",
    "list_runs",
    "list_steps",
    "submit_tool_outputs",
    "update_assistant",
    "update_message",
    "update_run",
    "update_thread",
]


_ASSISTANT: dict[str, Reader] = {
    "model": string,
    "name": string,
    "description": string,
    "instructions": string,
    "reasoning_effort": REASONING_EFFORT,
    "tools": TOOLS,
    "tool_resources": TOOL_RESOURCES,
    "metadata": metadata,
    "temperature": number,
    "top_p": number,
    "response_format": RESPONSE_FORMAT,
}
_THREAD: dict[str, Reader] = {
    "messages": array_of(MESSAGE_INPUT),
    "tool_resources": TOOL_RESOURCES,
    "metadata": metadata,
}
_THREAD_UPDATE: dict[str, Reader] = {"tool_resources": TOOL_RESOURCES, "metadata": metadata}
_METADATA: dict[str, Reader] = {"metadata": metadata}
# The options CreateRunRequest and CreateThreadAndRunRequest share.
_RUN_OPTIONS: dict[str, Reader] = {
    "assistant_id": string,
    "model": string,
    "instructions": string,
    "tools": TOOLS,
    "metadata": metadata,
    "temperature": number,
    "top_p": number,
    "max_prompt_tokens": integer,
    "max_completion_tokens": integer,
    "truncation_strategy": TRUNCATION_STRATEGY,
    "tool_choice": TOOL_CHOICE,
    "parallel_tool_calls": boolean,
    "response_format": RESPONSE_FORMAT,
}
_RUN: dict[str, Reader] = {
    **_RUN_OPTIONS,
    "reasoning_effort": REASONING_EFFORT,
    "additional_instructions": string,
    "additional_messages": array_of(MESSAGE_INPUT),
}
_THREAD_AND_RUN: dict[str, Reader] = {
    **_RUN_OPTIONS,
    "thread": shaped(thread_pb2.CreateThreadRequest, _THREAD),
    "tool_resources": TOOL_RESOURCES,
}
_TOOL_OUTPUTS: dict[str, Reader] = {
    "tool_outputs": array_of(
        shaped(run_pb2.ToolOutput, {"tool_call_id": string, "output": string})
    ),
}
# The body flag that asks for Server-Sent Events instead of the object.
_STREAM = "stream"
_INCLUDE = ("include[]", "include")


def _read(body: Body, target: Message, readers: Mapping[str, Reader], stream: bool = False) -> bool:
    """Fills target from the body; returns the stream flag where the endpoint takes one."""
    for key in body:
        if key not in readers and not (stream and key == _STREAM):
            raise unknown(key)
    fill(target, {k: v for k, v in body.items() if k != _STREAM}, readers, "")
    flag = body.get(_STREAM)
    return flag is not None and boolean(flag, _STREAM)


# Assistants.


def create_assistant(body: Body) -> assistant_pb2.CreateAssistantRequest:
    request = assistant_pb2.CreateAssistantRequest()
    _read(body, request, _ASSISTANT)
    return request


def update_assistant(assistant_id: str, body: Body) -> assistant_pb2.UpdateAssistantRequest:
    request = assistant_pb2.UpdateAssistantRequest(assistant_id=assistant_id)
    _read(body, request, _ASSISTANT)
    mask(request, body)
    return request


def list_assistants(query: Query) -> assistant_pb2.ListAssistantsRequest:
    request = assistant_pb2.ListAssistantsRequest()
    page(request, query)
    return request


# Threads.


def create_thread(body: Body) -> thread_pb2.CreateThreadRequest:
    request = thread_pb2.CreateThreadRequest()
    _read(body, request, _THREAD)
    return request


def update_thread(thread_id: str, body: Body) -> thread_pb2.UpdateThreadRequest:
    request = thread_pb2.UpdateThreadRequest(thread_id=thread_id)
    _read(body, request, _THREAD_UPDATE)
    mask(request, body)
    return request


# Messages.


def create_message(thread_id: str, body: Body) -> message_pb2.CreateMessageRequest:
    request = message_pb2.CreateMessageRequest(thread_id=thread_id)
    _read(body, request, MESSAGE)
    require(body, "content")
    return request


def update_message(thread_id: str, message_id: str, body: Body) -> message_pb2.UpdateMessageRequest:
    request = message_pb2.UpdateMessageRequest(thread_id=thread_id, message_id=message_id)
    _read(body, request, _METADATA)
    mask(request, body)
    return request


def list_messages(thread_id: str, query: Query) -> message_pb2.ListMessagesRequest:
    request = message_pb2.ListMessagesRequest(thread_id=thread_id)
    page(request, query)
    request.run_id = first(query, "run_id") or ""
    return request


# Runs and steps.


def create_run(
    thread_id: str, body: Body, query: Query
) -> tuple[run_service_pb2.CreateRunRequest, bool]:
    """The request, and whether the body asks for a stream."""
    request = run_service_pb2.CreateRunRequest(thread_id=thread_id)
    streamed = _read(body, request, _RUN, stream=True)
    request.include.extend(_include(query))
    return request, streamed


def create_thread_and_run(body: Body) -> tuple[run_service_pb2.CreateThreadAndRunRequest, bool]:
    request = run_service_pb2.CreateThreadAndRunRequest()
    streamed = _read(body, request, _THREAD_AND_RUN, stream=True)
    return request, streamed


def update_run(thread_id: str, run_id: str, body: Body) -> run_service_pb2.UpdateRunRequest:
    request = run_service_pb2.UpdateRunRequest(thread_id=thread_id, run_id=run_id)
    _read(body, request, _METADATA)
    mask(request, body)
    return request


def list_runs(thread_id: str, query: Query) -> run_service_pb2.ListRunsRequest:
    request = run_service_pb2.ListRunsRequest(thread_id=thread_id)
    page(request, query)
    return request


def submit_tool_outputs(
    thread_id: str, run_id: str, body: Body
) -> tuple[run_service_pb2.SubmitToolOutputsRequest, bool]:
    request = run_service_pb2.SubmitToolOutputsRequest(thread_id=thread_id, run_id=run_id)
    streamed = _read(body, request, _TOOL_OUTPUTS, stream=True)
    require(body, "tool_outputs")
    return request, streamed


def list_steps(thread_id: str, run_id: str, query: Query) -> run_service_pb2.ListRunStepsRequest:
    request = run_service_pb2.ListRunStepsRequest(thread_id=thread_id, run_id=run_id)
    page(request, query)
    request.include.extend(_include(query))
    return request


def get_step(
    thread_id: str, run_id: str, step_id: str, query: Query
) -> run_service_pb2.GetRunStepRequest:
    request = run_service_pb2.GetRunStepRequest(thread_id=thread_id, run_id=run_id, step_id=step_id)
    request.include.extend(_include(query))
    return request


# Query strings.


def _include(query: Query) -> list[str]:
    """`include[]=...` as the SDK sends it, or `include=...`; each may repeat."""
    return [value for key in _INCLUDE for value in query.getall(key, [])]
