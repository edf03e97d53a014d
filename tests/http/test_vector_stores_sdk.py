"""/v1/vector_stores end to end: the real `openai` SDK against the real HTTP server, with the
ingestion workers running (the `ingestion` fixture) where files must be processed.

Expected behaviour comes from the reference digest (/work/shared/reference/assistants-api.md):
§0 (nullable fields present as null), §2 (lists, delete stubs, metadata merge, errors), §3.7
(VectorStore, VectorStoreFile with auto chunking reported as static 800/400, the
`vector_store.files_batch` object), §4 (every route, the search page), §11 (errors), §13 (a new
empty store is completed with zero counts).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
from openai.types import FileObject

from service.app import IssuedKey
from tests.fake_model import FakeModel, error
from tests.http.support import wait_for_file

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STORE_KEYS = {
    "id",
    "object",
    "created_at",
    "name",
    "usage_bytes",
    "file_counts",
    "status",
    "expires_after",
    "expires_at",
    "last_active_at",
    "metadata",
}
FILE_KEYS = {
    "id",
    "object",
    "created_at",
    "vector_store_id",
    "usage_bytes",
    "status",
    "last_error",
    "chunking_strategy",
    "attributes",
}
ZERO_COUNTS = {"in_progress": 0, "completed": 0, "failed": 0, "cancelled": 0, "total": 0}
AUTO = {"type": "static", "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}}

CATS = (
    "Cats are small domesticated carnivores. A cat purrs when content, sleeps most of the day "
    "and hunts mice at night. Kittens are born blind and open their eyes after a week."
)
ROCKETS = (
    "# Rocket engines\n\nA liquid-fuel rocket engine burns kerosene or liquid hydrogen with "
    "liquid oxygen in a combustion chamber. The exhaust leaves through a nozzle, and the thrust "
    "propels the rocket into orbit."
)
GARDEN = (
    "Tomatoes need full sun and regular watering. Prune the side shoots of the plants and "
    "support the stems with stakes as the fruit ripens in late summer."
)


@pytest.fixture
async def raw(http_url: str, key: IssuedKey) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(session, http_url, key.secret)


class Raw:
    """JSON calls over plain HTTP, for bodies the SDK's types would not send."""

    def __init__(self, session: aiohttp.ClientSession, base: str, secret: str) -> None:
        self._session = session
        self._base = base
        self._headers = {"Authorization": f"Bearer {secret}", "OpenAI-Beta": "assistants=v2"}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self._session.request(
            method, self._base + path, json=body, headers=self._headers
        ) as response:
            return response.status, json.loads(await response.read())

    async def error(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        status, reply = await self.call(method, path, body)
        assert status == 400, (status, reply)
        assert set(reply["error"]) == {"message", "type", "param", "code"}, reply
        assert reply["error"]["type"] == "invalid_request_error"
        error: dict[str, Any] = reply["error"]
        return error


async def _upload(sdk: openai.AsyncOpenAI, name: str, text: str) -> FileObject:
    return await sdk.files.create(file=(name, text.encode()), purpose="assistants")


async def _json(response: Any) -> Any:
    """The JSON body of a with_raw_response call."""
    return json.loads(response.http_response.content)


# Stores.


async def test_a_new_empty_store_is_completed_with_nulls_present(sdk: openai.AsyncOpenAI) -> None:
    response = await sdk.vector_stores.with_raw_response.create()
    body = await _json(response)
    assert set(body) == STORE_KEYS
    assert body["id"].startswith("vs_")
    assert body["object"] == "vector_store"
    assert (body["status"], body["usage_bytes"], body["file_counts"]) == (
        "completed",
        0,
        ZERO_COUNTS,
    )
    assert body["name"] is None and body["expires_after"] is None and body["expires_at"] is None
    assert body["metadata"] == {}


async def test_store_create_retrieve_update_list_delete(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.vector_stores.create(
        name="docs",
        metadata={"team": "search"},
        expires_after={"anchor": "last_active_at", "days": 7},
    )
    assert created.name == "docs"
    assert created.expires_after is not None and created.expires_after.days == 7
    assert created.expires_at is not None and created.expires_at >= created.created_at + 7 * 86400
    assert await sdk.vector_stores.retrieve(created.id) == created

    updated = await sdk.vector_stores.update(created.id, name="manuals", metadata={"tier": "gold"})
    assert updated.name == "manuals"
    assert updated.metadata == {"team": "search", "tier": "gold"}  # merged (§13)

    no_expiry = await _json(
        await sdk.vector_stores.with_raw_response.update(created.id, expires_after=None)
    )
    assert no_expiry["expires_after"] is None and no_expiry["expires_at"] is None
    assert no_expiry["name"] == "manuals"

    second = await sdk.vector_stores.create(name="second")
    listed = [s.id async for s in sdk.vector_stores.list(limit=1)]
    assert listed == [second.id, created.id]  # newest first, paged by `after`

    deleted = await _json(await sdk.vector_stores.with_raw_response.delete(created.id))
    assert deleted == {"id": created.id, "object": "vector_store.deleted", "deleted": True}
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.vector_stores.retrieve(created.id)
    assert caught.value.body == {
        "message": f"No vector store found with id '{created.id}'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


async def test_another_project_gets_404_for_every_route(
    sdk: openai.AsyncOpenAI, other_sdk: openai.AsyncOpenAI
) -> None:
    store = await sdk.vector_stores.create(name="mine")
    file = await _upload(sdk, "mine.txt", CATS)
    theirs = other_sdk.vector_stores
    calls = [
        theirs.retrieve(store.id),
        theirs.update(store.id, name="stolen"),
        theirs.delete(store.id),
        theirs.files.list(store.id),
        theirs.files.create(store.id, file_id=file.id),
        theirs.file_batches.create(store.id, file_ids=[file.id]),
        theirs.search(store.id, query="cats"),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as caught:
            await call
        assert caught.value.body["message"] == f"No vector store found with id '{store.id}'."  # type: ignore[index]
    assert (await theirs.list()).data == []
    assert (await sdk.vector_stores.retrieve(store.id)).name == "mine"


# Files.


async def test_file_attach_list_update_content_delete(
    sdk: openai.AsyncOpenAI, ingestion: object
) -> None:
    store = await sdk.vector_stores.create(name="animals")
    cats = await _upload(sdk, "cats.txt", CATS)
    response = await sdk.vector_stores.files.with_raw_response.create(
        store.id,
        file_id=cats.id,
        attributes={"topic": "cats", "year": 2024, "draft": False},
        chunking_strategy={
            "type": "static",
            "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50},
        },
    )
    attached = await _json(response)
    assert set(attached) == FILE_KEYS
    assert attached["id"] == cats.id
    assert attached["object"] == "vector_store.file"
    assert attached["vector_store_id"] == store.id
    assert attached["status"] in ("in_progress", "completed")
    assert attached["last_error"] is None
    assert attached["attributes"] == {"topic": "cats", "year": 2024, "draft": False}
    assert attached["chunking_strategy"] == {
        "type": "static",
        "static": {"max_chunk_size_tokens": 200, "chunk_overlap_tokens": 50},
    }

    done = await wait_for_file(sdk, store.id, cats.id)
    assert done.status == "completed" and done.last_error is None
    assert done.usage_bytes > 0

    completed = await sdk.vector_stores.files.list(store.id, filter="completed")
    assert [f.id for f in completed.data] == [cats.id]
    assert (await sdk.vector_stores.files.list(store.id, filter="failed")).data == []
    counted = await sdk.vector_stores.retrieve(store.id)
    assert counted.file_counts.completed == counted.file_counts.total == 1

    updated = await sdk.vector_stores.files.update(
        cats.id, vector_store_id=store.id, attributes={"topic": "felines"}
    )
    assert updated.attributes == {"topic": "felines"}  # replaced, not merged

    pages = await sdk.vector_stores.files.content(cats.id, vector_store_id=store.id)
    text = "".join(part.text or "" for part in pages.data)
    assert "purrs" in text and all(part.type == "text" for part in pages.data)

    deleted = await _json(
        await sdk.vector_stores.files.with_raw_response.delete(cats.id, vector_store_id=store.id)
    )
    assert deleted == {"id": cats.id, "object": "vector_store.file.deleted", "deleted": True}
    assert (await sdk.vector_stores.files.list(store.id)).data == []
    assert (await sdk.files.retrieve(cats.id)).id == cats.id  # the File itself survives


async def test_auto_chunking_reports_static_800_400(sdk: openai.AsyncOpenAI) -> None:
    store = await sdk.vector_stores.create()
    file = await _upload(sdk, "auto.txt", GARDEN)
    response = await sdk.vector_stores.files.with_raw_response.create(
        store.id, file_id=file.id, chunking_strategy={"type": "auto"}
    )
    assert (await _json(response))["chunking_strategy"] == AUTO
    found = await sdk.vector_stores.files.with_raw_response.retrieve(
        file.id, vector_store_id=store.id
    )
    assert (await _json(found))["chunking_strategy"] == AUTO
    assert (await _json(found))["attributes"] == {}


async def test_unknown_ids_are_404s(sdk: openai.AsyncOpenAI) -> None:
    store = await sdk.vector_stores.create()
    missing_store = "vs_" + "a" * 24
    missing_file = "file-" + "b" * 24
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.vector_stores.files.list(missing_store)
    assert caught.value.body["message"] == f"No vector store found with id '{missing_store}'."  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.vector_stores.files.create(store.id, file_id=missing_file)
    assert caught.value.body["message"] == f"No such File object: {missing_file}"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError):
        await sdk.vector_stores.files.retrieve(missing_file, vector_store_id=store.id)
    with pytest.raises(openai.NotFoundError):
        await sdk.vector_stores.file_batches.retrieve("vsfb_" + "c" * 24, vector_store_id=store.id)


# Batches and search.


async def test_upload_and_poll_then_search_finds_the_right_file_first(
    sdk: openai.AsyncOpenAI, ingestion: object
) -> None:
    store = await sdk.vector_stores.create(name="library")
    batch = await sdk.vector_stores.file_batches.upload_and_poll(
        store.id,
        files=[
            ("cats.txt", CATS.encode()),
            ("rockets.md", ROCKETS.encode()),
            ("garden.txt", GARDEN.encode()),
        ],
        poll_interval_ms=100,
    )
    assert batch.object == "vector_store.files_batch"
    assert batch.id.startswith("vsfb_")
    assert batch.status == "completed"
    assert batch.file_counts.completed == batch.file_counts.total == 3
    assert (await sdk.vector_stores.retrieve(store.id)).file_counts.completed == 3

    in_batch = await sdk.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert len(in_batch.data) == 3
    completed = await sdk.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=store.id, filter="completed"
    )
    assert {f.id for f in completed.data} == {f.id for f in in_batch.data}

    raw = await sdk.vector_stores.with_raw_response.search(
        store.id, query="liquid oxygen rocket engine thrust", max_num_results=3
    )
    page = await _json(raw)
    assert page["object"] == "vector_store.search_results.page"
    assert page["search_query"] == ["liquid oxygen rocket engine thrust"]
    assert (page["has_more"], page["next_page"]) == (False, None)
    first = page["data"][0]
    assert set(first) == {"file_id", "filename", "score", "attributes", "content"}
    assert first["filename"] == "rockets.md"
    assert 0 <= first["score"] <= 1
    assert first["content"][0]["type"] == "text" and "nozzle" in first["content"][0]["text"]

    results = await sdk.vector_stores.search(store.id, query=["kittens purr", "mice"])
    assert results.data[0].filename == "cats.txt"


async def test_search_filters_on_attributes(sdk: openai.AsyncOpenAI, ingestion: object) -> None:
    store = await sdk.vector_stores.create()
    cats, garden = await _upload(sdk, "cats.txt", CATS), await _upload(sdk, "garden.txt", GARDEN)
    batch = await sdk.vector_stores.file_batches.create_and_poll(
        store.id,
        files=[
            {"file_id": cats.id, "attributes": {"topic": "animals", "year": 2023}},
            {"file_id": garden.id, "attributes": {"topic": "plants", "year": 2025}},
        ],
        poll_interval_ms=100,
    )
    assert batch.status == "completed"
    attached = await sdk.vector_stores.files.retrieve(cats.id, vector_store_id=store.id)
    assert attached.attributes == {"topic": "animals", "year": 2023}

    query = "cats and tomatoes in the summer sun"
    only_plants = await sdk.vector_stores.search(
        store.id, query=query, filters={"type": "eq", "key": "topic", "value": "plants"}
    )
    assert {hit.file_id for hit in only_plants.data} == {garden.id}
    assert only_plants.data[0].attributes == {"topic": "plants", "year": 2025}
    recent_or_cats = await sdk.vector_stores.search(
        store.id,
        query=query,
        filters={
            "type": "or",
            "filters": [
                {"type": "gte", "key": "year", "value": 2024},
                {"type": "in", "key": "topic", "value": ["animals"]},
            ],
        },
        ranking_options={"ranker": "auto", "score_threshold": 0.0},
        rewrite_query=False,
    )
    assert {hit.file_id for hit in recent_or_cats.data} == {cats.id, garden.id}
    nothing = await sdk.vector_stores.search(
        store.id, query=query, filters={"type": "eq", "key": "topic", "value": "rockets"}
    )
    assert nothing.data == []


async def test_a_batch_can_be_cancelled(
    sdk: openai.AsyncOpenAI, fake_model: FakeModel, ingestion: object
) -> None:
    """Cancelling ends the batch and its files still in progress. The embeddings endpoint
    fails meanwhile, so the workers cannot finish a file before the cancel arrives."""
    store = await sdk.vector_stores.create()
    files = [await _upload(sdk, f"f{i}.txt", GARDEN) for i in range(3)]
    fake_model.script_embeddings(error(500, times=100_000))
    try:
        batch = await sdk.vector_stores.file_batches.create(
            store.id, file_ids=[f.id for f in files]
        )
        assert batch.status == "in_progress" and batch.file_counts.in_progress == 3
        cancelled = await sdk.vector_stores.file_batches.cancel(batch.id, vector_store_id=store.id)
    finally:
        fake_model.reset()
    assert (cancelled.id, cancelled.object, cancelled.status) == (
        batch.id,
        "vector_store.files_batch",
        "cancelled",
    )
    assert cancelled.file_counts.model_dump() == {**ZERO_COUNTS, "cancelled": 3, "total": 3}
    found = await sdk.vector_stores.file_batches.retrieve(batch.id, vector_store_id=store.id)
    assert found == cancelled
    listed = await sdk.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=store.id, filter="cancelled"
    )
    assert sorted(f.id for f in listed.data) == sorted(f.id for f in files)
    assert all(f.status == "cancelled" for f in listed.data)
    assert (await sdk.vector_stores.retrieve(store.id)).file_counts.cancelled == 3


# Bad input.


@pytest.mark.parametrize(
    ("path", "body", "param", "code"),
    [
        ("", {"name": 5}, "name", "invalid_type"),
        ("", {"colour": "red"}, "colour", "unknown_parameter"),
        (
            "",
            {"expires_after": {"anchor": "last_active_at", "days": "7"}},
            "expires_after.days",
            "invalid_type",
        ),
        (
            "",
            {"expires_after": {"anchor": "last_active_at", "days": 366}},
            "expires_after.days",
            "integer_above_max_value",
        ),
        (
            "",
            {"expires_after": {"anchor": "created_at", "days": 3}},
            "expires_after.anchor",
            "invalid_value",
        ),
        ("", {"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
        ("", {"chunking_strategy": {"type": "fancy"}}, "chunking_strategy.type", "invalid_value"),
        ("/{vs}/files", {}, "file_id", "missing_required_parameter"),
        (
            "/{vs}/files",
            {"file_id": "file-x", "attributes": {"k": [1]}},
            "attributes.k",
            "invalid_type",
        ),
        (
            "/{vs}/files",
            {"file_id": "file-" + "a" * 24, "attributes": {f"k{i}": i for i in range(17)}},
            "attributes",
            "object_above_max_properties",
        ),
        (
            "/{vs}/files",
            {
                "file_id": "file-" + "a" * 24,
                "chunking_strategy": {
                    "type": "static",
                    "static": {"max_chunk_size_tokens": 50, "chunk_overlap_tokens": 0},
                },
            },
            "chunking_strategy.static.max_chunk_size_tokens",
            "integer_below_min_value",
        ),
        ("/{vs}/file_batches", {}, "file_ids", "missing_required_parameter"),
        (
            "/{vs}/file_batches",
            {"files": [{"attributes": {}}]},
            "files[0].file_id",
            "missing_required_parameter",
        ),
        ("/{vs}/search", {}, "query", "missing_required_parameter"),
        ("/{vs}/search", {"query": 3}, "query", "invalid_type"),
        (
            "/{vs}/search",
            {"query": "q", "max_num_results": 51},
            "max_num_results",
            "integer_above_max_value",
        ),
        (
            "/{vs}/search",
            {"query": "q", "ranking_options": {"ranker": "best"}},
            "ranking_options.ranker",
            "invalid_value",
        ),
        (
            "/{vs}/search",
            {"query": "q", "filters": {"type": "like", "key": "a", "value": "b"}},
            "filters.type",
            "invalid_value",
        ),
        (
            "/{vs}/search",
            {"query": "q", "filters": {"type": "eq", "value": "b"}},
            "filters.key",
            "missing_required_parameter",
        ),
        (
            "/{vs}/search",
            {
                "query": "q",
                "filters": {"type": "and", "filters": [{"type": "eq", "key": "a", "value": {}}]},
            },
            "filters.filters[0].value",
            "invalid_type",
        ),
    ],
)
async def test_bad_input_is_a_400_naming_the_param(
    raw: Raw, path: str, body: dict[str, Any], param: str, code: str
) -> None:
    status, store = await raw.call("POST", "/vector_stores", {})
    assert status == 200, store
    error = await raw.error("POST", "/vector_stores" + path.replace("{vs}", store["id"]), body)
    assert (error["param"], error["code"]) == (param, code), error


async def test_file_ids_and_files_together_are_refused(raw: Raw, sdk: openai.AsyncOpenAI) -> None:
    store = await sdk.vector_stores.create()
    file = await _upload(sdk, "a.txt", CATS)
    error = await raw.error(
        "POST",
        f"/vector_stores/{store.id}/file_batches",
        {"file_ids": [file.id], "files": [{"file_id": file.id}]},
    )
    assert error["param"] == "files"


async def test_bad_list_queries_are_400s(raw: Raw, sdk: openai.AsyncOpenAI) -> None:
    store = await sdk.vector_stores.create()
    error = await raw.error("GET", "/vector_stores?limit=101")
    assert (error["param"], error["code"]) == ("limit", "integer_above_max_value")
    error = await raw.error("GET", f"/vector_stores/{store.id}/files?filter=done")
    assert (error["param"], error["code"]) == ("filter", "invalid_value")
    error = await raw.error("GET", "/vector_stores/asst_123")
    assert error["param"] == "vector_store_id"


async def test_reads_of_files_in_progress_hint_a_quick_poll(
    sdk: openai.AsyncOpenAI, fake_model: FakeModel, ingestion: object
) -> None:
    """Without openai-poll-after-ms the SDK's poll helpers wait a second between reads."""
    fake_model.embedding_delay = 1.0
    try:
        uploaded = await sdk.files.create(file=("cats.txt", CATS.encode()), purpose="assistants")
        store = await sdk.vector_stores.create(name="hinted")
        created = await sdk.vector_stores.files.with_raw_response.create(
            store.id, file_id=uploaded.id
        )
        assert created.parse().status == "in_progress"
        assert created.headers["openai-poll-after-ms"] == "200"
        batch = await sdk.vector_stores.file_batches.with_raw_response.create(
            store.id, file_ids=[uploaded.id]
        )
        assert batch.headers["openai-poll-after-ms"] == "200"
        done = await sdk.vector_stores.file_batches.poll(batch.parse().id, vector_store_id=store.id)
        assert done.status == "completed"
    finally:
        fake_model.embedding_delay = 0
    read = await sdk.vector_stores.files.with_raw_response.retrieve(
        uploaded.id, vector_store_id=store.id
    )
    assert read.parse().status == "completed"
    assert "openai-poll-after-ms" not in read.headers


async def test_filters_nested_too_deeply_are_a_400_before_they_are_recursed_into(
    sdk: openai.AsyncOpenAI, http_url: str, key: IssuedKey
) -> None:
    store = await sdk.vector_stores.create(name="deep")
    levels = 300  # JSON parses it; a recursive reader of the tree would overflow its stack
    deep = '{"type": "and", "filters": [' * levels + '{"type": "eq", "key": "a", "value": 1}'
    body = '{"query": "x", "filters": ' + deep + "]}" * levels + "}"
    headers = {
        "Authorization": f"Bearer {key.secret}",
        "OpenAI-Beta": "assistants=v2",
        "Content-Type": "application/json",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{http_url}/vector_stores/{store.id}/search", data=body, headers=headers
        ) as r,
    ):
        assert r.status == 400
        error = (await r.json())["error"]
    assert "filters nest too deeply" in error["message"]
