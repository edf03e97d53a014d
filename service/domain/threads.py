"""Thread rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistants.v1 import message_pb2, thread_pb2, tools_pb2
from service.domain import limits
from service.domain.tools import check_tool_resources
from service.domain.updates import updated_copy
from service.domain.validation import check_metadata, check_storable
from service.errors import InvalidArgumentError

OBJECT = "thread"
DELETED_OBJECT = "thread.deleted"

_UPDATABLE = ("tool_resources", "metadata")
_FILE_SEARCH = message_pb2.ATTACHMENT_TOOL_TYPE_FILE_SEARCH
_CODE_INTERPRETER = message_pb2.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER


def new_thread(
    request: thread_pb2.CreateThreadRequest, thread_id: str, now: int
) -> thread_pb2.Thread:
    """The thread a create request describes, without its messages."""
    check_storable(request)
    check_tool_resources(request.tool_resources, on_create=True)
    thread = thread_pb2.Thread(id=thread_id, object=OBJECT, created_at=now)
    thread.tool_resources.CopyFrom(request.tool_resources)
    thread.metadata.update(request.metadata)
    check_thread(thread)
    return thread


def updated_thread(
    current: thread_pb2.Thread, request: thread_pb2.UpdateThreadRequest
) -> thread_pb2.Thread:
    thread = updated_copy(current, request, _UPDATABLE)
    check_thread(thread)
    return thread


def check_thread(thread: thread_pb2.Thread) -> None:
    check_tool_resources(thread.tool_resources, on_create=False)
    check_metadata(thread.metadata)


@dataclass(frozen=True)
class AttachedFiles:
    """The files message attachments give the thread's tools, each once, in order, with the
    parameter that named it first."""

    file_search: list[str]
    code_interpreter: list[str]
    params: dict[str, str]


def attached_files(
    messages: Sequence[tuple[str, Sequence[message_pb2.Attachment]]],
) -> AttachedFiles:
    """messages: (parameter prefix, attachments) of each message, like ("messages[0].", ...)."""
    found = AttachedFiles([], [], {})
    for prefix, attachments in messages:
        for i, attachment in enumerate(attachments):
            file_id = attachment.file_id
            found.params.setdefault(file_id, f"{prefix}attachments[{i}].file_id")
            kinds = {tool.type for tool in attachment.tools}
            if _FILE_SEARCH in kinds and file_id not in found.file_search:
                found.file_search.append(file_id)
            if _CODE_INTERPRETER in kinds and file_id not in found.code_interpreter:
                found.code_interpreter.append(file_id)
    return found


def with_attached(
    resources: tools_pb2.ToolResources,
    code_interpreter_files: Sequence[str],
    thread_store_id: str | None,
) -> tools_pb2.ToolResources:
    """The thread's tool resources with attachments' files added: code_interpreter files
    appended (at most 20 in all), the file_search store set when the attachments made it.
    Raises InvalidArgumentError when the files would exceed the limit."""
    result = tools_pb2.ToolResources()
    result.CopyFrom(resources)
    files = result.code_interpreter.file_ids
    added = [f for f in code_interpreter_files if f not in files]
    if len(files) + len(added) > limits.CODE_INTERPRETER_FILES_MAX:
        raise InvalidArgumentError(
            "attachments",
            "Invalid 'attachments': the thread's code_interpreter would hold "
            f"{len(files) + len(added)} files; at most {limits.CODE_INTERPRETER_FILES_MAX} "
            "are allowed.",
        )
    files.extend(added)
    if thread_store_id and thread_store_id not in result.file_search.vector_store_ids:
        result.file_search.vector_store_ids.append(thread_store_id)
    return result
