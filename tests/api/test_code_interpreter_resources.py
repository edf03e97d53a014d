"""tool_resources.code_interpreter.file_ids are looked up, over gRPC: on assistant create and
update, thread create and update, and createAndRun, an id that is not a File of the caller's
project (unknown, or another project's) is refused with INVALID_ARGUMENT naming
`tool_resources.code_interpreter.file_ids[i]`, and nothing is created or changed; real files
of the project are accepted.

Expected behaviour: reference §9.1 (tool_resources), §11 (400 "No such File object").
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest

from assistants.v1 import (
    assistant_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    tools_pb2,
)
from storage import Storage
from tests.fake_model import FakeModel, text
from tests.helpers import Client, error_info, field_violation
from tests.runs.support import wait_for_status

A = assistant_pb2
M = message_pb2
RS = run_service_pb2
T = tools_pb2

PARAM = "tool_resources.code_interpreter.file_ids"
# Well-formed, so only the lookup can refuse it.
UNKNOWN = "file-" + "x" * 24


# ---------------------------------------------------------------------------------------------
# Helpers


def code_files(*file_ids: str) -> tools_pb2.ToolResources:
    return T.ToolResources(code_interpreter=T.CodeInterpreterResources(file_ids=list(file_ids)))


def user(value: str) -> message_pb2.MessageInput:
    return M.MessageInput(
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)],
    )


async def upload(client: Client, name: str = "data.csv") -> str:
    return str((await client.upload(b"a,b\n1,2\n", name)).id)


async def refused(call: Awaitable[Any], index: int, file_id: str) -> None:
    """Asserts INVALID_ARGUMENT naming file_ids[index] as no File of the project."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    field = f"{PARAM}[{index}]"
    message = f"Invalid '{field}': No such File object: {file_id}"
    assert field_violation(error) == (field, message)
    assert error.details() == message
    assert error_info(error).metadata.get("param") == field


async def streams(storage: Storage, client: Client) -> dict[str, int]:
    """Every stream of the client's project and its version: what a refused request must
    leave as it was."""
    rows = await storage.pool.fetch(
        "SELECT stream_id, version FROM streams WHERE project_id = $1", client.project_id
    )
    return {row["stream_id"]: row["version"] for row in rows}


async def run_count(storage: Storage, client: Client) -> int:
    count = await storage.pool.fetchval(
        "SELECT count(*) FROM runs WHERE project_id = $1", client.project_id
    )
    return int(count)


async def all_assistants(client: Client) -> list[assistant_pb2.Assistant]:
    page = await client.assistants.ListAssistants(A.ListAssistantsRequest(limit=100))
    return list(page.data)


async def get_assistant(client: Client, assistant_id: str) -> assistant_pb2.Assistant:
    got: assistant_pb2.Assistant = await client.assistants.GetAssistant(
        A.GetAssistantRequest(assistant_id=assistant_id)
    )
    return got


async def get_thread(client: Client, thread_id: str) -> thread_pb2.Thread:
    got: thread_pb2.Thread = await client.threads.GetThread(
        thread_pb2.GetThreadRequest(thread_id=thread_id)
    )
    return got


@pytest.fixture(params=["unknown", "other-project"])
async def stranger(request: pytest.FixtureRequest, other_client: Client) -> str:
    """A file id that is no File of `client`'s project: one that names no file at all, or a
    real file of another project."""
    if request.param == "unknown":
        return UNKNOWN
    return await upload(other_client, "theirs.csv")


# ---------------------------------------------------------------------------------------------
# Assistants


async def test_assistant_create_refuses_a_file_not_of_the_project(
    client: Client, storage: Storage, stranger: str
) -> None:
    real = await upload(client)
    before = await streams(storage, client)
    await refused(
        client.assistants.CreateAssistant(
            A.CreateAssistantRequest(model="gpt-4o", tool_resources=code_files(stranger))
        ),
        0,
        stranger,
    )
    # The index is the id's place in the list, past ids that are real.
    await refused(
        client.assistants.CreateAssistant(
            A.CreateAssistantRequest(
                model="gpt-4o", tool_resources=code_files(real, real, stranger, UNKNOWN)
            )
        ),
        2,
        stranger,
    )
    assert await all_assistants(client) == []
    assert await streams(storage, client) == before


async def test_assistant_create_accepts_files_of_the_project(client: Client) -> None:
    first, second = await upload(client, "a.csv"), await upload(client, "b.csv")
    created = await client.assistants.CreateAssistant(
        A.CreateAssistantRequest(
            model="gpt-4o",
            tools=[T.Tool(type=T.TOOL_TYPE_CODE_INTERPRETER)],
            tool_resources=code_files(first, second),
        )
    )
    assert list(created.tool_resources.code_interpreter.file_ids) == [first, second]
    assert await get_assistant(client, created.id) == created
    assert await all_assistants(client) == [created]


async def test_assistant_update_refuses_a_file_not_of_the_project(
    client: Client, storage: Storage, stranger: str
) -> None:
    held = await upload(client, "held.csv")
    created = await client.assistants.CreateAssistant(
        A.CreateAssistantRequest(model="gpt-4o", name="before", tool_resources=code_files(held))
    )
    before = await streams(storage, client)
    for resources, index in ((code_files(stranger), 0), (code_files(held, stranger), 1)):
        await refused(
            client.assistants.UpdateAssistant(
                A.UpdateAssistantRequest(
                    assistant_id=created.id, name="after", tool_resources=resources
                )
            ),
            index,
            stranger,
        )
    assert await get_assistant(client, created.id) == created
    assert await all_assistants(client) == [created]
    assert await streams(storage, client) == before


async def test_assistant_update_accepts_files_of_the_project(client: Client) -> None:
    held = await upload(client, "held.csv")
    created = await client.assistants.CreateAssistant(
        A.CreateAssistantRequest(model="gpt-4o", tool_resources=code_files(held))
    )
    added = await upload(client, "added.csv")
    updated = await client.assistants.UpdateAssistant(
        A.UpdateAssistantRequest(assistant_id=created.id, tool_resources=code_files(added, held))
    )
    assert list(updated.tool_resources.code_interpreter.file_ids) == [added, held]
    assert await get_assistant(client, created.id) == updated


# ---------------------------------------------------------------------------------------------
# Threads


async def test_thread_create_refuses_a_file_not_of_the_project(
    client: Client, storage: Storage, stranger: str
) -> None:
    real = await upload(client)
    before = await streams(storage, client)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        await refused(
            client.threads.CreateThread(
                thread_pb2.CreateThreadRequest(messages=[user("Hi")], tool_resources=resources)
            ),
            index,
            stranger,
        )
    assert await streams(storage, client) == before


async def test_thread_create_accepts_files_of_the_project(client: Client) -> None:
    first, second = await upload(client, "a.csv"), await upload(client, "b.csv")
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(tool_resources=code_files(first, second))
    )
    assert list(created.tool_resources.code_interpreter.file_ids) == [first, second]
    assert await get_thread(client, created.id) == created


async def test_thread_update_refuses_a_file_not_of_the_project(
    client: Client, storage: Storage, stranger: str
) -> None:
    held = await upload(client, "held.csv")
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(metadata={"k": "v"}, tool_resources=code_files(held))
    )
    before = await streams(storage, client)
    for resources, index in ((code_files(stranger), 0), (code_files(held, stranger), 1)):
        await refused(
            client.threads.UpdateThread(
                thread_pb2.UpdateThreadRequest(
                    thread_id=created.id, metadata={"k": "changed"}, tool_resources=resources
                )
            ),
            index,
            stranger,
        )
    assert await get_thread(client, created.id) == created
    assert await streams(storage, client) == before


async def test_thread_update_accepts_files_of_the_project(client: Client) -> None:
    held = await upload(client, "held.csv")
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(tool_resources=code_files(held))
    )
    added = await upload(client, "added.csv")
    updated = await client.threads.UpdateThread(
        thread_pb2.UpdateThreadRequest(thread_id=created.id, tool_resources=code_files(held, added))
    )
    assert list(updated.tool_resources.code_interpreter.file_ids) == [held, added]
    assert await get_thread(client, created.id) == updated


# ---------------------------------------------------------------------------------------------
# createAndRun


@pytest.mark.parametrize("where", ["thread", "request"])
async def test_create_and_run_refuses_a_file_not_of_the_project(
    client: Client, storage: Storage, stranger: str, where: str
) -> None:
    """The new thread's resources, given in the thread or (for a thread without any) at the
    top of the request."""
    assistant = await client.assistants.CreateAssistant(A.CreateAssistantRequest(model="gpt-4o"))
    real = await upload(client)
    before = await streams(storage, client)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        request = RS.CreateThreadAndRunRequest(
            assistant_id=assistant.id, thread=thread_pb2.CreateThreadRequest(messages=[user("Hi")])
        )
        if where == "thread":
            request.thread.tool_resources.CopyFrom(resources)
        else:
            request.tool_resources.CopyFrom(resources)
        await refused(client.runs.CreateThreadAndRun(request), index, stranger)
    assert await streams(storage, client) == before
    assert await run_count(storage, client) == 0


async def test_create_and_run_accepts_files_of_the_project(
    client: Client, model: FakeModel
) -> None:
    assistant = await client.assistants.CreateAssistant(A.CreateAssistantRequest(model="gpt-4o"))
    file_id = await upload(client)
    model.script(text("Hello."))
    run = await client.runs.CreateThreadAndRun(
        RS.CreateThreadAndRunRequest(
            assistant_id=assistant.id,
            thread=thread_pb2.CreateThreadRequest(
                messages=[user("Hi")], tool_resources=code_files(file_id)
            ),
        )
    )
    thread = await get_thread(client, run.thread_id)
    assert list(thread.tool_resources.code_interpreter.file_ids) == [file_id]
    await wait_for_status(client, run.thread_id, run.id, {run_pb2.RUN_STATUS_COMPLETED})
