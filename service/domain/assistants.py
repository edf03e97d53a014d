"""Assistant rules: building a new assistant, applying an update, and the invariants of both."""

from __future__ import annotations

from assistants.v1 import assistant_pb2, tools_pb2
from service.domain import limits
from service.domain.tools import (
    check_reasoning_effort,
    check_response_format,
    check_tool_resources,
    check_tools,
)
from service.domain.updates import apply_paths, updated_copy
from service.domain.validation import (
    check_max_length,
    check_metadata,
    check_number_range,
    check_required_string,
    check_storable,
)

OBJECT = "assistant"
DELETED_OBJECT = "assistant.deleted"

_UPDATABLE = (
    "model",
    "name",
    "description",
    "instructions",
    "reasoning_effort",
    "tools",
    "tool_resources",
    "metadata",
    "temperature",
    "top_p",
    "response_format",
)
# Fields whose absence means the OpenAI default, not null, on create.
_DEFAULT_TEMPERATURE = 1.0
_DEFAULT_TOP_P = 1.0


def new_assistant(
    request: assistant_pb2.CreateAssistantRequest, assistant_id: str, now: int
) -> assistant_pb2.Assistant:
    """The assistant a create request describes. Raises InvalidArgumentError."""
    check_storable(request)
    check_tool_resources(request.tool_resources, on_create=True)
    assistant = assistant_pb2.Assistant(id=assistant_id, object=OBJECT, created_at=now)
    apply_paths(assistant, request, [p for p in _UPDATABLE if p != "tool_resources"])
    assistant.tool_resources.CopyFrom(request.tool_resources)
    if not request.HasField("temperature"):
        assistant.temperature = _DEFAULT_TEMPERATURE
    if not request.HasField("top_p"):
        assistant.top_p = _DEFAULT_TOP_P
    if not request.HasField("response_format"):
        assistant.response_format.type = tools_pb2.RESPONSE_FORMAT_TYPE_AUTO
    check_assistant(assistant)
    return assistant


def updated_assistant(
    current: assistant_pb2.Assistant, request: assistant_pb2.UpdateAssistantRequest
) -> assistant_pb2.Assistant:
    """current with the request's changes; metadata is merged. Raises InvalidArgumentError."""
    assistant = updated_copy(current, request, _UPDATABLE)
    check_assistant(assistant)
    return assistant


def check_assistant(assistant: assistant_pb2.Assistant) -> None:
    """The invariants of a stored assistant, reported with the request's field names."""
    check_required_string(assistant.model, "model")
    check_max_length(assistant.model, "model", limits.MODEL_NAME_MAX)
    if assistant.HasField("name"):
        check_max_length(assistant.name, "name", limits.ASSISTANT_NAME_MAX)
    if assistant.HasField("description"):
        check_max_length(assistant.description, "description", limits.ASSISTANT_DESCRIPTION_MAX)
    if assistant.HasField("instructions"):
        check_max_length(assistant.instructions, "instructions", limits.INSTRUCTIONS_MAX)
    if assistant.HasField("reasoning_effort"):
        check_reasoning_effort(assistant.reasoning_effort)
    check_tools(assistant.tools)
    check_tool_resources(assistant.tool_resources, on_create=False)
    check_metadata(assistant.metadata)
    if assistant.HasField("temperature"):
        check_number_range(assistant.temperature, "temperature", 0.0, limits.TEMPERATURE_MAX)
    if assistant.HasField("top_p"):
        check_number_range(assistant.top_p, "top_p", 0.0, limits.TOP_P_MAX)
    if assistant.HasField("response_format"):
        check_response_format(assistant.response_format, assistant.tools)
