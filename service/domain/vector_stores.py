"""Vector store rules: validation with the reference's limits, chunking strategy resolution,
file attributes, search filters, expiry, and the objects commands build.

File counts, usage and a store's status are not decided here: storage computes them from the
store's files on every read (a new empty store reads as completed with usage_bytes 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from google.protobuf import struct_pb2

from assistants.v1 import (
    common_pb2,
    tools_pb2,
    vector_store_pb2,
    vector_store_service_pb2,
)
from service.domain import ids, limits
from service.domain.updates import updated_copy
from service.domain.validation import (
    check_finite,
    check_id,
    check_integer_range,
    check_max_items,
    check_max_length,
    check_metadata,
    check_min_items,
    check_number_range,
    check_storable,
    invalid_value,
    missing,
)
from service.errors import InvalidArgumentError

OBJECT = "vector_store"
FILE_OBJECT = "vector_store.file"
BATCH_OBJECT = "vector_store.files_batch"
DELETED_OBJECT = "vector_store.deleted"
FILE_DELETED_OBJECT = "vector_store.file.deleted"
CONTENT_PAGE_OBJECT = "vector_store.file_content.page"
SEARCH_PAGE_OBJECT = "vector_store.search_results.page"

NAME_MAX = 256
DESCRIPTION_MAX = 512
CREATE_FILES_MAX = 500
BATCH_FILES_MAX = 2000
EXPIRES_DAYS_MIN = 1
EXPIRES_DAYS_MAX = 365
# Stores created by the thread helpers (a message attachment, tool_resources on a thread).
THREAD_STORE_EXPIRES_DAYS = 7
DAY_SECONDS = 86_400

AUTO_MAX_TOKENS = 800
AUTO_OVERLAP_TOKENS = 400
STATIC_MAX_TOKENS_MIN = 100
STATIC_MAX_TOKENS_MAX = 4096

ATTRIBUTES_MAX_PAIRS = 16
ATTRIBUTE_KEY_MAX = 64
ATTRIBUTE_STRING_MAX = 512

SEARCH_RESULTS_DEFAULT = 10

IN_PROGRESS = vector_store_pb2.VECTOR_STORE_FILE_STATUS_IN_PROGRESS
COMPLETED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_COMPLETED
FAILED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_FAILED
CANCELLED = vector_store_pb2.VECTOR_STORE_FILE_STATUS_CANCELLED

_STATUS_NAMES = {
    IN_PROGRESS: "in_progress",
    COMPLETED: "completed",
    FAILED: "failed",
    CANCELLED: "cancelled",
}
_UPDATABLE = ("name", "expires_after", "metadata")

ComparisonOp: TypeAlias = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin"]
CompoundOp: TypeAlias = Literal["and", "or"]

_COMPARISONS: dict[int, ComparisonOp] = {
    vector_store_service_pb2.COMPARISON_TYPE_EQ: "eq",
    vector_store_service_pb2.COMPARISON_TYPE_NE: "ne",
    vector_store_service_pb2.COMPARISON_TYPE_GT: "gt",
    vector_store_service_pb2.COMPARISON_TYPE_GTE: "gte",
    vector_store_service_pb2.COMPARISON_TYPE_LT: "lt",
    vector_store_service_pb2.COMPARISON_TYPE_LTE: "lte",
    vector_store_service_pb2.COMPARISON_TYPE_IN: "in",
    vector_store_service_pb2.COMPARISON_TYPE_NIN: "nin",
}
_COMPOUNDS: dict[int, CompoundOp] = {
    vector_store_service_pb2.COMPOUND_TYPE_AND: "and",
    vector_store_service_pb2.COMPOUND_TYPE_OR: "or",
}
# Filters nest; a deeper tree is refused rather than recursed into.
FILTER_DEPTH_MAX = 8

AttributeValue = str | float | bool


# Stores.


def new_vector_store(
    request: vector_store_service_pb2.CreateVectorStoreRequest, store_id: str, now: int
) -> vector_store_pb2.VectorStore:
    """The store a create request describes, without its files. Raises InvalidArgumentError."""
    check_storable(request)
    check_file_ids(request.file_ids, "file_ids", CREATE_FILES_MAX, minimum=0)
    if request.file_ids:
        resolve_chunking(request.chunking_strategy, "chunking_strategy")
    elif request.HasField("chunking_strategy"):
        # Used only with file_ids; checked all the same, so a typo is not silently accepted.
        resolve_chunking(request.chunking_strategy, "chunking_strategy")
    store = vector_store_pb2.VectorStore(
        id=store_id, object=OBJECT, created_at=now, last_active_at=now
    )
    if request.HasField("name"):
        store.name = request.name
    if request.HasField("description"):
        check_max_length(request.description, "description", DESCRIPTION_MAX)
        store.description = request.description
    if request.HasField("expires_after"):
        store.expires_after.CopyFrom(request.expires_after)
    store.metadata.update(request.metadata)
    set_expiry(store)
    check_vector_store(store)
    return store


def inline_vector_store(
    spec: tools_pb2.VectorStoreSpec, store_id: str, now: int, *, for_thread: bool
) -> vector_store_pb2.VectorStore:
    """A store created through tool_resources.file_search.vector_stores or an attachment.
    The thread helpers' stores expire 7 days after they were last active."""
    check_storable(spec)
    check_file_ids(spec.file_ids, "file_ids", CREATE_FILES_MAX, minimum=0)
    resolve_chunking(spec.chunking_strategy, "chunking_strategy")
    check_metadata(spec.metadata)
    store = vector_store_pb2.VectorStore(
        id=store_id, object=OBJECT, created_at=now, last_active_at=now
    )
    store.metadata.update(spec.metadata)
    if for_thread:
        store.expires_after.anchor = vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT
        store.expires_after.days = THREAD_STORE_EXPIRES_DAYS
    set_expiry(store)
    return store


def updated_vector_store(
    current: vector_store_pb2.VectorStore,
    request: vector_store_service_pb2.UpdateVectorStoreRequest,
) -> vector_store_pb2.VectorStore:
    """current with the request's changes: metadata merged, expires_after replaced or (listed
    in update_mask and absent) removed. Raises InvalidArgumentError."""
    store = updated_copy(current, request, _UPDATABLE)
    set_expiry(store)
    check_vector_store(store)
    return store


def touched(store: vector_store_pb2.VectorStore, now: int) -> vector_store_pb2.VectorStore:
    """The store used at now: last_active_at moves, and an expiry anchored on it with it."""
    result = vector_store_pb2.VectorStore()
    result.CopyFrom(store)
    result.last_active_at = now
    set_expiry(result)
    return result


def set_expiry(store: vector_store_pb2.VectorStore) -> None:
    """expires_at = last_active_at + days, or none without expires_after."""
    if store.HasField("expires_after"):
        anchor = store.last_active_at if store.HasField("last_active_at") else store.created_at
        store.expires_at = anchor + store.expires_after.days * DAY_SECONDS
    else:
        store.ClearField("expires_at")


def is_expired(store: vector_store_pb2.VectorStore) -> bool:
    return store.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED


def check_vector_store(store: vector_store_pb2.VectorStore) -> None:
    if store.HasField("name"):
        check_max_length(store.name, "name", NAME_MAX)
    if store.HasField("expires_after"):
        check_expires_after(store.expires_after, "expires_after")
    check_metadata(store.metadata)


def check_expires_after(expires_after: vector_store_pb2.ExpiresAfter, param: str) -> None:
    if expires_after.anchor == vector_store_pb2.EXPIRES_AFTER_ANCHOR_UNSPECIFIED:
        raise missing(f"{param}.anchor")
    if expires_after.anchor != vector_store_pb2.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT:
        anchor = vector_store_pb2.ExpiresAfterAnchor.Name(expires_after.anchor)
        raise invalid_value(
            f"{param}.anchor",
            anchor.removeprefix("EXPIRES_AFTER_ANCHOR_").lower(),
            ["last_active_at"],
        )
    check_integer_range(expires_after.days, f"{param}.days", EXPIRES_DAYS_MIN, EXPIRES_DAYS_MAX)


# Files and batches.


def check_file_ids(file_ids: Sequence[str], param: str, maximum: int, *, minimum: int) -> None:
    if minimum:
        check_min_items(file_ids, param, minimum)
    check_max_items(file_ids, param, maximum)
    for i, file_id in enumerate(file_ids):
        check_id(file_id, f"{param}[{i}]", ids.FILE)


def resolve_chunking(
    strategy: tools_pb2.ChunkingStrategy, param: str
) -> tools_pb2.ChunkingStrategy:
    """The static strategy a request's strategy stands for: absent or auto is 800/400."""
    kind = strategy.type
    if kind in (
        tools_pb2.CHUNKING_STRATEGY_TYPE_UNSPECIFIED,
        tools_pb2.CHUNKING_STRATEGY_TYPE_AUTO,
    ):
        if strategy.HasField("static"):
            raise InvalidArgumentError(
                f"{param}.static",
                f"Invalid '{param}': 'static' is only allowed when 'type' is 'static'.",
            )
        return static_chunking(AUTO_MAX_TOKENS, AUTO_OVERLAP_TOKENS)
    if kind != tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC:
        raise invalid_value(f"{param}.type", "other", ["auto", "static"])
    if not strategy.HasField("static"):
        raise missing(f"{param}.static")
    max_tokens = strategy.static.max_chunk_size_tokens
    overlap = strategy.static.chunk_overlap_tokens
    check_integer_range(
        max_tokens,
        f"{param}.static.max_chunk_size_tokens",
        STATIC_MAX_TOKENS_MIN,
        STATIC_MAX_TOKENS_MAX,
    )
    check_integer_range(overlap, f"{param}.static.chunk_overlap_tokens", 0, None)
    if overlap > max_tokens // 2:
        raise InvalidArgumentError(
            f"{param}.static.chunk_overlap_tokens",
            f"Invalid '{param}.static.chunk_overlap_tokens': the overlap ({overlap}) must not"
            f" exceed half of max_chunk_size_tokens ({max_tokens}).",
        )
    return static_chunking(max_tokens, overlap)


def static_chunking(max_tokens: int, overlap: int) -> tools_pb2.ChunkingStrategy:
    return tools_pb2.ChunkingStrategy(
        type=tools_pb2.CHUNKING_STRATEGY_TYPE_STATIC,
        static=tools_pb2.StaticChunking(
            max_chunk_size_tokens=max_tokens, chunk_overlap_tokens=overlap
        ),
    )


def check_attributes(attributes: Mapping[str, struct_pb2.Value], param: str) -> None:
    """At most 16 pairs; keys up to 64 characters; values strings (up to 512 characters),
    numbers or booleans."""
    if len(attributes) > ATTRIBUTES_MAX_PAIRS:
        raise InvalidArgumentError(
            param,
            f"Invalid '{param}': too many properties. Expected an object with at most "
            f"{ATTRIBUTES_MAX_PAIRS} properties, but got an object with {len(attributes)} "
            "properties instead.",
            "object_above_max_properties",
        )
    for key, value in attributes.items():
        if len(key) > ATTRIBUTE_KEY_MAX:
            raise InvalidArgumentError(
                param,
                f"Invalid '{param}': key too long. Expected keys with maximum length "
                f"{ATTRIBUTE_KEY_MAX}, but got a key with length {len(key)} instead.",
                "string_above_max_length",
            )
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            check_max_length(value.string_value, f"{param}.{key}", ATTRIBUTE_STRING_MAX)
        elif kind == "number_value":
            check_finite(value.number_value, f"{param}.{key}")
        elif kind != "bool_value":
            raise InvalidArgumentError(
                f"{param}.{key}",
                f"Invalid type for '{param}.{key}': expected a string, number or boolean.",
                "invalid_type",
            )


def new_vector_store_file(
    store_id: str,
    file_id: str,
    now: int,
    chunking: tools_pb2.ChunkingStrategy,
    attributes: Mapping[str, struct_pb2.Value],
) -> vector_store_pb2.VectorStoreFile:
    """A file attached to a store, in progress until its ingestion ends."""
    file = vector_store_pb2.VectorStoreFile(
        id=file_id,
        object=FILE_OBJECT,
        created_at=now,
        vector_store_id=store_id,
        status=IN_PROGRESS,
        chunking_strategy=chunking,
    )
    for key, value in attributes.items():
        file.attributes[key].CopyFrom(value)
    return file


def ended_file(
    file: vector_store_pb2.VectorStoreFile,
    status: int,
    *,
    usage_bytes: int = 0,
    error: common_pb2.LastError | None = None,
) -> vector_store_pb2.VectorStoreFile:
    """The file once its ingestion ended: completed, failed (with error) or cancelled."""
    result = vector_store_pb2.VectorStoreFile()
    result.CopyFrom(file)
    result.status = status  # type: ignore[assignment]
    result.usage_bytes = usage_bytes
    result.ClearField("last_error")
    if error is not None:
        result.last_error.CopyFrom(error)
    return result


def reopened_file(file: vector_store_pb2.VectorStoreFile) -> vector_store_pb2.VectorStoreFile:
    """The file put back in progress to be ingested again (a reindex): its created_at,
    attributes and chunking stay; usage and any error go, as for a new attachment."""
    result = vector_store_pb2.VectorStoreFile()
    result.CopyFrom(file)
    result.status = IN_PROGRESS
    result.usage_bytes = 0
    result.ClearField("last_error")
    return result


def with_attributes(
    file: vector_store_pb2.VectorStoreFile, attributes: Mapping[str, struct_pb2.Value]
) -> vector_store_pb2.VectorStoreFile:
    result = vector_store_pb2.VectorStoreFile()
    result.CopyFrom(file)
    result.ClearField("attributes")
    for key, value in attributes.items():
        result.attributes[key].CopyFrom(value)
    return result


def last_error(code: str, message: str) -> common_pb2.LastError:
    """code is "server_error", "unsupported_file" or "invalid_file"."""
    return common_pb2.LastError(code=f"ERROR_CODE_{code.upper()}", message=message)


def new_batch(batch_id: str, store_id: str, now: int) -> vector_store_pb2.VectorStoreFileBatch:
    return vector_store_pb2.VectorStoreFileBatch(
        id=batch_id,
        object=BATCH_OBJECT,
        created_at=now,
        vector_store_id=store_id,
        status=IN_PROGRESS,
    )


def ended_batch(
    batch: vector_store_pb2.VectorStoreFileBatch,
    status: int,
) -> vector_store_pb2.VectorStoreFileBatch:
    result = vector_store_pb2.VectorStoreFileBatch()
    result.CopyFrom(batch)
    result.status = status  # type: ignore[assignment]
    result.ClearField("file_counts")
    return result


@dataclass(frozen=True)
class BatchEntry:
    file_id: str
    chunking: tools_pb2.ChunkingStrategy
    attributes: Mapping[str, struct_pb2.Value]


def batch_entries(
    request: vector_store_service_pb2.CreateVectorStoreFileBatchRequest,
) -> list[BatchEntry]:
    """The files of a batch request, each with its chunking and attributes; a file named
    twice counts once (its first entry). Raises InvalidArgumentError."""
    check_storable(request)
    if request.file_ids and request.files:
        raise InvalidArgumentError(
            "files", "Invalid request: 'file_ids' and 'files' are mutually exclusive."
        )
    if not request.file_ids and not request.files:
        raise missing("file_ids")
    if request.file_ids:
        check_file_ids(request.file_ids, "file_ids", BATCH_FILES_MAX, minimum=1)
        chunking = resolve_chunking(request.chunking_strategy, "chunking_strategy")
        check_attributes(request.attributes, "attributes")
        entries = [BatchEntry(f, chunking, request.attributes) for f in request.file_ids]
    else:
        check_max_items(request.files, "files", BATCH_FILES_MAX)
        entries = []
        for i, item in enumerate(request.files):
            check_id(item.file_id, f"files[{i}].file_id", ids.FILE)
            check_attributes(item.attributes, f"files[{i}].attributes")
            chunking = resolve_chunking(item.chunking_strategy, f"files[{i}].chunking_strategy")
            entries.append(BatchEntry(item.file_id, chunking, item.attributes))
    unique: dict[str, BatchEntry] = {}
    for entry in entries:
        unique.setdefault(entry.file_id, entry)
    return list(unique.values())


def status_name(status: int) -> str | None:
    """The storage name of a list filter status; None for every status."""
    if status == vector_store_pb2.VECTOR_STORE_FILE_STATUS_UNSPECIFIED:
        return None
    if status not in _STATUS_NAMES:
        raise invalid_value("filter", status, list(_STATUS_NAMES.values()))
    return vector_store_pb2.VectorStoreFileStatus.Name(status)


# Search.


@dataclass(frozen=True)
class Comparison:
    """A file attribute compared with a value (a list for in and nin)."""

    key: str
    op: ComparisonOp
    value: AttributeValue | list[AttributeValue]


@dataclass(frozen=True)
class Compound:
    op: CompoundOp
    filters: list[Comparison | Compound]


FilterNode = Comparison | Compound


@dataclass(frozen=True)
class SearchParams:
    queries: list[str]
    max_num_results: int
    score_threshold: float
    filter: FilterNode | None


def search_params(request: vector_store_service_pb2.SearchVectorStoreRequest) -> SearchParams:
    """The checked queries, result count, threshold and filter of a search request."""
    check_storable(request)
    if not request.query:
        raise missing("query")
    for i, query in enumerate(request.query):
        if not query.strip():
            raise InvalidArgumentError(
                f"query[{i}]" if len(request.query) > 1 else "query",
                "Invalid 'query': the query must not be empty.",
                "empty_string",
            )
    max_results = SEARCH_RESULTS_DEFAULT
    if request.HasField("max_num_results"):
        max_results = request.max_num_results
        check_integer_range(
            max_results,
            "max_num_results",
            limits.FILE_SEARCH_RESULTS_MIN,
            limits.FILE_SEARCH_RESULTS_MAX,
        )
    threshold = request.ranking_options.score_threshold
    check_number_range(threshold, "ranking_options.score_threshold", 0.0, 1.0)
    node = None
    if request.HasField("filters"):
        node = filter_node(request.filters, "filters")
    return SearchParams(list(request.query), max_results, threshold, node)


def check_filter_depth(depth: int, param: str) -> None:
    """Raises InvalidArgumentError for a filter nested deeper than FILTER_DEPTH_MAX."""
    if depth > FILTER_DEPTH_MAX:
        raise InvalidArgumentError(param, f"Invalid '{param}': filters nest too deeply.")


def filter_node(
    pb: vector_store_service_pb2.AttributeFilter, param: str, depth: int = 0
) -> FilterNode:
    """A well-formed filter tree. Raises InvalidArgumentError naming the bad part."""
    check_filter_depth(depth, param)
    which = pb.WhichOneof("filter")
    if which == "comparison":
        return _comparison(pb.comparison, param)
    if which == "compound":
        compound = pb.compound
        if compound.type not in _COMPOUNDS:
            raise invalid_value(f"{param}.type", compound.type, list(_COMPOUNDS.values()))
        check_min_items(compound.filters, f"{param}.filters", 1)
        return Compound(
            _COMPOUNDS[compound.type],
            [
                filter_node(f, f"{param}.filters[{i}]", depth + 1)
                for i, f in enumerate(compound.filters)
            ],
        )
    raise missing(f"{param}.type")


def _comparison(pb: vector_store_service_pb2.ComparisonFilter, param: str) -> Comparison:
    if not pb.key:
        raise missing(f"{param}.key")
    if pb.type not in _COMPARISONS:
        raise invalid_value(f"{param}.type", pb.type, list(_COMPARISONS.values()))
    op = _COMPARISONS[pb.type]
    if op in ("in", "nin"):
        if pb.value.WhichOneof("kind") != "list_value":
            raise InvalidArgumentError(
                f"{param}.value",
                f"Invalid '{param}.value': '{op}' compares with an array of values.",
                "invalid_type",
            )
        items = [
            _scalar(v, f"{param}.value[{i}]") for i, v in enumerate(pb.value.list_value.values)
        ]
        return Comparison(pb.key, op, items)
    value = _scalar(pb.value, f"{param}.value")
    if op in ("gt", "gte", "lt", "lte") and isinstance(value, bool):
        raise InvalidArgumentError(
            f"{param}.value",
            f"Invalid '{param}.value': '{op}' compares with a number or a string.",
            "invalid_type",
        )
    return Comparison(pb.key, op, value)


def _scalar(value: struct_pb2.Value, param: str) -> AttributeValue:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    raise InvalidArgumentError(
        param, f"Invalid '{param}': expected a string, number or boolean.", "invalid_type"
    )
