"""/v1/files end to end: the real `openai` SDK (and raw HTTP for what the SDK cannot send)
against the real HTTP server.

Expected behaviour comes from the reference digest (/work/shared/reference/assistants-api.md):
§0 (multipart upload, no beta header on files), §2 (list limits, the delete stub `object:
"file"`), §3.6 (the File object, purposes, downloads refused for assistants), §11 (errors).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest

from service.app import IssuedKey
from service.http._files import MAX_UPLOAD_BODY_BYTES
from service.http.server import MAX_BODY_BYTES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FILE_KEYS = {
    "id",
    "object",
    "bytes",
    "created_at",
    "expires_at",
    "filename",
    "purpose",
    "status",
    "status_details",
}
# The smallest PNG: a 1x1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def _auth(key: IssuedKey, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.secret}", **extra}


async def _post_form(
    session: aiohttp.ClientSession, http_url: str, key: IssuedKey, parts: list[tuple[str, Any]]
) -> tuple[int, Any]:
    """A multipart form with the parts in the order given; ("file", (name, bytes))."""
    form = aiohttp.FormData()
    for name, value in parts:
        if isinstance(value, tuple):
            form.add_field(name, value[1], filename=value[0])
        else:
            form.add_field(name, value)
    async with session.post(f"{http_url}/files", data=form, headers=_auth(key)) as response:
        return response.status, json.loads(await response.read())


def assert_bad_request(failure: openai.APIStatusError, param: str | None, code: str | None) -> None:
    assert failure.status_code == 400, failure
    assert failure.body is not None and isinstance(failure.body, dict)
    assert failure.body["type"] == "invalid_request_error"
    assert (failure.body["param"], failure.body["code"]) == (param, code), failure.body


# Upload, retrieve, list.


async def test_an_upload_from_bytes_is_a_file_object(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(file=("notes.txt", b"hello files\n"), purpose="assistants")
    assert created.id.startswith("file-")
    assert created.object == "file"
    assert (created.bytes, created.filename, created.purpose) == (12, "notes.txt", "assistants")
    assert created.status in ("uploaded", "processed")
    assert created.expires_at is None

    raw = await sdk.files.with_raw_response.retrieve(created.id)
    body = json.loads(raw.http_response.content)
    assert set(body) == FILE_KEYS  # nullable fields are present as null
    assert body["expires_at"] is None and body["status_details"] is None
    assert raw.parse() == created


async def test_expires_after_sets_expires_at(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(
        file=("soon.txt", b"x"),
        purpose="user_data",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert created.expires_at == created.created_at + 3600

    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.files.create(
            file=("soon.txt", b"x"),
            purpose="user_data",
            expires_after={"anchor": "created_at", "seconds": 10},
        )
    assert_bad_request(caught.value, "expires_after.seconds", "integer_below_min_value")


async def test_list_filters_by_purpose_and_pages(sdk: openai.AsyncOpenAI) -> None:
    text = await sdk.files.create(file=("a.txt", b"a"), purpose="assistants")
    image = await sdk.files.create(file=("a.png", PNG), purpose="vision")

    vision = await sdk.files.list(purpose="vision")
    assert [f.id for f in vision.data] == [image.id]
    everything = [f.id async for f in sdk.files.list(limit=1)]  # the SDK pages with `after`
    assert sorted(everything) == sorted([text.id, image.id])
    ascending = await sdk.files.list(order="asc")
    assert [f.id for f in ascending.data] == [text.id, image.id]
    descending = await sdk.files.list()
    assert [f.id for f in descending.data] == [image.id, text.id]

    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.files.list(limit=10_001)
    assert_bad_request(caught.value, "limit", "integer_above_max_value")


async def test_a_multi_mb_upload_streams_past_the_json_body_limit(
    sdk: openai.AsyncOpenAI,
) -> None:
    """Larger than the server's 32 MiB JSON body limit: the upload route streams instead."""
    size = MAX_BODY_BYTES + 3 * 1024 * 1024 + 7
    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    created = await sdk.files.create(file=("big.png", data), purpose="vision")
    assert created.bytes == size

    downloaded = await sdk.files.content(created.id)
    assert downloaded.content == data


async def test_an_idempotent_retry_of_an_upload_is_the_same_file(
    sdk: openai.AsyncOpenAI,
) -> None:
    headers = {"Idempotency-Key": f"upload-{uuid.uuid4().hex}"}
    first = await sdk.files.create(
        file=("same.txt", b"once"), purpose="assistants", extra_headers=headers
    )
    again = await sdk.files.create(
        file=("same.txt", b"once"), purpose="assistants", extra_headers=headers
    )
    assert again.id == first.id
    assert [f.id for f in (await sdk.files.list()).data] == [first.id]


# Download.


async def test_a_vision_file_downloads_with_its_type_and_name(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(file=("pixel.png", PNG), purpose="vision")
    raw = await sdk.files.with_raw_response.content(created.id)
    assert raw.http_response.content == PNG
    headers = raw.http_response.headers
    assert headers["content-type"] == "image/png"
    assert headers["content-length"] == str(len(PNG))
    assert headers["content-disposition"].startswith("attachment;")
    assert 'filename="pixel.png"' in headers["content-disposition"]


async def test_a_non_ascii_name_is_carried_in_rfc5987_form(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(file=("résumé.png", PNG), purpose="vision")
    raw = await sdk.files.with_raw_response.content(created.id)
    disposition = raw.http_response.headers["content-disposition"]
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9.png" in disposition
    assert disposition.isascii()


async def test_assistants_files_are_not_downloadable(sdk: openai.AsyncOpenAI) -> None:
    created = await sdk.files.create(file=("secret.txt", b"private"), purpose="assistants")
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.files.content(created.id)
    assert_bad_request(caught.value, None, None)
    assert caught.value.body["message"] == "Not allowed to download files of purpose: assistants"  # type: ignore[index]


# Delete, unknown ids, other projects.


async def test_delete_returns_the_file_stub_and_the_file_is_gone(
    sdk: openai.AsyncOpenAI,
) -> None:
    created = await sdk.files.create(file=("gone.txt", b"bye"), purpose="assistants")
    raw = await sdk.files.with_raw_response.delete(created.id)
    assert json.loads(raw.http_response.content) == {
        "id": created.id,
        "object": "file",
        "deleted": True,
    }
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.files.retrieve(created.id)
    assert caught.value.body == {
        "message": f"No such File object: {created.id}",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    assert [f.id for f in (await sdk.files.list()).data] == []


async def test_another_project_does_not_see_the_file(
    sdk: openai.AsyncOpenAI, other_sdk: openai.AsyncOpenAI
) -> None:
    created = await sdk.files.create(file=("mine.png", PNG), purpose="vision")
    for call in (
        other_sdk.files.retrieve(created.id),
        other_sdk.files.content(created.id),
        other_sdk.files.delete(created.id),
    ):
        with pytest.raises(openai.NotFoundError) as caught:
            await call
        assert caught.value.body["message"] == f"No such File object: {created.id}"  # type: ignore[index]
    assert (await other_sdk.files.list()).data == []
    assert (await sdk.files.retrieve(created.id)).id == created.id


async def test_a_malformed_id_is_a_400(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await sdk.files.retrieve("vs_abc")
    assert_bad_request(caught.value, "file_id", None)


# The form, over raw HTTP.


async def test_the_file_part_may_come_before_the_purpose(
    session: aiohttp.ClientSession, http_url: str, key: IssuedKey
) -> None:
    """curl and the Node SDK send `file` first: the part is kept until the purpose comes."""
    status, body = await _post_form(
        session,
        http_url,
        key,
        [
            ("file", ("first.txt", b"file first")),
            ("purpose", "assistants"),
            ("expires_after[anchor]", "created_at"),
            ("expires_after[seconds]", "7200"),
        ],
    )
    assert status == 200, body
    assert (body["filename"], body["bytes"], body["purpose"]) == ("first.txt", 10, "assistants")
    assert body["expires_at"] == body["created_at"] + 7200


@pytest.mark.parametrize(
    ("parts", "param", "code"),
    [
        ([("file", ("a.txt", b"a"))], "purpose", "missing_required_parameter"),
        ([("purpose", "assistants")], "file", "missing_required_parameter"),
        ([("purpose", "nope"), ("file", ("a.txt", b"a"))], "purpose", "invalid_value"),
        (
            [("purpose", "assistants"), ("colour", "red"), ("file", ("a.txt", b"a"))],
            "colour",
            "unknown_parameter",
        ),
        (
            [
                ("purpose", "assistants"),
                ("expires_after[anchor]", "last_active_at"),
                ("file", ("a.txt", b"a")),
            ],
            "expires_after.anchor",
            "invalid_value",
        ),
        (
            [
                ("purpose", "assistants"),
                ("expires_after[anchor]", "created_at"),
                ("expires_after[seconds]", "soon"),
                ("file", ("a.txt", b"a")),
            ],
            "expires_after.seconds",
            "invalid_type",
        ),
        (
            [("purpose", "assistants"), ("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))],
            "file",
            None,
        ),
    ],
)
async def test_a_bad_form_is_a_400_naming_the_param(
    session: aiohttp.ClientSession,
    http_url: str,
    key: IssuedKey,
    parts: list[tuple[str, Any]],
    param: str,
    code: str | None,
) -> None:
    status, body = await _post_form(session, http_url, key, parts)
    assert status == 400, body
    assert (body["error"]["param"], body["error"]["code"]) == (param, code), body
    async with session.get(f"{http_url}/files", headers=_auth(key)) as listed:
        assert (await listed.json())["data"] == []  # nothing was stored


async def test_a_field_after_a_streamed_file_is_refused_and_nothing_is_stored(
    session: aiohttp.ClientSession, http_url: str, key: IssuedKey
) -> None:
    parts: list[tuple[str, Any]] = [
        ("purpose", "assistants"),
        ("file", ("late.txt", b"late")),
        ("expires_after[anchor]", "created_at"),
    ]
    status, body = await _post_form(session, http_url, key, parts)
    assert status == 400, body
    assert body["error"]["param"] == "expires_after.anchor"
    async with session.get(f"{http_url}/files", headers=_auth(key)) as listed:
        assert (await listed.json())["data"] == []


async def test_a_json_body_is_not_an_upload(
    session: aiohttp.ClientSession, http_url: str, key: IssuedKey
) -> None:
    async with session.post(
        f"{http_url}/files", json={"purpose": "assistants"}, headers=_auth(key)
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"]["type"] == "invalid_request_error"


async def test_a_declared_length_over_the_upload_limit_is_a_413(
    http_url: str, key: IssuedKey
) -> None:
    """Refused from the headers alone, before any of the body is read."""
    host, port = http_url.removeprefix("http://").split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = (
            "POST /v1/files HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            f"Authorization: Bearer {key.secret}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {MAX_UPLOAD_BODY_BYTES + 1}\r\n"
            "\r\n"
        )
        writer.write(head.encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        assert status_line.split()[1] == b"413", status_line
    finally:
        writer.close()


async def test_files_ignore_the_beta_header_vector_stores_do_not(
    session: aiohttp.ClientSession, http_url: str, key: IssuedKey
) -> None:
    wrong = _auth(key, **{"OpenAI-Beta": "assistants=v1"})
    async with session.get(f"{http_url}/files", headers=wrong) as response:
        assert response.status == 200
    async with session.get(f"{http_url}/files", headers=_auth(key)) as response:
        assert response.status == 200
    async with session.get(f"{http_url}/vector_stores", headers=wrong) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalid_beta"
