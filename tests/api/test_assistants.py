"""AssistantService through a real gRPC channel: create, get, list, update, delete.

Expected behaviour comes from the reference digest (/work/shared/reference/assistants-api.md):
§2 metadata and lists, §3.1 the Assistant object, §9 tools, §11 errors, §12 limits and §13
quirks, and from the comments in protos/assistants/v1/*.proto.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2

from assistants.v1 import assistant_pb2, common_pb2, tools_pb2
from tests.helpers import Client, error_info, field_violation, request_id

A = assistant_pb2
T = tools_pb2

MODEL = "gpt-4o"
ID_PATTERN = re.compile(r"asst_[A-Za-z0-9]{24}")
MISSING_ID = "asst_" + "A" * 24


# ---------------------------------------------------------------------------------------------
# Helpers


def file_id(i: int) -> str:
    """A well-formed file id that names no file: for checks of form and count, which come
    before the lookup."""
    return f"file-{i:024d}"


def file_ids(n: int) -> list[str]:
    return [file_id(i) for i in range(n)]


async def real_file_ids(client: Client, n: int) -> list[str]:
    """The ids of n new files of the client's project (one content, stored once)."""
    return [(await client.upload(b"1,2,3\n", f"data{i}.csv")).id for i in range(n)]


async def with_real_files(client: Client, fields: dict[str, Any]) -> dict[str, Any]:
    """The request fields with the code_interpreter file ids replaced by as many real files
    of the client's project: code_interpreter.file_ids are looked up."""
    resources = fields.get("tool_resources")
    if resources is None or not resources.code_interpreter.file_ids:
        return fields
    real = T.ToolResources()
    real.CopyFrom(resources)
    del real.code_interpreter.file_ids[:]
    real.code_interpreter.file_ids.extend(
        await real_file_ids(client, len(resources.code_interpreter.file_ids))
    )
    return {**fields, "tool_resources": real}


def store_id(i: int) -> str:
    """A well-formed vector store id that names no store: for checks of form and count."""
    return f"vs_{i:024d}"


def function_tool(name: str, **kwargs: Any) -> tools_pb2.Tool:
    return T.Tool(type=T.TOOL_TYPE_FUNCTION, function=T.FunctionDefinition(name=name, **kwargs))


def file_search_tool(**kwargs: Any) -> tools_pb2.Tool:
    if not kwargs:
        return T.Tool(type=T.TOOL_TYPE_FILE_SEARCH)
    return T.Tool(type=T.TOOL_TYPE_FILE_SEARCH, file_search=T.FileSearchOptions(**kwargs))


CODE_INTERPRETER = T.Tool(type=T.TOOL_TYPE_CODE_INTERPRETER)


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def json_schema_format(name: str = "answer", **kwargs: Any) -> tools_pb2.ResponseFormat:
    return T.ResponseFormat(
        type=T.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
        json_schema=T.JsonSchemaFormat(name=name, **kwargs),
    )


def pairs(n: int) -> dict[str, str]:
    return {f"k{i}": f"v{i}" for i in range(n)}


def create_request(**kwargs: Any) -> assistant_pb2.CreateAssistantRequest:
    kwargs.setdefault("model", MODEL)
    return A.CreateAssistantRequest(**kwargs)


async def create(client: Client, **kwargs: Any) -> assistant_pb2.Assistant:
    result: assistant_pb2.Assistant = await client.assistants.CreateAssistant(
        create_request(**kwargs)
    )
    return result


async def get(client: Client, assistant_id: str) -> assistant_pb2.Assistant:
    result: assistant_pb2.Assistant = await client.assistants.GetAssistant(
        A.GetAssistantRequest(assistant_id=assistant_id)
    )
    return result


async def update(client: Client, assistant_id: str, **kwargs: Any) -> assistant_pb2.Assistant:
    mask = kwargs.pop("mask", None)
    request = A.UpdateAssistantRequest(assistant_id=assistant_id, **kwargs)
    if mask is not None:
        request.update_mask.CopyFrom(field_mask_pb2.FieldMask(paths=mask))
    result: assistant_pb2.Assistant = await client.assistants.UpdateAssistant(request)
    return result


async def list_page(client: Client, **kwargs: Any) -> assistant_pb2.ListAssistantsResponse:
    result: assistant_pb2.ListAssistantsResponse = await client.assistants.ListAssistants(
        A.ListAssistantsRequest(**kwargs)
    )
    return result


async def all_assistants(client: Client) -> list[assistant_pb2.Assistant]:
    """Every assistant of the client's project, newest first (tests stay under 100)."""
    page = await list_page(client, limit=100)
    assert not page.has_more
    return list(page.data)


async def all_ids(client: Client) -> list[str]:
    return [a.id for a in await all_assistants(client)]


def ids_of(page: assistant_pb2.ListAssistantsResponse) -> list[str]:
    return [a.id for a in page.data]


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()
    return caught.value


async def invalid(
    call: Awaitable[Any], field: str, code: str | None = None
) -> grpc.aio.AioRpcError:
    """Asserts INVALID_ARGUMENT naming `field` (BadRequest and ErrorInfo param) and, when the
    reference gives one, the OpenAI error code in ErrorInfo metadata."""
    error = await rpc_error(call, grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violation(error)[0] == field, error.details()
    info = error_info(error)
    assert info.metadata.get("param") == field
    if code is not None:
        assert info.metadata.get("code") == code, error.details()
    return error


async def not_found(call: Awaitable[Any], assistant_id: str) -> None:
    error = await rpc_error(call, grpc.StatusCode.NOT_FOUND)
    assert error.details() == f"No assistant found with id '{assistant_id}'."


def assert_echoes(request: Any, assistant: assistant_pb2.Assistant) -> None:
    """Every field set on a create/update request is on the assistant, unchanged."""
    for field, value in request.ListFields():
        if field.name in ("assistant_id", "update_mask"):
            continue
        got = getattr(assistant, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            assert dict(got) == dict(value), field.name
        elif field.is_repeated:
            assert list(got) == list(value), field.name
        else:
            assert got == value, field.name


# ---------------------------------------------------------------------------------------------
# 1. Create


async def test_create_defaults(client: Client) -> None:
    before = int(time.time())
    created = await create(client)
    after = int(time.time())

    assert created.object == "assistant"
    assert ID_PATTERN.fullmatch(created.id), created.id
    assert before <= created.created_at <= after
    assert created.model == MODEL
    for nullable in ("name", "description", "instructions", "reasoning_effort"):
        assert not created.HasField(nullable), nullable
    assert created.HasField("temperature") and created.temperature == 1
    assert created.HasField("top_p") and created.top_p == 1
    assert created.HasField("response_format")
    assert created.response_format.type == T.RESPONSE_FORMAT_TYPE_AUTO
    assert not created.response_format.HasField("json_schema")
    assert created.HasField("tool_resources")
    assert created.tool_resources == T.ToolResources()
    assert dict(created.metadata) == {}
    assert list(created.tools) == []

    assert await get(client, created.id) == created


async def test_create_gives_distinct_ids(client: Client) -> None:
    first = await create(client)
    second = await create(client)
    assert first.id != second.id
    assert sorted(await all_ids(client)) == sorted([first.id, second.id])


@pytest.mark.parametrize("model", ["gpt-4", "gpt-3.5-turbo", "gpt-4-1106-preview"])
async def test_model_names_are_echoed_unchanged(client: Client, model: str) -> None:
    created = await create(client, model=model)
    assert created.model == model
    assert (await get(client, created.id)).model == model


async def test_create_round_trips_every_field(client: Client) -> None:
    parameters = struct(
        {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City, e.g. Paris"},
                "unit": {"type": "string", "enum": ["c", "f"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
            },
            "required": ["location"],
            "additionalProperties": False,
            "nullable": None,
        }
    )
    request = create_request(
        name="Weather bot",
        description="Answers questions about the weather.",
        instructions="You are a weather bot. Use the tools.",
        reasoning_effort=T.REASONING_EFFORT_HIGH,
        tools=[
            CODE_INTERPRETER,
            file_search_tool(
                max_num_results=7,
                ranking_options=T.RankingOptions(
                    ranker=T.RANKER_DEFAULT_2024_08_21, score_threshold=0.25
                ),
            ),
            function_tool(
                "get_weather",
                description="Current weather for a location.",
                parameters=parameters,
                strict=True,
            ),
            function_tool("no-params_2", strict=False),
        ],
        tool_resources=T.ToolResources(
            code_interpreter=T.CodeInterpreterResources(file_ids=await real_file_ids(client, 2)),
            file_search=T.FileSearchResources(vector_store_ids=[await client.new_store()]),
        ),
        metadata={"team": "weather", "empty": "", "unicode": "héllo wörld ✓"},
        temperature=0.7,
        top_p=0.9,
        response_format=T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_JSON_OBJECT),
    )
    created = await client.assistants.CreateAssistant(request)

    assert_echoes(request, created)
    # Presence survives: an explicit strict=false is not dropped.
    assert created.tools[3].function.HasField("strict")
    assert not created.tools[3].function.strict
    assert not created.tools[3].function.HasField("parameters")
    assert created.tools[2].function.parameters == parameters
    assert await get(client, created.id) == created


async def test_create_round_trips_json_schema_with_function_tools(client: Client) -> None:
    schema = struct(
        {
            "type": "object",
            "properties": {"answer": {"type": "string"}, "score": {"type": "number"}},
            "required": ["answer", "score"],
        }
    )
    request = create_request(
        tools=[function_tool("lookup"), function_tool("compute", parameters=struct({}))],
        response_format=json_schema_format(
            "final_answer", description="The answer.", schema=schema, strict=True
        ),
        reasoning_effort=T.REASONING_EFFORT_MINIMAL,
    )
    created = await client.assistants.CreateAssistant(request)

    assert_echoes(request, created)
    assert created.response_format.json_schema.schema == schema
    assert await get(client, created.id) == created


async def test_create_zero_temperature_and_top_p_are_kept(client: Client) -> None:
    created = await create(client, temperature=0, top_p=0)
    assert created.HasField("temperature") and created.temperature == 0
    assert created.HasField("top_p") and created.top_p == 0
    assert await get(client, created.id) == created


# ---------------------------------------------------------------------------------------------
# 2. Validation on create

# (id, accepted request fields, rejected request fields, field, OpenAI code or None)
LIMIT_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str | None]] = [
    ("name", {"name": "n" * 256}, {"name": "n" * 257}, "name", "string_above_max_length"),
    (
        "name-characters-not-bytes",
        {"name": "é" * 256},
        {"name": "é" * 257},
        "name",
        "string_above_max_length",
    ),
    (
        "description",
        {"description": "d" * 512},
        {"description": "d" * 513},
        "description",
        "string_above_max_length",
    ),
    (
        "instructions",
        {"instructions": "i" * 256_000},
        {"instructions": "i" * 256_001},
        "instructions",
        "string_above_max_length",
    ),
    (
        "metadata-pairs",
        {"metadata": pairs(16)},
        {"metadata": pairs(17)},
        "metadata",
        "object_above_max_properties",
    ),
    (
        "metadata-key",
        {"metadata": {"k" * 64: "v"}},
        {"metadata": {"k" * 65: "v"}},
        "metadata",
        "string_above_max_length",
    ),
    (
        "metadata-value",
        {"metadata": {"key": "v" * 512}},
        {"metadata": {"key": "v" * 513}},
        "metadata.key",
        "string_above_max_length",
    ),
    (
        "tools-count",
        {"tools": [function_tool(f"f{i}") for i in range(128)]},
        {"tools": [function_tool(f"f{i}") for i in range(129)]},
        "tools",
        "array_above_max_length",
    ),
    (
        "function-name-length",
        {"tools": [function_tool("f" * 64)]},
        {"tools": [function_tool("f" * 65)]},
        "tools[0].function.name",
        None,
    ),
    (
        "function-name-pattern",
        {"tools": [function_tool("get-weather_2")]},
        {"tools": [function_tool("get weather")]},
        "tools[0].function.name",
        None,
    ),
    (
        "max-num-results-min",
        {"tools": [file_search_tool(max_num_results=1)]},
        {"tools": [file_search_tool(max_num_results=0)]},
        "tools[0].file_search.max_num_results",
        "integer_below_min_value",
    ),
    (
        "max-num-results-max",
        {"tools": [file_search_tool(max_num_results=50)]},
        {"tools": [file_search_tool(max_num_results=51)]},
        "tools[0].file_search.max_num_results",
        "integer_above_max_value",
    ),
    (
        "score-threshold-min",
        {"tools": [file_search_tool(ranking_options=T.RankingOptions(score_threshold=0))]},
        {"tools": [file_search_tool(ranking_options=T.RankingOptions(score_threshold=-0.01))]},
        "tools[0].file_search.ranking_options.score_threshold",
        None,
    ),
    (
        "score-threshold-max",
        {"tools": [file_search_tool(ranking_options=T.RankingOptions(score_threshold=1))]},
        {"tools": [file_search_tool(ranking_options=T.RankingOptions(score_threshold=1.01))]},
        "tools[0].file_search.ranking_options.score_threshold",
        None,
    ),
    (
        "code-interpreter-files",
        {
            "tool_resources": T.ToolResources(
                code_interpreter=T.CodeInterpreterResources(file_ids=file_ids(20))
            )
        },
        {
            "tool_resources": T.ToolResources(
                code_interpreter=T.CodeInterpreterResources(file_ids=file_ids(21))
            )
        },
        "tool_resources.code_interpreter.file_ids",
        "array_above_max_length",
    ),
    (
        # One store is accepted (test_create_round_trips_every_field names a real one).
        "vector-store-ids",
        {"tool_resources": T.ToolResources(file_search=T.FileSearchResources())},
        {
            "tool_resources": T.ToolResources(
                file_search=T.FileSearchResources(vector_store_ids=[store_id(1), store_id(2)])
            )
        },
        "tool_resources.file_search.vector_store_ids",
        "array_above_max_length",
    ),
    ("temperature-min", {"temperature": 0}, {"temperature": -0.1}, "temperature", None),
    ("temperature-max", {"temperature": 2}, {"temperature": 2.01}, "temperature", None),
    ("top-p-min", {"top_p": 0}, {"top_p": -0.01}, "top_p", None),
    ("top-p-max", {"top_p": 1}, {"top_p": 1.01}, "top_p", None),
]


@pytest.mark.parametrize(
    ("accepted", "rejected", "field", "code"),
    [case[1:] for case in LIMIT_CASES],
    ids=[case[0] for case in LIMIT_CASES],
)
async def test_create_limit_edges(
    client: Client,
    accepted: dict[str, Any],
    rejected: dict[str, Any],
    field: str,
    code: str | None,
) -> None:
    # Accepted code_interpreter files must be real (21 ids are refused by count, before the
    # lookup).
    ok_request = create_request(**await with_real_files(client, accepted))
    ok = await client.assistants.CreateAssistant(ok_request)
    assert_echoes(ok_request, ok)
    assert await get(client, ok.id) == ok

    await invalid(client.assistants.CreateAssistant(create_request(**rejected)), field, code)
    assert await all_ids(client) == [ok.id]


# (id, request fields, field, OpenAI code or None)
REJECT_CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("model-missing", {"model": ""}, "model", "missing_required_parameter"),
    (
        "function-tool-without-function",
        {"tools": [CODE_INTERPRETER, T.Tool(type=T.TOOL_TYPE_FUNCTION)]},
        "tools[1].function",
        "missing_required_parameter",
    ),
    (
        "function-name-empty",
        {"tools": [function_tool("")]},
        "tools[0].function.name",
        "missing_required_parameter",
    ),
    (
        "function-name-dot",
        {"tools": [function_tool("get.weather")]},
        "tools[0].function.name",
        None,
    ),
    (
        "duplicate-function-names",
        {"tools": [function_tool("same"), CODE_INTERPRETER, function_tool("same")]},
        "tools[2].function.name",
        None,
    ),
    (
        "tool-type-unspecified",
        {"tools": [T.Tool()]},
        "tools[0].type",
        "missing_required_parameter",
    ),
    ("tool-type-unknown", {"tools": [T.Tool(type=99)]}, "tools[0].type", "invalid_value"),
    (
        "file-search-options-on-code-interpreter",
        {
            "tools": [
                T.Tool(
                    type=T.TOOL_TYPE_CODE_INTERPRETER,
                    file_search=T.FileSearchOptions(max_num_results=3),
                )
            ]
        },
        "tools[0].file_search",
        None,
    ),
    (
        "function-on-file-search-tool",
        {"tools": [T.Tool(type=T.TOOL_TYPE_FILE_SEARCH, function=T.FunctionDefinition(name="f"))]},
        "tools[0].function",
        None,
    ),
    (
        "file-id-wrong-prefix",
        {
            "tool_resources": T.ToolResources(
                code_interpreter=T.CodeInterpreterResources(file_ids=[file_id(1), "asst_abc"])
            )
        },
        "tool_resources.code_interpreter.file_ids[1]",
        None,
    ),
    (
        "file-id-underscore-prefix",
        {
            "tool_resources": T.ToolResources(
                code_interpreter=T.CodeInterpreterResources(file_ids=["file_abc"])
            )
        },
        "tool_resources.code_interpreter.file_ids[0]",
        None,
    ),
    (
        "vector-store-id-wrong-prefix",
        {
            "tool_resources": T.ToolResources(
                file_search=T.FileSearchResources(vector_store_ids=["file-abc"])
            )
        },
        "tool_resources.file_search.vector_store_ids[0]",
        None,
    ),
    ("temperature-nan", {"temperature": math.nan}, "temperature", None),
    (
        "json-schema-without-name",
        {"response_format": json_schema_format("")},
        "response_format.json_schema.name",
        "missing_required_parameter",
    ),
    (
        "json-schema-name-pattern",
        {"response_format": json_schema_format("my schema")},
        "response_format.json_schema.name",
        None,
    ),
    (
        "json-schema-type-without-schema",
        {"response_format": T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_JSON_SCHEMA)},
        "response_format.json_schema",
        "missing_required_parameter",
    ),
    (
        "text-format-with-json-schema",
        {
            "response_format": T.ResponseFormat(
                type=T.RESPONSE_FORMAT_TYPE_TEXT, json_schema=T.JsonSchemaFormat(name="x")
            )
        },
        "response_format.json_schema",
        None,
    ),
    (
        "response-format-type-unspecified",
        {"response_format": T.ResponseFormat()},
        "response_format.type",
        "missing_required_parameter",
    ),
    ("reasoning-effort-unknown", {"reasoning_effort": 99}, "reasoning_effort", "invalid_value"),
]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [case[1:] for case in REJECT_CASES],
    ids=[case[0] for case in REJECT_CASES],
)
async def test_create_rejects(
    client: Client, fields: dict[str, Any], field: str, code: str | None
) -> None:
    await invalid(client.assistants.CreateAssistant(create_request(**fields)), field, code)
    assert await all_ids(client) == []


async def test_create_without_model_field_at_all(client: Client) -> None:
    await invalid(
        client.assistants.CreateAssistant(A.CreateAssistantRequest(name="no model")),
        "model",
        "missing_required_parameter",
    )
    assert await all_ids(client) == []


async def test_too_many_metadata_pairs_message(client: Client) -> None:
    error = await invalid(
        client.assistants.CreateAssistant(create_request(metadata=pairs(17))),
        "metadata",
        "object_above_max_properties",
    )
    assert error.details() == (
        "Invalid 'metadata': too many properties. Expected an object with at most 16 "
        "properties, but got an object with 17 properties instead."
    )


@pytest.mark.parametrize(
    "tool",
    [CODE_INTERPRETER, file_search_tool()],
    ids=["code_interpreter", "file_search"],
)
async def test_json_schema_requires_function_tools_only(
    client: Client, tool: tools_pb2.Tool
) -> None:
    error = await rpc_error(
        client.assistants.CreateAssistant(
            create_request(tools=[function_tool("f"), tool], response_format=json_schema_format())
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.details().startswith(
        "Invalid tools: all tools must be of type `function` when `response_format` is of type "
        "`json_schema`"
    )
    assert await all_ids(client) == []


# ---------------------------------------------------------------------------------------------
# 3. Update


async def test_update_merges_metadata(client: Client) -> None:
    created = await create(client, metadata={"a": "1"})
    updated = await update(client, created.id, metadata={"b": "2"})
    assert dict(updated.metadata) == {"a": "1", "b": "2"}
    # A key given again is overwritten, the others stay.
    updated = await update(client, created.id, metadata={"a": "changed"})
    assert dict(updated.metadata) == {"a": "changed", "b": "2"}
    assert await get(client, created.id) == updated


async def test_update_leaves_fields_not_in_the_request(client: Client) -> None:
    created = await create(
        client,
        name="original",
        instructions="be brief",
        tools=[CODE_INTERPRETER, function_tool("f")],
        tool_resources=T.ToolResources(
            code_interpreter=T.CodeInterpreterResources(file_ids=await real_file_ids(client, 1))
        ),
        metadata={"a": "1"},
        temperature=0.5,
        top_p=0.5,
        reasoning_effort=T.REASONING_EFFORT_LOW,
        response_format=T.ResponseFormat(type=T.RESPONSE_FORMAT_TYPE_TEXT),
    )
    updated = await update(client, created.id, description="added")

    expected = A.Assistant()
    expected.CopyFrom(created)
    expected.description = "added"
    assert updated == expected
    assert await get(client, created.id) == expected


async def test_update_with_nothing_changes_nothing(client: Client) -> None:
    created = await create(client, name="n", metadata={"a": "1"})
    assert await update(client, created.id) == created
    assert await get(client, created.id) == created


async def test_update_sets_every_field(client: Client) -> None:
    created = await create(client, name="old", tools=[CODE_INTERPRETER, file_search_tool()])
    request = A.UpdateAssistantRequest(
        assistant_id=created.id,
        model="gpt-4-turbo",
        name="new",
        description="desc",
        instructions="inst",
        reasoning_effort=T.REASONING_EFFORT_XHIGH,
        tools=[function_tool("only_function")],
        tool_resources=T.ToolResources(
            file_search=T.FileSearchResources(vector_store_ids=[await client.new_store()])
        ),
        metadata={"x": "y"},
        temperature=0,
        top_p=0.1,
        response_format=json_schema_format("out"),
    )
    updated = await client.assistants.UpdateAssistant(request)

    assert_echoes(request, updated)
    # Tools are replaced, not merged.
    assert list(updated.tools) == [function_tool("only_function")]
    assert updated.HasField("temperature") and updated.temperature == 0
    assert (updated.id, updated.created_at, updated.object) == (
        created.id,
        created.created_at,
        "assistant",
    )
    assert await get(client, created.id) == updated
    assert await all_assistants(client) == [updated]


async def test_update_mask_clears_nullable_fields(client: Client) -> None:
    created = await create(
        client,
        name="to clear",
        description="d",
        instructions="i",
        temperature=0.3,
        reasoning_effort=T.REASONING_EFFORT_LOW,
    )
    updated = await update(client, created.id, mask=["name"])
    assert not updated.HasField("name")
    assert updated.description == "d" and updated.instructions == "i"

    updated = await update(
        client,
        created.id,
        mask=["description", "instructions", "temperature", "reasoning_effort"],
    )
    for nullable in ("name", "description", "instructions", "temperature", "reasoning_effort"):
        assert not updated.HasField(nullable), nullable
    assert updated.top_p == 1

    updated = await update(client, created.id, mask=["top_p", "response_format"])
    assert not updated.HasField("top_p")
    assert not updated.HasField("response_format")
    assert await get(client, created.id) == updated


async def test_update_mask_clears_tools_and_tool_resources(client: Client) -> None:
    created = await create(
        client,
        tools=[CODE_INTERPRETER, function_tool("f")],
        tool_resources=T.ToolResources(
            code_interpreter=T.CodeInterpreterResources(file_ids=await real_file_ids(client, 1))
        ),
        name="keep",
    )
    updated = await update(client, created.id, mask=["tools"])
    assert list(updated.tools) == []
    assert updated.tool_resources == created.tool_resources
    assert updated.name == "keep"

    updated = await update(client, created.id, mask=["tool_resources"])
    assert updated.tool_resources == T.ToolResources()
    assert await get(client, created.id) == updated


async def test_update_mask_metadata_merges_and_absent_resets(client: Client) -> None:
    created = await create(client, metadata={"a": "1"})
    merged = await update(client, created.id, metadata={"b": "2"}, mask=["metadata"])
    assert dict(merged.metadata) == {"a": "1", "b": "2"}
    cleared = await update(client, created.id, mask=["metadata"])
    assert dict(cleared.metadata) == {}
    assert await get(client, created.id) == cleared


async def test_concurrent_metadata_updates_all_land(client: Client) -> None:
    created = await create(client, metadata={"base": "0"})
    await asyncio.gather(*(update(client, created.id, metadata={f"k{i}": "v"}) for i in range(5)))
    final = await get(client, created.id)
    assert dict(final.metadata) == {"base": "0", **{f"k{i}": "v" for i in range(5)}}


async def test_update_mask_limits_the_update_to_its_paths(client: Client) -> None:
    created = await create(client, name="old", description="old")
    updated = await update(client, created.id, name="new", description="ignored", mask=["name"])
    assert updated.name == "new"
    assert updated.description == "old"


@pytest.mark.parametrize("path", ["nmae", "id", "created_at", "object", "metadata.a"])
async def test_update_mask_unknown_path_is_rejected(client: Client, path: str) -> None:
    created = await create(client, name="same")
    await invalid(update(client, created.id, name="changed", mask=[path]), "update_mask")
    assert await get(client, created.id) == created


async def test_update_mask_model_without_model_is_rejected(client: Client) -> None:
    created = await create(client)
    await invalid(update(client, created.id, mask=["model"]), "model", "missing_required_parameter")
    assert await get(client, created.id) == created


async def test_update_past_sixteen_metadata_pairs_is_rejected(client: Client) -> None:
    created = await create(client, metadata=pairs(16), name="kept")
    # Overwriting an existing key keeps 16 pairs: allowed.
    overwritten = await update(client, created.id, metadata={"k0": "new"})
    assert len(overwritten.metadata) == 16 and overwritten.metadata["k0"] == "new"

    await invalid(
        update(client, created.id, metadata={"k16": "v"}, name="changed"),
        "metadata",
        "object_above_max_properties",
    )
    assert await get(client, created.id) == overwritten
    assert await all_assistants(client) == [overwritten]


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"name": "n" * 257}, "name", "string_above_max_length"),
        ({"description": "d" * 513}, "description", "string_above_max_length"),
        ({"instructions": "i" * 256_001}, "instructions", "string_above_max_length"),
        ({"metadata": {"key": "v" * 513}}, "metadata.key", "string_above_max_length"),
        ({"metadata": {"k" * 65: "v"}}, "metadata", "string_above_max_length"),
        ({"temperature": 2.01}, "temperature", None),
        ({"top_p": 1.01}, "top_p", None),
        ({"tools": [function_tool(f"f{i}") for i in range(129)]}, "tools", None),
        ({"tools": [T.Tool()]}, "tools[0].type", "missing_required_parameter"),
        (
            {"tools": [function_tool("dup"), function_tool("dup")]},
            "tools[1].function.name",
            None,
        ),
        (
            {
                "tool_resources": T.ToolResources(
                    file_search=T.FileSearchResources(vector_store_ids=[store_id(1), store_id(2)])
                )
            },
            "tool_resources.file_search.vector_store_ids",
            "array_above_max_length",
        ),
        (
            {
                "tool_resources": T.ToolResources(
                    file_search=T.FileSearchResources(
                        vector_stores=[T.VectorStoreSpec(file_ids=[file_id(1)])]
                    )
                )
            },
            "tool_resources.file_search.vector_stores",
            None,
        ),
    ],
    ids=[
        "name",
        "description",
        "instructions",
        "metadata-value",
        "metadata-key",
        "temperature",
        "top_p",
        "tools-count",
        "tool-type",
        "duplicate-functions",
        "vector-store-ids",
        "vector-stores-helper",
    ],
)
async def test_update_rejects_invalid_values(
    client: Client, fields: dict[str, Any], field: str, code: str | None
) -> None:
    created = await create(client, name="kept", tools=[function_tool("f")])
    await invalid(update(client, created.id, **fields), field, code)
    assert await get(client, created.id) == created
    assert await all_assistants(client) == [created]


async def test_update_checks_json_schema_against_existing_tools(client: Client) -> None:
    created = await create(client, tools=[CODE_INTERPRETER])
    await rpc_error(
        update(client, created.id, response_format=json_schema_format()),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert await get(client, created.id) == created

    with_schema = await create(
        client, tools=[function_tool("f")], response_format=json_schema_format()
    )
    await rpc_error(
        update(client, with_schema.id, tools=[CODE_INTERPRETER]),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert await get(client, with_schema.id) == with_schema


async def test_update_missing_assistant_is_not_found(client: Client) -> None:
    await not_found(update(client, MISSING_ID, name="x"), MISSING_ID)
    assert await all_ids(client) == []


async def test_update_deleted_assistant_is_not_found(client: Client) -> None:
    created = await create(client)
    await client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=created.id))
    await not_found(update(client, created.id, name="x"), created.id)
    assert await all_ids(client) == []


@pytest.mark.parametrize("bad_id", ["thread_x", "vs_abc", "file-abc", "xasst_abc", "ASST_abc"])
async def test_bad_assistant_id_is_invalid_argument(client: Client, bad_id: str) -> None:
    await invalid(update(client, bad_id, name="x"), "assistant_id")
    await invalid(get(client, bad_id), "assistant_id")
    await invalid(
        client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=bad_id)),
        "assistant_id",
    )


async def test_bad_prefix_message_names_the_expected_prefix(client: Client) -> None:
    error = await invalid(get(client, "thread_x"), "assistant_id")
    assert error.details() == (
        "Invalid 'assistant_id': 'thread_x'. Expected an ID that begins with 'asst'."
    )


async def test_empty_assistant_id_is_missing(client: Client) -> None:
    await invalid(get(client, ""), "assistant_id", "missing_required_parameter")


# ---------------------------------------------------------------------------------------------
# 4. Delete


async def test_delete(client: Client) -> None:
    kept = await create(client, name="kept")
    doomed = await create(client, name="doomed")
    deleted = await client.assistants.DeleteAssistant(
        A.DeleteAssistantRequest(assistant_id=doomed.id)
    )
    assert deleted == common_pb2.DeletedObject(
        id=doomed.id, object="assistant.deleted", deleted=True
    )

    await not_found(get(client, doomed.id), doomed.id)
    await not_found(update(client, doomed.id, name="x"), doomed.id)
    await not_found(
        client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=doomed.id)),
        doomed.id,
    )
    assert await all_assistants(client) == [kept]
    assert await get(client, kept.id) == kept


async def test_delete_missing_assistant_is_not_found(client: Client) -> None:
    await not_found(
        client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=MISSING_ID)),
        MISSING_ID,
    )
    await not_found(get(client, MISSING_ID), MISSING_ID)


# ---------------------------------------------------------------------------------------------
# 5. List and pagination


async def create_sequence(client: Client, n: int) -> list[str]:
    """n assistants created one after another; their ids in creation order."""
    return [(await create(client, name=f"a{i}")).id for i in range(n)]


def check_page(page: assistant_pb2.ListAssistantsResponse) -> None:
    assert page.object == "list"
    if page.data:
        assert page.first_id == page.data[0].id
        assert page.last_id == page.data[-1].id
    else:
        assert not page.HasField("first_id")
        assert not page.HasField("last_id")


async def test_list_empty(client: Client) -> None:
    page = await list_page(client)
    check_page(page)
    assert list(page.data) == []
    assert not page.HasField("first_id") and not page.HasField("last_id")
    assert not page.has_more


async def test_list_order(client: Client) -> None:
    created = await create_sequence(client, 7)
    newest_first = list(reversed(created))

    default = await list_page(client)
    check_page(default)
    assert ids_of(default) == newest_first
    assert not default.has_more

    desc = await list_page(client, order=common_pb2.LIST_ORDER_DESC)
    assert ids_of(desc) == newest_first

    asc = await list_page(client, order=common_pb2.LIST_ORDER_ASC)
    check_page(asc)
    assert ids_of(asc) == created
    assert not asc.has_more

    # The listed objects are the stored assistants, not stubs.
    for listed in asc.data:
        assert listed == await get(client, listed.id)


async def test_list_limits_and_has_more(client: Client) -> None:
    created = await create_sequence(client, 7)
    newest_first = list(reversed(created))
    for limit in range(1, 9):
        page = await list_page(client, limit=limit)
        check_page(page)
        assert ids_of(page) == newest_first[:limit], limit
        # Exact at the boundary: limit == count has nothing more.
        assert page.has_more == (limit < 7), limit
    page = await list_page(client, limit=100)
    assert ids_of(page) == newest_first and not page.has_more


@pytest.mark.parametrize(
    ("limit", "code"),
    [
        (0, "integer_below_min_value"),
        (-1, "integer_below_min_value"),
        (101, "integer_above_max_value"),
        (2**31 - 1, "integer_above_max_value"),
    ],
)
async def test_list_limit_out_of_range(client: Client, limit: int, code: str) -> None:
    await invalid(list_page(client, limit=limit), "limit", code)


async def test_list_limit_above_maximum_message(client: Client) -> None:
    error = await invalid(list_page(client, limit=101), "limit", "integer_above_max_value")
    assert error.details() == (
        "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 "
        "instead."
    )


async def test_list_default_limit_is_20(client: Client) -> None:
    created = await asyncio.gather(*(create(client, name=f"a{i}") for i in range(21)))
    all_created = {a.id for a in created}

    first = await list_page(client)
    check_page(first)
    assert len(first.data) == 20
    assert first.has_more
    second = await list_page(client, after=first.last_id)
    check_page(second)
    assert len(second.data) == 1
    assert not second.has_more
    seen = ids_of(first) + ids_of(second)
    assert len(seen) == len(set(seen)) == 21
    assert set(seen) == all_created


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 20])
@pytest.mark.parametrize(
    "order", [common_pb2.LIST_ORDER_DESC, common_pb2.LIST_ORDER_ASC], ids=["desc", "asc"]
)
async def test_list_walk_with_after_visits_each_once(
    client: Client, order: int, limit: int
) -> None:
    created = await create_sequence(client, 7)
    expected = created if order == common_pb2.LIST_ORDER_ASC else list(reversed(created))

    seen: list[str] = []
    after = ""
    for _ in range(20):
        page = await list_page(client, limit=limit, order=order, after=after)
        check_page(page)
        assert 0 < len(page.data) <= limit
        seen += ids_of(page)
        if not page.has_more:
            break
        assert len(page.data) == limit
        after = page.last_id
    else:
        pytest.fail("has_more never became false")
    assert seen == expected


async def test_list_after_the_last_item_is_empty(client: Client) -> None:
    created = await create_sequence(client, 3)
    page = await list_page(client, after=created[0])
    check_page(page)
    assert list(page.data) == [] and not page.has_more
    page = await list_page(client, order=common_pb2.LIST_ORDER_ASC, after=created[-1])
    check_page(page)
    assert list(page.data) == [] and not page.has_more


async def test_list_before_gives_the_previous_page(client: Client) -> None:
    created = await create_sequence(client, 7)
    newest_first = list(reversed(created))

    # desc, pages of 3: [6 5 4] [3 2 1] [0].
    first = await list_page(client, limit=3)
    second = await list_page(client, limit=3, after=first.last_id)
    assert ids_of(second) == newest_first[3:6]
    back = await list_page(client, limit=3, before=second.first_id)
    check_page(back)
    assert ids_of(back) == ids_of(first)

    # A short previous page holds the items nearest the cursor, still in list order.
    back = await list_page(client, limit=2, before=newest_first[3])
    assert ids_of(back) == newest_first[1:3]

    # asc, the same walk backwards.
    asc_second = await list_page(client, limit=3, order=common_pb2.LIST_ORDER_ASC, after=created[2])
    assert ids_of(asc_second) == created[3:6]
    asc_back = await list_page(
        client, limit=3, order=common_pb2.LIST_ORDER_ASC, before=asc_second.first_id
    )
    check_page(asc_back)
    assert ids_of(asc_back) == created[0:3]

    # Nothing comes before the first item of the list.
    nothing = await list_page(client, limit=3, before=newest_first[0])
    check_page(nothing)
    assert list(nothing.data) == []
    nothing = await list_page(client, limit=3, order=common_pb2.LIST_ORDER_ASC, before=created[0])
    assert list(nothing.data) == []


async def test_list_after_and_before_together(client: Client) -> None:
    created = await create_sequence(client, 7)
    newest_first = list(reversed(created))
    page = await list_page(client, limit=10, after=newest_first[0], before=newest_first[4])
    check_page(page)
    assert ids_of(page) == newest_first[1:4]


async def test_list_walks_past_a_deleted_cursor(client: Client) -> None:
    created = await create_sequence(client, 5)
    newest_first = list(reversed(created))
    first = await list_page(client, limit=2)
    await client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=first.last_id))
    rest = await list_page(client, limit=10, after=first.last_id)
    assert ids_of(rest) == newest_first[2:]


@pytest.mark.parametrize("cursor", ["after", "before"])
async def test_list_cursor_must_be_an_assistant_id(client: Client, cursor: str) -> None:
    await invalid(list_page(client, **{cursor: "thread_abc"}), cursor)


async def test_list_unknown_order_is_rejected(client: Client) -> None:
    await invalid(list_page(client, order=7), "order", "invalid_value")


# ---------------------------------------------------------------------------------------------
# 6. Idempotency


async def test_create_with_same_request_id_returns_the_same_assistant(client: Client) -> None:
    request_id_pairs = request_id()
    request = create_request(name="once", metadata={"a": "1"})
    first = await client.assistants.CreateAssistant(request, metadata=request_id_pairs)
    second = await client.assistants.CreateAssistant(request, metadata=request_id_pairs)
    assert second == first
    assert await all_assistants(client) == [first]

    # Another request id is another assistant.
    third = await client.assistants.CreateAssistant(request, metadata=request_id())
    assert third.id != first.id
    assert sorted(await all_ids(client)) == sorted([first.id, third.id])


async def test_concurrent_creates_with_same_request_id_make_one(client: Client) -> None:
    request_id_pairs = request_id()
    request = create_request(name="race")
    results = await asyncio.gather(
        *(client.assistants.CreateAssistant(request, metadata=request_id_pairs) for _ in range(5))
    )
    assert all(r == results[0] for r in results)
    assert await all_ids(client) == [results[0].id]


async def test_update_with_same_request_id_returns_the_first_result(client: Client) -> None:
    created = await create(client, name="v0")
    request_id_pairs = request_id()
    first = await client.assistants.UpdateAssistant(
        A.UpdateAssistantRequest(assistant_id=created.id, name="v1"), metadata=request_id_pairs
    )
    # A later change by another request...
    await update(client, created.id, name="v2")
    # ...does not change what the retry of the first update answers, and it is not reapplied.
    retried = await client.assistants.UpdateAssistant(
        A.UpdateAssistantRequest(assistant_id=created.id, name="v1"), metadata=request_id_pairs
    )
    assert retried == first
    assert (await get(client, created.id)).name == "v2"


async def test_delete_retry_with_same_request_id_succeeds(client: Client) -> None:
    created = await create(client)
    request_id_pairs = request_id()
    request = A.DeleteAssistantRequest(assistant_id=created.id)
    first = await client.assistants.DeleteAssistant(request, metadata=request_id_pairs)
    retried = await client.assistants.DeleteAssistant(request, metadata=request_id_pairs)
    assert retried == first
    await not_found(get(client, created.id), created.id)


# ---------------------------------------------------------------------------------------------
# 7. Tenancy


async def test_other_project_cannot_see_or_touch_the_assistant(
    client: Client, other_client: Client
) -> None:
    created = await create(client, name="private", metadata={"a": "1"})

    await not_found(get(other_client, created.id), created.id)
    await not_found(update(other_client, created.id, name="stolen"), created.id)
    await not_found(
        update(other_client, created.id, mask=["name"], metadata={"b": "2"}), created.id
    )
    await not_found(
        other_client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=created.id)),
        created.id,
    )
    page = await list_page(other_client)
    assert list(page.data) == [] and not page.has_more

    # Nothing changed for the owner.
    assert await get(client, created.id) == created
    assert await all_assistants(client) == [created]


async def test_other_project_lists_only_its_own(client: Client, other_client: Client) -> None:
    mine = await create_sequence(client, 3)
    theirs = await create_sequence(other_client, 2)
    assert await all_ids(client) == list(reversed(mine))
    assert await all_ids(other_client) == list(reversed(theirs))
    # A cursor from another project leaks nothing either.
    page = await list_page(other_client, after=mine[-1], order=common_pb2.LIST_ORDER_ASC)
    assert set(ids_of(page)) <= set(theirs)


async def test_same_request_id_in_another_project_is_independent(
    client: Client, other_client: Client
) -> None:
    request_id_pairs = request_id()
    mine = await client.assistants.CreateAssistant(
        create_request(name="mine"), metadata=request_id_pairs
    )
    theirs = await other_client.assistants.CreateAssistant(
        create_request(name="theirs"), metadata=request_id_pairs
    )
    assert theirs.id != mine.id
    assert theirs.name == "theirs"
    assert await all_assistants(other_client) == [theirs]
    assert await all_assistants(client) == [mine]
