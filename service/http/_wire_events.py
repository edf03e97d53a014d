"""Run events as the OpenAI SSE stream (reference §7): the event name and its `data:` text.

Deltas carry only what the RunEvent has: `index` and `type` on every fragment, strings to
append, and ids and names once. The SDK adds numbers and concatenates strings it sees twice,
so nothing is repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistants.v1 import common_pb2, message_pb2, run_event_pb2, run_step_pb2, tools_pb2
from service.http._wire import (
    ANNOTATION_TYPE,
    CONTENT_TYPE,
    IMAGE_DETAIL,
    OUTPUT_TYPE,
    ROLE,
    STEP_TYPE,
    TOOL_TYPE,
    JsonObject,
    dumps,
    message,
    run,
    run_step,
    thread,
)

M = message_pb2
S = run_step_pb2
DONE = "[DONE]"

_TEXT = M.MESSAGE_CONTENT_TYPE_TEXT


def run_event(e: run_event_pb2.RunEvent) -> tuple[str, str]:
    """(event name, data text): compact JSON, or "[DONE]" for done."""
    kind = e.WhichOneof("data")
    if kind == "message_delta":  # the hot path: one every few tokens
        return e.event, dumps(message_delta(e.message_delta))
    if kind == "done" or e.event == "done":
        return "done", DONE
    if kind is None:
        raise ValueError(f"run event {e.event!r} carries no data")
    return e.event, dumps(_DATA[kind](getattr(e, kind)))


def error(e: common_pb2.ErrorObject) -> JsonObject:
    """The `error` event's data: the spec's Error object, param and code null when absent."""
    return {
        "message": e.message,
        "type": e.type,
        "param": e.param if e.HasField("param") else None,
        "code": e.code if e.HasField("code") else None,
    }


# Message deltas.


def message_delta(d: message_pb2.MessageDeltaEvent) -> JsonObject:
    body = d.delta
    delta: JsonObject = {}
    if body.HasField("role"):
        delta["role"] = ROLE[body.role]
    if len(body.content):
        delta["content"] = [content_delta(c) for c in body.content]
    return {"id": d.id, "object": "thread.message.delta", "delta": delta}


def content_delta(c: message_pb2.MessageContentDelta) -> JsonObject:
    if c.type == _TEXT:
        return {"index": c.index, "type": "text", "text": _text_delta(c.text)}
    out: JsonObject = {"index": c.index, "type": CONTENT_TYPE[c.type]}
    if c.type == M.MESSAGE_CONTENT_TYPE_IMAGE_FILE:
        out["image_file"] = _image_delta(c.image_file, "file_id", c.image_file.file_id)
    elif c.type == M.MESSAGE_CONTENT_TYPE_IMAGE_URL:
        out["image_url"] = _image_delta(c.image_url, "url", c.image_url.url)
    elif c.HasField("refusal"):
        out["refusal"] = c.refusal
    return out


def _text_delta(t: message_pb2.TextDelta) -> JsonObject:
    # `annotations` goes on every fragment, [] when there are none: the proto cannot tell a
    # part's first fragment, which must carry it (rule 2), and the SDK merges [] as a no-op.
    annotations = [annotation_delta(a) for a in t.annotations] if len(t.annotations) else []
    if t.HasField("value"):
        return {"value": t.value, "annotations": annotations}
    return {"annotations": annotations}


def _image_delta(
    image: message_pb2.ImageFile | message_pb2.ImageUrl, key: str, value: str
) -> JsonObject:
    out: JsonObject = {key: value} if value else {}
    if image.HasField("detail"):
        out["detail"] = IMAGE_DETAIL[image.detail]
    return out


def annotation_delta(a: message_pb2.AnnotationDelta) -> JsonObject:
    out: JsonObject = {"index": a.index, "type": ANNOTATION_TYPE[a.type]}
    for field in ("text", "start_index", "end_index"):
        if a.HasField(field):
            out[field] = getattr(a, field)
    if a.HasField("file_citation"):
        citation: JsonObject = {}
        if a.file_citation.file_id:
            citation["file_id"] = a.file_citation.file_id
        if a.file_citation.HasField("quote"):
            citation["quote"] = a.file_citation.quote
        out["file_citation"] = citation
    if a.HasField("file_path"):
        out["file_path"] = {"file_id": a.file_path.file_id} if a.file_path.file_id else {}
    return out


# Run step deltas.


def run_step_delta(d: run_step_pb2.RunStepDeltaEvent) -> JsonObject:
    delta: JsonObject = {}
    if d.delta.HasField("step_details"):
        delta["step_details"] = _step_details_delta(d.delta.step_details)
    return {"id": d.id, "object": "thread.run.step.delta", "delta": delta}


def _step_details_delta(d: run_step_pb2.StepDetailsDelta) -> JsonObject:
    if d.type == S.RUN_STEP_TYPE_MESSAGE_CREATION:
        created = d.message_creation
        body = {"message_id": created.message_id} if created.HasField("message_id") else {}
        return {"type": "message_creation", "message_creation": body}
    return {"type": STEP_TYPE[d.type], "tool_calls": [tool_call_delta(c) for c in d.tool_calls]}


def tool_call_delta(c: run_step_pb2.ToolCallDelta) -> JsonObject:
    """A fragment with an id opens its call: it also gets the rest of the call's skeleton
    (function.output null, code_interpreter.outputs []), as OpenAI's first fragments do."""
    out: JsonObject = {"index": c.index, "type": TOOL_TYPE[c.type]}
    first = c.HasField("id")
    if first:
        out["id"] = c.id
    if c.type == tools_pb2.TOOL_TYPE_FUNCTION:
        out["function"] = _function_delta(c.function, first)
    elif c.type == tools_pb2.TOOL_TYPE_CODE_INTERPRETER:
        out["code_interpreter"] = _code_interpreter_delta(c.code_interpreter, first)
    else:
        out["file_search"] = {}
    return out


def _function_delta(f: run_step_pb2.FunctionToolCallDelta, first: bool) -> JsonObject:
    out: JsonObject = {}
    for field in ("name", "arguments", "output"):
        if f.HasField(field):
            out[field] = getattr(f, field)
    if first:
        out.setdefault("output", None)
    return out


def _code_interpreter_delta(
    ci: run_step_pb2.CodeInterpreterToolCallDelta, first: bool
) -> JsonObject:
    out: JsonObject = {"input": ci.input} if ci.HasField("input") else {}
    if ci.outputs or first:
        out["outputs"] = [_output_delta(o) for o in ci.outputs]
    return out


def _output_delta(o: run_step_pb2.CodeInterpreterOutputDelta) -> JsonObject:
    out: JsonObject = {"index": o.index, "type": OUTPUT_TYPE[o.type]}
    if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE:
        out["image"] = {"file_id": o.image.file_id} if o.image.file_id else {}
    elif o.HasField("logs"):
        out["logs"] = o.logs
    return out


_DATA: dict[str, Callable[[Any], JsonObject]] = {
    "thread": thread,
    "run": run,
    "run_step": run_step,
    "run_step_delta": run_step_delta,
    "message": message,
    "message_delta": message_delta,
    "error": error,
}
