"""Checks shared by every command. Each raises InvalidArgumentError naming the field, with the
OpenAI error code and wording, on the first violation it finds."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sized

from google.protobuf import struct_pb2
from google.protobuf.message import Message

from service.domain import limits
from service.errors import InvalidArgumentError

_FUNCTION_NAME = re.compile(limits.FUNCTION_NAME_PATTERN)
_ID_BODY = re.compile(r"[A-Za-z0-9_-]{1,64}")


def missing(param: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        param, f"Missing required parameter: '{param}'.", "missing_required_parameter"
    )


def invalid_value(param: str, value: object, supported: Iterable[str]) -> InvalidArgumentError:
    options = [f"'{s}'" for s in supported]
    listed = ", ".join(options[:-1]) + f" and {options[-1]}" if len(options) > 1 else options[0]
    return InvalidArgumentError(
        param,
        f"Invalid value for '{param}': '{value}'. Supported values are: {listed}.",
        "invalid_value",
    )


def check_required_string(value: str, param: str) -> None:
    if not value:
        raise missing(param)


def check_max_length(value: str | None, param: str, maximum: int) -> None:
    if value is not None and len(value) > maximum:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': string too long. Expected a string with maximum length "
            f"{maximum}, but got a string with length {len(value)} instead.",
            "string_above_max_length",
        )


def check_max_items(items: Sized, param: str, maximum: int) -> None:
    if len(items) > maximum:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': array too long. Expected an array with maximum length "
            f"{maximum}, but got an array with length {len(items)} instead.",
            "array_above_max_length",
        )


def check_min_items(items: Sized, param: str, minimum: int) -> None:
    if len(items) < minimum:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': empty array. Expected an array with minimum length {minimum}, "
            f"but got an empty array instead."
            if not items
            else f"Invalid '{param}': array too short. Expected an array with minimum length "
            f"{minimum}, but got an array with length {len(items)} instead.",
            "empty_array" if not items else "array_below_min_length",
        )


def check_number_range(value: float | None, param: str, low: float, high: float) -> None:
    if value is None:
        return
    if math.isnan(value):
        raise InvalidArgumentError(param, f"Invalid '{param}': expected a number, got NaN.")
    if value > high:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': decimal above maximum value. Expected a value <= {high:g}, "
            f"but got {value:g} instead.",
            "decimal_above_max_value",
        )
    if value < low:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': decimal below minimum value. Expected a value >= {low:g}, "
            f"but got {value:g} instead.",
            "decimal_below_min_value",
        )


def check_integer_range(value: int | None, param: str, low: int, high: int | None) -> None:
    if value is None:
        return
    if high is not None and value > high:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': integer above maximum value. Expected a value <= {high}, "
            f"but got {value} instead.",
            "integer_above_max_value",
        )
    if value < low:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': integer below minimum value. Expected a value >= {low}, "
            f"but got {value} instead.",
            "integer_below_min_value",
        )


def check_metadata(metadata: Mapping[str, str], param: str = "metadata") -> None:
    if len(metadata) > limits.METADATA_MAX_PAIRS:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': too many properties. Expected an object with at most "
            f"{limits.METADATA_MAX_PAIRS} properties, but got an object with "
            f"{len(metadata)} properties instead.",
            "object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > limits.METADATA_KEY_MAX:
            raise InvalidArgumentError(
                param,
                f"Invalid '{param}': key too long. Expected keys with maximum length "
                f"{limits.METADATA_KEY_MAX}, but got a key with length {len(key)} instead.",
                "string_above_max_length",
            )
        check_max_length(value, f"{param}.{key}", limits.METADATA_VALUE_MAX)


def check_id(value: str, param: str, prefix: str) -> None:
    """An object id: present, with the expected prefix."""
    if not value:
        raise missing(param)
    if not value.startswith(prefix) or not _ID_BODY.fullmatch(value[len(prefix) :]):
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': '{value}'. Expected an ID that begins with "
            f"'{prefix.rstrip('_-')}'.",
            None,  # the hosted API sent code null for a bad id prefix
        )


def check_function_name(name: str, param: str) -> None:
    if not name:
        raise missing(param)
    if not _FUNCTION_NAME.fullmatch(name):
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': string does not match pattern. Expected a string that matches "
            f"the pattern '^{limits.FUNCTION_NAME_PATTERN}$'.",
            "invalid_value",
        )


def check_no_nul(value: str, param: str) -> None:
    """PostgreSQL refuses U+0000 in text and jsonb."""
    if "\x00" in value:
        raise InvalidArgumentError(
            param, f"Invalid '{param}': strings must not contain the NUL character (U+0000)."
        )


def check_finite(value: float, param: str) -> None:
    """JSON has no NaN or infinity."""
    if not math.isfinite(value):
        raise InvalidArgumentError(param, f"Invalid '{param}': JSON numbers must be finite.")


_JSON_VALUE_TYPES = frozenset(
    t.DESCRIPTOR.full_name for t in (struct_pb2.Struct, struct_pb2.Value, struct_pb2.ListValue)
)


def check_storable(message: Message, prefix: str = "") -> None:
    """Everything in a request can be stored as JSON text: PostgreSQL refuses U+0000 in text
    and jsonb, and JSON has no NaN or infinity for a google.protobuf.Value. Either must be the
    client's error, not the server's."""
    if isinstance(message, struct_pb2.Value) and message.HasField("number_value"):
        check_finite(message.number_value, prefix.rstrip("."))
    # Inside a JSON value (a JSON Schema, say) the param is the JSON path, not proto fields.
    transparent = message.DESCRIPTOR.full_name in _JSON_VALUE_TYPES
    for field, value in message.ListFields():
        param = prefix.rstrip(".") if transparent else prefix + field.name
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if is_map:
            for key, item in value.items():
                check_no_nul(key, param)
                _check_item(item, f"{param}.{key}")
        elif field.is_repeated:
            for i, item in enumerate(value):
                _check_item(item, f"{param}[{i}]")
        else:
            _check_item(value, param)


def _check_item(item: object, param: str) -> None:
    if isinstance(item, str):
        check_no_nul(item, param)
    elif isinstance(item, Message):
        check_storable(item, param + ".")
