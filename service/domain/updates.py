"""Partial updates: which fields a request changes, and applying them (AIP-134 field masks)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from google.protobuf.message import Message

from service.domain.validation import check_storable
from service.errors import InvalidArgumentError

# Maps merged into the current value rather than replacing it, as the OpenAI API does.
MERGED_MAPS = frozenset({"metadata"})


def _present(request: Message, name: str) -> bool:
    field = request.DESCRIPTOR.fields_by_name[name]
    if field.is_repeated:
        return len(getattr(request, name)) > 0
    if field.has_presence:
        return request.HasField(name)
    return bool(getattr(request, name))


def paths_to_update(request: Message, updatable: Iterable[str]) -> list[str]:
    """The update_mask paths, or every updatable field present in the request."""
    allowed = list(updatable)
    mask = getattr(request, "update_mask")  # noqa: B009 - every update request has one
    if mask.paths:
        for path in mask.paths:
            if path not in allowed:
                raise InvalidArgumentError(
                    "update_mask",
                    f"Invalid 'update_mask': '{path}' is not an updatable field. "
                    f"Updatable fields are: {', '.join(allowed)}.",
                )
        return list(dict.fromkeys(mask.paths))
    return [name for name in allowed if _present(request, name)]


M = TypeVar("M", bound=Message)


def updated_copy(current: M, request: Message, updatable: Iterable[str]) -> M:
    """A copy of current with an update request applied; the caller checks the result."""
    check_storable(request)
    paths = paths_to_update(request, updatable)
    result = type(current)()
    result.CopyFrom(current)
    apply_paths(result, request, paths)
    return result


def apply_paths(target: Message, request: Message, paths: Iterable[str]) -> None:
    """Copies each path from request to target. A path absent from the request resets the
    target field; a present merged map is merged into the target's."""
    for name in paths:
        field = target.DESCRIPTOR.fields_by_name[name]
        if not _present(request, name):
            target.ClearField(name)
        elif field.message_type is not None and field.message_type.GetOptions().map_entry:
            if name not in MERGED_MAPS:
                target.ClearField(name)
            getattr(target, name).update(getattr(request, name))
        elif field.is_repeated:
            target.ClearField(name)
            getattr(target, name).extend(getattr(request, name))
        elif field.message_type is not None:
            getattr(target, name).CopyFrom(getattr(request, name))
        else:
            setattr(target, name, getattr(request, name))
