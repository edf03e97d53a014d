"""MessageService through a real channel: create, get, list, update, delete, and limits."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from assistants.v1 import common_pb2, message_pb2, thread_pb2
from tests.helpers import Client, error_info, field_violation, request_id

M = message_pb2
ASC, DESC = common_pb2.LIST_ORDER_ASC, common_pb2.LIST_ORDER_DESC


def _text(value: str) -> M.MessageContentInput:
    return M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)


async def _error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def _thread(client: Client, count: int = 0) -> tuple[str, list[M.Message]]:
    thread = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    made = []
    for i in range(count):
        made.append(
            await client.messages.CreateMessage(
                M.CreateMessageRequest(
                    thread_id=thread.id, role=M.MESSAGE_ROLE_USER, content=[_text(f"m{i}")]
                )
            )
        )
    return thread.id, made


async def _all(client: Client, thread_id: str, order: int, limit: int) -> list[str]:
    seen: list[str] = []
    request = M.ListMessagesRequest(thread_id=thread_id, order=order, limit=limit)
    while True:
        page = await client.messages.ListMessages(request)
        seen.extend(m.id for m in page.data)
        if not page.has_more:
            return seen
        assert len(page.data) == limit
        request.after = page.last_id


async def test_create_get_every_content_part(client: Client) -> None:
    thread_id, _ = await _thread(client)
    image_file = M.MessageContentInput(
        type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
        image_file=M.ImageFile(file_id="file-img1", detail=M.IMAGE_DETAIL_HIGH),
    )
    image_url = M.MessageContentInput(
        type=M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        image_url=M.ImageUrl(url="https://example.com/cat.png"),
    )
    created = await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=thread_id,
            role=M.MESSAGE_ROLE_ASSISTANT,
            content=[_text("look"), image_file, image_url],
            metadata={"k": "v"},
        )
    )
    assert created.id.startswith("msg_") and created.role == M.MESSAGE_ROLE_ASSISTANT
    assert [p.type for p in created.content] == [
        M.MESSAGE_CONTENT_TYPE_TEXT,
        M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
        M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
    ]
    assert created.content[0].text.value == "look"
    assert created.content[1].image_file == image_file.image_file
    assert created.content[2].image_url.url == "https://example.com/cat.png"
    got = await client.messages.GetMessage(
        M.GetMessageRequest(thread_id=thread_id, message_id=created.id)
    )
    assert got == created


async def test_update_merges_metadata_only(client: Client) -> None:
    thread_id, (message,) = await _thread(client, 1)
    await client.messages.UpdateMessage(
        M.UpdateMessageRequest(thread_id=thread_id, message_id=message.id, metadata={"a": "1"})
    )
    updated = await client.messages.UpdateMessage(
        M.UpdateMessageRequest(thread_id=thread_id, message_id=message.id, metadata={"b": "2"})
    )
    assert dict(updated.metadata) == {"a": "1", "b": "2"}
    expected = M.Message()
    expected.CopyFrom(message)
    expected.metadata.update({"a": "1", "b": "2"})
    assert updated == expected


async def test_delete_hides_the_message_and_keeps_cursors_working(client: Client) -> None:
    thread_id, made = await _thread(client, 5)
    gone = made[2]
    deleted = await client.messages.DeleteMessage(
        M.DeleteMessageRequest(thread_id=thread_id, message_id=gone.id)
    )
    assert (deleted.id, deleted.object, deleted.deleted) == (
        gone.id,
        "thread.message.deleted",
        True,
    )
    error = await _error(
        client.messages.GetMessage(M.GetMessageRequest(thread_id=thread_id, message_id=gone.id))
    )
    assert (error.code(), error.details()) == (
        grpc.StatusCode.NOT_FOUND,
        f"No message found with id '{gone.id}'.",
    )
    assert await _all(client, thread_id, ASC, 2) == [m.id for m in made if m.id != gone.id]
    after_deleted = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=thread_id, order=ASC, after=gone.id)
    )
    assert [m.id for m in after_deleted.data] == [made[3].id, made[4].id]


async def test_list_orders_limits_and_cursors(client: Client) -> None:
    thread_id, made = await _thread(client, 7)
    ids = [m.id for m in made]
    default = await client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id))
    assert [m.id for m in default.data] == ids[::-1] and not default.has_more
    assert (default.first_id, default.last_id, default.object) == (ids[-1], ids[0], "list")
    for limit in (1, 2, 3, 7, 100):
        assert await _all(client, thread_id, ASC, limit) == ids
        assert await _all(client, thread_id, DESC, limit) == ids[::-1]
    exact = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=thread_id, order=ASC, limit=3, after=ids[3])
    )
    assert [m.id for m in exact.data] == ids[4:] and not exact.has_more
    before = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=thread_id, order=ASC, limit=2, before=ids[4])
    )
    assert [m.id for m in before.data] == ids[2:4] and before.has_more
    for limit, code in ((0, "integer_below_min_value"), (101, "integer_above_max_value")):
        error = await _error(
            client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id, limit=limit))
        )
        assert field_violation(error)[0] == "limit"
        assert error_info(error).metadata["code"] == code


async def test_list_cursor_from_another_thread_is_invalid(client: Client) -> None:
    thread_id, _ = await _thread(client, 1)
    _, (foreign,) = await _thread(client, 1)
    error = await _error(
        client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id, after=foreign.id))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == "after"


async def test_run_filter_excludes_client_messages(client: Client) -> None:
    thread_id, _ = await _thread(client, 2)
    listed = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=thread_id, run_id="run_abc123")
    )
    assert list(listed.data) == [] and not listed.HasField("first_id")
    error = await _error(
        client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id, run_id="msg_x"))
    )
    assert field_violation(error)[0] == "run_id"


@pytest.mark.parametrize(
    ("request_fields", "field", "code"),
    [
        ({"content": [_text("x")]}, "role", "missing_required_parameter"),
        ({"role": M.MESSAGE_ROLE_USER}, "content", None),
        (
            {"role": M.MESSAGE_ROLE_USER, "content": [_text("x" * 256_001)]},
            "content[0].text",
            "string_above_max_length",
        ),
        (
            {
                "role": M.MESSAGE_ROLE_USER,
                "content": [
                    M.MessageContentInput(
                        type=M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
                        image_url=M.ImageUrl(url="ftp://example.com/a.png"),
                    )
                ],
            },
            "content[0].image_url.url",
            None,
        ),
        (
            {
                "role": M.MESSAGE_ROLE_USER,
                "content": [_text("x")],
                "attachments": [M.Attachment(file_id="vs_abc")],
            },
            "attachments[0].file_id",
            None,
        ),
        (
            {
                "role": M.MESSAGE_ROLE_USER,
                "content": [_text("x")],
                "metadata": {str(i): "v" for i in range(17)},
            },
            "metadata",
            "object_above_max_properties",
        ),
    ],
)
async def test_create_validation_writes_nothing(
    client: Client, request_fields: dict[str, object], field: str, code: str | None
) -> None:
    thread_id, _ = await _thread(client)
    error = await _error(
        client.messages.CreateMessage(M.CreateMessageRequest(thread_id=thread_id, **request_fields))  # type: ignore[arg-type]
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violation(error)[0] == field
    if code:
        assert error_info(error).metadata["code"] == code
    listed = await client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id))
    assert list(listed.data) == []


async def test_limits_at_their_edges_are_accepted(client: Client) -> None:
    thread_id, _ = await _thread(client)
    created = await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=thread_id,
            role=M.MESSAGE_ROLE_USER,
            content=[_text("x" * 256_000)],
            metadata={str(i): "v" * 512 for i in range(16)},
        )
    )
    assert len(created.content[0].text.value) == 256_000 and len(created.metadata) == 16


async def test_a_retried_request_id_creates_one_message(client: Client) -> None:
    thread_id, _ = await _thread(client)
    request = M.CreateMessageRequest(
        thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=[_text("once")]
    )
    same = request_id()
    first = await client.messages.CreateMessage(request, metadata=same)
    second = await client.messages.CreateMessage(request, metadata=same)
    assert first == second
    listed = await client.messages.ListMessages(M.ListMessagesRequest(thread_id=thread_id))
    assert [m.id for m in listed.data] == [first.id]


async def test_missing_thread_and_message(client: Client) -> None:
    error = await _error(
        client.messages.CreateMessage(
            M.CreateMessageRequest(
                thread_id="thread_missing", role=M.MESSAGE_ROLE_USER, content=[_text("x")]
            )
        )
    )
    assert (error.code(), error.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "No thread found with id 'thread_missing'.",
    )
    thread_id, _ = await _thread(client)
    error = await _error(
        client.messages.GetMessage(M.GetMessageRequest(thread_id=thread_id, message_id="msg_nope"))
    )
    assert (error.code(), error.details()) == (
        grpc.StatusCode.NOT_FOUND,
        "No message found with id 'msg_nope'.",
    )


async def test_many_messages_added_at_once_to_one_thread_all_land(client: Client) -> None:
    """Writers that collide on a thread's version retry in turn, not until they give up."""
    thread_id, _ = await _thread(client)
    bodies = [f"parallel {n}" for n in range(60)]
    created = await asyncio.gather(
        *(
            client.messages.CreateMessage(
                M.CreateMessageRequest(
                    thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=[_text(body)]
                )
            )
            for body in bodies
        )
    )
    assert sorted(m.content[0].text.value for m in created) == sorted(bodies)
    listed = await _all(client, thread_id, ASC, 100)
    assert sorted(listed) == sorted(m.id for m in created)
