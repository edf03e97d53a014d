"""ThreadService through a real channel: create with messages, get, update, delete."""

from __future__ import annotations

import time

import grpc
import pytest

from assistants.v1 import message_pb2, thread_pb2, tools_pb2
from tests.helpers import Client, field_violation

M = message_pb2


def _text(value: str) -> M.MessageContentInput:
    return M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)


def _user(value: str, **kwargs: object) -> M.MessageInput:
    return M.MessageInput(role=M.MESSAGE_ROLE_USER, content=[_text(value)], **kwargs)  # type: ignore[arg-type]


async def _error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_create_defaults(client: Client) -> None:
    before = int(time.time())
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    assert thread.id.startswith("thread_") and len(thread.id) == len("thread_") + 24
    assert thread.object == "thread"
    assert before <= thread.created_at <= int(time.time()) + 1
    assert dict(thread.metadata) == {}
    assert thread.HasField("tool_resources")
    assert thread == await client.threads.GetThread(
        thread_pb2.GetThreadRequest(thread_id=thread.id)
    )


async def test_create_with_messages_keeps_their_order_and_shape(client: Client) -> None:
    attachment = M.Attachment(
        file_id=(await client.upload(b"x,y\n1,2\n", "points.csv")).id,
        tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER)],
    )
    thread = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[
                _user("first", metadata={"n": "1"}),
                M.MessageInput(role=M.MESSAGE_ROLE_ASSISTANT, content=[_text("second")]),
                _user("third", attachments=[attachment]),
            ],
            metadata={"topic": "algebra"},
        )
    )
    listed = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=thread.id, order=1)  # asc
    )
    assert [m.content[0].text.value for m in listed.data] == ["first", "second", "third"]
    first, second, third = listed.data
    for message in listed.data:
        assert message.object == "thread.message"
        assert message.thread_id == thread.id
        assert message.status == M.MESSAGE_STATUS_COMPLETED
        assert message.completed_at == message.created_at
        assert not message.HasField("run_id") and not message.HasField("assistant_id")
        assert list(message.content[0].text.annotations) == []
    assert (first.role, second.role) == (M.MESSAGE_ROLE_USER, M.MESSAGE_ROLE_ASSISTANT)
    assert dict(first.metadata) == {"n": "1"}
    assert list(third.attachments) == [attachment]
    assert dict(thread.metadata) == {"topic": "algebra"}


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (M.MessageInput(content=[_text("x")]), "messages[1].role"),
        (M.MessageInput(role=M.MESSAGE_ROLE_USER), "messages[1].content"),
        (
            M.MessageInput(role=M.MESSAGE_ROLE_USER, content=[_text("x" * 256_001)]),
            "messages[1].content[0].text",
        ),
        (_user("x", metadata={str(i): "v" for i in range(17)}), "messages[1].metadata"),
    ],
)
async def test_a_bad_initial_message_names_its_index_and_writes_nothing(
    client: Client, message: M.MessageInput, field: str
) -> None:
    error = await _error(
        client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=[_user("ok"), message]))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == field


async def test_update_merges_metadata_and_mask_clears(client: Client) -> None:
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(metadata={"a": "1"}))
    updated = await client.threads.UpdateThread(
        thread_pb2.UpdateThreadRequest(thread_id=thread.id, metadata={"b": "2"})
    )
    assert dict(updated.metadata) == {"a": "1", "b": "2"}
    resources = tools_pb2.ToolResources(
        code_interpreter=tools_pb2.CodeInterpreterResources(
            file_ids=[(await client.upload(b"x,y\n1,2\n", "points.csv")).id]
        )
    )
    updated = await client.threads.UpdateThread(
        thread_pb2.UpdateThreadRequest(thread_id=thread.id, tool_resources=resources)
    )
    assert updated.tool_resources == resources and dict(updated.metadata) == {"a": "1", "b": "2"}
    clear = thread_pb2.UpdateThreadRequest(thread_id=thread.id)
    clear.update_mask.paths.append("metadata")
    cleared = await client.threads.UpdateThread(clear)
    assert dict(cleared.metadata) == {} and cleared.tool_resources == resources
    assert cleared == await client.threads.GetThread(
        thread_pb2.GetThreadRequest(thread_id=thread.id)
    )

    error = await _error(
        client.threads.UpdateThread(
            thread_pb2.UpdateThreadRequest(
                thread_id=thread.id, metadata={str(i): "v" for i in range(17)}
            )
        )
    )
    assert field_violation(error)[0] == "metadata"
    assert cleared == await client.threads.GetThread(
        thread_pb2.GetThreadRequest(thread_id=thread.id)
    )


async def test_delete_then_everything_is_not_found(client: Client) -> None:
    thread = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(messages=[_user("hello")])
    )
    deleted = await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=thread.id))
    assert (deleted.id, deleted.object, deleted.deleted) == (thread.id, "thread.deleted", True)
    expected = f"No thread found with id '{thread.id}'."
    for call in (
        client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread.id)),
        client.threads.UpdateThread(
            thread_pb2.UpdateThreadRequest(thread_id=thread.id, metadata={"a": "b"})
        ),
        client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=thread.id)),
        client.messages.CreateMessage(
            M.CreateMessageRequest(
                thread_id=thread.id, role=M.MESSAGE_ROLE_USER, content=[_text("x")]
            )
        ),
        client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread.id)),
    ):
        error = await _error(call)
        assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, expected)


async def test_create_message_after_a_delete_from_another_connection(
    client: Client, grpc_target: str
) -> None:
    """A thread head cached by the server must not outlive the thread."""
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    request = M.CreateMessageRequest(
        thread_id=thread.id, role=M.MESSAGE_ROLE_USER, content=[_text("x")]
    )
    await client.messages.CreateMessage(request)
    await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=thread.id))
    error = await _error(client.messages.CreateMessage(request))
    assert error.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("thread_id", ["asst_abc", "thread", "xthread_abc", ""])
async def test_bad_thread_ids_are_invalid(client: Client, thread_id: str) -> None:
    error = await _error(client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread_id)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == "thread_id"
