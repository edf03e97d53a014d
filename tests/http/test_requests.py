"""The request side of the HTTP API: JSON bodies and query strings to the protos the
application takes (service/http/_requests.py).

Expected behaviour comes from the reference digest (/work/shared/reference/assistants-api.md):
§0 wire conventions, §2 list params, §4 endpoint bodies, §9 tools, tool_choice and
response_format, §10 message content, §11 error codes; and from the openai SDK's params types.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import openai
import pytest
from aiohttp import web
from google.protobuf import struct_pb2
from multidict import MultiDict, MultiDictProxy

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    file_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    tools_pb2,
    vector_store_service_pb2,
)
from service.app import Application, Principal, RequestContext
from service.errors import InvalidArgumentError
from service.http import _requests as parse

A = assistant_pb2
M = message_pb2
R = run_service_pb2
T = tools_pb2

FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
FILE = "file-" + "F" * 24
STORE = "vs_" + "V" * 24
ASSISTANT = "asst_" + "A" * 24
THREAD = "thread_" + "T" * 24
RUN = "run_" + "R" * 24
MESSAGE = "msg_" + "M" * 24
STEP = "step_" + "S" * 24

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"],
    "additionalProperties": False,
}


def query(*pairs: tuple[str, str]) -> MultiDictProxy[str]:
    return MultiDictProxy(MultiDict(pairs))


def rejected(call: Callable[[], object]) -> InvalidArgumentError:
    with pytest.raises(InvalidArgumentError) as caught:
        call()
    return caught.value


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(value)
    return result


# ---------------------------------------------------------------------------------------------
# Full bodies: every field the reference lists lands in its proto field.

TOOLS_JSON: list[dict[str, Any]] = [
    {"type": "code_interpreter"},
    {
        "type": "file_search",
        "file_search": {
            "max_num_results": 7,
            "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.25},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather by city.",
            "parameters": SCHEMA,
            "strict": True,
        },
    },
]
TOOLS_PROTO = [
    T.Tool(type=T.TOOL_TYPE_CODE_INTERPRETER),
    T.Tool(
        type=T.TOOL_TYPE_FILE_SEARCH,
        file_search=T.FileSearchOptions(
            max_num_results=7,
            ranking_options=T.RankingOptions(
                ranker=T.RANKER_DEFAULT_2024_08_21, score_threshold=0.25
            ),
        ),
    ),
    T.Tool(
        type=T.TOOL_TYPE_FUNCTION,
        function=T.FunctionDefinition(
            name="get_weather",
            description="Weather by city.",
            parameters=struct(SCHEMA),
            strict=True,
        ),
    ),
]
RESPONSE_FORMAT_JSON = {
    "type": "json_schema",
    "json_schema": {
        "name": "weather",
        "description": "A report.",
        "schema": SCHEMA,
        "strict": True,
    },
}
RESPONSE_FORMAT_PROTO = T.ResponseFormat(
    type=T.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
    json_schema=T.JsonSchemaFormat(
        name="weather", description="A report.", schema=struct(SCHEMA), strict=True
    ),
)
RESOURCES_JSON = {
    "code_interpreter": {"file_ids": [FILE]},
    "file_search": {"vector_store_ids": [STORE]},
}
RESOURCES_PROTO = T.ToolResources(
    code_interpreter=T.CodeInterpreterResources(file_ids=[FILE]),
    file_search=T.FileSearchResources(vector_store_ids=[STORE]),
)
HELPER_JSON = {
    "file_search": {
        "vector_stores": [
            {
                "file_ids": [FILE],
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 600, "chunk_overlap_tokens": 200},
                },
                "metadata": {"k": "v"},
            }
        ]
    }
}
HELPER_PROTO = T.ToolResources(
    file_search=T.FileSearchResources(
        vector_stores=[
            T.VectorStoreSpec(
                file_ids=[FILE],
                chunking_strategy=T.ChunkingStrategy(
                    type=T.CHUNKING_STRATEGY_TYPE_STATIC,
                    static=T.StaticChunking(max_chunk_size_tokens=600, chunk_overlap_tokens=200),
                ),
                metadata={"k": "v"},
            )
        ]
    )
)
MESSAGE_JSON: dict[str, Any] = {
    "role": "user",
    "content": [
        {"type": "text", "text": "What is in these?"},
        {"type": "image_file", "image_file": {"file_id": FILE, "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
    ],
    "attachments": [
        {"file_id": FILE, "tools": [{"type": "code_interpreter"}, {"type": "file_search"}]}
    ],
    "metadata": {"source": "test"},
}
CONTENT_PROTO = [
    M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="What is in these?"),
    M.MessageContentInput(
        type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
        image_file=M.ImageFile(file_id=FILE, detail=M.IMAGE_DETAIL_HIGH),
    ),
    M.MessageContentInput(
        type=M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        image_url=M.ImageUrl(url="https://example.com/a.png", detail=M.IMAGE_DETAIL_LOW),
    ),
]
ATTACHMENTS_PROTO = [
    M.Attachment(
        file_id=FILE,
        tools=[
            M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER),
            M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH),
        ],
    )
]
MESSAGE_INPUT_PROTO = M.MessageInput(
    role=M.MESSAGE_ROLE_USER,
    content=CONTENT_PROTO,
    attachments=ATTACHMENTS_PROTO,
    metadata={"source": "test"},
)

ASSISTANT_JSON: dict[str, Any] = {
    "model": "gpt-4o",
    "name": "Weather bot",
    "description": "Answers weather questions.",
    "instructions": "Be brief.",
    "reasoning_effort": "low",
    "tools": TOOLS_JSON,
    "tool_resources": RESOURCES_JSON,
    "metadata": {"team": "a", "tier": "1"},
    "temperature": 0.5,
    "top_p": 0.9,
    "response_format": {"type": "json_object"},
}


def assistant_fields() -> dict[str, Any]:
    """ASSISTANT_JSON's values as proto fields (for CreateAssistantRequest and
    UpdateAssistantRequest alike)."""
    return dict(
        model="gpt-4o",
        name="Weather bot",
        description="Answers weather questions.",
        instructions="Be brief.",
        reasoning_effort=T.REASONING_EFFORT_LOW,
        tools=TOOLS_PROTO,
        tool_resources=RESOURCES_PROTO,
        metadata={"team": "a", "tier": "1"},
        temperature=0.5,
        top_p=0.9,
        response_format=T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_JSON_OBJECT),
    )


RUN_OPTIONS_JSON: dict[str, Any] = {
    "assistant_id": ASSISTANT,
    "model": "gpt-4o-mini",
    "instructions": "Replace.",
    "tools": TOOLS_JSON[2:],
    "metadata": {"k": "v"},
    "temperature": 0,
    "top_p": 1,
    "max_prompt_tokens": 1000,
    "max_completion_tokens": 500,
    "truncation_strategy": {"type": "last_messages", "last_messages": 4},
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": False,
    "response_format": RESPONSE_FORMAT_JSON,
}


def run_option_fields() -> dict[str, Any]:
    return dict(
        assistant_id=ASSISTANT,
        model="gpt-4o-mini",
        instructions="Replace.",
        tools=TOOLS_PROTO[2:],
        metadata={"k": "v"},
        temperature=0.0,
        top_p=1.0,
        max_prompt_tokens=1000,
        max_completion_tokens=500,
        truncation_strategy=T.TruncationStrategy(
            type=T.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES, last_messages=4
        ),
        tool_choice=T.ToolChoice(
            type=T.TOOL_CHOICE_TYPE_FUNCTION, function=T.ToolChoiceFunction(name="get_weather")
        ),
        parallel_tool_calls=False,
        response_format=RESPONSE_FORMAT_PROTO,
    )


def test_create_assistant_maps_every_field() -> None:
    request = parse.create_assistant(ASSISTANT_JSON)
    assert request == A.CreateAssistantRequest(**assistant_fields())
    for name in ("name", "description", "instructions", "reasoning_effort", "temperature"):
        assert request.HasField(name)
    assert request.tools[2].function.parameters["properties"]["days"]["minimum"] == 1


def test_create_assistant_with_only_model_leaves_everything_else_absent() -> None:
    request = parse.create_assistant({"model": "gpt-4o"})
    assert request == A.CreateAssistantRequest(model="gpt-4o")
    assert not request.HasField("temperature")
    assert not request.HasField("response_format")


def test_update_assistant_maps_every_field_and_lists_them_in_the_mask() -> None:
    request = parse.update_assistant(ASSISTANT, ASSISTANT_JSON)
    expected = A.UpdateAssistantRequest(assistant_id=ASSISTANT, **assistant_fields())
    expected.update_mask.paths.extend(ASSISTANT_JSON)
    assert request == expected


def test_create_thread_maps_messages_resources_and_metadata() -> None:
    body = {
        "messages": [MESSAGE_JSON, {"role": "assistant", "content": "Hello."}],
        "tool_resources": HELPER_JSON,
        "metadata": {"k": "v"},
    }
    assert parse.create_thread(body) == thread_pb2.CreateThreadRequest(
        messages=[
            MESSAGE_INPUT_PROTO,
            M.MessageInput(
                role=M.MESSAGE_ROLE_ASSISTANT,
                content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hello.")],
            ),
        ],
        tool_resources=HELPER_PROTO,
        metadata={"k": "v"},
    )


def test_create_thread_with_no_body_is_an_empty_request() -> None:
    assert parse.create_thread({}) == thread_pb2.CreateThreadRequest()


def test_update_thread() -> None:
    request = parse.update_thread(
        THREAD, {"tool_resources": RESOURCES_JSON, "metadata": {"a": "b"}}
    )
    expected = thread_pb2.UpdateThreadRequest(
        thread_id=THREAD, tool_resources=RESOURCES_PROTO, metadata={"a": "b"}
    )
    expected.update_mask.paths.extend(["tool_resources", "metadata"])
    assert request == expected


def test_create_message_with_parts() -> None:
    assert parse.create_message(THREAD, MESSAGE_JSON) == M.CreateMessageRequest(
        thread_id=THREAD,
        role=M.MESSAGE_ROLE_USER,
        content=CONTENT_PROTO,
        attachments=ATTACHMENTS_PROTO,
        metadata={"source": "test"},
    )


def test_create_message_with_string_content_is_one_text_part() -> None:
    assert parse.create_message(
        THREAD, {"role": "user", "content": "Hi"}
    ) == M.CreateMessageRequest(
        thread_id=THREAD,
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hi")],
    )


def test_update_message() -> None:
    request = parse.update_message(THREAD, MESSAGE, {"metadata": {"a": "b"}})
    assert request == M.UpdateMessageRequest(
        thread_id=THREAD,
        message_id=MESSAGE,
        metadata={"a": "b"},
        update_mask={"paths": ["metadata"]},
    )


def test_list_messages_reads_paging_and_run_id() -> None:
    request = parse.list_messages(
        THREAD,
        query(
            ("limit", "5"),
            ("order", "asc"),
            ("after", MESSAGE),
            ("before", "msg_b"),
            ("run_id", RUN),
        ),
    )
    assert request == M.ListMessagesRequest(
        thread_id=THREAD,
        limit=5,
        order=common_pb2.LIST_ORDER_ASC,
        after=MESSAGE,
        before="msg_b",
        run_id=RUN,
    )
    assert request.HasField("limit")


def test_lists_with_no_query_leave_limit_absent() -> None:
    for request in (
        parse.list_assistants(query()),
        parse.list_runs(THREAD, query()),
        parse.list_steps(THREAD, RUN, query()),
        parse.list_messages(THREAD, query()),
    ):
        assert not request.HasField("limit")
        assert request.order == common_pb2.LIST_ORDER_UNSPECIFIED
        assert request.after == request.before == ""


def test_list_assistants_and_runs() -> None:
    paging = query(("limit", "100"), ("order", "desc"), ("before", ASSISTANT))
    assert parse.list_assistants(paging) == A.ListAssistantsRequest(
        limit=100, order=common_pb2.LIST_ORDER_DESC, before=ASSISTANT
    )
    assert parse.list_runs(THREAD, query(("limit", "1"), ("after", RUN))) == R.ListRunsRequest(
        thread_id=THREAD, limit=1, after=RUN
    )


def test_create_run_maps_every_field() -> None:
    body = {
        **RUN_OPTIONS_JSON,
        "reasoning_effort": "high",
        "additional_instructions": "And be kind.",
        "additional_messages": [MESSAGE_JSON],
        "stream": False,
    }
    request, streamed = parse.create_run(THREAD, body, query(("include[]", FILE_SEARCH_CONTENT)))
    assert request == R.CreateRunRequest(
        thread_id=THREAD,
        reasoning_effort=T.REASONING_EFFORT_HIGH,
        additional_instructions="And be kind.",
        additional_messages=[MESSAGE_INPUT_PROTO],
        include=[FILE_SEARCH_CONTENT],
        **run_option_fields(),
    )
    assert streamed is False
    for name in ("temperature", "top_p", "parallel_tool_calls", "max_prompt_tokens"):
        assert request.HasField(name)


def test_create_run_stream_flag() -> None:
    body = {"assistant_id": ASSISTANT}
    assert parse.create_run(THREAD, {**body, "stream": True}, query())[1] is True
    assert parse.create_run(THREAD, {**body, "stream": None}, query())[1] is False
    assert parse.create_run(THREAD, body, query())[1] is False


@pytest.mark.parametrize("key", ["include", "include[]"])
def test_include_is_read_in_both_spellings(key: str) -> None:
    include = query((key, FILE_SEARCH_CONTENT))
    assert parse.create_run(THREAD, {}, include)[0].include == [FILE_SEARCH_CONTENT]
    assert parse.list_steps(THREAD, RUN, include).include == [FILE_SEARCH_CONTENT]
    assert parse.get_step(THREAD, RUN, STEP, include).include == [FILE_SEARCH_CONTENT]


def test_include_values_are_passed_on_for_the_application_to_check() -> None:
    include = query(("include[]", "a"), ("include[]", "b"), ("include", "c"))
    assert list(parse.get_step(THREAD, RUN, STEP, include).include) == ["a", "b", "c"]


def test_create_thread_and_run_maps_every_field() -> None:
    body = {
        **RUN_OPTIONS_JSON,
        "thread": {
            "messages": [MESSAGE_JSON],
            "tool_resources": HELPER_JSON,
            "metadata": {"t": "1"},
        },
        "tool_resources": RESOURCES_JSON,
        "stream": True,
    }
    request, streamed = parse.create_thread_and_run(body)
    assert request == R.CreateThreadAndRunRequest(
        thread=thread_pb2.CreateThreadRequest(
            messages=[MESSAGE_INPUT_PROTO], tool_resources=HELPER_PROTO, metadata={"t": "1"}
        ),
        tool_resources=RESOURCES_PROTO,
        **run_option_fields(),
    )
    assert streamed is True


def test_update_run() -> None:
    request = parse.update_run(THREAD, RUN, {"metadata": {"a": "b"}})
    assert request == R.UpdateRunRequest(
        thread_id=THREAD, run_id=RUN, metadata={"a": "b"}, update_mask={"paths": ["metadata"]}
    )


def test_submit_tool_outputs() -> None:
    body = {
        "tool_outputs": [
            {"tool_call_id": "call_a", "output": "70F"},
            {"tool_call_id": "call_b", "output": ""},
        ],
        "stream": True,
    }
    request, streamed = parse.submit_tool_outputs(THREAD, RUN, body)
    assert request == R.SubmitToolOutputsRequest(
        thread_id=THREAD,
        run_id=RUN,
        tool_outputs=[
            run_pb2.ToolOutput(tool_call_id="call_a", output="70F"),
            run_pb2.ToolOutput(tool_call_id="call_b", output=""),
        ],
    )
    assert streamed is True


def test_list_steps_and_get_step() -> None:
    steps = parse.list_steps(
        THREAD, RUN, query(("limit", "2"), ("order", "asc"), ("include[]", FILE_SEARCH_CONTENT))
    )
    assert steps == R.ListRunStepsRequest(
        thread_id=THREAD,
        run_id=RUN,
        limit=2,
        order=common_pb2.LIST_ORDER_ASC,
        include=[FILE_SEARCH_CONTENT],
    )
    assert parse.get_step(THREAD, RUN, STEP, query()) == R.GetRunStepRequest(
        thread_id=THREAD, run_id=RUN, step_id=STEP
    )


# ---------------------------------------------------------------------------------------------
# Shapes with several forms.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("auto", T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_AUTO)),
        ({"type": "text"}, T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_TEXT)),
        ({"type": "json_object"}, T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_JSON_OBJECT)),
        (RESPONSE_FORMAT_JSON, RESPONSE_FORMAT_PROTO),
        (
            {"type": "json_schema", "json_schema": {"name": "n"}},
            T.ResponseFormat(
                type=T.RESPONSE_FORMAT_TYPE_JSON_SCHEMA, json_schema=T.JsonSchemaFormat(name="n")
            ),
        ),
    ],
)
def test_response_format_forms(value: object, expected: tools_pb2.ResponseFormat) -> None:
    request = parse.create_assistant({"model": "m", "response_format": value})
    assert request.response_format == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("none", T.ToolChoice(type=T.TOOL_CHOICE_TYPE_NONE)),
        ("auto", T.ToolChoice(type=T.TOOL_CHOICE_TYPE_AUTO)),
        ("required", T.ToolChoice(type=T.TOOL_CHOICE_TYPE_REQUIRED)),
        ({"type": "file_search"}, T.ToolChoice(type=T.TOOL_CHOICE_TYPE_FILE_SEARCH)),
        ({"type": "code_interpreter"}, T.ToolChoice(type=T.TOOL_CHOICE_TYPE_CODE_INTERPRETER)),
        (
            {"type": "function", "function": {"name": "f"}},
            T.ToolChoice(type=T.TOOL_CHOICE_TYPE_FUNCTION, function=T.ToolChoiceFunction(name="f")),
        ),
    ],
)
def test_tool_choice_forms(value: object, expected: tools_pb2.ToolChoice) -> None:
    request, _ = parse.create_run(THREAD, {"tool_choice": value}, query())
    assert request.tool_choice == expected
    assert request.HasField("tool_choice")


def test_truncation_strategy_auto_and_null_last_messages() -> None:
    body = {"truncation_strategy": {"type": "auto", "last_messages": None}}
    request, _ = parse.create_run(THREAD, body, query())
    assert request.truncation_strategy == T.TruncationStrategy(type=T.TRUNCATION_STRATEGY_TYPE_AUTO)
    assert not request.truncation_strategy.HasField("last_messages")


def test_an_empty_object_is_present() -> None:
    """{} differs from absence: the application reports what is missing inside it."""
    request, _ = parse.create_run(THREAD, {"truncation_strategy": {}, "tool_choice": {}}, query())
    assert request.HasField("truncation_strategy")
    assert request.HasField("tool_choice")
    tool = parse.create_assistant(
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}
    )
    assert tool.tools[0].function.HasField("parameters")


def test_chunking_strategy_auto() -> None:
    body = {
        "tool_resources": {
            "file_search": {"vector_stores": [{"chunking_strategy": {"type": "auto"}}]}
        }
    }
    spec = parse.create_thread(body).tool_resources.file_search.vector_stores[0]
    assert spec.chunking_strategy == T.ChunkingStrategy(type=T.CHUNKING_STRATEGY_TYPE_AUTO)


def test_every_reasoning_effort() -> None:
    for name in ("none", "minimal", "low", "medium", "high", "xhigh", "max"):
        request = parse.create_assistant({"reasoning_effort": name})
        assert (
            T.ReasoningEffort.Name(request.reasoning_effort) == f"REASONING_EFFORT_{name.upper()}"
        )


def test_function_parameters_keep_any_json_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "flag": {"type": ["boolean", "null"], "default": None},
            "nested": {"anyOf": [{"$ref": "#/$defs/x"}, {"const": 1.5}]},
        },
        "$defs": {"x": {"type": "object"}},
    }
    request = parse.create_assistant(
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": schema}}]}
    )
    from google.protobuf.json_format import MessageToDict

    assert MessageToDict(request.tools[0].function.parameters) == schema


# ---------------------------------------------------------------------------------------------
# Nulls.

ASSISTANT_NULLABLE = [k for k in ASSISTANT_JSON if k != "model"]


def test_create_assistant_nulls_are_absent() -> None:
    body = {"model": "gpt-4o", **dict.fromkeys(ASSISTANT_NULLABLE)}
    assert parse.create_assistant(body) == A.CreateAssistantRequest(model="gpt-4o")


def test_update_assistant_nulls_are_listed_in_the_mask_to_be_reset() -> None:
    request = parse.update_assistant(ASSISTANT, {"name": None, "temperature": None, "tools": []})
    assert not request.HasField("name")
    assert not request.HasField("temperature")
    assert list(request.update_mask.paths) == ["name", "temperature", "tools"]


def test_update_with_empty_metadata_changes_nothing_and_null_clears() -> None:
    """Metadata is merged (reference §13), so {} is a no-op; null resets it."""
    assert list(parse.update_assistant(ASSISTANT, {"metadata": {}}).update_mask.paths) == []
    assert list(parse.update_thread(THREAD, {"metadata": {}}).update_mask.paths) == []
    assert list(parse.update_message(THREAD, MESSAGE, {"metadata": {}}).update_mask.paths) == []
    assert list(parse.update_run(THREAD, RUN, {"metadata": {}}).update_mask.paths) == []
    for request in (
        parse.update_assistant(ASSISTANT, {"metadata": None}),
        parse.update_thread(THREAD, {"metadata": None}),
        parse.update_message(THREAD, MESSAGE, {"metadata": None}),
        parse.update_run(THREAD, RUN, {"metadata": None}),
    ):
        assert list(request.update_mask.paths) == ["metadata"]
        assert not request.metadata


def test_update_with_empty_body_updates_nothing() -> None:
    request = parse.update_assistant(ASSISTANT, {})
    assert request == A.UpdateAssistantRequest(assistant_id=ASSISTANT)


def test_create_run_nulls_are_absent() -> None:
    keys = [
        *RUN_OPTIONS_JSON,
        "reasoning_effort",
        "additional_instructions",
        "additional_messages",
        "stream",
    ]
    body = {**dict.fromkeys(keys), "assistant_id": ASSISTANT}
    request, streamed = parse.create_run(THREAD, body, query())
    assert request == R.CreateRunRequest(thread_id=THREAD, assistant_id=ASSISTANT)
    assert not streamed


def test_create_thread_and_run_nulls_are_absent() -> None:
    body = {
        **dict.fromkeys([*RUN_OPTIONS_JSON, "thread", "tool_resources", "stream"]),
        "assistant_id": ASSISTANT,
    }
    request, streamed = parse.create_thread_and_run(body)
    assert request == R.CreateThreadAndRunRequest(assistant_id=ASSISTANT)
    assert not request.HasField("thread")
    assert not streamed


def test_nested_nulls_are_absent() -> None:
    body = {
        "role": "user",
        "content": [{"type": "image_file", "image_file": {"file_id": FILE, "detail": None}}],
        "attachments": None,
        "metadata": None,
    }
    request = parse.create_message(THREAD, body)
    assert not request.content[0].image_file.HasField("detail")
    assert not request.attachments
    tools = parse.create_assistant(
        {
            "tools": [
                {"type": "function", "function": {"name": "f", "description": None, "strict": None}}
            ]
        }
    ).tools
    assert not tools[0].function.HasField("description")
    assert not tools[0].function.HasField("strict")


# ---------------------------------------------------------------------------------------------
# Refused bodies. Each case names an endpoint and the body sent to it.


def send(endpoint: str, body: dict[str, Any]) -> object:
    """Reads body as the endpoint's, with placeholder path ids and no query."""
    calls: dict[str, Callable[[], object]] = {
        "create_assistant": lambda: parse.create_assistant(body),
        "update_assistant": lambda: parse.update_assistant(ASSISTANT, body),
        "create_thread": lambda: parse.create_thread(body),
        "update_thread": lambda: parse.update_thread(THREAD, body),
        "create_message": lambda: parse.create_message(THREAD, body),
        "update_message": lambda: parse.update_message(THREAD, MESSAGE, body),
        "create_run": lambda: parse.create_run(THREAD, body, query()),
        "create_thread_and_run": lambda: parse.create_thread_and_run(body),
        "update_run": lambda: parse.update_run(THREAD, RUN, body),
        "submit_tool_outputs": lambda: parse.submit_tool_outputs(THREAD, RUN, body),
    }
    return calls[endpoint]()


def function(**fields: Any) -> dict[str, Any]:
    """An assistant body with one function tool."""
    return {"tools": [{"type": "function", "function": {"name": "f", **fields}}]}


def file_search(**options: Any) -> dict[str, Any]:
    """An assistant body with one file_search tool."""
    return {"tools": [{"type": "file_search", "file_search": options}]}


def ranking(**options: Any) -> dict[str, Any]:
    return file_search(ranking_options=options)


def user(content: Any = "x", **fields: Any) -> dict[str, Any]:
    """A message body written by the user."""
    return {"role": "user", "content": content, **fields}


def attach(*tools: dict[str, Any]) -> dict[str, Any]:
    return user(attachments=[{"file_id": FILE, "tools": list(tools)}])


def vector_store(**spec: Any) -> dict[str, Any]:
    """A thread body with the vector_stores helper."""
    return {"tool_resources": {"file_search": {"vector_stores": [spec]}}}


@pytest.mark.parametrize(
    ("endpoint", "body", "param", "expected", "got"),
    [
        ("create_assistant", {"model": 4}, "model", "a string", "an integer"),
        ("create_assistant", {"name": ["x"]}, "name", "a string", "an array"),
        ("create_assistant", {"temperature": "1"}, "temperature", "a decimal", "a string"),
        ("create_assistant", {"top_p": True}, "top_p", "a decimal", "a boolean"),
        ("create_assistant", {"tools": {}}, "tools", "an array", "an object"),
        ("create_assistant", {"tools": ["x"]}, "tools[0]", "an object", "a string"),
        ("create_assistant", {"metadata": []}, "metadata", "an object", "an array"),
        ("create_assistant", {"metadata": {"k": 1}}, "metadata.k", "a string", "an integer"),
        ("create_assistant", {"reasoning_effort": 2}, "reasoning_effort", "a string", "an integer"),
        ("update_assistant", {"description": False}, "description", "a string", "a boolean"),
        (
            "create_assistant",
            {"response_format": 1},
            "response_format",
            "one of a string or an object",
            "an integer",
        ),
        (
            "create_assistant",
            function(parameters="{}"),
            "tools[0].function.parameters",
            "an object",
            "a string",
        ),
        (
            "create_assistant",
            function(strict="yes"),
            "tools[0].function.strict",
            "a boolean",
            "a string",
        ),
        (
            "create_assistant",
            file_search(max_num_results=2.5),
            "tools[0].file_search.max_num_results",
            "an integer",
            "a decimal",
        ),
        (
            "create_assistant",
            {"tool_resources": {"code_interpreter": {"file_ids": FILE}}},
            "tool_resources.code_interpreter.file_ids",
            "an array",
            "a string",
        ),
        (
            "create_message",
            user({"type": "text"}),
            "content",
            "one of a string or an array of objects",
            "an object",
        ),
        (
            "create_message",
            user(5),
            "content",
            "one of a string or an array of objects",
            "an integer",
        ),
        (
            "create_message",
            user([{"type": "text", "text": {"value": "x"}}]),
            "content[0].text",
            "a string",
            "an object",
        ),
        (
            "create_thread",
            {"messages": [user([None])]},
            "messages[0].content[0]",
            "an object",
            "null",
        ),
        ("create_thread", {"messages": {}}, "messages", "an array", "an object"),
        ("create_run", {"stream": "true"}, "stream", "a boolean", "a string"),
        ("create_run", {"max_prompt_tokens": True}, "max_prompt_tokens", "an integer", "a boolean"),
        (
            "create_run",
            {"parallel_tool_calls": 1},
            "parallel_tool_calls",
            "a boolean",
            "an integer",
        ),
        (
            "create_run",
            {"tool_choice": ["auto"]},
            "tool_choice",
            "one of a string or an object",
            "an array",
        ),
        (
            "create_run",
            {"truncation_strategy": {"type": "last_messages", "last_messages": "4"}},
            "truncation_strategy.last_messages",
            "an integer",
            "a string",
        ),
        (
            "create_run",
            {"additional_messages": [7]},
            "additional_messages[0]",
            "an object",
            "an integer",
        ),
        ("create_thread_and_run", {"thread": []}, "thread", "an object", "an array"),
        ("create_thread_and_run", {"stream": 1}, "stream", "a boolean", "an integer"),
        (
            "submit_tool_outputs",
            {"tool_outputs": [{"tool_call_id": "c", "output": {}}]},
            "tool_outputs[0].output",
            "a string",
            "an object",
        ),
        ("update_run", {"metadata": "k=v"}, "metadata", "an object", "a string"),
    ],
)
def test_wrong_json_types_are_invalid_type(
    endpoint: str, body: dict[str, Any], param: str, expected: str, got: str
) -> None:
    error = rejected(lambda: send(endpoint, body))
    assert (error.param, error.code) == (param, "invalid_type")
    assert error.message == (
        f"Invalid type for '{param}': expected {expected}, but got {got} instead."
    )


@pytest.mark.parametrize("value", ["ten", "1.5", "", "0x10", "1e2"])
def test_a_query_limit_that_is_no_integer_is_invalid_type(value: str) -> None:
    error = rejected(lambda: parse.list_runs(THREAD, query(("limit", value))))
    assert (error.param, error.code) == ("limit", "invalid_type")
    assert error.message == (
        "Invalid type for 'limit': expected an integer, but got a string instead."
    )


def test_integers_beyond_int32_cannot_be_held() -> None:
    error = rejected(lambda: parse.create_run(THREAD, {"max_completion_tokens": 2**31}, query()))
    assert (error.param, error.code) == ("max_completion_tokens", "integer_above_max_value")
    error = rejected(lambda: parse.list_steps(THREAD, RUN, query(("limit", "99999999999"))))
    assert (error.param, error.code) == ("limit", "integer_above_max_value")


def test_query_limits_out_of_range_are_passed_on() -> None:
    """1..100 is the application's rule."""
    assert parse.list_assistants(query(("limit", "0"))).limit == 0
    assert parse.list_assistants(query(("limit", "101"))).limit == 101
    assert parse.list_assistants(query(("limit", "-3"))).limit == -3


def test_numbers_too_large_for_a_schema_are_refused() -> None:
    error = rejected(lambda: parse.create_assistant(function(parameters={"max": 10**400})))
    assert error.param == "tools[0].function.parameters"


@pytest.mark.parametrize(
    ("endpoint", "body", "param"),
    [
        ("create_assistant", {"model": "m", "modle": "x"}, "modle"),
        ("create_assistant", {"model": "m", "stream": True}, "stream"),
        ("create_assistant", {"file_ids": []}, "file_ids"),  # v1's field
        ("update_assistant", {"id": ASSISTANT}, "id"),
        ("create_thread", {"stream": False}, "stream"),
        ("create_thread", {"messages": [user(file_ids=[])]}, "messages[0].file_ids"),
        ("update_thread", {"messages": []}, "messages"),
        ("create_message", user(stream=True), "stream"),
        ("update_message", {"content": "x"}, "content"),
        ("update_run", {"status": "cancelled"}, "status"),
        ("update_run", {"stream": True}, "stream"),
        ("create_run", {"include": [FILE_SEARCH_CONTENT]}, "include"),  # a query parameter
        ("create_run", {"tool_resources": {}}, "tool_resources"),
        ("create_thread_and_run", {"reasoning_effort": "low"}, "reasoning_effort"),
        ("create_thread_and_run", {"additional_instructions": "x"}, "additional_instructions"),
        ("create_thread_and_run", {"additional_messages": []}, "additional_messages"),
        ("create_thread_and_run", {"thread": {"stream": True}}, "thread.stream"),
        ("submit_tool_outputs", {"tool_outputs": [{"call_id": "c"}]}, "tool_outputs[0].call_id"),
        ("create_assistant", function(arguments="{}"), "tools[0].function.arguments"),
        (
            "create_assistant",
            ranking(score_threshold=0, k=1),
            "tools[0].file_search.ranking_options.k",
        ),
        (
            "create_assistant",
            {"tool_resources": {"code_interpreter": {"vector_store_ids": []}}},
            "tool_resources.code_interpreter.vector_store_ids",
        ),
        (
            "create_assistant",
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "n", "schema_": {}},
                }
            },
            "response_format.json_schema.schema_",
        ),
        ("create_run", {"tool_choice": {"type": "function", "name": "f"}}, "tool_choice.name"),
        ("create_run", {"truncation_strategy": {"type": "auto", "n": 1}}, "truncation_strategy.n"),
        (
            "create_message",
            user([{"type": "image_url", "image_url": {"url": "u", "alt": "a"}}]),
            "content[0].image_url.alt",
        ),
        (
            "create_message",
            attach({"type": "file_search", "file_search": {}}),
            "attachments[0].tools[0].file_search",
        ),
        (
            "create_message",
            user([{"type": "text", "text": "x", "image_file": {"file_id": FILE}}]),
            "content[0].image_file",
        ),
        ("create_message", user([{"type": "image_url", "text": "x"}]), "content[0].text"),
        ("create_message", user([{"text": "x", "refusal": "no"}]), "content[0].refusal"),
    ],
)
def test_unknown_keys_are_unknown_parameter(
    endpoint: str, body: dict[str, Any], param: str
) -> None:
    error = rejected(lambda: send(endpoint, body))
    assert (error.param, error.code) == (param, "unknown_parameter")
    assert error.message == f"Unrecognized request argument supplied: {param}"


def test_query_parameters_not_listed_are_ignored() -> None:
    assert parse.list_assistants(query(("foo", "bar"))) == A.ListAssistantsRequest()


def test_a_repeated_query_parameter_counts_once() -> None:
    assert parse.list_runs(THREAD, query(("limit", "3"), ("limit", "9"))).limit == 3


# Same wording as the domain's invalid_value.
@pytest.mark.parametrize(
    ("endpoint", "body", "param", "value", "supported"),
    [
        (
            "create_message",
            {"role": "system", "content": "x"},
            "role",
            "system",
            "'user' and 'assistant'",
        ),
        (
            "create_assistant",
            {"reasoning_effort": "extreme"},
            "reasoning_effort",
            "extreme",
            "'none', 'minimal', 'low', 'medium', 'high', 'xhigh' and 'max'",
        ),
        (
            "create_assistant",
            {"tools": [{"type": "retrieval"}]},
            "tools[0].type",
            "retrieval",
            "'code_interpreter', 'file_search' and 'function'",
        ),
        (
            "create_assistant",
            ranking(ranker="best", score_threshold=0),
            "tools[0].file_search.ranking_options.ranker",
            "best",
            "'auto' and 'default_2024_08_21'",
        ),
        ("create_assistant", {"response_format": "json"}, "response_format", "json", "'auto'"),
        (
            "create_assistant",
            {"response_format": {"type": "auto"}},
            "response_format.type",
            "auto",
            "'text', 'json_object' and 'json_schema'",
        ),
        (
            "create_run",
            {"tool_choice": "any"},
            "tool_choice",
            "any",
            "'none', 'auto' and 'required'",
        ),
        (
            "create_run",
            {"tool_choice": {"type": "none"}},
            "tool_choice.type",
            "none",
            "'function', 'file_search' and 'code_interpreter'",
        ),
        (
            "create_run",
            {"truncation_strategy": {"type": "first_messages"}},
            "truncation_strategy.type",
            "first_messages",
            "'auto' and 'last_messages'",
        ),
        (
            "create_message",
            user([{"type": "refusal", "refusal": "no"}]),
            "content[0].type",
            "refusal",
            "'text', 'image_file' and 'image_url'",
        ),
        (
            "create_message",
            user([{"type": "image_file", "image_file": {"file_id": FILE, "detail": "max"}}]),
            "content[0].image_file.detail",
            "max",
            "'auto', 'low' and 'high'",
        ),
        (
            "create_message",
            attach({"type": "function"}),
            "attachments[0].tools[0].type",
            "function",
            "'code_interpreter' and 'file_search'",
        ),
        (
            "create_thread",
            vector_store(chunking_strategy={"type": "other"}),
            "tool_resources.file_search.vector_stores[0].chunking_strategy.type",
            "other",
            "'auto' and 'static'",
        ),
    ],
)
def test_unknown_enum_strings_are_invalid_value(
    endpoint: str, body: dict[str, Any], param: str, value: str, supported: str
) -> None:
    error = rejected(lambda: send(endpoint, body))
    assert (error.param, error.code) == (param, "invalid_value")
    assert error.message == (
        f"Invalid value for '{param}': '{value}'. Supported values are: {supported}."
    )


def test_an_unknown_order_is_invalid_value() -> None:
    error = rejected(lambda: parse.list_messages(THREAD, query(("order", "ASC"))))
    assert (error.param, error.code) == ("order", "invalid_value")
    assert (
        error.message == "Invalid value for 'order': 'ASC'. Supported values are: 'asc' and 'desc'."
    )


# Required values the proto could not tell from a zero value: an empty array, 0.
@pytest.mark.parametrize(
    ("endpoint", "body", "param"),
    [
        ("create_message", {"role": "user"}, "content"),
        ("create_message", user(None), "content"),
        ("create_thread", {"messages": [{"role": "user"}]}, "messages[0].content"),
        (
            "create_run",
            {"additional_messages": [{"role": "user"}]},
            "additional_messages[0].content",
        ),
        ("create_thread_and_run", {"thread": {"messages": [{}]}}, "thread.messages[0].content"),
        ("submit_tool_outputs", {}, "tool_outputs"),
        ("submit_tool_outputs", {"tool_outputs": None, "stream": True}, "tool_outputs"),
        (
            "create_assistant",
            ranking(ranker="auto"),
            "tools[0].file_search.ranking_options.score_threshold",
        ),
        (
            "create_thread",
            vector_store(
                chunking_strategy={"type": "static", "static": {"max_chunk_size_tokens": 800}}
            ),
            "tool_resources.file_search.vector_stores[0].chunking_strategy.static.chunk_overlap_tokens",
        ),
    ],
)
def test_required_values_that_would_read_as_zero_are_missing(
    endpoint: str, body: dict[str, Any], param: str
) -> None:
    error = rejected(lambda: send(endpoint, body))
    assert (error.param, error.code) == (param, "missing_required_parameter")
    assert error.message == f"Missing required parameter: '{param}'."


def test_other_required_values_are_left_to_the_application() -> None:
    """model, role, assistant_id, types, names: their zero values are invalid, and the
    application says so."""
    assert parse.create_assistant({}) == A.CreateAssistantRequest()
    assert parse.create_message(THREAD, {"content": "x"}).role == M.MESSAGE_ROLE_UNSPECIFIED
    assert parse.create_run(THREAD, {}, query())[0].assistant_id == ""
    tools = parse.create_assistant({"tools": [{}, {"type": "function", "function": {}}]}).tools
    assert tools[0].type == T.TOOL_TYPE_UNSPECIFIED
    assert tools[1].function.name == ""
    assert parse.create_message(THREAD, user([{}])).content[0] == M.MessageContentInput()


# ---------------------------------------------------------------------------------------------
# Bodies as the openai SDK sends them, captured from the real client.


class Recorder:
    """A server that records each request and answers 400, as a stand-in for this API."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, MultiDictProxy[str], dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        self.requests.append((request.method, request.path, request.query.copy(), body))  # type: ignore[arg-type]
        error = {
            "message": "recorded",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
        return web.json_response({"error": error}, status=400)


@pytest.fixture
async def sdk() -> AsyncIterator[tuple[openai.AsyncOpenAI, Recorder]]:
    recorder = Recorder()
    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = openai.AsyncOpenAI(
        api_key="sk-test", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
    )
    yield client, recorder
    await client.close()
    await runner.cleanup()


async def sent(
    sdk: tuple[openai.AsyncOpenAI, Recorder],
    call: Callable[[openai.AsyncOpenAI], Awaitable[object]],
) -> tuple[str, MultiDictProxy[str], dict[str, Any]]:
    """(path, query, body) of the request the SDK sent for call."""
    client, recorder = sdk
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(openai.BadRequestError):
            await call(client)
    _, path, query_string, body = recorder.requests[-1]
    return path, query_string, body


async def test_sdk_assistant_bodies(sdk: tuple[openai.AsyncOpenAI, Recorder]) -> None:
    path, _, body = await sent(
        sdk,
        lambda c: c.beta.assistants.create(
            model="gpt-4o",
            name="Weather bot",
            description="Answers weather questions.",
            instructions="Be brief.",
            reasoning_effort="low",
            tools=TOOLS_JSON,  # type: ignore[arg-type]
            tool_resources=RESOURCES_JSON,  # type: ignore[arg-type]
            metadata={"team": "a", "tier": "1"},
            temperature=0.5,
            top_p=0.9,
            response_format={"type": "json_object"},
        ),
    )
    assert path == "/v1/assistants"
    assert parse.create_assistant(body) == A.CreateAssistantRequest(**assistant_fields())

    _, _, body = await sent(
        sdk, lambda c: c.beta.assistants.update(ASSISTANT, name=None, metadata={"a": "b"})
    )
    request = parse.update_assistant(ASSISTANT, body)
    assert sorted(request.update_mask.paths) == ["metadata", "name"]
    assert dict(request.metadata) == {"a": "b"}

    _, query_string, _ = await sent(
        sdk, lambda c: c.beta.assistants.list(limit=5, order="asc", after=ASSISTANT)
    )
    assert parse.list_assistants(query_string) == A.ListAssistantsRequest(
        limit=5, order=common_pb2.LIST_ORDER_ASC, after=ASSISTANT
    )


async def test_sdk_thread_and_message_bodies(sdk: tuple[openai.AsyncOpenAI, Recorder]) -> None:
    _, _, body = await sent(sdk, lambda c: c.beta.threads.create())
    assert parse.create_thread(body) == thread_pb2.CreateThreadRequest()

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.create(
            messages=[MESSAGE_JSON, {"role": "assistant", "content": "Hello."}],  # type: ignore[list-item]
            tool_resources=HELPER_JSON,  # type: ignore[arg-type]
            metadata={"k": "v"},
        ),
    )
    thread = parse.create_thread(body)
    assert thread.messages[0] == MESSAGE_INPUT_PROTO
    assert thread.tool_resources == HELPER_PROTO

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.update(THREAD, tool_resources=RESOURCES_JSON, metadata={"a": "b"}),  # type: ignore[arg-type]
    )
    assert parse.update_thread(THREAD, body).tool_resources == RESOURCES_PROTO

    _, _, body = await sent(
        sdk, lambda c: c.beta.threads.messages.create(THREAD, role="user", content="Hi")
    )
    assert list(parse.create_message(THREAD, body).content) == [
        M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hi")
    ]

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.messages.create(
            THREAD,
            role="user",
            content=MESSAGE_JSON["content"],
            attachments=MESSAGE_JSON["attachments"],
            metadata={"source": "test"},
        ),
    )
    assert parse.create_message(THREAD, body) == M.CreateMessageRequest(
        thread_id=THREAD,
        role=M.MESSAGE_ROLE_USER,
        content=CONTENT_PROTO,
        attachments=ATTACHMENTS_PROTO,
        metadata={"source": "test"},
    )

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.messages.update(MESSAGE, thread_id=THREAD, metadata={"x": "y"}),
    )
    assert dict(parse.update_message(THREAD, MESSAGE, body).metadata) == {"x": "y"}

    _, query_string, _ = await sent(
        sdk, lambda c: c.beta.threads.messages.list(THREAD, run_id=RUN, order="desc", limit=10)
    )
    assert parse.list_messages(THREAD, query_string) == M.ListMessagesRequest(
        thread_id=THREAD, limit=10, order=common_pb2.LIST_ORDER_DESC, run_id=RUN
    )


async def test_sdk_run_bodies(sdk: tuple[openai.AsyncOpenAI, Recorder]) -> None:
    _, query_string, body = await sent(
        sdk,
        lambda c: c.beta.threads.runs.create(
            THREAD,
            include=[FILE_SEARCH_CONTENT],
            reasoning_effort="high",
            additional_instructions="And be kind.",
            additional_messages=[MESSAGE_JSON],  # type: ignore[list-item]
            **RUN_OPTIONS_JSON,
        ),
    )
    request, streamed = parse.create_run(THREAD, body, query_string)
    assert request == R.CreateRunRequest(
        thread_id=THREAD,
        reasoning_effort=T.REASONING_EFFORT_HIGH,
        additional_instructions="And be kind.",
        additional_messages=[MESSAGE_INPUT_PROTO],
        include=[FILE_SEARCH_CONTENT],
        **run_option_fields(),
    )
    assert not streamed

    _, query_string, body = await sent(
        sdk, lambda c: c.beta.threads.runs.create(THREAD, assistant_id=ASSISTANT, stream=True)
    )
    assert parse.create_run(THREAD, body, query_string) == (
        R.CreateRunRequest(thread_id=THREAD, assistant_id=ASSISTANT),
        True,
    )

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.create_and_run(
            thread={"messages": [{"role": "user", "content": "Hi"}], "metadata": {"t": "1"}},
            tool_resources=RESOURCES_JSON,  # type: ignore[arg-type]
            stream=True,
            **RUN_OPTIONS_JSON,
        ),
    )
    request_and_run, streamed = parse.create_thread_and_run(body)
    assert streamed
    assert request_and_run.thread.metadata == {"t": "1"}
    assert request_and_run.tool_resources == RESOURCES_PROTO
    assert request_and_run.tool_choice.function.name == "get_weather"

    _, _, body = await sent(
        sdk, lambda c: c.beta.threads.runs.update(RUN, thread_id=THREAD, metadata={"a": "b"})
    )
    assert dict(parse.update_run(THREAD, RUN, body).metadata) == {"a": "b"}

    _, query_string, _ = await sent(
        sdk, lambda c: c.beta.threads.runs.list(THREAD, limit=3, before=RUN)
    )
    assert parse.list_runs(THREAD, query_string) == R.ListRunsRequest(
        thread_id=THREAD, limit=3, before=RUN
    )

    _, _, body = await sent(
        sdk,
        lambda c: c.beta.threads.runs.submit_tool_outputs(
            RUN,
            thread_id=THREAD,
            tool_outputs=[{"tool_call_id": "call_a", "output": "70F"}],
            stream=True,
        ),
    )
    outputs, streamed = parse.submit_tool_outputs(THREAD, RUN, body)
    assert list(outputs.tool_outputs) == [run_pb2.ToolOutput(tool_call_id="call_a", output="70F")]
    assert streamed

    _, query_string, _ = await sent(
        sdk,
        lambda c: c.beta.threads.runs.steps.list(
            RUN, thread_id=THREAD, include=[FILE_SEARCH_CONTENT], limit=2, order="asc"
        ),
    )
    assert parse.list_steps(THREAD, RUN, query_string).include == [FILE_SEARCH_CONTENT]

    _, query_string, _ = await sent(
        sdk,
        lambda c: c.beta.threads.runs.steps.retrieve(
            STEP, thread_id=THREAD, run_id=RUN, include=[FILE_SEARCH_CONTENT]
        ),
    )
    assert parse.get_step(THREAD, RUN, STEP, query_string).include == [FILE_SEARCH_CONTENT]


# ---------------------------------------------------------------------------------------------
# The application accepts what these build, and judges it as it judges gRPC requests.


@pytest.fixture
async def ctx(app: Application) -> RequestContext:
    issued = await app.auth.issue_key(f"http-requests-{uuid.uuid4().hex[:12]}")
    return RequestContext(Principal(issued.project_id, issued.key_id), uuid.uuid4().hex)


async def upload(app: Application, ctx: RequestContext) -> str:
    """The id of a new file of ctx's project: code_interpreter file ids are looked up."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"1,2,3\n"

    header = file_pb2.FileUploadHeader(filename="data.csv", purpose="assistants")
    return (await app.files.upload(ctx, header, chunks())).id


def without_identity(message: Any) -> Any:
    copy = type(message)()
    copy.CopyFrom(message)
    copy.ClearField("id")
    copy.ClearField("created_at")
    return copy


async def test_app_creates_the_same_assistant_from_json_as_from_a_proto(
    app: Application, ctx: RequestContext
) -> None:
    file_id = await upload(app, ctx)
    body = {**ASSISTANT_JSON, "tool_resources": {"code_interpreter": {"file_ids": [file_id]}}}
    body["tools"] = TOOLS_JSON[2:]
    body["response_format"] = RESPONSE_FORMAT_JSON
    from_json = await app.assistants.create(ctx, parse.create_assistant(body))
    fields = {
        **assistant_fields(),
        "tools": TOOLS_PROTO[2:],
        "tool_resources": T.ToolResources(
            code_interpreter=T.CodeInterpreterResources(file_ids=[file_id])
        ),
        "response_format": RESPONSE_FORMAT_PROTO,
    }
    from_proto = await app.assistants.create(ctx, A.CreateAssistantRequest(**fields))
    assert without_identity(from_json) == without_identity(from_proto)
    assert from_json.name == "Weather bot"
    assert from_json.tools[0].function.parameters == struct(SCHEMA)


async def test_app_defaults_what_json_leaves_null(app: Application, ctx: RequestContext) -> None:
    body = {"model": "gpt-4o", **dict.fromkeys(ASSISTANT_NULLABLE)}
    assistant = await app.assistants.create(ctx, parse.create_assistant(body))
    assert assistant.temperature == 1.0
    assert assistant.top_p == 1.0
    assert assistant.response_format.type == T.RESPONSE_FORMAT_TYPE_AUTO
    assert not assistant.HasField("name")


async def test_app_update_resets_nulls_and_merges_metadata(
    app: Application, ctx: RequestContext
) -> None:
    # tool_resources may name only a store and files of the project: the parsed ones are
    # replaced.
    store = await app.vector_stores.create(
        ctx, vector_store_service_pb2.CreateVectorStoreRequest(name="resources")
    )
    request = parse.create_assistant(ASSISTANT_JSON)
    request.tool_resources.file_search.vector_store_ids[:] = [store.id]
    request.tool_resources.code_interpreter.file_ids[:] = [await upload(app, ctx)]
    created = await app.assistants.create(ctx, request)
    body = {"name": None, "temperature": None, "tools": [], "metadata": {"tier": "2", "new": "x"}}
    updated = await app.assistants.update(ctx, parse.update_assistant(created.id, body))
    assert not updated.HasField("name")
    assert not updated.HasField("temperature")
    assert not updated.tools
    assert dict(updated.metadata) == {"team": "a", "tier": "2", "new": "x"}
    assert updated.description == created.description
    same = await app.assistants.update(ctx, parse.update_assistant(created.id, {"metadata": {}}))
    assert dict(same.metadata) == dict(updated.metadata)
    cleared = await app.assistants.update(
        ctx, parse.update_assistant(created.id, {"metadata": None})
    )
    assert not cleared.metadata
    assert cleared.description == created.description


async def test_app_refuses_a_null_model_on_update(app: Application, ctx: RequestContext) -> None:
    created = await app.assistants.create(ctx, parse.create_assistant({"model": "gpt-4o"}))
    with pytest.raises(InvalidArgumentError) as caught:
        await app.assistants.update(ctx, parse.update_assistant(created.id, {"model": None}))
    assert (caught.value.param, caught.value.code) == ("model", "missing_required_parameter")


async def test_app_checks_what_is_left_to_it(app: Application, ctx: RequestContext) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "model", "missing_required_parameter"),
        (
            {"model": "m", "metadata": {str(i): "v" for i in range(17)}},
            "metadata",
            "object_above_max_properties",
        ),
        ({"model": "m", "temperature": 2.5}, "temperature", "decimal_above_max_value"),
        ({"model": "m", "tools": [{}]}, "tools[0].type", "missing_required_parameter"),
        (
            {"model": "m", "tools": [{"type": "function", "function": {"name": "bad name"}}]},
            "tools[0].function.name",
            "invalid_value",
        ),
        (
            {"model": "m", "tool_resources": {"code_interpreter": {"file_ids": ["x"]}}},
            "tool_resources.code_interpreter.file_ids[0]",
            None,
        ),  # type: ignore[list-item]
    ]
    for body, param, code in cases:
        with pytest.raises(InvalidArgumentError) as caught:
            await app.assistants.create(ctx, parse.create_assistant(body))
        assert (caught.value.param, caught.value.code) == (param, code), body
    with pytest.raises(InvalidArgumentError) as caught:
        await app.assistants.list(ctx, parse.list_assistants(query(("limit", "101"))))
    assert (caught.value.param, caught.value.code) == ("limit", "integer_above_max_value")


async def test_app_refuses_the_vector_stores_helper_on_update(
    app: Application, ctx: RequestContext
) -> None:
    created = await app.assistants.create(ctx, parse.create_assistant({"model": "gpt-4o"}))
    request = parse.update_assistant(created.id, {"tool_resources": HELPER_JSON})
    with pytest.raises(InvalidArgumentError) as caught:
        await app.assistants.update(ctx, request)
    assert caught.value.param == "tool_resources.file_search.vector_stores"


async def test_app_threads_messages_and_runs_from_json(
    app: Application, ctx: RequestContext
) -> None:
    assistant = await app.assistants.create(
        ctx, parse.create_assistant({"model": "gpt-4o", "tools": TOOLS_JSON[2:]})
    )
    thread = await app.threads.create(
        ctx,
        parse.create_thread(
            {"messages": [{"role": "user", "content": "Hi"}], "metadata": {"k": "v"}}
        ),
    )
    assert dict(thread.metadata) == {"k": "v"}
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    message = await app.messages.create(
        ctx,
        parse.create_message(
            thread.id,
            {
                "role": "user",
                "content": [{"type": "text", "text": "And this?"}, image],
                "metadata": None,
            },
        ),
    )
    assert [part.text.value for part in message.content[:1]] == ["And this?"]
    assert message.content[1].image_url.url == "https://example.com/a.png"

    body = {
        "assistant_id": assistant.id,
        "instructions": "Base.",
        "additional_instructions": "More.",
        "additional_messages": [{"role": "assistant", "content": "Noted."}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "truncation_strategy": {"type": "last_messages", "last_messages": 3},
        "max_prompt_tokens": 1000,
        "parallel_tool_calls": False,
        "temperature": 0.2,
        "metadata": {"r": "1"},
    }
    request, streamed = parse.create_run(thread.id, body, query(("include[]", FILE_SEARCH_CONTENT)))
    run = (await app.runs.create(ctx, request)).run
    assert not streamed
    assert run.instructions == "Base. More."
    assert run.tool_choice.function.name == "get_weather"
    assert run.truncation_strategy.last_messages == 3
    assert run.max_prompt_tokens == 1000
    assert run.parallel_tool_calls is False
    assert run.temperature == pytest.approx(0.2)
    assert dict(run.metadata) == {"r": "1"}

    page = await app.messages.list(ctx, parse.list_messages(thread.id, query(("order", "asc"))))
    assert [m.role for m in page.data] == [
        M.MESSAGE_ROLE_USER,
        M.MESSAGE_ROLE_USER,
        M.MESSAGE_ROLE_ASSISTANT,
    ]
    by_run = await app.messages.list(ctx, parse.list_messages(thread.id, query(("run_id", run.id))))
    assert not by_run.data
    runs = await app.runs.list(ctx, parse.list_runs(thread.id, query(("limit", "1"))))
    assert [r.id for r in runs.data] == [run.id]
    updated = await app.runs.update(
        ctx, parse.update_run(thread.id, run.id, {"metadata": {"s": "2"}})
    )
    assert dict(updated.metadata) == {"r": "1", "s": "2"}
    steps = await app.runs.list_steps(
        ctx, parse.list_steps(thread.id, run.id, query(("include", FILE_SEARCH_CONTENT)))
    )
    assert steps.object == "list"


async def test_app_create_thread_and_run_from_json(app: Application, ctx: RequestContext) -> None:
    assistant = await app.assistants.create(ctx, parse.create_assistant({"model": "gpt-4o"}))
    request, streamed = parse.create_thread_and_run(
        {
            "assistant_id": assistant.id,
            "thread": {"messages": [{"role": "user", "content": "Hi"}], "metadata": {"t": "1"}},
            "response_format": {"type": "json_object"},
            "tool_choice": "none",
            "stream": True,
        }
    )
    started = await app.runs.create_thread_and_run(ctx, request)
    assert streamed
    assert started.run.response_format.type == T.RESPONSE_FORMAT_TYPE_JSON_OBJECT
    assert started.run.tool_choice.type == T.TOOL_CHOICE_TYPE_NONE
    thread = await app.threads.get(ctx, started.run.thread_id)
    assert dict(thread.metadata) == {"t": "1"}


async def test_app_refuses_an_unknown_include(app: Application, ctx: RequestContext) -> None:
    assistant = await app.assistants.create(ctx, parse.create_assistant({"model": "gpt-4o"}))
    thread = await app.threads.create(ctx, parse.create_thread({}))
    request, _ = parse.create_run(
        thread.id, {"assistant_id": assistant.id}, query(("include[]", "step_details"))
    )
    with pytest.raises(InvalidArgumentError) as caught:
        await app.runs.create(ctx, request)
    assert (caught.value.param, caught.value.code) == ("include[0]", "invalid_value")
