"""Chat Completions request parts built from a run's protos. Pure: no I/O.

Function tools map to chat tools here. file_search and code_interpreter are offered as
functions the server runs itself (service.engine.file_search and .code_interpreter build their
definitions and outputs, which come in here as `tool_outputs`). A tool_choice naming either is
left out here: the caller decides what a run that asks for them does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import json_format, struct_pb2

from assistants.v1 import message_pb2, run_step_pb2, tools_pb2

JsonDict = dict[str, Any]

_CHOICE_STRINGS = {
    tools_pb2.TOOL_CHOICE_TYPE_NONE: "none",
    tools_pb2.TOOL_CHOICE_TYPE_AUTO: "auto",
    tools_pb2.TOOL_CHOICE_TYPE_REQUIRED: "required",
}
# The server's own tools, by the function name the model calls them with.
_SERVER_TOOLS = {
    tools_pb2.TOOL_TYPE_FILE_SEARCH: "file_search",
    tools_pb2.TOOL_TYPE_CODE_INTERPRETER: "code_interpreter",
}
_DETAILS = {
    message_pb2.IMAGE_DETAIL_AUTO: "auto",
    message_pb2.IMAGE_DETAIL_LOW: "low",
    message_pb2.IMAGE_DETAIL_HIGH: "high",
}


def _json(struct: struct_pb2.Struct) -> JsonDict:
    """A Struct as JSON. Struct keeps every number as a double; whole ones become ints again, so
    a schema's `"maxItems": 3` is not sent as `3.0`."""
    value: JsonDict = _whole_numbers(json_format.MessageToDict(struct))
    return value


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    return value


def chat_tools(tools: Sequence[tools_pb2.Tool]) -> list[JsonDict]:
    """The function tools, in Chat Completions form. Other tools are not implemented: omitted."""
    result: list[JsonDict] = []
    for tool in tools:
        if tool.type != tools_pb2.TOOL_TYPE_FUNCTION:
            continue
        definition = tool.function
        function: JsonDict = {"name": definition.name}
        if definition.HasField("description"):
            function["description"] = definition.description
        if definition.HasField("parameters"):
            function["parameters"] = _json(definition.parameters)
        if definition.HasField("strict"):
            function["strict"] = definition.strict
        result.append({"type": "function", "function": function})
    return result


def chat_tool_choice(choice: tools_pb2.ToolChoice) -> str | JsonDict | None:
    """The tool_choice to send, or None to omit it.

    None too for file_search and code_interpreter: the model is not given those tools, and the
    caller handles a run that names one.
    """
    if choice.type in _CHOICE_STRINGS:
        return _CHOICE_STRINGS[choice.type]
    if choice.type == tools_pb2.TOOL_CHOICE_TYPE_FUNCTION:
        return {"type": "function", "function": {"name": choice.function.name}}
    return None


def chat_response_format(fmt: tools_pb2.ResponseFormat) -> JsonDict | None:
    """The response_format to send, or None ("auto") to omit it."""
    if fmt.type == tools_pb2.RESPONSE_FORMAT_TYPE_TEXT:
        return {"type": "text"}
    if fmt.type == tools_pb2.RESPONSE_FORMAT_TYPE_JSON_OBJECT:
        return {"type": "json_object"}
    if fmt.type == tools_pb2.RESPONSE_FORMAT_TYPE_JSON_SCHEMA:
        schema = fmt.json_schema
        json_schema: JsonDict = {"name": schema.name}
        if schema.HasField("description"):
            json_schema["description"] = schema.description
        if schema.HasField("schema"):
            json_schema["schema"] = _json(schema.schema)
        if schema.HasField("strict"):
            json_schema["strict"] = schema.strict
        return {"type": "json_schema", "json_schema": json_schema}
    return None


def _image_url(image: message_pb2.ImageUrl) -> JsonDict:
    url: JsonDict = {"url": image.url}
    if image.HasField("detail") and image.detail in _DETAILS:
        url["detail"] = _DETAILS[image.detail]
    return {"type": "image_url", "image_url": url}


def _text(text: str) -> JsonDict:
    return {"type": "text", "text": text}


def _part(part: message_pb2.MessageContent, *, images: bool) -> JsonDict | None:
    """One content part. Image URLs stay images only where the role allows them (user)."""
    if part.type == message_pb2.MESSAGE_CONTENT_TYPE_TEXT:
        return _text(part.text.value)
    if part.type == message_pb2.MESSAGE_CONTENT_TYPE_REFUSAL:
        return _text(part.refusal)
    if part.type == message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_FILE:
        # Files are not served to the model yet.
        return _text(f"[image file {part.image_file.file_id}]")
    if part.type == message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_URL:
        if images:
            return _image_url(part.image_url)
        url = part.image_url.url
        return _text("[image url]" if url.startswith("data:") else f"[image url {url}]")
    return None


def _content(
    content: Sequence[message_pb2.MessageContent], *, images: bool
) -> str | list[JsonDict]:
    parts = [p for p in (_part(part, images=images) for part in content) if p is not None]
    if not parts:
        return ""
    if len(parts) == 1 and parts[0]["type"] == "text":
        text: str = parts[0]["text"]
        return text
    return parts


def _message(message: message_pb2.Message) -> JsonDict:
    # Chat Completions allows image parts in user messages only.
    if message.role == message_pb2.MESSAGE_ROLE_ASSISTANT:
        return {"role": "assistant", "content": _content(message.content, images=False)}
    return {"role": "user", "content": _content(message.content, images=True)}


def _tool_calls(
    step: run_step_pb2.RunStep, tool_outputs: Mapping[str, tuple[str, str]]
) -> list[JsonDict]:
    """The calls of a tool_calls step and their outputs: an assistant message, then a tool
    message per call that has an output. Calls of the server's own tools come as the function
    the model called, with (arguments, output) from tool_outputs."""
    calls: list[tuple[str, str, str, str | None]] = []  # id, name, arguments, output
    for call in step.step_details.tool_calls:
        if call.type == tools_pb2.TOOL_TYPE_FUNCTION:
            output = call.function.output if call.function.HasField("output") else None
            calls.append((call.id, call.function.name, call.function.arguments, output))
        elif call.type in _SERVER_TOOLS and call.id in tool_outputs:
            arguments, result = tool_outputs[call.id]
            calls.append((call.id, _SERVER_TOOLS[call.type], arguments, result))
    if not calls:
        return []
    messages: list[JsonDict] = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
                for cid, name, args, _ in calls
            ],
        }
    ]
    messages.extend(
        {"role": "tool", "tool_call_id": cid, "content": output}
        for cid, _, _, output in calls
        if output is not None
    )
    return messages


def chat_messages(
    instructions: str,
    history: Sequence[message_pb2.Message],
    run_turns: Sequence[tuple[run_step_pb2.RunStep, message_pb2.Message | None]],
    tool_outputs: Mapping[str, tuple[str, str]] | None = None,
) -> list[JsonDict]:
    """The messages of a completion: the instructions as a system message (when not empty), the
    thread's messages from before the run, then the run's own steps in creation order, each
    message_creation step paired with the message it created."""
    messages: list[JsonDict] = []
    if instructions:
        messages.append({"role": "system", "content": instructions})
    messages.extend(_message(message) for message in history)
    for step, created in run_turns:
        if step.type == run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS:
            messages.extend(_tool_calls(step, tool_outputs or {}))
        elif step.type == run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION and created is not None:
            messages.append(_message(created))
    return messages
