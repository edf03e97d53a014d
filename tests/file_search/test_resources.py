"""Tool resources through attachments and the vector_stores helper, over a real gRPC channel.

Expected behaviour: reference §3.1/§3.2 (the vector_stores helper on create; only ids are
stored), §9.1 (code_interpreter attachments add the file to the thread, at most 20), §9.2
(a file_search attachment creates the thread's store, expiring 7 days after last use, or adds
to it), §10 (attachments). Unknown files are a client error that changes nothing.
"""

from __future__ import annotations

import grpc

from assistants.v1 import assistant_pb2, message_pb2, run_pb2, run_service_pb2, thread_pb2
from service.retrieval.ingestion import Ingestion
from storage import Storage
from tests.fake_model import FakeModel, text
from tests.file_search.support import POLICY, VS, M, T, attachment, user
from tests.helpers import Client, field_violation
from tests.runs.support import wait_for_status
from tests.vector_stores.support import rpc_error, wait_until_ended

FS = M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH
CI = M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER


async def _store_count(storage: Storage, client: Client) -> int:
    count: int = await storage.pool.fetchval(
        "SELECT count(*) FROM vector_stores WHERE project_id = $1", client.project_id
    )
    return count


async def _store_files(client: Client, store_id: str) -> set[str]:
    listed = await client.vector_stores.ListVectorStoreFiles(
        VS.ListVectorStoreFilesRequest(vector_store_id=store_id)
    )
    return {f.id for f in listed.data}


async def test_attachments_create_then_extend_the_thread_store(
    client: Client, ingestion: Ingestion
) -> None:
    first = (await client.upload(b"alpha text", "a.txt")).id
    second = (await client.upload(b"beta text", "b.txt")).id
    code = (await client.upload(b"x,y\n1,2\n", "data.csv")).id
    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(messages=[user("Read this", [attachment(first, FS)])])
    )
    (store_id,) = t.tool_resources.file_search.vector_store_ids
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=store_id)
    )
    assert store.expires_after.days == 7 and store.HasField("expires_at")
    assert await _store_files(client, store_id) == {first}

    created = await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=t.id,
            role=M.MESSAGE_ROLE_USER,
            content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="And this")],
            attachments=[attachment(second, FS), attachment(code, CI)],
        )
    )
    assert [a.file_id for a in created.attachments] == [second, code]
    got = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=t.id))
    assert list(got.tool_resources.file_search.vector_store_ids) == [store_id]
    assert list(got.tool_resources.code_interpreter.file_ids) == [code]
    assert await _store_files(client, store_id) == {first, second}
    ended = await wait_until_ended(client, store_id)
    assert ended.file_counts.completed == 2


async def test_unknown_attached_files_are_refused_and_change_nothing(
    client: Client, storage: Storage
) -> None:
    real = (await client.upload(b"alpha", "a.txt")).id
    missing = "file-" + "x" * 24
    error = await rpc_error(
        client.threads.CreateThread(
            thread_pb2.CreateThreadRequest(
                messages=[user("Hi", [attachment(real, FS), attachment(missing, CI)])]
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert field_violation(error)[0] == "messages[0].attachments[1].file_id"
    assert missing in (error.details() or "")
    assert await _store_count(storage, client) == 0

    t = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=[user("Hi")]))
    await rpc_error(
        client.messages.CreateMessage(
            M.CreateMessageRequest(
                thread_id=t.id,
                role=M.MESSAGE_ROLE_USER,
                content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="x")],
                attachments=[attachment(real, FS), attachment(missing, FS)],
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    listed = await client.messages.ListMessages(message_pb2.ListMessagesRequest(thread_id=t.id))
    assert len(listed.data) == 1
    got = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=t.id))
    assert not got.tool_resources.file_search.vector_store_ids
    assert await _store_count(storage, client) == 0


async def test_code_interpreter_attachments_stop_at_twenty_files(client: Client) -> None:
    files = [(await client.upload(b"x", f"f{i}.txt")).id for i in range(21)]
    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[user("Hi", [attachment(f, CI) for f in files[:10]])]
        )
    )
    await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=t.id,
            role=M.MESSAGE_ROLE_USER,
            content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="x")],
            attachments=[attachment(f, CI) for f in files[10:20]],
        )
    )
    error = await rpc_error(
        client.messages.CreateMessage(
            M.CreateMessageRequest(
                thread_id=t.id,
                role=M.MESSAGE_ROLE_USER,
                content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="x")],
                attachments=[attachment(files[20], CI)],
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "20" in (error.details() or "")
    got = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=t.id))
    assert list(got.tool_resources.code_interpreter.file_ids) == files[:20]


def _helper(*file_ids: str) -> T.ToolResources:
    return T.ToolResources(
        file_search=T.FileSearchResources(
            vector_stores=[T.VectorStoreSpec(file_ids=list(file_ids), metadata={"k": "v"})]
        )
    )


async def test_vector_stores_helper_creates_the_store_inline(
    client: Client, model: FakeModel, storage: Storage, ingestion: Ingestion
) -> None:
    file_id = (await client.upload(POLICY.encode(), "policy.txt")).id
    a = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            tools=[T.Tool(type=T.TOOL_TYPE_FILE_SEARCH)],
            tool_resources=_helper(file_id),
        )
    )
    (own,) = a.tool_resources.file_search.vector_store_ids
    assert not a.tool_resources.file_search.vector_stores
    store = await client.vector_stores.GetVectorStore(VS.GetVectorStoreRequest(vector_store_id=own))
    assert dict(store.metadata) == {"k": "v"} and not store.HasField("expires_after")
    assert await _store_files(client, own) == {file_id}

    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(tool_resources=_helper(file_id))
    )
    (theirs,) = t.tool_resources.file_search.vector_store_ids
    thread_store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=theirs)
    )
    assert thread_store.expires_after.days == 7

    model.script(text("Hello."))
    run = await client.runs.CreateThreadAndRun(
        run_service_pb2.CreateThreadAndRunRequest(
            assistant_id=a.id,
            thread=thread_pb2.CreateThreadRequest(
                messages=[user("Hi")], tool_resources=_helper(file_id)
            ),
        )
    )
    made = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=run.thread_id))
    (made_store,) = made.tool_resources.file_search.vector_store_ids
    assert made_store not in (own, theirs)
    assert await _store_files(client, made_store) == {file_id}
    await wait_for_status(client, run.thread_id, run.id, {run_pb2.RUN_STATUS_COMPLETED})

    before = await _store_count(storage, client)
    missing = "file-" + "y" * 24
    for call in (
        client.assistants.CreateAssistant(
            assistant_pb2.CreateAssistantRequest(model="gpt-4o", tool_resources=_helper(missing))
        ),
        client.threads.CreateThread(
            thread_pb2.CreateThreadRequest(tool_resources=_helper(file_id, missing))
        ),
        client.runs.CreateThreadAndRun(
            run_service_pb2.CreateThreadAndRunRequest(
                assistant_id=a.id,
                thread=thread_pb2.CreateThreadRequest(tool_resources=_helper(missing)),
            )
        ),
    ):
        error = await rpc_error(call, grpc.StatusCode.INVALID_ARGUMENT)
        assert field_violation(error)[0].startswith(
            "tool_resources.file_search.vector_stores[0].file_ids["
        )
    assert await _store_count(storage, client) == before


async def test_the_helper_is_refused_on_update(client: Client) -> None:
    a = await client.assistants.CreateAssistant(assistant_pb2.CreateAssistantRequest(model="m"))
    file_id = (await client.upload(b"alpha", "a.txt")).id
    await rpc_error(
        client.assistants.UpdateAssistant(
            assistant_pb2.UpdateAssistantRequest(
                assistant_id=a.id,
                tool_resources=_helper(file_id),
                update_mask={"paths": ["tool_resources"]},
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
