"""Reading JSON into request protos: the JSON types, and the shapes several endpoints share
(tools, tool resources, response formats, tool choices, message inputs).

Only what a proto cannot hold is refused here: a wrong JSON type, an unknown key, an enum
string with no value, or a required value that would read as its zero value. Every other rule
(lengths, ranges, required ids, enum zero values, ...) is the application's, so that gRPC and
HTTP give one answer. A JSON null reads as absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol, TypeAlias, TypeVar

from google.protobuf import struct_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    message_pb2,
    run_service_pb2,
    tools_pb2,
    vector_store_service_pb2,
)
from service.domain.tools import enum_name
from service.domain.validation import check_integer_range, invalid_value, missing
from service.errors import InvalidArgumentError

T = tools_pb2
M = message_pb2

# Reads one non-null JSON value, found at a param path, into what its proto field takes: a
# scalar, a message, a list (repeated field) or a dict (map field).
Reader: TypeAlias = Callable[[object, str], Any]
P = TypeVar("P", bound=Message)

_INT32 = (-(2**31), 2**31 - 1)
_QUERY_INT = re.compile(r"[+-]?[0-9]+")
_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),  # before int: a bool is an int in Python
    (int, "an integer"),
    (float, "a decimal"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


class Query(Protocol):
    """Query parameters, each possibly repeated. aiohttp's `request.query` (a multidict
    MultiDictProxy[str]) is one."""

    def getall(self, key: str, default: list[str], /) -> list[str]: ...


Body: TypeAlias = Mapping[str, object]
# The list requests that take limit, order, after and before.
Paged: TypeAlias = (
    assistant_pb2.ListAssistantsRequest
    | message_pb2.ListMessagesRequest
    | run_service_pb2.ListRunsRequest
    | run_service_pb2.ListRunStepsRequest
    | vector_store_service_pb2.ListVectorStoresRequest
    | vector_store_service_pb2.ListVectorStoreFilesRequest
)


# Errors.


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in _KINDS if isinstance(value, kind)), "a value")


def invalid_type(param: str, expected: str, value: object) -> InvalidArgumentError:
    return InvalidArgumentError(
        param,
        f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} instead.",
        "invalid_type",
    )


def unknown(param: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        param, f"Unrecognized request argument supplied: {param}", "unknown_parameter"
    )


def child(param: str, key: str) -> str:
    return f"{param}.{key}" if param else key


# Scalars and containers.


def string(value: object, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_type(param, "a string", value)
    return value


def boolean(value: object, param: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_type(param, "a boolean", value)
    return value


def number(value: object, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(param, "a decimal", value)
    try:
        return float(value)
    except OverflowError:  # an integer literal past a double's range
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': number too large. Expected a value a double can hold.",
            "decimal_above_max_value",
        ) from None


def integer(value: object, param: str) -> int:
    """An int32 field: a larger integer cannot be held, whatever the application's range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type(param, "an integer", value)
    check_integer_range(value, param, *_INT32)
    return value


def query_integer(value: str, param: str) -> int:
    if not _QUERY_INT.fullmatch(value):
        raise invalid_type(param, "an integer", value)
    return integer(int(value), param)


def obj(value: object, param: str, keys: Collection[str]) -> dict[str, object]:
    """A JSON object whose keys are all in `keys`."""
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    for key in value:
        if key not in keys:
            raise unknown(child(param, key))
    return value


def array(value: object, param: str) -> list[object]:
    if not isinstance(value, list):
        raise invalid_type(param, "an array", value)
    return value


def array_of(read: Reader) -> Reader:
    def read_all(value: object, param: str) -> list[Any]:
        return [read(item, f"{param}[{i}]") for i, item in enumerate(array(value, param))]

    return read_all


strings = array_of(string)


def metadata(value: object, param: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    return {key: string(item, child(param, key)) for key, item in value.items()}


def struct(value: object, param: str) -> struct_pb2.Struct:
    """An arbitrary JSON object, such as a JSON Schema."""
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    result = struct_pb2.Struct()
    try:
        result.update(value)
    except OverflowError:
        raise InvalidArgumentError(
            param, f"Invalid '{param}': a number is too large to represent."
        ) from None
    return result


def enum(wrapper: EnumTypeWrapper, prefix: str, only: str = "") -> Reader:
    """The value of an enum whose names end in the OpenAI strings ("MESSAGE_ROLE_USER" is
    "user"). `only` lists the strings a request may use, when not all."""
    values = [v for v in wrapper.values() if v]
    by_name = {enum_name(wrapper, v, prefix): v for v in values}
    if only:
        by_name = {name: by_name[name] for name in only.split()}

    def read(value: object, param: str) -> int:
        name = string(value, param)
        if name not in by_name:
            raise invalid_value(param, name, by_name)
        return by_name[name]

    return read


# Bodies.


def require(body: Body, key: str) -> None:
    """A required value that the proto could not tell from an empty one."""
    if body.get(key) is None:
        raise missing(key)


def mask(request: Message, body: Body) -> None:
    """Lists the fields an update sets: those in the body, null ones to be reset. Metadata is
    merged into the current metadata, so `{}` changes nothing, while null clears it."""
    paths = [key for key, value in body.items() if not (key == "metadata" and value == {})]
    if paths:
        getattr(request, "update_mask").paths.extend(paths)  # noqa: B009 - every update has one


# Query strings: unknown parameters are ignored; a repeated one counts once, the first.

ORDER = enum(common_pb2.ListOrder, "LIST_ORDER_")


def first(query: Query, key: str) -> str | None:
    values = query.getall(key, [])
    return values[0] if values else None


def page(request: Paged, query: Query) -> None:
    """limit, order, after and before: their ranges and ids are the application's to check."""
    if (limit := first(query, "limit")) is not None:
        request.limit = query_integer(limit, "limit")
    if (order := first(query, "order")) is not None:
        request.order = ORDER(order, "order")
    request.after = first(query, "after") or ""
    request.before = first(query, "before") or ""


# Objects to messages.


def fill(
    target: Message, fields: Mapping[str, object], readers: Mapping[str, Reader], at: str
) -> None:
    """Sets target's field of each key's name from its non-null value."""
    for key, value in fields.items():
        if value is None:
            continue
        parsed = readers[key](value, child(at, key))
        if isinstance(parsed, Message):
            getattr(target, key).CopyFrom(parsed)
        elif isinstance(parsed, list):
            getattr(target, key).extend(parsed)
        elif isinstance(parsed, dict):
            getattr(target, key).update(parsed)
        else:
            setattr(target, key, parsed)


def shaped(
    kind: type[P], readers: Mapping[str, Reader], required: Collection[str] = ()
) -> Callable[[object, str], P]:
    """A reader of a JSON object into a `kind` message with a field per key. `required` keys
    are those whose absence the message could not tell from a zero value."""

    def read(value: object, param: str) -> P:
        fields = obj(value, param, readers)
        for key in required:
            if fields.get(key) is None:
                raise missing(child(param, key))
        result = kind()
        result.SetInParent()
        fill(result, fields, readers, param)
        return result

    return read


def either(text: Reader, structured: Reader, expected: str) -> Reader:
    """A value that is a string or an object."""

    def read(value: object, param: str) -> Any:
        if isinstance(value, str):
            return text(value, param)
        if isinstance(value, dict):
            return structured(value, param)
        raise invalid_type(param, expected, value)

    return read


# Tools, tool resources, response formats, tool choices, truncation.

_FUNCTION = shaped(
    T.FunctionDefinition,
    {"name": string, "description": string, "parameters": struct, "strict": boolean},
)
_RANKING = shaped(
    T.RankingOptions,
    {"ranker": enum(T.Ranker, "RANKER_"), "score_threshold": number},
    required=("score_threshold",),
)
_FILE_SEARCH = shaped(
    T.FileSearchOptions, {"max_num_results": integer, "ranking_options": _RANKING}
)
TOOLS = array_of(
    shaped(
        T.Tool,
        {
            "type": enum(T.ToolType, "TOOL_TYPE_"),
            "function": _FUNCTION,
            "file_search": _FILE_SEARCH,
        },
    )
)

_STATIC = ("max_chunk_size_tokens", "chunk_overlap_tokens")
CHUNKING = shaped(
    T.ChunkingStrategy,
    {
        "type": enum(T.ChunkingStrategyType, "CHUNKING_STRATEGY_TYPE_", "auto static"),
        "static": shaped(T.StaticChunking, dict.fromkeys(_STATIC, integer), required=_STATIC),
    },
)
_VECTOR_STORE = shaped(
    T.VectorStoreSpec, {"file_ids": strings, "chunking_strategy": CHUNKING, "metadata": metadata}
)
# The vector_stores helper is read everywhere; the application refuses it where the
# reference does.
TOOL_RESOURCES = shaped(
    T.ToolResources,
    {
        "code_interpreter": shaped(T.CodeInterpreterResources, {"file_ids": strings}),
        "file_search": shaped(
            T.FileSearchResources,
            {"vector_store_ids": strings, "vector_stores": array_of(_VECTOR_STORE)},
        ),
    },
)

_FORMAT = "RESPONSE_FORMAT_TYPE_"
_FORMAT_AUTO = enum(T.ResponseFormatType, _FORMAT, "auto")
_JSON_SCHEMA = shaped(
    T.JsonSchemaFormat,
    {"name": string, "description": string, "schema": struct, "strict": boolean},
)
# "auto", or {type: text | json_object | json_schema, json_schema?}.
RESPONSE_FORMAT = either(
    lambda value, param: T.ResponseFormat(type=_FORMAT_AUTO(value, param)),
    shaped(
        T.ResponseFormat,
        {
            "type": enum(T.ResponseFormatType, _FORMAT, "text json_object json_schema"),
            "json_schema": _JSON_SCHEMA,
        },
    ),
    "one of a string or an object",
)

_CHOICE = "TOOL_CHOICE_TYPE_"
_CHOICE_MODE = enum(T.ToolChoiceType, _CHOICE, "none auto required")
# "none" | "auto" | "required", or {type: function | file_search | code_interpreter, function?}.
TOOL_CHOICE = either(
    lambda value, param: T.ToolChoice(type=_CHOICE_MODE(value, param)),
    shaped(
        T.ToolChoice,
        {
            "type": enum(T.ToolChoiceType, _CHOICE, "function file_search code_interpreter"),
            "function": shaped(T.ToolChoiceFunction, {"name": string}),
        },
    ),
    "one of a string or an object",
)

TRUNCATION_STRATEGY = shaped(
    T.TruncationStrategy,
    {"type": enum(T.TruncationStrategyType, "TRUNCATION_STRATEGY_TYPE_"), "last_messages": integer},
)

REASONING_EFFORT = enum(T.ReasoningEffort, "REASONING_EFFORT_")


# Messages a client writes.

_PART_PREFIX = "MESSAGE_CONTENT_TYPE_"
_DETAIL = enum(M.ImageDetail, "IMAGE_DETAIL_")
_PART: dict[str, Reader] = {
    "type": enum(M.MessageContentType, _PART_PREFIX, "text image_file image_url"),
    "text": string,
    "image_file": shaped(M.ImageFile, {"file_id": string, "detail": _DETAIL}),
    "image_url": shaped(M.ImageUrl, {"url": string, "detail": _DETAIL}),
}


def _content_part(value: object, param: str) -> message_pb2.MessageContentInput:
    """`{type, <type>: ...}`. A part carries only the field its type names: the proto would
    keep the others, and the stored message would drop them."""
    fields = obj(value, param, value.keys() if isinstance(value, dict) else ())
    keys: Collection[str] = _PART
    if (kind := fields.get("type")) is not None:
        part_type = _PART["type"](kind, child(param, "type"))
        keys = ("type", enum_name(M.MessageContentType, part_type, _PART_PREFIX))
    part = M.MessageContentInput()
    fill(part, obj(fields, param, keys), _PART, param)
    return part


def content(value: object, param: str) -> list[message_pb2.MessageContentInput]:
    """A string, which is one text part, or an array of parts."""
    if isinstance(value, str):
        return [M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)]
    if not isinstance(value, list):
        raise invalid_type(param, "one of a string or an array of objects", value)
    return [_content_part(part, f"{param}[{i}]") for i, part in enumerate(value)]


_ATTACHMENT_TOOL = shaped(
    M.AttachmentTool, {"type": enum(M.AttachmentToolType, "ATTACHMENT_TOOL_TYPE_")}
)
ATTACHMENTS = array_of(
    shaped(M.Attachment, {"file_id": string, "tools": array_of(_ATTACHMENT_TOOL)})
)

# The fields of MessageInput and CreateMessageRequest. `content` is required: to the proto,
# no content and an empty array are one thing.
MESSAGE: dict[str, Reader] = {
    "role": enum(M.MessageRole, "MESSAGE_ROLE_"),
    "content": content,
    "attachments": ATTACHMENTS,
    "metadata": metadata,
}
MESSAGE_INPUT = shaped(M.MessageInput, MESSAGE, required=("content",))
