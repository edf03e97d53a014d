"""Thread rules."""

from __future__ import annotations

from assistants.v1 import thread_pb2
from service.domain.tools import check_tool_resources
from service.domain.updates import updated_copy
from service.domain.validation import check_metadata, check_storable

OBJECT = "thread"
DELETED_OBJECT = "thread.deleted"

_UPDATABLE = ("tool_resources", "metadata")


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
