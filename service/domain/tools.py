"""Checks of tool definitions, tool resources and response formats."""

from __future__ import annotations

from collections.abc import Sequence

from assistants.v1 import tools_pb2
from service.domain import ids, limits
from service.domain.validation import (
    check_function_name,
    check_id,
    check_integer_range,
    check_max_items,
    check_max_length,
    check_metadata,
    check_number_range,
    invalid_value,
    missing,
)
from service.errors import InvalidArgumentError

T = tools_pb2


def enum_name(enum_type: object, value: int, prefix: str) -> str:
    """The OpenAI string of an enum value: RUN_STATUS_QUEUED -> "queued"."""
    name: str = enum_type.Name(value)  # type: ignore[attr-defined]
    return name.removeprefix(prefix).lower()


def _check_enum(enum_type: object, value: int, param: str, prefix: str) -> None:
    values = enum_type.values()  # type: ignore[attr-defined]
    if value not in values or value == 0:
        if value == 0:
            raise missing(param)
        names = [enum_name(enum_type, v, prefix) for v in values if v]
        raise invalid_value(param, value, names)


def check_tools(tools: Sequence[tools_pb2.Tool], param: str = "tools") -> None:
    check_max_items(tools, param, limits.TOOLS_MAX)
    seen_functions: set[str] = set()
    for i, tool in enumerate(tools):
        at = f"{param}[{i}]"
        _check_enum(T.ToolType, tool.type, f"{at}.type", "TOOL_TYPE_")
        if tool.type != T.TOOL_TYPE_FUNCTION and tool.HasField("function"):
            raise InvalidArgumentError(
                f"{at}.function", f"Invalid '{at}.function': only function tools take a function."
            )
        if tool.type != T.TOOL_TYPE_FILE_SEARCH and tool.HasField("file_search"):
            raise InvalidArgumentError(
                f"{at}.file_search",
                f"Invalid '{at}.file_search': only file_search tools take file_search options.",
            )
        if tool.type == T.TOOL_TYPE_FUNCTION:
            if not tool.HasField("function"):
                raise missing(f"{at}.function")
            _check_function(tool.function, f"{at}.function")
            if tool.function.name in seen_functions:
                raise InvalidArgumentError(
                    f"{at}.function.name",
                    f"Invalid '{at}.function.name': duplicate function name "
                    f"'{tool.function.name}'.",
                )
            seen_functions.add(tool.function.name)
        if tool.type == T.TOOL_TYPE_FILE_SEARCH and tool.HasField("file_search"):
            _check_file_search(tool.file_search, f"{at}.file_search")


def _check_function(function: tools_pb2.FunctionDefinition, param: str) -> None:
    check_function_name(function.name, f"{param}.name")
    if function.HasField("description"):
        check_max_length(
            function.description, f"{param}.description", limits.FUNCTION_DESCRIPTION_MAX
        )


def _check_file_search(options: tools_pb2.FileSearchOptions, param: str) -> None:
    if options.HasField("max_num_results"):
        check_integer_range(
            options.max_num_results,
            f"{param}.max_num_results",
            limits.FILE_SEARCH_RESULTS_MIN,
            limits.FILE_SEARCH_RESULTS_MAX,
        )
    if options.HasField("ranking_options"):
        ranking = options.ranking_options
        at = f"{param}.ranking_options"
        if ranking.ranker:
            _check_enum(T.Ranker, ranking.ranker, f"{at}.ranker", "RANKER_")
        check_number_range(ranking.score_threshold, f"{at}.score_threshold", 0.0, 1.0)


def check_tool_resources(
    resources: tools_pb2.ToolResources, param: str = "tool_resources", *, on_create: bool
) -> None:
    files = resources.code_interpreter.file_ids
    check_max_items(files, f"{param}.code_interpreter.file_ids", limits.CODE_INTERPRETER_FILES_MAX)
    for i, file_id in enumerate(files):
        check_id(file_id, f"{param}.code_interpreter.file_ids[{i}]", ids.FILE)
    search = resources.file_search
    at = f"{param}.file_search"
    check_max_items(search.vector_store_ids, f"{at}.vector_store_ids", limits.VECTOR_STORES_MAX)
    for i, store_id in enumerate(search.vector_store_ids):
        check_id(store_id, f"{at}.vector_store_ids[{i}]", ids.VECTOR_STORE)
    if search.vector_stores:
        if not on_create:
            raise InvalidArgumentError(
                f"{at}.vector_stores",
                f"Invalid '{at}.vector_stores': the vector_stores helper is only accepted on "
                "create.",
                "unknown_parameter",
            )
        if search.vector_store_ids:
            raise InvalidArgumentError(
                f"{at}",
                f"Invalid '{at}': vector_store_ids and vector_stores are mutually exclusive.",
            )
        check_max_items(search.vector_stores, f"{at}.vector_stores", limits.VECTOR_STORES_MAX)
        spec = search.vector_stores[0]
        check_max_items(
            spec.file_ids, f"{at}.vector_stores[0].file_ids", limits.INLINE_STORE_FILES_MAX
        )
        for i, file_id in enumerate(spec.file_ids):
            check_id(file_id, f"{at}.vector_stores[0].file_ids[{i}]", ids.FILE)
        check_metadata(spec.metadata, f"{at}.vector_stores[0].metadata")


def with_store_placeholder(resources: tools_pb2.ToolResources) -> tools_pb2.ToolResources:
    """The resources with the vector_stores helper replaced by a made-up store id: what they
    will look like once the helper's store exists, for checking a request before it is made."""
    result = tools_pb2.ToolResources()
    result.CopyFrom(resources)
    if result.file_search.vector_stores:
        del result.file_search.vector_stores[:]
        result.file_search.vector_store_ids.append(ids.new_id(ids.VECTOR_STORE))
    return result


def check_response_format(
    response_format: tools_pb2.ResponseFormat,
    tools: Sequence[tools_pb2.Tool],
    param: str = "response_format",
) -> None:
    _check_enum(
        T.ResponseFormatType, response_format.type, f"{param}.type", "RESPONSE_FORMAT_TYPE_"
    )
    is_schema = response_format.type == T.RESPONSE_FORMAT_TYPE_JSON_SCHEMA
    if is_schema != response_format.HasField("json_schema"):
        if is_schema:
            raise missing(f"{param}.json_schema")
        raise InvalidArgumentError(
            f"{param}.json_schema",
            f"Invalid '{param}.json_schema': only json_schema formats take a json_schema.",
        )
    if is_schema:
        check_function_name(response_format.json_schema.name, f"{param}.json_schema.name")
        if any(tool.type != T.TOOL_TYPE_FUNCTION for tool in tools):
            raise InvalidArgumentError(
                "tools",
                "Invalid tools: all tools must be of type `function` when `response_format` is "
                "of type `json_schema`.",
                None,
            )


def check_reasoning_effort(value: int, param: str = "reasoning_effort") -> None:
    _check_enum(T.ReasoningEffort, value, param, "REASONING_EFFORT_")
