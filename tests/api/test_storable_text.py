"""What PostgreSQL or JSON cannot store (U+0000, NaN) is the client's error, never INTERNAL."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import struct_pb2

from assistants.v1 import assistant_pb2, message_pb2, thread_pb2, tools_pb2
from tests.helpers import Client, field_violation

NUL = "a\x00b"


def _text(value: str) -> message_pb2.MessageContentInput:
    return message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=value)


def _function_with(value: object) -> tools_pb2.Tool:
    parameters = struct_pb2.Struct()
    parameters.update({"type": "object", "description": value})
    return tools_pb2.Tool(
        type=tools_pb2.TOOL_TYPE_FUNCTION,
        function=tools_pb2.FunctionDefinition(name="f", parameters=parameters),
    )


async def _refused(call: object) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    return field_violation(caught.value)[0]


async def test_nul_characters_are_refused_everywhere(client: Client) -> None:
    create = client.assistants.CreateAssistant
    assert (
        await _refused(create(assistant_pb2.CreateAssistantRequest(model="m", metadata={"k": NUL})))
        == "metadata.k"
    )
    assert (
        await _refused(create(assistant_pb2.CreateAssistantRequest(model="m", metadata={NUL: "v"})))
        == "metadata"
    )
    assert (
        await _refused(create(assistant_pb2.CreateAssistantRequest(model="m", name=NUL))) == "name"
    )
    assert (
        await _refused(
            create(assistant_pb2.CreateAssistantRequest(model="m", tools=[_function_with(NUL)]))
        )
    ).startswith("tools[0].function.parameters")
    for number in (float("nan"), float("inf")):
        assert (
            await _refused(
                create(
                    assistant_pb2.CreateAssistantRequest(model="m", tools=[_function_with(number)])
                )
            )
        ).startswith("tools[0].function.parameters")
    listed = await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    assert list(listed.data) == []

    assert (
        await _refused(
            client.threads.CreateThread(
                thread_pb2.CreateThreadRequest(
                    messages=[
                        message_pb2.MessageInput(
                            role=message_pb2.MESSAGE_ROLE_USER, content=[_text(NUL)]
                        )
                    ]
                )
            )
        )
        == "messages[0].content[0].text"
    )
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    assert (
        await _refused(
            client.messages.CreateMessage(
                message_pb2.CreateMessageRequest(
                    thread_id=thread.id, role=message_pb2.MESSAGE_ROLE_USER, content=[_text(NUL)]
                )
            )
        )
        == "content[0].text"
    )
    assert (
        await _refused(
            client.threads.UpdateThread(
                thread_pb2.UpdateThreadRequest(thread_id=thread.id, metadata={"k": NUL})
            )
        )
        == "metadata.k"
    )
    messages = await client.messages.ListMessages(
        message_pb2.ListMessagesRequest(thread_id=thread.id)
    )
    assert list(messages.data) == []
