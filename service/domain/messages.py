"""Message rules: input checks, the stored form of client-written messages, metadata updates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from assistants.v1 import events_pb2, message_pb2
from service.domain import ids, limits
from service.domain.tokens import count_message
from service.domain.tools import enum_name
from service.domain.updates import updated_copy
from service.domain.validation import (
    check_id,
    check_max_items,
    check_max_length,
    check_metadata,
    check_min_items,
    invalid_value,
    missing,
)
from service.errors import FailedPreconditionError, InvalidArgumentError

M = message_pb2
OBJECT = "thread.message"
DELETED_OBJECT = "thread.message.deleted"
_IMAGE_URL_SCHEMES = ("http", "https", "data")


def _check_enum(
    enum_type: object, value: int, param: str, prefix: str, *, allowed: Sequence[int]
) -> None:
    if value == 0:
        raise missing(param)
    if value not in allowed:
        raise invalid_value(param, value, [enum_name(enum_type, v, prefix) for v in allowed])


def check_message_input(
    role: int,
    content: Sequence[message_pb2.MessageContentInput],
    attachments: Sequence[message_pb2.Attachment],
    metadata: Mapping[str, str],
    prefix: str = "",
) -> None:
    """The checks of a message a client writes; prefix locates it ("messages[2].")."""
    _check_enum(
        M.MessageRole,
        role,
        f"{prefix}role",
        "MESSAGE_ROLE_",
        allowed=(M.MESSAGE_ROLE_USER, M.MESSAGE_ROLE_ASSISTANT),
    )
    check_min_items(content, f"{prefix}content", 1)
    check_max_items(content, f"{prefix}content", limits.MESSAGE_CONTENT_PARTS_MAX)
    for i, part in enumerate(content):
        _check_part(part, f"{prefix}content[{i}]")
    check_max_items(attachments, f"{prefix}attachments", limits.ATTACHMENTS_MAX)
    for i, attachment in enumerate(attachments):
        at = f"{prefix}attachments[{i}]"
        check_id(attachment.file_id, f"{at}.file_id", ids.FILE)
        for j, tool in enumerate(attachment.tools):
            _check_enum(
                M.AttachmentToolType,
                tool.type,
                f"{at}.tools[{j}].type",
                "ATTACHMENT_TOOL_TYPE_",
                allowed=(
                    M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER,
                    M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH,
                ),
            )
    check_metadata(metadata, f"{prefix}metadata")


def _check_part(part: message_pb2.MessageContentInput, at: str) -> None:
    _check_enum(
        M.MessageContentType,
        part.type,
        f"{at}.type",
        "MESSAGE_CONTENT_TYPE_",
        allowed=(
            M.MESSAGE_CONTENT_TYPE_TEXT,
            M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
            M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        ),
    )
    if part.type == M.MESSAGE_CONTENT_TYPE_TEXT:
        if not part.text:
            raise missing(f"{at}.text")
        check_max_length(part.text, f"{at}.text", limits.MESSAGE_TEXT_MAX)
    elif part.type == M.MESSAGE_CONTENT_TYPE_IMAGE_FILE:
        check_id(part.image_file.file_id, f"{at}.image_file.file_id", ids.FILE)
        _check_detail(part.image_file, f"{at}.image_file.detail")
    else:
        url = part.image_url.url
        if not url:
            raise missing(f"{at}.image_url.url")
        if urlsplit(url).scheme not in _IMAGE_URL_SCHEMES:
            raise InvalidArgumentError(
                f"{at}.image_url.url",
                f"Invalid '{at}.image_url.url': expected an http(s) or data URL.",
            )
        _check_detail(part.image_url, f"{at}.image_url.detail")


def _check_detail(image: message_pb2.ImageFile | message_pb2.ImageUrl, param: str) -> None:
    if image.HasField("detail"):
        _check_enum(
            M.ImageDetail,
            image.detail,
            param,
            "IMAGE_DETAIL_",
            allowed=(M.IMAGE_DETAIL_AUTO, M.IMAGE_DETAIL_LOW, M.IMAGE_DETAIL_HIGH),
        )


def check_room(thread_id: str, message_count: int) -> None:
    """A thread holds at most THREAD_MESSAGES_MAX messages."""
    if message_count >= limits.THREAD_MESSAGES_MAX:
        raise FailedPreconditionError(
            f"Thread {thread_id} already has the maximum of {limits.THREAD_MESSAGES_MAX} messages."
        )


def stored_content(
    content: Sequence[message_pb2.MessageContentInput],
) -> list[message_pb2.MessageContent]:
    """Input parts in their stored form: text becomes {value, annotations: []}."""
    parts = []
    for part in content:
        stored = M.MessageContent(type=part.type)
        if part.type == M.MESSAGE_CONTENT_TYPE_TEXT:
            stored.text.value = part.text
        elif part.type == M.MESSAGE_CONTENT_TYPE_IMAGE_FILE:
            stored.image_file.CopyFrom(part.image_file)
        else:
            stored.image_url.CopyFrom(part.image_url)
        parts.append(stored)
    return parts


def new_message(
    *,
    message_id: str,
    thread_id: str,
    now: int,
    role: int,
    content: Sequence[message_pb2.MessageContentInput],
    attachments: Sequence[message_pb2.Attachment],
    metadata: Mapping[str, str],
) -> message_pb2.Message:
    """A message written by a client: complete when created, with no run or assistant."""
    return M.Message(
        id=message_id,
        object=OBJECT,
        created_at=now,
        thread_id=thread_id,
        status=M.MESSAGE_STATUS_COMPLETED,
        completed_at=now,
        role=role,  # type: ignore[arg-type]
        content=stored_content(content),
        attachments=attachments,
        metadata=metadata,
    )


def new_messages(
    inputs: Sequence[message_pb2.MessageInput], thread_id: str, now: int
) -> list[events_pb2.MessageCreated]:
    """The events that add client-written messages to a thread, in order."""
    return [
        message_created(
            new_message(
                message_id=ids.new_id(ids.MESSAGE),
                thread_id=thread_id,
                now=now,
                role=m.role,
                content=m.content,
                attachments=m.attachments,
                metadata=m.metadata,
            )
        )
        for m in inputs
    ]


def message_created(message: message_pb2.Message) -> events_pb2.MessageCreated:
    """The event that adds a message to its thread, with its token count for the context
    window."""
    return events_pb2.MessageCreated(message=message, token_count=count_message(message.content))


def updated_message(
    current: message_pb2.Message, request: message_pb2.UpdateMessageRequest
) -> message_pb2.Message:
    message = updated_copy(current, request, ("metadata",))
    check_metadata(message.metadata)
    return message
