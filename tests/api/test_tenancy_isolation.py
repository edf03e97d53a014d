"""Project isolation and authentication: another project's objects do not exist for you."""

from __future__ import annotations

from collections.abc import Awaitable

import grpc
import pytest

from assistants.v1 import assistant_pb2, message_pb2, thread_pb2
from tests.helpers import Client


def _text(value: str) -> message_pb2.MessageContentInput:
    return message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=value)


async def _code(call: Awaitable[object]) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code()


async def test_another_projects_objects_are_not_found(client: Client, other_client: Client) -> None:
    assistant = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", metadata={"owner": "a"})
    )
    thread = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[
                message_pb2.MessageInput(role=message_pb2.MESSAGE_ROLE_USER, content=[_text("hi")])
            ]
        )
    )
    (message,) = (
        await client.messages.ListMessages(message_pb2.ListMessagesRequest(thread_id=thread.id))
    ).data
    b = other_client
    not_found = grpc.StatusCode.NOT_FOUND
    calls: list[Awaitable[object]] = [
        b.assistants.GetAssistant(assistant_pb2.GetAssistantRequest(assistant_id=assistant.id)),
        b.assistants.UpdateAssistant(
            assistant_pb2.UpdateAssistantRequest(assistant_id=assistant.id, name="stolen")
        ),
        b.assistants.DeleteAssistant(
            assistant_pb2.DeleteAssistantRequest(assistant_id=assistant.id)
        ),
        b.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread.id)),
        b.threads.UpdateThread(
            thread_pb2.UpdateThreadRequest(thread_id=thread.id, metadata={"x": "y"})
        ),
        b.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=thread.id)),
        b.messages.CreateMessage(
            message_pb2.CreateMessageRequest(
                thread_id=thread.id, role=message_pb2.MESSAGE_ROLE_USER, content=[_text("x")]
            )
        ),
        b.messages.ListMessages(message_pb2.ListMessagesRequest(thread_id=thread.id)),
        b.messages.GetMessage(
            message_pb2.GetMessageRequest(thread_id=thread.id, message_id=message.id)
        ),
        b.messages.UpdateMessage(
            message_pb2.UpdateMessageRequest(
                thread_id=thread.id, message_id=message.id, metadata={"x": "y"}
            )
        ),
        b.messages.DeleteMessage(
            message_pb2.DeleteMessageRequest(thread_id=thread.id, message_id=message.id)
        ),
    ]
    for call in calls:
        assert await _code(call) == not_found
    listed = await b.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    assert assistant.id not in [a.id for a in listed.data]

    # Nothing of A's changed.
    assert (
        await client.assistants.GetAssistant(
            assistant_pb2.GetAssistantRequest(assistant_id=assistant.id)
        )
        == assistant
    )
    assert (
        await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread.id)) == thread
    )
    after = await client.messages.ListMessages(message_pb2.ListMessagesRequest(thread_id=thread.id))
    assert list(after.data) == [message]


@pytest.mark.parametrize(
    "key",
    [None, "sk-asst-wrong", "", "Basic dXNlcjpwYXNz"],
    ids=["none", "unknown", "empty", "basic"],
)
async def test_bad_credentials_are_unauthenticated(grpc_target: str, key: str | None) -> None:
    if key is not None and key.startswith("Basic "):
        channel = grpc.aio.insecure_channel(grpc_target)
        stub_client = Client(grpc_target, None)
        try:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub_client.assistants.ListAssistants(
                    assistant_pb2.ListAssistantsRequest(), metadata=(("authorization", key),)
                )
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        finally:
            await stub_client.close()
            await channel.close()
        return
    anonymous = Client(grpc_target, key or None)
    try:
        code = await _code(
            anonymous.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        )
        assert code == grpc.StatusCode.UNAUTHENTICATED
        code = await _code(anonymous.threads.CreateThread(thread_pb2.CreateThreadRequest()))
        assert code == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await anonymous.close()
