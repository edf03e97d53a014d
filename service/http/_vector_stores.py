"""The /v1/vector_stores routes (reference §3.7, §4): stores, their files, file batches and
search. Requests are read into the VectorStoreService protos as _requests reads the assistants
ones (a wrong JSON type, an unknown key or enum string is refused here; every other rule is the
application's), and objects are written in the reference's JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from aiohttp import web
from google.protobuf import struct_pb2
from google.protobuf.message import Message

from assistants.v1 import common_pb2, tools_pb2, vector_store_pb2, vector_store_service_pb2
from service.app import Application, RequestContext
from service.domain.tools import enum_name
from service.domain.validation import invalid_value, missing
from service.domain.vector_stores import check_filter_depth
from service.http import _wire as wire
from service.http._context import CALLER
from service.http._request_parts import (
    CHUNKING,
    Body,
    Query,
    Reader,
    array_of,
    boolean,
    child,
    enum,
    fill,
    first,
    integer,
    invalid_type,
    mask,
    metadata,
    number,
    obj,
    page,
    require,
    shaped,
    string,
    strings,
    unknown,
)

VS = vector_store_pb2
VSS = vector_store_service_pb2
T = tools_pb2
BodyReader = Callable[[web.Request], Awaitable[dict[str, Any]]]
JsonObject = dict[str, Any]

# Requests.

EXPIRES_AFTER = shaped(
    VS.ExpiresAfter,
    {"anchor": enum(VS.ExpiresAfterAnchor, "EXPIRES_AFTER_ANCHOR_"), "days": integer},
)
_FILE_STATUS = enum(VS.VectorStoreFileStatus, "VECTOR_STORE_FILE_STATUS_")
# Key that holds a map<string, Value>, which protobuf cannot `update` from a dict.
_ATTRIBUTES = "attributes"


def attribute_value(value: object, param: str) -> struct_pb2.Value:
    """A file attribute: a string, number or boolean."""
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    if isinstance(value, int | float):
        return struct_pb2.Value(number_value=number(value, param))
    raise invalid_type(param, "one of a string, number, or boolean", value)


def attributes(value: object, param: str) -> dict[str, struct_pb2.Value]:
    if not isinstance(value, dict):
        raise invalid_type(param, "an object", value)
    return {key: attribute_value(item, child(param, key)) for key, item in value.items()}


def _read(body: Body, target: Message, readers: Mapping[str, Reader], at: str = "") -> None:
    """Fills target from the body's keys, refusing unknown ones; attributes are copied in
    one by one."""
    for key in body:
        if key not in readers:
            raise unknown(child(at, key))
    plain = {k: v for k, v in body.items() if k != _ATTRIBUTES}
    fill(target, plain, readers, at)
    given = body.get(_ATTRIBUTES)
    if _ATTRIBUTES in readers and given is not None:
        target_map: MutableMapping[str, struct_pb2.Value] = getattr(target, _ATTRIBUTES)
        for key, item in attributes(given, child(at, _ATTRIBUTES)).items():
            target_map[key].CopyFrom(item)


def _batch_entry(value: object, param: str) -> VSS.FileBatchEntry:
    fields = obj(value, param, _BATCH_ENTRY)
    if fields.get("file_id") is None:
        raise missing(child(param, "file_id"))
    entry = VSS.FileBatchEntry()
    _read(fields, entry, _BATCH_ENTRY, param)
    return entry


_STORE: dict[str, Reader] = {
    "file_ids": strings,
    "name": string,
    "description": string,
    "expires_after": EXPIRES_AFTER,
    "chunking_strategy": CHUNKING,
    "metadata": metadata,
}
_STORE_UPDATE: dict[str, Reader] = {
    "name": string,
    "expires_after": EXPIRES_AFTER,
    "metadata": metadata,
}
_FILE: dict[str, Reader] = {
    "file_id": string,
    "chunking_strategy": CHUNKING,
    _ATTRIBUTES: attributes,
}
_FILE_UPDATE: dict[str, Reader] = {_ATTRIBUTES: attributes}
_BATCH_ENTRY: dict[str, Reader] = {
    "file_id": string,
    _ATTRIBUTES: attributes,
    "chunking_strategy": CHUNKING,
}
_BATCH: dict[str, Reader] = {
    "file_ids": strings,
    "files": array_of(_batch_entry),
    "chunking_strategy": CHUNKING,
    _ATTRIBUTES: attributes,
}

# Search.

_COMPARISONS: dict[str, Any] = {
    enum_name(VSS.ComparisonType, v, "COMPARISON_TYPE_"): v
    for v in VSS.ComparisonType.values()
    if v
}
_COMPOUNDS: dict[str, Any] = {
    enum_name(VSS.CompoundType, v, "COMPOUND_TYPE_"): v for v in VSS.CompoundType.values() if v
}
RANKERS = {
    VSS.SEARCH_RANKER_NONE: "none",
    VSS.SEARCH_RANKER_AUTO: "auto",
    VSS.SEARCH_RANKER_DEFAULT_2024_11_15: "default-2024-11-15",
}
_RANKER_BY_NAME = {name: value for value, name in RANKERS.items()}


def _ranker(value: object, param: str) -> int:
    name = string(value, param)
    if name not in _RANKER_BY_NAME:
        raise invalid_value(param, name, _RANKER_BY_NAME)
    return _RANKER_BY_NAME[name]


def _query(value: object, param: str) -> list[str]:
    """A query string, or several."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise invalid_type(param, "one of a string or an array of strings", value)
    result: list[str] = strings(value, param)
    return result


def _filter_value(value: object, param: str) -> struct_pb2.Value:
    """A comparison's value: a string, number or boolean, or a list of strings and numbers
    (for in and nin)."""
    if isinstance(value, list):
        items = [_list_item(item, f"{param}[{i}]") for i, item in enumerate(value)]
        listed = struct_pb2.Value()
        listed.list_value.values.extend(items)
        return listed
    return attribute_value(value, param)


def _list_item(value: object, param: str) -> struct_pb2.Value:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid_type(param, "one of a string or number", value)
    return attribute_value(value, param)


def attribute_filter(value: object, param: str, depth: int = 0) -> VSS.AttributeFilter:
    """A comparison `{key, type: eq|ne|gt|gte|lt|lte|in|nin, value}` or a compound
    `{type: and|or, filters: [...]}`, told apart by `type`. Too deep a tree is refused
    before it is recursed into."""
    check_filter_depth(depth, param)
    fields = obj(value, param, ("key", "type", "value", "filters"))
    kind = fields.get("type")
    if kind is None:
        raise missing(child(param, "type"))
    name = string(kind, child(param, "type"))
    result = VSS.AttributeFilter()
    if name in _COMPARISONS:
        obj(fields, param, ("key", "type", "value"))
        for key in ("key", "value"):
            if fields.get(key) is None:
                raise missing(child(param, key))
        comparison = result.comparison
        comparison.key = string(fields["key"], child(param, "key"))
        comparison.type = _COMPARISONS[name]
        comparison.value.CopyFrom(_filter_value(fields["value"], child(param, "value")))
    elif name in _COMPOUNDS:
        obj(fields, param, ("type", "filters"))
        if fields.get("filters") is None:
            raise missing(child(param, "filters"))
        compound = result.compound
        compound.type = _COMPOUNDS[name]
        nested = array_of(lambda v, p: attribute_filter(v, p, depth + 1))
        compound.filters.extend(nested(fields["filters"], child(param, "filters")))
    else:
        raise invalid_value(child(param, "type"), name, [*_COMPARISONS, *_COMPOUNDS])
    return result


_SEARCH: dict[str, Reader] = {
    "query": _query,
    "filters": attribute_filter,
    "max_num_results": integer,
    "ranking_options": shaped(
        VSS.SearchRankingOptions, {"ranker": _ranker, "score_threshold": number}
    ),
    "rewrite_query": boolean,
}


def create_store(body: Body) -> VSS.CreateVectorStoreRequest:
    request = VSS.CreateVectorStoreRequest()
    _read(body, request, _STORE)
    return request


def update_store(vector_store_id: str, body: Body) -> VSS.UpdateVectorStoreRequest:
    """name and expires_after given as null are reset (listed in the mask, absent); metadata
    is merged, so `{}` changes nothing."""
    request = VSS.UpdateVectorStoreRequest(vector_store_id=vector_store_id)
    _read(body, request, _STORE_UPDATE)
    mask(request, body)
    return request


def create_file(vector_store_id: str, body: Body) -> VSS.CreateVectorStoreFileRequest:
    request = VSS.CreateVectorStoreFileRequest(vector_store_id=vector_store_id)
    _read(body, request, _FILE)
    require(body, "file_id")
    return request


def update_file(vector_store_id: str, file_id: str, body: Body) -> VSS.UpdateVectorStoreFileRequest:
    """attributes replaces the file's attributes; null clears them, absent is an error."""
    request = VSS.UpdateVectorStoreFileRequest(vector_store_id=vector_store_id, file_id=file_id)
    _read(body, request, _FILE_UPDATE)
    if _ATTRIBUTES not in body:
        raise missing(_ATTRIBUTES)
    return request


def create_batch(vector_store_id: str, body: Body) -> VSS.CreateVectorStoreFileBatchRequest:
    request = VSS.CreateVectorStoreFileBatchRequest(vector_store_id=vector_store_id)
    _read(body, request, _BATCH)
    return request


def search(vector_store_id: str, body: Body) -> VSS.SearchVectorStoreRequest:
    request = VSS.SearchVectorStoreRequest(vector_store_id=vector_store_id)
    _read(body, request, _SEARCH)
    require(body, "query")
    return request


def list_stores(query: Query) -> VSS.ListVectorStoresRequest:
    request = VSS.ListVectorStoresRequest()
    page(request, query)
    return request


def list_files(
    vector_store_id: str, query: Query, batch_id: str = ""
) -> VSS.ListVectorStoreFilesRequest:
    """The store's files, or a batch's; `filter` is one status."""
    request = VSS.ListVectorStoreFilesRequest(vector_store_id=vector_store_id, batch_id=batch_id)
    page(request, query)
    if (status := first(query, "filter")) is not None:
        request.filter = _FILE_STATUS(status, "filter")
    return request


# JSON.


STORE_STATUS = wire.enum_names(VS.VectorStoreStatus, "VECTOR_STORE_STATUS_")
FILE_STATUS = wire.enum_names(VS.VectorStoreFileStatus, "VECTOR_STORE_FILE_STATUS_")
ANCHOR = wire.enum_names(VS.ExpiresAfterAnchor, "EXPIRES_AFTER_ANCHOR_") | {
    VS.EXPIRES_AFTER_ANCHOR_UNSPECIFIED: "last_active_at"
}
# The codes a vector store file's last_error may carry (§3.7); others read as server_error.
_FILE_ERRORS = {common_pb2.ERROR_CODE_UNSUPPORTED_FILE, common_pb2.ERROR_CODE_INVALID_FILE}
AUTO_CHUNKING = {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}


def file_counts(c: VS.FileCounts) -> JsonObject:
    return {
        "in_progress": c.in_progress,
        "completed": c.completed,
        "failed": c.failed,
        "cancelled": c.cancelled,
        "total": c.total,
    }


def vector_store(s: VS.VectorStore) -> JsonObject:
    return {
        "id": s.id,
        "object": "vector_store",
        "created_at": s.created_at,
        "name": wire.optional(s, "name"),
        "usage_bytes": s.usage_bytes,
        "file_counts": file_counts(s.file_counts),
        "status": STORE_STATUS[s.status],
        "expires_after": (
            {"anchor": ANCHOR[s.expires_after.anchor], "days": s.expires_after.days}
            if s.HasField("expires_after")
            else None
        ),
        "expires_at": wire.optional(s, "expires_at"),
        "last_active_at": wire.optional(s, "last_active_at"),
        "metadata": dict(s.metadata),
    }


def chunking_strategy(c: T.ChunkingStrategy) -> JsonObject:
    """static as stored; auto (or none recorded) is static 800/400; other is a legacy index."""
    if c.type == T.CHUNKING_STRATEGY_TYPE_OTHER:
        return {"type": "other"}
    if c.type == T.CHUNKING_STRATEGY_TYPE_STATIC:
        static = {
            "max_chunk_size_tokens": c.static.max_chunk_size_tokens,
            "chunk_overlap_tokens": c.static.chunk_overlap_tokens,
        }
        return {"type": "static", "static": static}
    return {"type": "static", "static": dict(AUTO_CHUNKING)}


def _file_error(e: common_pb2.LastError) -> JsonObject:
    code = wire.ERROR_CODE[e.code] if e.code in _FILE_ERRORS else "server_error"
    return {"code": code, "message": e.message}


def attribute_map(values: Mapping[str, struct_pb2.Value]) -> JsonObject:
    return {key: wire.value(v) for key, v in values.items()}


def vector_store_file(f: VS.VectorStoreFile) -> JsonObject:
    return {
        "id": f.id,
        "object": "vector_store.file",
        "created_at": f.created_at,
        "vector_store_id": f.vector_store_id,
        "usage_bytes": f.usage_bytes,
        "status": FILE_STATUS[f.status],
        "last_error": _file_error(f.last_error) if f.HasField("last_error") else None,
        "chunking_strategy": chunking_strategy(f.chunking_strategy),
        "attributes": attribute_map(f.attributes),
    }


def file_batch(b: VS.VectorStoreFileBatch) -> JsonObject:
    return {
        "id": b.id,
        "object": "vector_store.files_batch",
        "created_at": b.created_at,
        "vector_store_id": b.vector_store_id,
        "status": FILE_STATUS[b.status],
        "file_counts": file_counts(b.file_counts),
    }


def _text(c: VSS.FileContent) -> JsonObject:
    return {"type": "text", "text": c.text}


def content_page(p: VSS.VectorStoreFileContentPage) -> JsonObject:
    return {
        "object": "vector_store.file_content.page",
        "data": [_text(c) for c in p.data],
        "has_more": p.has_more,
        "next_page": wire.optional(p, "next_page"),
    }


def search_page(r: VSS.SearchVectorStoreResponse) -> JsonObject:
    return {
        "object": "vector_store.search_results.page",
        "search_query": list(r.search_query),
        "data": [
            {
                "file_id": hit.file_id,
                "filename": hit.filename,
                "score": hit.score,
                "attributes": attribute_map(hit.attributes),
                "content": [_text(c) for c in hit.content],
            }
            for hit in r.data
        ],
        "has_more": r.has_more,
        "next_page": wire.optional(r, "next_page"),
    }


# Routes.


def _ctx(request: web.Request) -> RequestContext:
    return request[CALLER]


def _in_store(request: web.Request, key: str) -> tuple[RequestContext, str, str]:
    """The caller, the store of the path and the file or batch (`key`) it names."""
    info = request.match_info
    return _ctx(request), info["vector_store_id"], info[key]


# The SDK's poll helpers (upload_and_poll, create_and_poll, poll) wait as long as this header
# says between reads of a file or batch still in progress, and a whole second without it.
# Ingesting a small file with provider embeddings takes a fraction of that.
POLL_AFTER_MS = 200
_POLLED = ("vector_store.file", "vector_store.files_batch")


def _json(body: JsonObject) -> web.Response:
    headers = {"openai-poll-after-ms": str(POLL_AFTER_MS)}
    ingesting = body.get("object") in _POLLED and body.get("status") == "in_progress"
    return web.Response(
        text=wire.dumps(body),
        content_type="application/json",
        headers=headers if ingesting else None,
    )


class VectorStoreRoutes:
    """The handlers of /v1/vector_stores; _routes lists their paths and gives the JSON body
    reader every route shares."""

    def __init__(self, app: Application, read_body: BodyReader) -> None:
        self._app = app
        self._body = read_body

    # Stores.

    async def create_store(self, request: web.Request) -> web.Response:
        proto = create_store(await self._body(request))
        return _json(vector_store(await self._app.vector_stores.create(_ctx(request), proto)))

    async def list_stores(self, request: web.Request) -> web.Response:
        page = await self._app.vector_stores.list(_ctx(request), list_stores(request.query))
        return _json(wire.page(page, vector_store))

    async def get_store(self, request: web.Request) -> web.Response:
        store_id = request.match_info["vector_store_id"]
        return _json(vector_store(await self._app.vector_stores.get(_ctx(request), store_id)))

    async def update_store(self, request: web.Request) -> web.Response:
        store_id = request.match_info["vector_store_id"]
        proto = update_store(store_id, await self._body(request))
        return _json(vector_store(await self._app.vector_stores.update(_ctx(request), proto)))

    async def delete_store(self, request: web.Request) -> web.Response:
        store_id = request.match_info["vector_store_id"]
        return _json(wire.deleted(await self._app.vector_stores.delete(_ctx(request), store_id)))

    # Files.

    async def create_file(self, request: web.Request) -> web.Response:
        store_id = request.match_info["vector_store_id"]
        proto = create_file(store_id, await self._body(request))
        created = await self._app.vector_stores.create_file(_ctx(request), proto)
        return _json(vector_store_file(created))

    async def list_files(self, request: web.Request) -> web.Response:
        proto = list_files(request.match_info["vector_store_id"], request.query)
        page = await self._app.vector_stores.list_files(_ctx(request), proto)
        return _json(wire.page(page, vector_store_file))

    async def get_file(self, request: web.Request) -> web.Response:
        found = await self._app.vector_stores.get_file(*_in_store(request, "file_id"))
        return _json(vector_store_file(found))

    async def update_file(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = update_file(info["vector_store_id"], info["file_id"], await self._body(request))
        updated = await self._app.vector_stores.update_file(_ctx(request), proto)
        return _json(vector_store_file(updated))

    async def delete_file(self, request: web.Request) -> web.Response:
        deleted = await self._app.vector_stores.delete_file(*_in_store(request, "file_id"))
        return _json(wire.deleted(deleted))

    async def file_content(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = VSS.GetVectorStoreFileContentRequest(
            vector_store_id=info["vector_store_id"],
            file_id=info["file_id"],
            page=first(request.query, "page") or "",
        )
        return _json(content_page(await self._app.vector_stores.file_content(_ctx(request), proto)))

    # File batches.

    async def create_batch(self, request: web.Request) -> web.Response:
        proto = create_batch(request.match_info["vector_store_id"], await self._body(request))
        return _json(file_batch(await self._app.vector_stores.create_batch(_ctx(request), proto)))

    async def get_batch(self, request: web.Request) -> web.Response:
        found = await self._app.vector_stores.get_batch(*_in_store(request, "batch_id"))
        return _json(file_batch(found))

    async def cancel_batch(self, request: web.Request) -> web.Response:
        cancelled = await self._app.vector_stores.cancel_batch(*_in_store(request, "batch_id"))
        return _json(file_batch(cancelled))

    async def list_batch_files(self, request: web.Request) -> web.Response:
        info = request.match_info
        proto = list_files(info["vector_store_id"], request.query, batch_id=info["batch_id"])
        page = await self._app.vector_stores.list_files(_ctx(request), proto)
        return _json(wire.page(page, vector_store_file))

    # Search.

    async def search(self, request: web.Request) -> web.Response:
        proto = search(request.match_info["vector_store_id"], await self._body(request))
        return _json(search_page(await self._app.vector_stores.search(_ctx(request), proto)))
