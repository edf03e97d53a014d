"""tool_resources.code_interpreter.file_ids are looked up, through the unchanged `openai` SDK:
on assistant create and update, thread create and update, and createAndRun, an id that is not
a File of the caller's project (unknown, or another project's) is a 400 whose `param` names
`tool_resources.code_interpreter.file_ids[i]`, and nothing is created or changed; real files
of the project are accepted.

Expected behaviour: reference §9.1 (tool_resources), §11 (400 "No such File object").
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import openai
import pytest

from service.app import IssuedKey
from storage import Storage
from tests.fake_model import FakeModel, text

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PARAM = "tool_resources.code_interpreter.file_ids"
# Well-formed, so only the lookup can refuse it.
UNKNOWN = "file-" + "x" * 24


def code_files(*file_ids: str) -> Any:
    return {"code_interpreter": {"file_ids": list(file_ids)}}


async def upload(sdk: openai.AsyncOpenAI, name: str = "data.csv") -> str:
    created = await sdk.files.create(file=(name, b"a,b\n1,2\n"), purpose="assistants")
    return created.id


async def refused(call: Awaitable[Any], index: int, file_id: str) -> None:
    """Asserts a 400 naming file_ids[index] as no File of the project."""
    with pytest.raises(openai.BadRequestError) as caught:
        await call
    error = caught.value
    field = f"{PARAM}[{index}]"
    assert error.status_code == 400
    assert error.param == field
    assert isinstance(error.body, dict)
    assert error.body["message"] == f"Invalid '{field}': No such File object: {file_id}"
    assert (error.body["type"], error.body["param"]) == ("invalid_request_error", field)


async def streams(storage: Storage, key: IssuedKey) -> dict[str, int]:
    """Every stream of the key's project and its version: what a refused request must leave
    as it was."""
    rows = await storage.pool.fetch(
        "SELECT stream_id, version FROM streams WHERE project_id = $1", key.project_id
    )
    return {row["stream_id"]: row["version"] for row in rows}


@pytest.fixture(params=["unknown", "other-project"])
async def stranger(request: pytest.FixtureRequest, other_sdk: openai.AsyncOpenAI) -> str:
    """A file id that is no File of `sdk`'s project: one that names no file at all, or a real
    file of another project."""
    if request.param == "unknown":
        return UNKNOWN
    return await upload(other_sdk, "theirs.csv")


async def test_assistant_create_and_update(
    sdk: openai.AsyncOpenAI, key: IssuedKey, storage: Storage, stranger: str
) -> None:
    real = await upload(sdk)
    before = await streams(storage, key)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        await refused(
            sdk.beta.assistants.create(model="gpt-4o", tool_resources=resources), index, stranger
        )
    assert (await sdk.beta.assistants.list()).data == []
    assert await streams(storage, key) == before

    created = await sdk.beta.assistants.create(
        model="gpt-4o",
        name="before",
        tools=[{"type": "code_interpreter"}],
        tool_resources=code_files(real),
    )
    assert created.tool_resources is not None
    assert created.tool_resources.code_interpreter is not None
    assert created.tool_resources.code_interpreter.file_ids == [real]

    before = await streams(storage, key)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        await refused(
            sdk.beta.assistants.update(created.id, name="after", tool_resources=resources),
            index,
            stranger,
        )
    assert await sdk.beta.assistants.retrieve(created.id) == created
    assert await streams(storage, key) == before

    added = await upload(sdk, "added.csv")
    updated = await sdk.beta.assistants.update(created.id, tool_resources=code_files(added, real))
    assert updated.tool_resources is not None
    assert updated.tool_resources.code_interpreter is not None
    assert updated.tool_resources.code_interpreter.file_ids == [added, real]
    assert await sdk.beta.assistants.retrieve(created.id) == updated


async def test_thread_create_and_update(
    sdk: openai.AsyncOpenAI, key: IssuedKey, storage: Storage, stranger: str
) -> None:
    real = await upload(sdk)
    before = await streams(storage, key)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        await refused(
            sdk.beta.threads.create(
                messages=[{"role": "user", "content": "Hi"}], tool_resources=resources
            ),
            index,
            stranger,
        )
    assert await streams(storage, key) == before

    created = await sdk.beta.threads.create(metadata={"k": "v"}, tool_resources=code_files(real))
    assert created.tool_resources is not None
    assert created.tool_resources.code_interpreter is not None
    assert created.tool_resources.code_interpreter.file_ids == [real]

    before = await streams(storage, key)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        await refused(
            sdk.beta.threads.update(
                created.id, metadata={"k": "changed"}, tool_resources=resources
            ),
            index,
            stranger,
        )
    assert await sdk.beta.threads.retrieve(created.id) == created
    assert await streams(storage, key) == before

    added = await upload(sdk, "added.csv")
    updated = await sdk.beta.threads.update(created.id, tool_resources=code_files(real, added))
    assert updated.tool_resources is not None
    assert updated.tool_resources.code_interpreter is not None
    assert updated.tool_resources.code_interpreter.file_ids == [real, added]
    assert await sdk.beta.threads.retrieve(created.id) == updated


@pytest.mark.parametrize("where", ["thread", "request"])
async def test_create_and_run_refuses_a_file_not_of_the_project(
    sdk: openai.AsyncOpenAI, key: IssuedKey, storage: Storage, stranger: str, where: str
) -> None:
    """The new thread's resources, given in the thread or (for a thread without any) at the
    top of the request."""
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    real = await upload(sdk)
    before = await streams(storage, key)
    for resources, index in ((code_files(stranger), 0), (code_files(real, stranger), 1)):
        thread: Any = {"messages": [{"role": "user", "content": "Hi"}]}
        if where == "thread":
            call = sdk.beta.threads.create_and_run(
                assistant_id=assistant.id, thread={**thread, "tool_resources": resources}
            )
        else:
            call = sdk.beta.threads.create_and_run(
                assistant_id=assistant.id, thread=thread, tool_resources=resources
            )
        await refused(call, index, stranger)
    assert await streams(storage, key) == before
    runs = await storage.pool.fetchval(
        "SELECT count(*) FROM runs WHERE project_id = $1", key.project_id
    )
    assert runs == 0


async def test_create_and_run_accepts_files_of_the_project(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    assistant = await sdk.beta.assistants.create(model="gpt-4o")
    file_id = await upload(sdk)
    model.script(text("Hello."))
    run = await sdk.beta.threads.create_and_run_poll(
        assistant_id=assistant.id,
        thread={
            "messages": [{"role": "user", "content": "Hi"}],
            "tool_resources": code_files(file_id),
        },
        poll_interval_ms=100,
    )
    assert run.status == "completed", run.last_error
    thread = await sdk.beta.threads.retrieve(run.thread_id)
    assert thread.tool_resources is not None
    assert thread.tool_resources.code_interpreter is not None
    assert thread.tool_resources.code_interpreter.file_ids == [file_id]
