"""FileService through a real gRPC channel: upload (streamed, content-addressed), get, list,
delete with its code_interpreter cascade, download rules by purpose, expiry and isolation.

Expected behaviour: reference §2 (lists; files take limit 1..10,000 and no `before`; delete
answers object "file"), §3.6 (purposes, download refusal), §4 (delete cascades), §11 (404
"No such File object: file-x"), §12 (expires_after.seconds 3600..2592000).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import grpc
import pytest

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    events_pb2,
    file_pb2,
    thread_pb2,
    tools_pb2,
)
from service.app import Application, Principal, RequestContext
from storage import NO_STREAM, Storage, verify_projections
from tests.helpers import Client, field_violation, request_id, upload_messages

F = file_pb2
MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Helpers


async def download(client: Client, file_id: str) -> tuple[file_pb2.File, bytes, list[int]]:
    """The file, its content, and the size of each content message."""
    responses = [r async for r in client.files.DownloadFile(F.DownloadFileRequest(file_id=file_id))]
    assert responses[0].HasField("file") and not responses[0].chunk
    sizes = [len(r.chunk) for r in responses[1:]]
    assert all(not r.HasField("file") for r in responses[1:])
    return responses[0].file, b"".join(r.chunk for r in responses[1:]), sizes


async def rpc_error(call: Awaitable[Any], code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()
    return caught.value


async def download_error(client: Client, file_id: str, code: grpc.StatusCode) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await download(client, file_id)
    assert caught.value.code() == code, caught.value.details()
    return str(caught.value.details())


async def not_found(call: Awaitable[Any], file_id: str) -> None:
    error = await rpc_error(call, grpc.StatusCode.NOT_FOUND)
    assert error.details() == f"No such File object: {file_id}"


async def invalid(call: Awaitable[Any], field: str) -> grpc.aio.AioRpcError:
    error = await rpc_error(call, grpc.StatusCode.INVALID_ARGUMENT)
    assert field_violation(error)[0] == field, error.details()
    return error


async def list_files(client: Client, **kwargs: Any) -> file_pb2.ListFilesResponse:
    result: file_pb2.ListFilesResponse = await client.files.ListFiles(F.ListFilesRequest(**kwargs))
    return result


def ids_of(page: file_pb2.ListFilesResponse) -> list[str]:
    return [f.id for f in page.data]


async def file_events(storage: Storage, client: Client, stream_id: str) -> list[str]:
    events = await storage.events.read_stream(client.project_id, stream_id)
    return [e.type for e in events]


async def blob_count(storage: Storage, sha256: str) -> tuple[int, int]:
    """(blobs rows, stored parts) of a content."""
    row = await storage.pool.fetchrow(
        "SELECT count(*) AS blobs,"
        " (SELECT count(*) FROM blob_parts p JOIN blobs b USING (upload_id)"
        "   WHERE b.sha256 = $1) AS parts"
        " FROM blobs WHERE sha256 = $1",
        sha256,
    )
    assert row is not None
    return row["blobs"], row["parts"]


# ---------------------------------------------------------------------------------------------
# Upload


async def test_upload_small_file(client: Client, storage: Storage) -> None:
    data = b"hello, files\n"
    before = int(time.time())
    file = await client.upload(data, filename="hello.txt", purpose="assistants")
    assert file.id.startswith("file-") and len(file.id) == len("file-") + 24
    assert file.object == "file"
    assert file.bytes == len(data)
    assert file.filename == "hello.txt"
    assert file.purpose == "assistants"
    assert file.status == F.FILE_STATUS_PROCESSED
    assert before <= file.created_at <= int(time.time())
    assert not file.HasField("expires_at")
    assert await client.files.GetFile(F.GetFileRequest(file_id=file.id)) == file
    events = await storage.events.read_stream(client.project_id, file.id)
    assert [e.type for e in events] == ["FileCreated"]
    assert events[0].file_created.sha256 == hashlib.sha256(data).hexdigest()
    assert events[0].file_created.file == file


async def test_upload_many_chunks_over_one_mib(client: Client, storage: Storage) -> None:
    data = os.urandom(2 * MIB + 12345)
    file = await client.upload(data, filename="big.bin", purpose="vision", chunk=700_000)
    assert file.bytes == len(data)
    sha256 = hashlib.sha256(data).hexdigest()
    events = await storage.events.read_stream(client.project_id, file.id)
    assert events[0].file_created.sha256 == sha256
    # Stored in parts of 1 MiB, whatever the client's chunks were.
    assert await blob_count(storage, sha256) == (1, 3)
    got, content, sizes = await download(client, file.id)
    assert got == file
    assert content == data
    assert max(sizes) <= MIB


async def test_empty_file_is_stored(client: Client) -> None:
    file = await client.upload(b"", purpose="vision")
    assert file.bytes == 0
    _, content, sizes = await download(client, file.id)
    assert content == b"" and sizes == []


async def test_filename_keeps_only_the_last_path_part(client: Client) -> None:
    file = await client.upload(b"x", filename="C:\\data\\reports/2024/q1.pdf")
    assert file.filename == "q1.pdf"


async def test_expires_after_sets_expires_at(client: Client) -> None:
    expires = F.FileExpiresAfter(anchor=F.FILE_EXPIRES_AFTER_ANCHOR_CREATED_AT, seconds=3600)
    file = await client.upload(b"soon gone", expires_after=expires)
    assert file.expires_at == file.created_at + 3600


async def test_same_content_is_stored_once(client: Client, storage: Storage) -> None:
    data = os.urandom(MIB + 10)
    sha256 = hashlib.sha256(data).hexdigest()
    first = await client.upload(data, filename="a.bin")
    second = await client.upload(data, filename="b.bin", chunk=MIB // 3)
    assert first.id != second.id
    # One blob, and the second upload's parts were dropped.
    assert await blob_count(storage, sha256) == (1, 2)
    await client.files.DeleteFile(F.DeleteFileRequest(file_id=first.id))
    assert await blob_count(storage, sha256) == (1, 2)
    await client.files.DeleteFile(F.DeleteFileRequest(file_id=second.id))
    assert await blob_count(storage, sha256) == (0, 0)


async def test_upload_with_idempotency_key_is_answered_once(client: Client) -> None:
    key = request_id()
    first = await client.upload(b"once", metadata=key)
    again = await client.upload(b"once", metadata=key)
    assert again == first
    assert ids_of(await list_files(client)) == [first.id]


def _expiring(
    seconds: int,
    anchor: file_pb2.FileExpiresAfterAnchor.ValueType = F.FILE_EXPIRES_AFTER_ANCHOR_CREATED_AT,
) -> file_pb2.FileUploadHeader:
    """A header that is valid but for its expiry."""
    expires_after = F.FileExpiresAfter(anchor=anchor, seconds=seconds)
    return F.FileUploadHeader(filename="a.txt", purpose="vision", expires_after=expires_after)


async def _refused_upload(
    first: file_pb2.UploadFileRequest, data: bytes
) -> AsyncIterator[file_pb2.UploadFileRequest]:
    """An upload the server refuses at its first message. The content follows a moment later:
    a grpc.aio client still writing when the status arrives can report INTERNAL instead of
    the server's status (grpc/grpc#36066), which would make these tests flaky, not wrong."""
    yield first
    await asyncio.sleep(0.1)
    for start in range(0, len(data), 100):
        yield F.UploadFileRequest(chunk=data[start : start + 100])


@pytest.mark.parametrize(
    ("header", "field"),
    [
        (F.FileUploadHeader(purpose="assistants"), "filename"),
        (F.FileUploadHeader(filename="a.txt"), "purpose"),
        (F.FileUploadHeader(filename="a.txt", purpose="assistants_output"), "purpose"),
        (F.FileUploadHeader(filename="a.txt", purpose="bogus"), "purpose"),
        (F.FileUploadHeader(filename="x" * 513, purpose="vision"), "filename"),
        (F.FileUploadHeader(filename="dir/", purpose="vision"), "filename"),
        (F.FileUploadHeader(filename="a\x00b", purpose="vision"), "filename"),
        (_expiring(3599), "expires_after.seconds"),
        (_expiring(2_592_001), "expires_after.seconds"),
        (_expiring(4000, F.FILE_EXPIRES_AFTER_ANCHOR_UNSPECIFIED), "expires_after.anchor"),
    ],
)
async def test_bad_header_changes_nothing(
    client: Client, storage: Storage, header: file_pb2.FileUploadHeader, field: str
) -> None:
    data = os.urandom(1000)
    await invalid(
        client.files.UploadFile(_refused_upload(F.UploadFileRequest(header=header), data)), field
    )
    assert ids_of(await list_files(client)) == []
    assert await storage.events.read_all(project_id=client.project_id) == []
    assert await blob_count(storage, hashlib.sha256(data).hexdigest()) == (0, 0)


async def test_headerless_or_empty_stream_is_invalid(client: Client, storage: Storage) -> None:
    data = os.urandom(500)
    first = F.UploadFileRequest(chunk=data[:100])
    await invalid(client.files.UploadFile(_refused_upload(first, data[100:])), "header")
    await invalid(client.files.UploadFile(upload_messages(None, b"", 100)), "header")
    assert ids_of(await list_files(client)) == []
    assert await blob_count(storage, hashlib.sha256(data).hexdigest()) == (0, 0)


async def test_second_header_is_invalid_and_keeps_nothing(client: Client, storage: Storage) -> None:
    header = F.FileUploadHeader(filename="a.txt", purpose="vision")

    async def twice() -> AsyncIterator[file_pb2.UploadFileRequest]:
        yield F.UploadFileRequest(header=header)
        yield F.UploadFileRequest(chunk=b"a" * (MIB + 5))
        yield F.UploadFileRequest(header=header)

    await invalid(client.files.UploadFile(twice()), "header")
    assert ids_of(await list_files(client)) == []
    orphans = await storage.pool.fetchval(
        "SELECT count(*) FROM blob_parts p WHERE NOT EXISTS"
        " (SELECT 1 FROM blobs b WHERE b.upload_id = p.upload_id)"
    )
    assert orphans == 0


async def test_upload_needs_an_api_key(app: Application, grpc_target: str) -> None:
    anonymous = Client(grpc_target, None)
    try:
        await rpc_error(anonymous.upload(b"x"), grpc.StatusCode.UNAUTHENTICATED)
    finally:
        await anonymous.close()


# ---------------------------------------------------------------------------------------------
# Get and list


async def test_get_unknown_and_bad_ids(client: Client) -> None:
    missing = "file-" + "A" * 24
    await not_found(client.files.GetFile(F.GetFileRequest(file_id=missing)), missing)
    await not_found(client.files.GetFile(F.GetFileRequest(file_id="file-x")), "file-x")
    await invalid(client.files.GetFile(F.GetFileRequest(file_id="asst_abc")), "file_id")
    await invalid(client.files.GetFile(F.GetFileRequest()), "file_id")


async def test_list_pages_filters_and_orders(client: Client) -> None:
    made = [
        await client.upload(b"1", purpose="assistants"),
        await client.upload(b"2", purpose="vision"),
        await client.upload(b"3", purpose="assistants"),
        await client.upload(b"4", purpose="batch"),
    ]
    newest_first = [f.id for f in reversed(made)]

    page = await list_files(client)
    assert page.object == "list"
    assert ids_of(page) == newest_first
    assert page.first_id == newest_first[0] and page.last_id == newest_first[-1]
    assert not page.has_more
    assert list(page.data) == list(reversed(made))

    page = await list_files(client, limit=2)
    assert ids_of(page) == newest_first[:2] and page.has_more
    page = await list_files(client, limit=2, after=page.last_id)
    assert ids_of(page) == newest_first[2:] and not page.has_more

    page = await list_files(client, order=common_pb2.LIST_ORDER_ASC, limit=3)
    assert ids_of(page) == [f.id for f in made[:3]] and page.has_more
    page = await list_files(client, order=common_pb2.LIST_ORDER_ASC, after=made[2].id)
    assert ids_of(page) == [made[3].id] and not page.has_more

    page = await list_files(client, purpose="assistants")
    assert ids_of(page) == [made[2].id, made[0].id]
    page = await list_files(client, purpose="assistants", limit=1)
    assert ids_of(page) == [made[2].id] and page.has_more
    assert ids_of(await list_files(client, purpose="fine-tune")) == []

    page = await list_files(client, limit=10_000)
    assert len(page.data) == 4


async def test_empty_list_has_no_cursor_ids(client: Client) -> None:
    page = await list_files(client)
    assert page.object == "list" and not page.data and not page.has_more
    assert not page.HasField("first_id") and not page.HasField("last_id")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"), ({"after": "asst_1"}, "after")],
)
async def test_list_rejects(client: Client, kwargs: dict[str, Any], field: str) -> None:
    await invalid(list_files(client, **kwargs), field)


# ---------------------------------------------------------------------------------------------
# Download


@pytest.mark.parametrize("purpose", ["assistants", "user_data"])
async def test_download_refused_for_purpose(client: Client, purpose: str) -> None:
    file = await client.upload(b"secret", purpose=purpose)
    details = await download_error(client, file.id, grpc.StatusCode.FAILED_PRECONDITION)
    assert details == f"Not allowed to download files of purpose: {purpose}"


@pytest.mark.parametrize("purpose", ["vision", "batch", "fine-tune", "evals"])
async def test_download_allowed_for_purpose(client: Client, purpose: str) -> None:
    data = os.urandom(3000)
    file = await client.upload(data, purpose=purpose)
    got, content, _ = await download(client, file.id)
    assert got == file and content == data


async def test_download_unknown_file(client: Client) -> None:
    missing = "file-" + "B" * 24
    details = await download_error(client, missing, grpc.StatusCode.NOT_FOUND)
    assert details == f"No such File object: {missing}"


# ---------------------------------------------------------------------------------------------
# Delete


async def test_delete(client: Client, storage: Storage) -> None:
    file = await client.upload(b"bye", purpose="vision")
    deleted = await client.files.DeleteFile(F.DeleteFileRequest(file_id=file.id))
    assert deleted == common_pb2.DeletedObject(id=file.id, object="file", deleted=True)
    assert await file_events(storage, client, file.id) == ["FileCreated", "FileDeleted"]
    await not_found(client.files.GetFile(F.GetFileRequest(file_id=file.id)), file.id)
    assert await download_error(client, file.id, grpc.StatusCode.NOT_FOUND)
    assert ids_of(await list_files(client)) == []
    await not_found(client.files.DeleteFile(F.DeleteFileRequest(file_id=file.id)), file.id)


async def test_delete_retried_with_its_key_answers_again(client: Client) -> None:
    file = await client.upload(b"x")
    key = request_id()
    request = F.DeleteFileRequest(file_id=file.id)
    first = await client.files.DeleteFile(request, metadata=key)
    assert await client.files.DeleteFile(request, metadata=key) == first


async def test_other_project_cannot_see_or_touch_a_file(
    client: Client, other_client: Client
) -> None:
    file = await client.upload(b"mine", purpose="vision")
    await not_found(other_client.files.GetFile(F.GetFileRequest(file_id=file.id)), file.id)
    await not_found(other_client.files.DeleteFile(F.DeleteFileRequest(file_id=file.id)), file.id)
    details = await download_error(other_client, file.id, grpc.StatusCode.NOT_FOUND)
    assert details == f"No such File object: {file.id}"
    assert ids_of(await list_files(other_client)) == []
    assert await client.files.GetFile(F.GetFileRequest(file_id=file.id)) == file


async def test_delete_removes_the_file_from_code_interpreter_resources(
    client: Client, storage: Storage
) -> None:
    file = await client.upload(b"data.csv content", filename="data.csv")
    kept = await client.upload(b"other", filename="other.csv")
    resources = tools_pb2.ToolResources(
        code_interpreter=tools_pb2.CodeInterpreterResources(file_ids=[file.id, kept.id])
    )
    assistant = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", tool_resources=resources)
    )
    thread = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            tool_resources=tools_pb2.ToolResources(
                code_interpreter=tools_pb2.CodeInterpreterResources(file_ids=[file.id])
            )
        )
    )
    bystander = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            tool_resources=tools_pb2.ToolResources(
                code_interpreter=tools_pb2.CodeInterpreterResources(file_ids=[kept.id])
            ),
        )
    )

    await client.files.DeleteFile(F.DeleteFileRequest(file_id=file.id))

    got = await client.assistants.GetAssistant(
        assistant_pb2.GetAssistantRequest(assistant_id=assistant.id)
    )
    assert list(got.tool_resources.code_interpreter.file_ids) == [kept.id]
    got_thread = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread.id))
    assert list(got_thread.tool_resources.code_interpreter.file_ids) == []
    assert await file_events(storage, client, assistant.id) == [
        "AssistantCreated",
        "AssistantUpdated",
    ]
    assert (await file_events(storage, client, thread.id))[-1] == "ThreadUpdated"
    assert await file_events(storage, client, bystander.id) == ["AssistantCreated"]
    updated = (await storage.events.read_stream(client.project_id, assistant.id))[-1]
    assert updated.assistant_updated.assistant == got


async def test_cascade_leaves_other_projects_alone(
    client: Client, other_client: Client, storage: Storage
) -> None:
    file = await client.upload(b"z")
    # Another project cannot name this project's file in its resources: nothing is created.
    error = await invalid(
        other_client.assistants.CreateAssistant(
            assistant_pb2.CreateAssistantRequest(
                model="gpt-4o",
                tool_resources=tools_pb2.ToolResources(
                    code_interpreter=tools_pb2.CodeInterpreterResources(file_ids=[file.id])
                ),
            )
        ),
        "tool_resources.code_interpreter.file_ids[0]",
    )
    assert error.details() == (
        f"Invalid 'tool_resources.code_interpreter.file_ids[0]': No such File object: {file.id}"
    )
    listed = await other_client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    assert list(listed.data) == []

    # Its own file, of the same content (the same stored blob), it may name; deleting this
    # project's file cascades only within this project.
    own = await other_client.upload(b"z")
    assert own.id != file.id
    resources = tools_pb2.ToolResources(
        code_interpreter=tools_pb2.CodeInterpreterResources(file_ids=[own.id])
    )
    theirs = await other_client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", tool_resources=resources)
    )
    await client.files.DeleteFile(F.DeleteFileRequest(file_id=file.id))
    got = await other_client.assistants.GetAssistant(
        assistant_pb2.GetAssistantRequest(assistant_id=theirs.id)
    )
    assert got == theirs
    assert list(got.tool_resources.code_interpreter.file_ids) == [own.id]
    assert await file_events(storage, other_client, theirs.id) == ["AssistantCreated"]
    assert await other_client.files.GetFile(F.GetFileRequest(file_id=own.id)) == own


# ---------------------------------------------------------------------------------------------
# Expiry


async def test_expired_file_reads_as_missing(client: Client, storage: Storage) -> None:
    """A file whose expires_at has passed is gone for every read, with no event needed. The
    shortest expiry an upload may ask for is an hour, so the file is recorded as it would
    have been an hour ago."""
    data = os.urandom(100)

    async def content() -> AsyncIterator[bytes]:
        yield data

    blob = await storage.blobs.write(content(), max_bytes=1000)
    now = int(time.time())
    file = F.File(
        id="file-" + "E" * 8 + os.urandom(8).hex(),
        object="file",
        bytes=len(data),
        created_at=now - 3601,
        expires_at=now - 1,
        filename="old.txt",
        purpose="vision",
        status=F.FILE_STATUS_PROCESSED,
    )
    ctx = RequestContext(Principal(client.project_id, ""), "req_test_expired")
    await storage.events.append(
        file.id,
        "file",
        [events_pb2.FileCreated(file=file, sha256=blob.sha256)],
        expected_version=NO_STREAM,
        metadata=ctx.event_metadata(),
    )
    live = await client.upload(b"fresh", purpose="vision")

    await not_found(client.files.GetFile(F.GetFileRequest(file_id=file.id)), file.id)
    assert await download_error(client, file.id, grpc.StatusCode.NOT_FOUND)
    assert ids_of(await list_files(client)) == [live.id]
    assert ids_of(await list_files(client, purpose="vision")) == [live.id]


# ---------------------------------------------------------------------------------------------
# Rebuild


async def test_files_projection_rebuilds_identically(client: Client, database_url: str) -> None:
    kept = await client.upload(b"kept", purpose="vision")
    gone = await client.upload(b"gone", purpose="batch")
    await client.files.DeleteFile(F.DeleteFileRequest(file_id=gone.id))
    comparison = await verify_projections(database_url)
    files = next(t for t in comparison.tables if t.table == "files")
    assert files.identical, files.differences
    assert files.rebuilt_rows >= 1
    assert kept.id
