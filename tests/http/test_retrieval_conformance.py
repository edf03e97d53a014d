"""Wire conformance of /v1/files and /v1/vector_stores with the `openai` SDK's own models.

Every JSON body the server returns is validated against the SDK's pydantic model in strict
mode, and then walked: no field the model does not know (`model_extra`), and every field the
model has present in the JSON (`model_fields_set`), nullable ones as null (reference §0). What
the SDK sends (multipart forms, query params incl. `include[]`, poll helper headers, bodies)
must be accepted as sent.

Expected behaviour: reference digest (/work/shared/reference/assistants-api.md) §0, §2, §3.6,
§3.7, §4, §11, and the SDK types (openai/types/file_object.py, vector_store*.py,
vector_stores/*.py, beta/threads/runs/file_search_tool_call*.py,
beta/threads/file_citation*_annotation.py).

Known, deliberate divergence from the SDK types: an unnamed vector store has `name: null`. The
SDK types `VectorStore.name` as `str`, but the hosted API sent null (openai/openai-openapi#266),
and the reference's nullable-as-null rule keeps that.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import openai
import pydantic
import pytest
from openai.types import (
    FileDeleted,
    FileObject,
    VectorStore,
    VectorStoreDeleted,
    VectorStoreSearchResponse,
)
from openai.types.beta.threads import FileCitationAnnotation, Message
from openai.types.beta.threads.runs import FileSearchToolCall, RunStep
from openai.types.vector_stores import (
    FileContentResponse,
    VectorStoreFile,
    VectorStoreFileBatch,
    VectorStoreFileDeleted,
)

from assistants.v1 import common_pb2, tools_pb2, vector_store_pb2
from service.http import _vector_stores as vs_wire
from tests.fake_model import FakeModel, text, tool_calls
from tests.http.support import wait_for_file

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

VS = vector_store_pb2
M = TypeVar("M", bound=pydantic.BaseModel)
LIST_KEYS = {"object", "data", "first_id", "last_id", "has_more"}
PAGE_KEYS = {"object", "data", "has_more", "next_page"}
SEARCH_PAGE_KEYS = {*PAGE_KEYS, "search_query"}
ERROR_KEYS = {"message", "type", "param", "code"}
CONTENT_INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
# The smallest PNG: a 1x1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
CATS = b"Cats purr when content and kittens chase mice at night in the barn."
ROCKETS = b"A rocket engine burns kerosene with liquid oxygen and the nozzle gives thrust."
MARKER = "\u30100:0\u2020cats.txt\u3011"


# Strict validation against the SDK models.


def conform(model: type[M], data: Any, *, omitted: Iterable[str] = ()) -> M:
    """data validated strictly as `model`; no unknown field and no missing one at any depth.
    `omitted` lists the dotted paths ("[]" for list items) the reference lets a reply leave
    out."""
    if model is VectorStore and isinstance(data, dict) and data.get("name", "") is None:
        data = {**data, "name": ""}  # null, as the hosted API sent it (module docstring)
    parsed = model.model_validate(data, strict=True)
    problems: list[str] = []
    _walk(parsed, "", problems, frozenset(omitted))
    assert not problems, (model.__name__, problems, data)
    return parsed


def _walk(value: Any, path: str, problems: list[str], omitted: frozenset[str]) -> None:
    if isinstance(value, pydantic.BaseModel):
        if value.model_extra:
            problems.append(f"{path or '<root>'}: unknown fields {sorted(value.model_extra)}")
        for name in type(value).model_fields:
            where = f"{path}.{name}" if path else name
            if name not in value.model_fields_set and where not in omitted:
                problems.append(f"{where}: missing")
            _walk(getattr(value, name), where, problems, omitted)
    elif isinstance(value, list):
        for item in value:
            _walk(item, f"{path}[]", problems, omitted)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, path, problems, omitted)


def body(response: Any) -> Any:
    """The JSON of a with_raw_response call."""
    return json.loads(response.http_response.content)


def a_list(data: Any, model: type[pydantic.BaseModel], **kw: Any) -> list[Any]:
    assert set(data) == LIST_KEYS, data
    assert data["object"] == "list" and isinstance(data["has_more"], bool)
    items = data["data"]
    if items:
        assert (data["first_id"], data["last_id"]) == (items[0]["id"], items[-1]["id"])
    else:
        assert data["first_id"] is None and data["last_id"] is None
    return [conform(model, item, **kw) for item in items]


def error_of(failure: openai.APIStatusError, status: int) -> dict[str, Any]:
    assert failure.status_code == status, (failure.status_code, failure.body)
    raw = json.loads(failure.response.content)
    assert set(raw) == {"error"} and set(raw["error"]) == ERROR_KEYS, raw
    assert raw["error"]["type"] == "invalid_request_error"
    error: dict[str, Any] = raw["error"]
    return error


async def upload(sdk: openai.AsyncOpenAI, name: str, data: bytes) -> FileObject:
    return await sdk.files.create(file=(name, data), purpose="assistants")


# Files (§3.6).


async def test_the_file_object_and_its_delete_stub_conform(sdk: openai.AsyncOpenAI) -> None:
    created = body(
        await sdk.files.with_raw_response.create(file=("a.txt", CATS), purpose="assistants")
    )
    made = conform(FileObject, created)
    assert made.id.startswith("file-") and made.object == "file"
    assert (made.bytes, made.filename, made.purpose) == (len(CATS), "a.txt", "assistants")
    assert made.status in ("uploaded", "processed")
    assert created["expires_at"] is None and created["status_details"] is None

    assert body(await sdk.files.with_raw_response.retrieve(made.id)) == created
    listed = a_list(body(await sdk.files.with_raw_response.list()), FileObject)
    assert [f.id for f in listed] == [made.id]

    expiring = body(
        await sdk.files.with_raw_response.create(
            file=("soon.png", PNG),
            purpose="vision",
            expires_after={"anchor": "created_at", "seconds": 2_592_000},
        )
    )
    assert conform(FileObject, expiring).expires_at == expiring["created_at"] + 2_592_000

    gone = body(await sdk.files.with_raw_response.delete(made.id))
    assert conform(FileDeleted, gone) == FileDeleted(id=made.id, object="file", deleted=True)
    assert set(gone) == {"id", "object", "deleted"}


@pytest.mark.parametrize("purpose", ["assistants", "batch", "fine-tune", "vision", "user_data"])
async def test_every_sdk_upload_purpose_is_accepted_and_echoed(
    sdk: openai.AsyncOpenAI, purpose: Any
) -> None:
    created = body(
        await sdk.files.with_raw_response.create(file=("d.jsonl", b'{"a":1}\n'), purpose=purpose)
    )
    assert conform(FileObject, created).purpose == purpose


async def test_an_evals_upload_is_accepted(sdk: openai.AsyncOpenAI) -> None:
    """`evals` is an upload purpose (FilePurpose, §3.6) though FileObject.purpose's Literal
    lacks it: an SDK inconsistency, so only the echo is checked here."""
    created = body(
        await sdk.files.with_raw_response.create(file=("e.jsonl", b"{}\n"), purpose="evals")
    )
    assert created["purpose"] == "evals" and created["object"] == "file"


async def test_every_file_shape_the_sdk_sends_is_accepted(
    sdk: openai.AsyncOpenAI, tmp_path: Path
) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"# notes")
    shapes: list[tuple[Any, str]] = [
        (b"raw", "upload"),  # httpx names an unnamed part "upload"
        (io.BytesIO(b"stream"), "upload"),
        (path, "notes.md"),
        (("typed.json", b"{}", "application/json"), "typed.json"),
    ]
    for shape, name in shapes:
        created = body(await sdk.files.with_raw_response.create(file=shape, purpose="user_data"))
        assert conform(FileObject, created).filename == name


async def test_files_list_params_the_sdk_sends(sdk: openai.AsyncOpenAI) -> None:
    first = await upload(sdk, "1.txt", b"one")
    second = await sdk.files.create(file=("2.png", PNG), purpose="vision")
    raw = body(await sdk.files.with_raw_response.list(limit=10_000, order="asc"))
    assert [f.id for f in a_list(raw, FileObject)] == [first.id, second.id]
    only = body(await sdk.files.with_raw_response.list(purpose="vision", limit=1))
    assert [f.id for f in a_list(only, FileObject)] == [second.id]
    assert only["has_more"] is False
    paged = [f.id async for f in sdk.files.list(limit=1, order="asc")]
    assert paged == [first.id, second.id]
    empty = body(await sdk.files.with_raw_response.list(purpose="batch"))
    assert a_list(empty, FileObject) == []


async def test_file_waiting_and_download_helpers(sdk: openai.AsyncOpenAI) -> None:
    made = await upload(sdk, "w.txt", CATS)
    waited = await sdk.files.wait_for_processing(made.id, poll_interval=0.05)
    assert waited.status == "processed"
    image = await sdk.files.create(file=("i.png", PNG), purpose="vision")
    assert (await sdk.files.content(image.id)).content == PNG


async def test_file_errors_the_sdk_user_hits(sdk: openai.AsyncOpenAI) -> None:
    missing = "file-" + "b" * 24
    for call in (
        sdk.files.retrieve(missing),
        sdk.files.delete(missing),
        sdk.files.content(missing),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            await call
        error = error_of(caught.value, 404)
        assert error == {
            "message": f"No such File object: {missing}",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }

    made = await upload(sdk, "secret.txt", CATS)
    with pytest.raises(openai.BadRequestError) as bad:
        await sdk.files.content(made.id)
    error = error_of(bad.value, 400)
    assert error["message"] == "Not allowed to download files of purpose: assistants"
    assert (error["param"], error["code"]) == (None, None)

    cases: list[tuple[Any, str, str]] = [
        (sdk.files.list(limit=0), "limit", "integer_below_min_value"),
        (sdk.files.list(limit=10_001), "limit", "integer_above_max_value"),
        (sdk.files.list(order="up"), "order", "invalid_value"),  # type: ignore[arg-type]
        (
            sdk.files.create(file=("a.txt", b"x"), purpose="assistants_output"),  # type: ignore[arg-type]
            "purpose",
            "invalid_value",
        ),
        (
            sdk.files.create(
                file=("a.txt", b"x"),
                purpose="vision",
                expires_after={"anchor": "created_at", "seconds": 2_592_001},
            ),
            "expires_after.seconds",
            "integer_above_max_value",
        ),
        (
            sdk.files.create(
                file=("a.txt", b"x"),
                purpose="vision",
                expires_after={"anchor": "last_active_at", "seconds": 3600},  # type: ignore[typeddict-item]
            ),
            "expires_after.anchor",
            "invalid_value",
        ),
    ]
    for call, param, code in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            await call
        error = error_of(caught.value, 400)
        assert (error["param"], error["code"]) == (param, code), error

    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.files.retrieve("xyz")
    error = error_of(caught.value, 400)
    assert error["param"] == "file_id"
    assert error["message"] == "Invalid 'file_id': 'xyz'. Expected an ID that begins with 'file'."


async def test_a_batch_file_expires_after_30_days_by_default(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(file=("b.jsonl", b'{"a":1}\n'), purpose="batch")
    assert created.expires_at == created.created_at + 30 * 86400


# Vector stores (§3.7).


async def test_the_vector_store_object_conforms_through_its_lifecycle(
    sdk: openai.AsyncOpenAI,
) -> None:
    created = body(
        await sdk.vector_stores.with_raw_response.create(
            name="docs",
            description="not on the object",
            metadata={"team": "search"},
            expires_after={"anchor": "last_active_at", "days": 365},
        )
    )
    store = conform(VectorStore, created)
    assert store.id.startswith("vs_") and store.object == "vector_store"
    assert store.status == "completed" and store.usage_bytes == 0
    assert store.file_counts.model_dump() == dict.fromkeys(
        ("cancelled", "completed", "failed", "in_progress", "total"), 0
    )
    assert store.expires_after is not None
    assert store.expires_after.model_dump() == {"anchor": "last_active_at", "days": 365}
    assert store.expires_at == store.last_active_at + 365 * 86400  # type: ignore[operator]
    assert "description" not in created  # the SDK has no such field on the object

    assert body(await sdk.vector_stores.with_raw_response.retrieve(store.id)) == created
    cleared = body(
        await sdk.vector_stores.with_raw_response.update(
            store.id, name="manuals", expires_after=None, metadata=None
        )
    )
    assert conform(VectorStore, cleared).name == "manuals"
    assert cleared["expires_after"] is None and cleared["expires_at"] is None
    assert cleared["metadata"] == {}

    unnamed = body(await sdk.vector_stores.with_raw_response.create(metadata=None))
    assert unnamed["name"] is None  # as the hosted API sent it (module docstring)
    conform(VectorStore, unnamed)
    assert set(unnamed) == set(created)

    listed = a_list(body(await sdk.vector_stores.with_raw_response.list(limit=100)), VectorStore)
    assert [s.id for s in listed] == [unnamed["id"], store.id]
    before = body(await sdk.vector_stores.with_raw_response.list(before=unnamed["id"]))
    assert [s.id for s in a_list(before, VectorStore)] == []
    after = body(await sdk.vector_stores.with_raw_response.list(after=unnamed["id"], order="desc"))
    assert [s.id for s in a_list(after, VectorStore)] == [store.id]

    deleted = body(await sdk.vector_stores.with_raw_response.delete(store.id))
    assert conform(VectorStoreDeleted, deleted).object == "vector_store.deleted"
    assert deleted == {"id": store.id, "object": "vector_store.deleted", "deleted": True}


async def test_files_batches_content_and_search_conform(
    sdk: openai.AsyncOpenAI, ingestion: object
) -> None:
    store = await sdk.vector_stores.create(name="animals")
    cats = await upload(sdk, "cats.txt", CATS)
    static = {
        "type": "static",
        "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50},
    }
    attached = body(
        await sdk.vector_stores.files.with_raw_response.create(
            store.id,
            file_id=cats.id,
            attributes={"topic": "cats", "year": 2024, "score": 1.5, "draft": False},
            chunking_strategy=static,  # type: ignore[arg-type]
        )
    )
    vsf = conform(VectorStoreFile, attached)
    assert (vsf.id, vsf.object, vsf.vector_store_id) == (cats.id, "vector_store.file", store.id)
    assert attached["chunking_strategy"] == static and attached["last_error"] is None
    assert vsf.status in ("in_progress", "completed")
    in_progress = body(await sdk.vector_stores.with_raw_response.retrieve(store.id))
    conform(VectorStore, in_progress)

    done = await wait_for_file(sdk, store.id, cats.id)
    assert done.status == "completed" and done.usage_bytes > 0
    got = body(
        await sdk.vector_stores.files.with_raw_response.retrieve(cats.id, vector_store_id=store.id)
    )
    conform(VectorStoreFile, got)
    assert got["attributes"] == {"topic": "cats", "year": 2024, "score": 1.5, "draft": False}

    rockets = await upload(sdk, "rockets.txt", ROCKETS)
    png = await upload(sdk, "p.png", PNG)
    batch_raw = body(
        await sdk.vector_stores.file_batches.with_raw_response.create(
            store.id,
            file_ids=[rockets.id, png.id],
            attributes={"topic": "mixed"},
            chunking_strategy={"type": "auto"},
        )
    )
    batch = conform(VectorStoreFileBatch, batch_raw)
    assert batch.id.startswith("vsfb_") and batch.object == "vector_store.files_batch"
    assert batch.status == "in_progress" and batch.file_counts.total == 2
    polled = await sdk.vector_stores.file_batches.poll(
        batch.id, vector_store_id=store.id, poll_interval_ms=100
    )
    assert polled.status == "completed"
    assert (polled.file_counts.completed, polled.file_counts.failed) == (1, 1)
    again = body(
        await sdk.vector_stores.file_batches.with_raw_response.retrieve(
            batch.id, vector_store_id=store.id
        )
    )
    conform(VectorStoreFileBatch, again)

    in_batch = body(
        await sdk.vector_stores.file_batches.with_raw_response.list_files(
            batch.id, vector_store_id=store.id, order="asc", limit=100, filter="failed"
        )
    )
    (failed,) = a_list(in_batch, VectorStoreFile)
    assert failed.id == png.id and failed.status == "failed"
    assert failed.last_error is not None and failed.last_error.code == "unsupported_file"
    assert failed.attributes == {"topic": "mixed"}
    assert failed.chunking_strategy is not None and failed.chunking_strategy.type == "static"

    everything = body(await sdk.vector_stores.files.with_raw_response.list(store.id, limit=2))
    assert len(a_list(everything, VectorStoreFile)) == 2 and everything["has_more"] is True
    older = body(
        await sdk.vector_stores.files.with_raw_response.list(
            store.id, before=everything["last_id"], order="desc"
        )
    )
    assert [f.id for f in a_list(older, VectorStoreFile)] == [everything["first_id"]]
    counted = conform(
        VectorStore, body(await sdk.vector_stores.with_raw_response.retrieve(store.id))
    )
    assert counted.file_counts.model_dump() == {
        "cancelled": 0,
        "completed": 2,
        "failed": 1,
        "in_progress": 0,
        "total": 3,
    }

    content = body(
        await sdk.vector_stores.files.with_raw_response.content(cats.id, vector_store_id=store.id)
    )
    assert set(content) == PAGE_KEYS and content["object"] == "vector_store.file_content.page"
    assert (content["has_more"], content["next_page"]) == (False, None)
    parts = [conform(FileContentResponse, part) for part in content["data"]]
    assert parts and all(p.type == "text" for p in parts)
    assert "purr" in "".join(p.text or "" for p in parts)

    found = body(
        await sdk.vector_stores.with_raw_response.search(
            store.id,
            query=["rocket nozzle", "kerosene"],
            max_num_results=5,
            rewrite_query=False,
            ranking_options={"ranker": "auto", "score_threshold": 0.0},
            filters={
                "type": "or",
                "filters": [
                    {"type": "eq", "key": "topic", "value": "mixed"},
                    {
                        "type": "and",
                        "filters": [
                            {"type": "gte", "key": "year", "value": 2024},
                            {"type": "lt", "key": "score", "value": 2},
                            {"type": "ne", "key": "draft", "value": True},
                            {"type": "in", "key": "topic", "value": ["cats", 7]},
                            {"type": "nin", "key": "topic", "value": ["dogs"]},
                        ],
                    },
                ],
            },
        )
    )
    assert set(found) == SEARCH_PAGE_KEYS, found
    assert found["object"] == "vector_store.search_results.page"
    assert found["search_query"] == ["rocket nozzle", "kerosene"]
    assert (found["has_more"], found["next_page"]) == (False, None)
    hits = [conform(VectorStoreSearchResponse, hit) for hit in found["data"]]
    assert hits[0].file_id == rockets.id and hits[0].filename == "rockets.txt"
    assert {h.file_id for h in hits} == {rockets.id, cats.id}
    assert all(0 <= h.score <= 1 and h.content and h.content[0].type == "text" for h in hits)
    for ranker in ("none", "default-2024-11-15"):
        ranked = await sdk.vector_stores.search(
            store.id,
            query="cats",
            ranking_options={"ranker": ranker},  # type: ignore[typeddict-item]
        )
        assert ranked.data and ranked.data[0].file_id == cats.id

    updated = body(
        await sdk.vector_stores.files.with_raw_response.update(
            cats.id, vector_store_id=store.id, attributes=None
        )
    )
    assert conform(VectorStoreFile, updated).attributes == {}
    deleted = body(
        await sdk.vector_stores.files.with_raw_response.delete(cats.id, vector_store_id=store.id)
    )
    assert conform(VectorStoreFileDeleted, deleted).object == "vector_store.file.deleted"
    assert deleted == {"id": cats.id, "object": "vector_store.file.deleted", "deleted": True}


async def test_the_sdk_poll_helpers_finish(sdk: openai.AsyncOpenAI, ingestion: object) -> None:
    """upload_and_poll and create_and_poll send X-Stainless-Poll-Helper (and a custom
    interval); without a poll_interval_ms the SDK waits the default 1 s, as the server sends
    no openai-poll-after-ms."""
    store = await sdk.vector_stores.create()
    one = await sdk.vector_stores.files.upload_and_poll(
        vector_store_id=store.id, file=("one.txt", CATS), poll_interval_ms=50
    )
    assert one.status == "completed" and one.object == "vector_store.file"
    made = await upload(sdk, "two.txt", ROCKETS)
    two = await sdk.vector_stores.files.create_and_poll(
        file_id=made.id,
        vector_store_id=store.id,
        attributes={"n": 1},
        chunking_strategy={"type": "auto"},
    )
    assert two.status == "completed" and two.attributes == {"n": 1}
    batch = await sdk.vector_stores.file_batches.upload_and_poll(
        store.id,
        files=[("three.txt", b"tomatoes need sun")],
        file_ids=[made.id],
        poll_interval_ms=50,
    )
    assert batch.status == "completed" and batch.file_counts.total == 2
    per_file = await sdk.vector_stores.file_batches.create_and_poll(
        store.id,
        files=[
            {"file_id": made.id, "attributes": {"k": "v"}, "chunking_strategy": {"type": "auto"}}
        ],
        poll_interval_ms=50,
    )
    assert per_file.file_counts.completed == 1
    response = await sdk.vector_stores.files.with_raw_response.retrieve(
        made.id,
        vector_store_id=store.id,
        extra_headers={"X-Stainless-Poll-Helper": "true", "X-Stainless-Custom-Poll-Interval": "50"},
    )
    conform(VectorStoreFile, body(response))


async def test_vector_store_errors_the_sdk_user_hits(sdk: openai.AsyncOpenAI) -> None:
    missing_store = "vs_" + "a" * 24
    missing_file = "file-" + "b" * 24
    missing_batch = "vsfb_" + "c" * 24
    store = await sdk.vector_stores.create()
    for call in (
        sdk.vector_stores.retrieve(missing_store),
        sdk.vector_stores.update(missing_store, name="x"),
        sdk.vector_stores.delete(missing_store),
        sdk.vector_stores.search(missing_store, query="q"),
        sdk.vector_stores.files.list(missing_store),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            await call
        error = error_of(caught.value, 404)
        assert error["message"] == f"No vector store found with id '{missing_store}'."
        assert (error["param"], error["code"]) == (None, None)

    for call in (
        sdk.vector_stores.create(file_ids=[missing_file]),
        sdk.vector_stores.files.create(store.id, file_id=missing_file),
        sdk.vector_stores.file_batches.create(store.id, file_ids=[missing_file]),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            await call
        assert error_of(caught.value, 404)["message"] == f"No such File object: {missing_file}"

    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.vector_stores.files.retrieve(missing_file, vector_store_id=store.id)
    assert error_of(caught.value, 404)["param"] is None
    for batch_call in (
        sdk.vector_stores.file_batches.retrieve(missing_batch, vector_store_id=store.id),
        sdk.vector_stores.file_batches.cancel(missing_batch, vector_store_id=store.id),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            await batch_call
        error_of(caught.value, 404)

    cases: list[tuple[Any, str, str]] = [
        (sdk.vector_stores.list(limit=101), "limit", "integer_above_max_value"),
        (sdk.vector_stores.files.list(store.id, filter="done"), "filter", "invalid_value"),  # type: ignore[arg-type]
        (
            sdk.vector_stores.create(file_ids=[missing_file] * 501),
            "file_ids",
            "array_above_max_length",
        ),
        (
            sdk.vector_stores.create(expires_after={"anchor": "last_active_at", "days": 0}),
            "expires_after.days",
            "integer_below_min_value",
        ),
        (
            sdk.vector_stores.search(store.id, query="q", max_num_results=51),
            "max_num_results",
            "integer_above_max_value",
        ),
        (
            sdk.vector_stores.files.create(
                store.id,
                file_id=missing_file,
                chunking_strategy={
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 4097, "chunk_overlap_tokens": 0},
                },
            ),
            "chunking_strategy.static.max_chunk_size_tokens",
            "integer_above_max_value",
        ),
    ]
    for call, param, code in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            await call
        error = error_of(caught.value, 400)
        assert (error["param"], error["code"]) == (param, code), error


# The objects' JSON for states hard to reach over HTTP.


def test_states_a_test_cannot_wait_for_conform() -> None:
    expired = VS.VectorStore(
        id="vs_x",
        object="vector_store",
        created_at=1,
        name="old",
        usage_bytes=0,
        status=VS.VECTOR_STORE_STATUS_EXPIRED,
        expires_after=VS.ExpiresAfter(anchor=VS.EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT, days=1),
        expires_at=86401,
        last_active_at=1,
    )
    assert conform(VectorStore, vs_wire.vector_store(expired)).status == "expired"

    legacy = VS.VectorStoreFile(
        id="file-x",
        object="vector_store.file",
        created_at=1,
        vector_store_id="vs_x",
        status=VS.VECTOR_STORE_FILE_STATUS_FAILED,
        last_error=common_pb2.LastError(code=common_pb2.ERROR_CODE_INVALID_PROMPT, message="m"),
        chunking_strategy=tools_pb2.ChunkingStrategy(type=tools_pb2.CHUNKING_STRATEGY_TYPE_OTHER),
    )
    reported = vs_wire.vector_store_file(legacy)
    assert reported["chunking_strategy"] == {"type": "other"}
    assert reported["last_error"] == {"code": "server_error", "message": "m"}
    conform(VectorStoreFile, reported)

    cancelled = VS.VectorStoreFileBatch(
        id="vsfb_x",
        object="vector_store.files_batch",
        created_at=1,
        vector_store_id="vs_x",
        status=VS.VECTOR_STORE_FILE_STATUS_CANCELLED,
    )
    assert conform(VectorStoreFileBatch, vs_wire.file_batch(cancelled)).status == "cancelled"


# file_search in runs: the step's tool call and the message's citation.


async def test_a_file_search_step_and_its_citation_conform(
    sdk: openai.AsyncOpenAI, model: FakeModel, ingestion: object
) -> None:
    store = await sdk.vector_stores.create(name="pets")
    cats = await upload(sdk, "cats.txt", CATS)
    await sdk.vector_stores.files.create_and_poll(
        file_id=cats.id, vector_store_id=store.id, poll_interval_ms=50
    )
    assistant = await sdk.beta.assistants.create(
        model="gpt-4o",
        tools=[
            {
                "type": "file_search",
                "file_search": {"ranking_options": {"ranker": "auto", "score_threshold": 0.1}},
            }
        ],
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    model.script(tool_calls(("file_search", {"queries": ["cats purr"]})), text(f"Yes{MARKER}."))
    run = await sdk.beta.threads.create_and_run_poll(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "Do cats purr?"}]},
        poll_interval_ms=50,
    )
    assert run.status == "completed", run.last_error

    with_content = body(
        await sdk.beta.threads.runs.steps.with_raw_response.list(
            thread_id=run.thread_id, run_id=run.id, include=[CONTENT_INCLUDE]
        )
    )
    steps = a_list(with_content, RunStep)
    step = next(s for s in steps if s.type == "tool_calls")
    (call,) = step.step_details.tool_calls  # type: ignore[union-attr]
    assert isinstance(call, FileSearchToolCall)
    raw_call = next(d for d in with_content["data"] if d["type"] == "tool_calls")
    raw_call = raw_call["step_details"]["tool_calls"][0]
    conform(FileSearchToolCall, raw_call)
    assert call.file_search.ranking_options is not None
    assert call.file_search.ranking_options.model_dump() == {
        "ranker": "default_2024_08_21",  # auto, resolved (§9.2)
        "score_threshold": 0.1,
    }
    (result,) = call.file_search.results or []
    assert (result.file_id, result.file_name) == (cats.id, "cats.txt")
    assert (
        result.content
        and result.content[0].type == "text"
        and "purr" in (result.content[0].text or "")
    )

    plain = await sdk.beta.threads.runs.steps.with_raw_response.retrieve(
        step.id, thread_id=run.thread_id, run_id=run.id
    )
    plain_call = body(plain)["step_details"]["tool_calls"][0]
    # content is only there when asked for with include[] (FileSearchResult.content).
    parsed = conform(FileSearchToolCall, plain_call, omitted={"file_search.results[].content"})
    assert all(r.content is None for r in parsed.file_search.results or [])

    messages = body(await sdk.beta.threads.messages.with_raw_response.list(thread_id=run.thread_id))
    answer = a_list(messages, Message)[0]
    raw_annotation = messages["data"][0]["content"][0]["text"]["annotations"][0]
    cited = conform(FileCitationAnnotation, raw_annotation)
    assert cited.file_citation.file_id == cats.id and cited.text == MARKER
    value = answer.content[0].text.value  # type: ignore[union-attr]
    assert value[cited.start_index : cited.end_index] == MARKER


# Bugs found and fixed.


async def test_a_static_strategy_with_no_overlap_is_ingested(
    sdk: openai.AsyncOpenAI, ingestion: object
) -> None:
    store = await sdk.vector_stores.create()
    made = await upload(sdk, "words.txt", b"word " * 600)
    no_overlap = {
        "type": "static",
        "static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 0},
    }
    attached = await sdk.vector_stores.files.create(
        store.id,
        file_id=made.id,
        chunking_strategy=no_overlap,  # type: ignore[arg-type]
    )
    assert attached.chunking_strategy is not None
    assert attached.chunking_strategy.model_dump() == no_overlap
    done = await wait_for_file(sdk, store.id, made.id)
    assert (done.status, done.last_error) == ("completed", None)
