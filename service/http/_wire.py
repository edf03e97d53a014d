"""Protobuf objects as the JSON of the OpenAI Assistants API v2 (reference §2, §3, §6, §9, §10).

Every field the reference lists is present; a nullable field the proto leaves absent is null,
never omitted. Enums become their OpenAI strings, timestamps stay integer seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar

from google.protobuf import struct_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    message_pb2,
    run_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
)
from service.domain.tools import enum_name

JsonObject = dict[str, Any]
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

M = message_pb2
S = run_step_pb2
R = run_pb2
TL = tools_pb2

# Compact, and UTF-8 rather than \u escapes; one encoder, as json.dumps builds one a call.
dumps: Callable[[object], str] = json.JSONEncoder(
    ensure_ascii=False, check_circular=False, separators=(",", ":")
).encode


def enum_names(enum_type: EnumTypeWrapper, prefix: str) -> dict[int, str]:
    return {value: enum_name(enum_type, value, prefix) for value in enum_type.values()}


ROLE = enum_names(M.MessageRole, "MESSAGE_ROLE_")
MESSAGE_STATUS = enum_names(M.MessageStatus, "MESSAGE_STATUS_")
MESSAGE_INCOMPLETE = enum_names(M.MessageIncompleteReason, "MESSAGE_INCOMPLETE_REASON_")
CONTENT_TYPE = enum_names(M.MessageContentType, "MESSAGE_CONTENT_TYPE_")
ANNOTATION_TYPE = enum_names(M.AnnotationType, "ANNOTATION_TYPE_")
IMAGE_DETAIL = enum_names(M.ImageDetail, "IMAGE_DETAIL_")
ATTACHMENT_TOOL = enum_names(M.AttachmentToolType, "ATTACHMENT_TOOL_TYPE_")
RUN_STATUS = enum_names(R.RunStatus, "RUN_STATUS_")
RUN_INCOMPLETE = enum_names(R.RunIncompleteReason, "RUN_INCOMPLETE_REASON_")
REQUIRED_ACTION = enum_names(R.RequiredActionType, "REQUIRED_ACTION_TYPE_")
STEP_TYPE = enum_names(S.RunStepType, "RUN_STEP_TYPE_")
STEP_STATUS = enum_names(S.RunStepStatus, "RUN_STEP_STATUS_")
OUTPUT_TYPE = enum_names(S.CodeInterpreterOutputType, "CODE_INTERPRETER_OUTPUT_TYPE_")
RESULT_CONTENT_TYPE = enum_names(S.FileSearchResultContentType, "FILE_SEARCH_RESULT_CONTENT_TYPE_")
TOOL_TYPE = enum_names(TL.ToolType, "TOOL_TYPE_")
RANKER = enum_names(TL.Ranker, "RANKER_") | {TL.RANKER_UNSPECIFIED: "auto"}
TOOL_CHOICE = enum_names(TL.ToolChoiceType, "TOOL_CHOICE_TYPE_")
TRUNCATION = enum_names(TL.TruncationStrategyType, "TRUNCATION_STRATEGY_TYPE_")
ERROR_CODE = enum_names(common_pb2.ErrorCode, "ERROR_CODE_")
_CHOICE_STRINGS = {TL.TOOL_CHOICE_TYPE_NONE, TL.TOOL_CHOICE_TYPE_AUTO, TL.TOOL_CHOICE_TYPE_REQUIRED}


def optional(message: ProtoMessage, field: str) -> Any:
    """A field with explicit presence: its value, or None when absent."""
    return getattr(message, field) if message.HasField(field) else None


def _metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    return dict(metadata)


# Objects.


def assistant(a: assistant_pb2.Assistant) -> JsonObject:
    return {
        "id": a.id,
        "object": "assistant",
        "created_at": a.created_at,
        "name": optional(a, "name"),
        "description": optional(a, "description"),
        "model": a.model,
        "instructions": optional(a, "instructions"),
        "tools": [tool(t) for t in a.tools],
        # An assistant's resources reset to {} (UpdateAssistantRequest), never to null.
        "tool_resources": tool_resources(a.tool_resources),
        "metadata": _metadata(a.metadata),
        "temperature": optional(a, "temperature"),
        "top_p": optional(a, "top_p"),
        "response_format": _response_format_of(a),
    }


def thread(t: thread_pb2.Thread) -> JsonObject:
    return {
        "id": t.id,
        "object": "thread",
        "created_at": t.created_at,
        "tool_resources": (
            tool_resources(t.tool_resources) if t.HasField("tool_resources") else None
        ),
        "metadata": _metadata(t.metadata),
    }


def message(m: message_pb2.Message) -> JsonObject:
    return {
        "id": m.id,
        "object": "thread.message",
        "created_at": m.created_at,
        "thread_id": m.thread_id,
        "status": MESSAGE_STATUS[m.status],
        "incomplete_details": (
            {"reason": MESSAGE_INCOMPLETE[m.incomplete_details.reason]}
            if m.HasField("incomplete_details")
            else None
        ),
        "completed_at": optional(m, "completed_at"),
        "incomplete_at": optional(m, "incomplete_at"),
        "role": ROLE[m.role],
        "content": [content_part(c) for c in m.content],
        "assistant_id": optional(m, "assistant_id"),
        "run_id": optional(m, "run_id"),
        "attachments": [attachment(a) for a in m.attachments],
        "metadata": _metadata(m.metadata),
    }


def run(r: run_pb2.Run) -> JsonObject:
    return {
        "id": r.id,
        "object": "thread.run",
        "created_at": r.created_at,
        "thread_id": r.thread_id,
        "assistant_id": r.assistant_id,
        "status": RUN_STATUS[r.status],
        "required_action": (
            required_action(r.required_action) if r.HasField("required_action") else None
        ),
        "last_error": last_error(r.last_error) if r.HasField("last_error") else None,
        "expires_at": optional(r, "expires_at"),
        "started_at": optional(r, "started_at"),
        "cancelled_at": optional(r, "cancelled_at"),
        "failed_at": optional(r, "failed_at"),
        "completed_at": optional(r, "completed_at"),
        "incomplete_details": (
            {"reason": RUN_INCOMPLETE[r.incomplete_details.reason]}
            if r.HasField("incomplete_details")
            else None
        ),
        "model": r.model,
        "instructions": r.instructions,
        "tools": [tool(t) for t in r.tools],
        "metadata": _metadata(r.metadata),
        "usage": usage(r.usage) if r.HasField("usage") else None,
        "temperature": optional(r, "temperature"),
        "top_p": optional(r, "top_p"),
        "max_prompt_tokens": optional(r, "max_prompt_tokens"),
        "max_completion_tokens": optional(r, "max_completion_tokens"),
        "truncation_strategy": (
            truncation_strategy(r.truncation_strategy)
            if r.HasField("truncation_strategy")
            else None
        ),
        "tool_choice": tool_choice(r.tool_choice) if r.HasField("tool_choice") else None,
        "parallel_tool_calls": r.parallel_tool_calls,
        "response_format": _response_format_of(r),
    }


def run_step(s: run_step_pb2.RunStep) -> JsonObject:
    return {
        "id": s.id,
        "object": "thread.run.step",
        "created_at": s.created_at,
        "run_id": s.run_id,
        "thread_id": s.thread_id,
        "assistant_id": s.assistant_id,
        "type": STEP_TYPE[s.type],
        "status": STEP_STATUS[s.status],
        "step_details": step_details(s.step_details),
        "last_error": _step_error(s.last_error) if s.HasField("last_error") else None,
        "expired_at": optional(s, "expired_at"),
        "cancelled_at": optional(s, "cancelled_at"),
        "failed_at": optional(s, "failed_at"),
        "completed_at": optional(s, "completed_at"),
        "metadata": _metadata(s.metadata),
        "usage": usage(s.usage) if s.HasField("usage") else None,
    }


def deleted(d: common_pb2.DeletedObject) -> JsonObject:
    """`{id, object, deleted}`; `object` ("assistant.deleted", ...) is the application's."""
    return {"id": d.id, "object": d.object, "deleted": d.deleted}


class ListResponse(Protocol[T_co]):
    """ListAssistantsResponse, ListMessagesResponse, ListRunsResponse, ListRunStepsResponse."""

    @property
    def data(self) -> Iterable[T_co]: ...
    @property
    def first_id(self) -> str: ...
    @property
    def last_id(self) -> str: ...
    @property
    def has_more(self) -> bool: ...


def page(response: ListResponse[T], item: Callable[[T], JsonObject]) -> JsonObject:
    """The list envelope, e.g. `page(listed, assistant)`. Ids are never empty, so an empty
    first_id is an absent one: null, as for an empty page."""
    return {
        "object": "list",
        "data": [item(x) for x in response.data],
        "first_id": response.first_id or None,
        "last_id": response.last_id or None,
        "has_more": response.has_more,
    }


# Parts shared by the objects.


def usage(u: common_pb2.Usage) -> JsonObject:
    return {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
    }


def last_error(e: common_pb2.LastError) -> JsonObject:
    return {"code": ERROR_CODE[e.code], "message": e.message}


def _step_error(e: common_pb2.LastError) -> JsonObject:
    # A step's error code is server_error or rate_limit_exceeded (§3.5; the SDK's Literal
    # refuses others): a step that failed with its run's invalid_prompt says server_error.
    if e.code == common_pb2.ERROR_CODE_RATE_LIMIT_EXCEEDED:
        return last_error(e)
    return {"code": "server_error", "message": e.message}


def required_action(a: run_pb2.RequiredAction) -> JsonObject:
    calls = [
        {
            "id": c.id,
            "type": TOOL_TYPE[c.type],
            "function": {"name": c.function.name, "arguments": c.function.arguments},
        }
        for c in a.submit_tool_outputs.tool_calls
    ]
    return {"type": REQUIRED_ACTION[a.type], "submit_tool_outputs": {"tool_calls": calls}}


def tool(t: tools_pb2.Tool) -> JsonObject:
    out: JsonObject = {"type": TOOL_TYPE[t.type]}
    if t.type == TL.TOOL_TYPE_FUNCTION:
        out["function"] = function_definition(t.function)
    elif t.HasField("file_search"):
        out["file_search"] = _file_search_options(t.file_search)
    return out


def function_definition(f: tools_pb2.FunctionDefinition) -> JsonObject:
    return {
        "name": f.name,
        "description": optional(f, "description"),
        "parameters": struct(f.parameters) if f.HasField("parameters") else None,
        "strict": f.strict,  # absent means false
    }


def _file_search_options(o: tools_pb2.FileSearchOptions) -> JsonObject:
    # Both keys are optional, not nullable, in the reference: absent ones are left out.
    out: JsonObject = {}
    if o.HasField("max_num_results"):
        out["max_num_results"] = o.max_num_results
    if o.HasField("ranking_options"):
        out["ranking_options"] = ranking_options(o.ranking_options)
    return out


def ranking_options(o: tools_pb2.RankingOptions) -> JsonObject:
    return {"ranker": RANKER[o.ranker], "score_threshold": o.score_threshold}


def tool_resources(r: tools_pb2.ToolResources) -> JsonObject:
    out: JsonObject = {}
    if r.HasField("code_interpreter"):
        out["code_interpreter"] = {"file_ids": list(r.code_interpreter.file_ids)}
    if r.HasField("file_search"):
        out["file_search"] = {"vector_store_ids": list(r.file_search.vector_store_ids)}
    return out


def _response_format_of(owner: assistant_pb2.Assistant | run_pb2.Run) -> JsonObject | str | None:
    return response_format(owner.response_format) if owner.HasField("response_format") else None


def response_format(f: tools_pb2.ResponseFormat) -> JsonObject | str | None:
    """ "auto", `{type}`, or `{type: "json_schema", json_schema}`."""
    if f.type == TL.RESPONSE_FORMAT_TYPE_AUTO:
        return "auto"
    if f.type == TL.RESPONSE_FORMAT_TYPE_TEXT:
        return {"type": "text"}
    if f.type == TL.RESPONSE_FORMAT_TYPE_JSON_OBJECT:
        return {"type": "json_object"}
    if f.type == TL.RESPONSE_FORMAT_TYPE_JSON_SCHEMA:
        s = f.json_schema
        schema = {
            "name": s.name,
            "description": optional(s, "description"),
            "schema": struct(s.schema) if s.HasField("schema") else None,
            "strict": s.strict,  # absent means false, the reference's default
        }
        return {"type": "json_schema", "json_schema": schema}
    return None


def tool_choice(c: tools_pb2.ToolChoice) -> JsonObject | str:
    if c.type in _CHOICE_STRINGS:
        return TOOL_CHOICE[c.type]
    if c.type == TL.TOOL_CHOICE_TYPE_FUNCTION:
        return {"type": "function", "function": {"name": c.function.name}}
    return {"type": TOOL_CHOICE[c.type]}


def truncation_strategy(t: tools_pb2.TruncationStrategy) -> JsonObject:
    return {"type": TRUNCATION[t.type], "last_messages": optional(t, "last_messages")}


def struct(s: struct_pb2.Struct) -> JsonObject:
    """A Struct as plain JSON. Struct numbers are doubles: whole ones become ints again, so a
    JSON Schema's {"minItems": 1} does not come back as 1.0."""
    return {key: _value(v) for key, v in s.fields.items()}


_MAX_EXACT_INT = 2**53


def value(v: struct_pb2.Value) -> Any:
    """One Value as plain JSON, e.g. a vector store file attribute."""
    return _value(v)


def _value(v: struct_pb2.Value) -> Any:
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        n = v.number_value
        return int(n) if n.is_integer() and abs(n) <= _MAX_EXACT_INT else n
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        return struct(v.struct_value)
    if kind == "list_value":
        return [_value(x) for x in v.list_value.values]
    return None


# Message content (§10).


def content_part(c: message_pb2.MessageContent) -> JsonObject:
    if c.type == M.MESSAGE_CONTENT_TYPE_TEXT:
        text = {"value": c.text.value, "annotations": [annotation(a) for a in c.text.annotations]}
        return {"type": "text", "text": text}
    if c.type == M.MESSAGE_CONTENT_TYPE_IMAGE_FILE:
        return {"type": "image_file", "image_file": image_file(c.image_file)}
    if c.type == M.MESSAGE_CONTENT_TYPE_IMAGE_URL:
        return {"type": "image_url", "image_url": image_url(c.image_url)}
    return {"type": CONTENT_TYPE[c.type], "refusal": c.refusal}


def _detail(image: message_pb2.ImageFile | message_pb2.ImageUrl) -> str:
    return IMAGE_DETAIL[image.detail] if image.HasField("detail") else "auto"


def image_file(f: message_pb2.ImageFile) -> JsonObject:
    return {"file_id": f.file_id, "detail": _detail(f)}


def image_url(u: message_pb2.ImageUrl) -> JsonObject:
    return {"url": u.url, "detail": _detail(u)}


def annotation(a: message_pb2.Annotation) -> JsonObject:
    out: JsonObject = {
        "type": ANNOTATION_TYPE[a.type],
        "text": a.text,
        "start_index": a.start_index,
        "end_index": a.end_index,
    }
    if a.type == M.ANNOTATION_TYPE_FILE_CITATION:
        out["file_citation"] = {"file_id": a.file_citation.file_id}
    else:
        out["file_path"] = {"file_id": a.file_path.file_id}
    return out


def attachment(a: message_pb2.Attachment) -> JsonObject:
    return {"file_id": a.file_id, "tools": [{"type": ATTACHMENT_TOOL[t.type]} for t in a.tools]}


# Run step details (§6).


def step_details(d: run_step_pb2.StepDetails) -> JsonObject:
    if d.type == S.RUN_STEP_TYPE_MESSAGE_CREATION:
        return {
            "type": "message_creation",
            "message_creation": {"message_id": d.message_creation.message_id},
        }
    return {"type": STEP_TYPE[d.type], "tool_calls": [tool_call(c) for c in d.tool_calls]}


def tool_call(c: run_step_pb2.ToolCall) -> JsonObject:
    out: JsonObject = {"id": c.id, "type": TOOL_TYPE[c.type]}
    if c.type == TL.TOOL_TYPE_FUNCTION:
        f = c.function
        out["function"] = {
            "name": f.name,
            "arguments": f.arguments,
            "output": optional(f, "output"),
        }
    elif c.type == TL.TOOL_TYPE_CODE_INTERPRETER:
        ci = c.code_interpreter
        out["code_interpreter"] = {"input": ci.input, "outputs": [_output(o) for o in ci.outputs]}
    else:
        out["file_search"] = _file_search_call(c.file_search)
    return out


def _output(o: run_step_pb2.CodeInterpreterOutput) -> JsonObject:
    if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE:
        return {"type": "image", "image": {"file_id": o.image.file_id}}
    return {"type": OUTPUT_TYPE[o.type], "logs": o.logs}


def _file_search_call(f: run_step_pb2.FileSearchToolCall) -> JsonObject:
    out: JsonObject = {}
    if f.HasField("ranking_options"):
        out["ranking_options"] = ranking_options(f.ranking_options)
    out["results"] = [_search_result(r) for r in f.results]
    return out


def _search_result(r: run_step_pb2.FileSearchResult) -> JsonObject:
    out: JsonObject = {"file_id": r.file_id, "file_name": r.file_name, "score": r.score}
    if r.content:  # only asked for with include[]
        out["content"] = [{"type": RESULT_CONTENT_TYPE[c.type], "text": c.text} for c in r.content]
    return out
