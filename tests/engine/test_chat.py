"""The Chat Completions request parts built from protos: pure, no server."""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from assistants.v1 import message_pb2, run_step_pb2, tools_pb2
from service.engine.chat import chat_messages, chat_response_format, chat_tool_choice, chat_tools


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def _text(value: str) -> message_pb2.MessageContent:
    return message_pb2.MessageContent(
        type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=message_pb2.Text(value=value)
    )


def _message(
    role: message_pb2.MessageRole, *parts: message_pb2.MessageContent
) -> message_pb2.Message:
    return message_pb2.Message(role=role, content=parts)


USER = message_pb2.MESSAGE_ROLE_USER
ASSISTANT = message_pb2.MESSAGE_ROLE_ASSISTANT


def test_function_tools_map_to_chat_tools_and_other_tools_are_left_out() -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "maximum": 7}},
        "required": ["city"],
    }
    tools = [
        tools_pb2.Tool(type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER),
        tools_pb2.Tool(
            type=tools_pb2.TOOL_TYPE_FUNCTION,
            function=tools_pb2.FunctionDefinition(
                name="weather", description="Forecast", parameters=_struct(schema), strict=True
            ),
        ),
        tools_pb2.Tool(type=tools_pb2.TOOL_TYPE_FILE_SEARCH),
        tools_pb2.Tool(
            type=tools_pb2.TOOL_TYPE_FUNCTION, function=tools_pb2.FunctionDefinition(name="ping")
        ),
    ]
    assert chat_tools(tools) == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "Forecast",
                "parameters": schema,
                "strict": True,
            },
        },
        {"type": "function", "function": {"name": "ping"}},
    ]
    # Struct keeps numbers as doubles; whole ones go out as ints.
    maximum = chat_tools(tools)[0]["function"]["parameters"]["properties"]["days"]["maximum"]
    assert type(maximum) is int


def test_strict_false_and_empty_parameters_are_sent_when_set() -> None:
    tool = tools_pb2.Tool(
        type=tools_pb2.TOOL_TYPE_FUNCTION,
        function=tools_pb2.FunctionDefinition(name="f", parameters=_struct({}), strict=False),
    )
    assert chat_tools([tool]) == [
        {"type": "function", "function": {"name": "f", "parameters": {}, "strict": False}}
    ]
    assert chat_tools([]) == []


def test_tool_choice() -> None:
    def choice(kind: tools_pb2.ToolChoiceType, name: str = "") -> tools_pb2.ToolChoice:
        return tools_pb2.ToolChoice(
            type=kind,
            function=tools_pb2.ToolChoiceFunction(name=name) if name else None,
        )

    assert chat_tool_choice(tools_pb2.ToolChoice()) is None
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_NONE)) == "none"
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_AUTO)) == "auto"
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_REQUIRED)) == "required"
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_FUNCTION, "weather")) == {
        "type": "function",
        "function": {"name": "weather"},
    }
    # Not implemented tools: the caller decides, nothing is sent.
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_FILE_SEARCH)) is None
    assert chat_tool_choice(choice(tools_pb2.TOOL_CHOICE_TYPE_CODE_INTERPRETER)) is None


def test_response_format() -> None:
    assert chat_response_format(tools_pb2.ResponseFormat()) is None
    auto = tools_pb2.ResponseFormat(type=tools_pb2.RESPONSE_FORMAT_TYPE_AUTO)
    assert chat_response_format(auto) is None
    text = tools_pb2.ResponseFormat(type=tools_pb2.RESPONSE_FORMAT_TYPE_TEXT)
    assert chat_response_format(text) == {"type": "text"}
    json_object = tools_pb2.ResponseFormat(type=tools_pb2.RESPONSE_FORMAT_TYPE_JSON_OBJECT)
    assert chat_response_format(json_object) == {"type": "json_object"}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "minProperties": 1}
    json_schema = tools_pb2.ResponseFormat(
        type=tools_pb2.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
        json_schema=tools_pb2.JsonSchemaFormat(
            name="answer", description="An answer", schema=_struct(schema), strict=True
        ),
    )
    assert chat_response_format(json_schema) == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "description": "An answer",
            "schema": schema,
            "strict": True,
        },
    }
    bare = tools_pb2.ResponseFormat(
        type=tools_pb2.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
        json_schema=tools_pb2.JsonSchemaFormat(name="bare"),
    )
    assert chat_response_format(bare) == {"type": "json_schema", "json_schema": {"name": "bare"}}


def test_messages_start_with_the_instructions_and_keep_the_thread_order() -> None:
    history = [
        _message(USER, _text("Hi")),
        _message(ASSISTANT, _text("Hello!")),
        _message(USER, _text("Weather?")),
    ]
    assert chat_messages("Be brief.", history, []) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Weather?"},
    ]
    assert chat_messages("", history[:1], []) == [{"role": "user", "content": "Hi"}]


def test_several_parts_become_a_list_and_images_become_parts_or_text() -> None:
    image_url = message_pb2.MessageContent(
        type=message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        image_url=message_pb2.ImageUrl(
            url="https://example.com/a.png", detail=message_pb2.IMAGE_DETAIL_LOW
        ),
    )
    plain_url = message_pb2.MessageContent(
        type=message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        image_url=message_pb2.ImageUrl(url="https://example.com/b.png"),
    )
    image_file = message_pb2.MessageContent(
        type=message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
        image_file=message_pb2.ImageFile(file_id="file-abc"),
    )
    refusal = message_pb2.MessageContent(
        type=message_pb2.MESSAGE_CONTENT_TYPE_REFUSAL, refusal="I can't."
    )
    user = _message(USER, _text("Look:"), image_url, plain_url, image_file)
    assert chat_messages("", [user], []) == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/a.png", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": "https://example.com/b.png"}},
                {"type": "text", "text": "[image file file-abc]"},
            ],
        }
    ]
    # A lone image file is a lone text part: a plain string. Refusals are text.
    assert chat_messages("", [_message(USER, image_file), _message(ASSISTANT, refusal)], []) == [
        {"role": "user", "content": "[image file file-abc]"},
        {"role": "assistant", "content": "I can't."},
    ]
    # Assistant messages cannot carry image parts in Chat Completions.
    assistant = _message(ASSISTANT, _text("Here"), plain_url)
    assert chat_messages("", [assistant], []) == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Here"},
                {"type": "text", "text": "[image url https://example.com/b.png]"},
            ],
        }
    ]
    assert chat_messages("", [_message(ASSISTANT)], []) == [{"role": "assistant", "content": ""}]


def _function_call(
    call_id: str, name: str, arguments: str, output: str | None
) -> run_step_pb2.ToolCall:
    return run_step_pb2.ToolCall(
        id=call_id,
        type=tools_pb2.TOOL_TYPE_FUNCTION,
        function=run_step_pb2.FunctionToolCall(name=name, arguments=arguments, output=output),
    )


def _tool_step(*calls: run_step_pb2.ToolCall) -> run_step_pb2.RunStep:
    return run_step_pb2.RunStep(
        type=run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS,
        step_details=run_step_pb2.StepDetails(
            type=run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS,
            tool_calls=calls,
        ),
    )


def _message_step(message_id: str) -> run_step_pb2.RunStep:
    return run_step_pb2.RunStep(
        type=run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION,
        step_details=run_step_pb2.StepDetails(
            type=run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION,
            message_creation=run_step_pb2.MessageCreation(message_id=message_id),
        ),
    )


def test_run_turns_replay_tool_calls_with_their_outputs_and_created_messages() -> None:
    history = [_message(USER, _text("Weather in Paris and Rome?"))]
    tools = _tool_step(
        _function_call("call_a", "weather", '{"city":"Paris"}', "18C"),
        run_step_pb2.ToolCall(
            id="call_ci",
            type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER,
            code_interpreter=run_step_pb2.CodeInterpreterToolCall(input="1+1"),
        ),
        _function_call("call_b", "weather", '{"city":"Rome"}', None),
    )
    created = _message(ASSISTANT, _text("Paris: 18C."))
    turns = [
        (_message_step("msg_1"), _message(ASSISTANT, _text("Let me check."))),
        (tools, None),
        (_message_step("msg_2"), created),
        (_message_step("msg_3"), None),
    ]
    assert chat_messages("sys", history, turns) == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"role": "assistant", "content": "Let me check."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Paris"}'},
                },
                {
                    "id": "call_b",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Rome"}'},
                },
            ],
        },
        # Only calls with an output get a tool message.
        {"role": "tool", "tool_call_id": "call_a", "content": "18C"},
        {"role": "assistant", "content": "Paris: 18C."},
    ]


def test_an_empty_output_is_still_an_output_and_non_function_steps_add_nothing() -> None:
    turns = [
        (_tool_step(_function_call("call_a", "f", "{}", "")), None),
        (
            _tool_step(
                run_step_pb2.ToolCall(
                    id="call_fs",
                    type=tools_pb2.TOOL_TYPE_FILE_SEARCH,
                    file_search=run_step_pb2.FileSearchToolCall(),
                )
            ),
            None,
        ),
    ]
    assert chat_messages("", [], turns) == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": ""},
    ]
