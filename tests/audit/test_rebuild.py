"""`assistants projections rebuild`: replaying the whole log gives the read models back row for
row; rows changed, lost or added behind the log's back are found, listed and put right; the
columns workers own survive; the real command exits by what it found."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from assistants.v1 import (
    assistant_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    vector_store_service_pb2,
)
from service.admin import rebuild
from service.api.server import GrpcServer
from service.app import Application
from service.engine.code_interpreter import CodeInterpreter
from service.engine.file_search import FileSearch
from service.engine.model import ModelClient
from service.engine.workers import Workers
from storage import (
    PROJECTION_TABLES,
    DifferenceKind,
    RebuildError,
    Storage,
    rebuild_projections,
    verify_projections,
)
from tests.conftest import TEST_ENGINE
from tests.fake_model import FakeModel, error, hang, text, tool_calls
from tests.helpers import Client, assistants_cli, fresh_database
from tests.runs.support import (
    assistant,
    collect,
    function_tool,
    read_rest,
    read_until,
    thread,
    wait_for_status,
)

A = assistant_pb2
M = message_pb2
R = run_pb2
RS = run_service_pb2
ROOT = Path(__file__).resolve().parents[2]
APPLICATION_NAME = "assistants projections rebuild"


# The workload.


def _user_message(thread_id: str, value: str) -> M.CreateMessageRequest:
    content = [M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)]
    return M.CreateMessageRequest(thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=content)


async def _run(client: Client, thread_id: str, assistant_id: str) -> R.Run:
    """Runs the assistant on the thread to its pause or end, streamed; the last run state."""
    request = RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    events = await collect(client.runs.CreateRunStream(request))
    assert events[-1].event == "done"
    run: R.Run = events[-2].run
    return run


async def _assistants(client: Client) -> A.Assistant:
    """Created, updated; another created and deleted. Returns the one kept."""
    created = await assistant(client, name="Keeper", metadata={"v": "1"})
    kept: A.Assistant = await client.assistants.UpdateAssistant(
        A.UpdateAssistantRequest(assistant_id=created.id, name="Kept", metadata={"v": "2"})
    )
    gone = await assistant(client, name="Gone")
    await client.assistants.DeleteAssistant(A.DeleteAssistantRequest(assistant_id=gone.id))
    return kept


async def _conversation(client: Client, model: FakeModel, assistant_id: str) -> None:
    """Messages added, their metadata updated, one deleted, the thread updated, then answered."""
    t = await thread(client, "Hi", "Are you there?")
    extra = await client.messages.CreateMessage(_user_message(t.id, "One more thing."))
    await client.messages.UpdateMessage(
        M.UpdateMessageRequest(thread_id=t.id, message_id=extra.id, metadata={"flag": "yes"})
    )
    first = (await client.messages.ListMessages(M.ListMessagesRequest(thread_id=t.id))).data[-1]
    await client.messages.DeleteMessage(M.DeleteMessageRequest(thread_id=t.id, message_id=first.id))
    await client.threads.UpdateThread(
        thread_pb2.UpdateThreadRequest(thread_id=t.id, metadata={"topic": "greetings"})
    )
    model.script(text("Hello, yes I am."))
    assert (await _run(client, t.id, assistant_id)).status == R.RUN_STATUS_COMPLETED


async def _tool_call(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", '{"location": "Paris"}'), usage=(30, 7))
    model.script(call, text("It is 70F.", usage=(40, 5)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather in Paris?")
    paused = await _run(client, t.id, a.id)
    assert paused.status == R.RUN_STATUS_REQUIRES_ACTION
    submit = RS.SubmitToolOutputsRequest(
        thread_id=t.id,
        run_id=paused.id,
        tool_outputs=[R.ToolOutput(tool_call_id=call.ids[0], output="70F")],
    )
    done = (await collect(client.runs.SubmitToolOutputsStream(submit)))[-2].run
    assert done.status == R.RUN_STATUS_COMPLETED


async def _cancelled(client: Client, model: FakeModel, assistant_id: str) -> None:
    """A run cancelled while the model is mid-answer."""
    model.script(hang(after_chunks="Once upon"))
    t = await thread(client, "Tell me a story.")
    stream = client.runs.CreateRunStream(
        RS.CreateRunRequest(thread_id=t.id, assistant_id=assistant_id)
    )
    head = await read_until(stream, lambda e: e.event == "thread.message.delta")
    run_id = head[0].run.id
    await client.runs.CancelRun(RS.CancelRunRequest(thread_id=t.id, run_id=run_id))
    await read_rest(stream)
    await wait_for_status(client, t.id, run_id, {R.RUN_STATUS_CANCELLED})


async def _failed(client: Client, model: FakeModel, assistant_id: str) -> None:
    model.script(error(400, message="This model's maximum context length is exceeded."))
    t = await thread(client, "Hi")
    assert (await _run(client, t.id, assistant_id)).status == R.RUN_STATUS_FAILED


async def _deleted_thread(client: Client, model: FakeModel, assistant_id: str) -> None:
    """A thread with messages, a run and its steps, then deleted."""
    model.script(text("Soon forgotten."))
    t = await thread(client, "Forget this.")
    assert (await _run(client, t.id, assistant_id)).status == R.RUN_STATUS_COMPLETED
    await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=t.id))


async def _vector_store(client: Client) -> None:
    """Files, a store holding one, and a batch adding another."""
    first = await client.upload(b"Tides turn twice a day.", "tides.txt")
    second = await client.upload(b"Moons pull on oceans.", "moons.txt")
    VS = vector_store_service_pb2
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(name="sea", file_ids=[first.id])
    )
    await client.vector_stores.CreateVectorStoreFileBatch(
        VS.CreateVectorStoreFileBatchRequest(vector_store_id=store.id, file_ids=[second.id])
    )


# Reading the tables.


async def _rows(pool: asyncpg.Pool, table: str, *, kept: bool = False) -> list[dict[str, Any]]:
    """Every row of a live read model in key order; the kept columns only when asked for."""
    spec = next(t for t in PROJECTION_TABLES if t.name == table)
    dropped = "" if kept else "".join(f" - '{k.name}'" for k in spec.kept)
    order = ", ".join(spec.key)
    rows = await pool.fetch(f"SELECT to_jsonb(t){dropped} AS row FROM {table} t ORDER BY {order}")
    return [r["row"] for r in rows]


async def _snapshot(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    return {t.name: await _rows(pool, t.name) for t in PROJECTION_TABLES}


def _line(out: str, table: str) -> tuple[int, int, str]:
    """(live, rebuilt, verdict) of a table's line in a verify report."""
    found = re.search(rf"^{table}\s+(\d+)\s+(\d+)\s+(.+)$", out, re.MULTILINE)
    assert found, f"no line for {table} in:\n{out}"
    return int(found[1]), int(found[2]), found[3]


async def test_a_mixed_workload_in_two_projects_replays_to_identical_read_models(
    client: Client,
    other_client: Client,
    model: FakeModel,
    storage: Storage,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = await _assistants(client)
    await _conversation(client, model, kept.id)
    await _tool_call(client, model)
    await _cancelled(client, model, kept.id)
    await _failed(client, model, kept.id)
    await _deleted_thread(client, model, kept.id)
    await _vector_store(client)
    other = await _assistants(other_client)
    await _conversation(other_client, model, other.id)
    await _deleted_thread(other_client, model, other.id)
    statuses = await storage.pool.fetch(
        "SELECT DISTINCT status FROM runs WHERE project_id = $1", client.project_id
    )
    assert {r["status"] for r in statuses} == {
        "RUN_STATUS_COMPLETED",
        "RUN_STATUS_CANCELLED",
        "RUN_STATUS_FAILED",
    }

    assert await rebuild.run(storage, verify=True) == 0

    out = capsys.readouterr().out
    assert out.rstrip().endswith("identical: the read models match the log"), out
    for table in PROJECTION_TABLES:
        live, rebuilt, verdict = _line(out, table.name)
        assert (live, verdict) == (rebuilt, "identical")
        assert live > 0
    ours = await storage.pool.fetchval(
        "SELECT count(*) FROM events WHERE project_id = ANY($1::text[])",
        [client.project_id, other_client.project_id],
    )
    replayed = re.search(r"replayed (\d+) events", out)
    assert replayed and int(replayed[1]) >= ours > 50, out


# A database of its own, to tamper with.


@dataclass
class Fresh:
    url: str
    storage: Storage
    client: Client


@pytest.fixture
async def fresh(server_url: str, fake_model: FakeModel) -> AsyncIterator[Fresh]:
    """A new database with the API and workers on it; the fake model answers "ok"."""
    fake_model.reset()
    async with fresh_database(server_url, "assistants_rebuild") as url:
        storage = await Storage.open(url, Path("."))
        await storage.migrate()
        app = Application(storage)
        server = await GrpcServer.start(app, "127.0.0.1", 0)
        model = ModelClient(fake_model.base_url, "test-key", max_retries=0)
        searches = FileSearch(storage, app.searcher, app.vector_stores)
        code = CodeInterpreter(storage, None, app.files)
        workers = Workers(storage, model, TEST_ENGINE, searches, code)
        workers.start()
        issued = await app.auth.issue_key("rebuild")
        client = Client(f"127.0.0.1:{server.port}", issued.secret, issued.project_id)
        try:
            yield Fresh(url, storage, client)
        finally:
            await client.close()
            await workers.stop(1.0)
            await model.close()
            await server.stop(0)
            await storage.close()


@dataclass
class Answered:
    thread_id: str
    run_id: str
    message_ids: list[str]
    step_ids: list[str]


async def _answered(client: Client) -> Answered:
    """A thread of two questions, answered by a run. The ids are sorted, in byte order, the
    order comparisons list rows in."""
    a = await assistant(client)
    t = await thread(client, "Hi", "Still there?")
    run = await _run(client, t.id, a.id)
    assert run.status == R.RUN_STATUS_COMPLETED
    messages = await client.messages.ListMessages(M.ListMessagesRequest(thread_id=t.id))
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run.id))
    assert len(messages.data) == 3 and len(steps.data) == 1
    return Answered(t.id, run.id, sorted(m.id for m in messages.data), [s.id for s in steps.data])


async def _tamper(pool: asyncpg.Pool, answered: Answered, project_id: str) -> None:
    """One row changed, one lost and one added, each behind the log's back; and a run's object
    changed while a worker (as it were) holds its lease."""
    await pool.execute(
        "UPDATE messages SET object = jsonb_set(object, '{metadata}', '{\"forged\": \"yes\"}')"
        " WHERE id = $1",
        answered.message_ids[0],
    )
    await pool.execute("DELETE FROM run_steps WHERE id = $1", answered.step_ids[0])
    await pool.execute(
        "INSERT INTO assistants (id, project_id, created_at, object)"
        " VALUES ('asst_stray', $1, 0, '{\"id\": \"asst_stray\"}')",
        project_id,
    )
    await pool.execute(
        'UPDATE runs SET object = object || \'{"instructions": "forged"}\','
        " lease_owner = 'worker-elsewhere', lease_until = now() + interval '1 hour'"
        " WHERE id = $1",
        answered.run_id,
    )


async def test_tampered_rows_are_named_then_replaced_keeping_the_lease(
    fresh: Fresh, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = fresh.storage.pool
    answered = await _answered(fresh.client)
    assert await rebuild.run(fresh.storage, verify=True) == 0
    assert "identical: the read models match the log" in capsys.readouterr().out
    before = await _snapshot(pool)
    await _tamper(pool, answered, fresh.client.project_id)
    lease = await pool.fetchrow(
        "SELECT lease_owner, lease_until, stream_seq FROM runs WHERE id = $1", answered.run_id
    )
    assert lease["stream_seq"] > 0

    comparison = await verify_projections(fresh.url)
    found = {(t.table, d.key, d.kind, d.columns) for t in comparison.tables for d in t.differences}
    assert found == {
        ("messages", (answered.message_ids[0],), DifferenceKind.CHANGED, ("object",)),
        ("run_steps", (answered.step_ids[0],), DifferenceKind.ONLY_REBUILT, ()),
        ("assistants", ("asst_stray",), DifferenceKind.ONLY_LIVE, ()),
        ("runs", (answered.run_id,), DifferenceKind.CHANGED, ("object",)),
    }
    counts = {t.table: (t.live_rows, t.rebuilt_rows) for t in comparison.tables}
    assert counts["assistants"] == (2, 1) and counts["run_steps"] == (0, 1)

    assert await rebuild.run(fresh.storage, verify=True) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^  changed\s+{answered.message_ids[0]}: object$", out, re.M), out
    assert re.search(rf"^  only rebuilt\s+{answered.step_ids[0]}$", out, re.M), out
    assert re.search(r"^  only live\s+asst_stray$", out, re.M), out
    assert _line(out, "run_steps") == (0, 1, "1 difference")
    assert out.rstrip().endswith("4 rows differ: the read models do not match the log")

    assert await rebuild.run(fresh.storage, verify=False) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("replaced 4 rows: the read models match the log"), out
    assert re.search(r"^assistants\s+2\s+1\s+0\s+0\s+1$", out, re.M), out
    assert re.search(r"^run_steps\s+0\s+1\s+1\s+0\s+0$", out, re.M), out
    assert await _snapshot(pool) == before
    assert (
        await pool.fetchrow(
            "SELECT lease_owner, lease_until, stream_seq FROM runs WHERE id = $1", answered.run_id
        )
        == lease
    )

    assert await rebuild.run(fresh.storage, verify=True) == 0
    assert "identical: the read models match the log" in capsys.readouterr().out
    again = await rebuild_projections(fresh.url)
    assert again.changed == 0 and again.events == comparison.events


async def test_a_lost_run_comes_back_numbering_on_after_its_stream(fresh: Fresh) -> None:
    pool = fresh.storage.pool
    answered = await _answered(fresh.client)
    # The worker lets go of the run's lease just after the run ends; a row read before that
    # would keep a lease the re-inserted row rightly lacks.
    async with asyncio.timeout(5):
        while await pool.fetchval("SELECT lease_owner FROM runs WHERE id = $1", answered.run_id):
            await asyncio.sleep(0.02)
    run = (await _rows(pool, "runs", kept=True))[0]
    assert run["stream_seq"] == await pool.fetchval(
        "SELECT max(seq) FROM run_stream WHERE run_id = $1", answered.run_id
    )
    await pool.execute("DELETE FROM runs WHERE id = $1", answered.run_id)

    rebuilt = await rebuild_projections(fresh.url)

    assert [(t.table, t.inserted, t.updated, t.deleted) for t in rebuilt.tables if t.changed] == [
        ("runs", 1, 0, 0)
    ]
    assert (await _rows(pool, "runs", kept=True)) == [run]
    got = await fresh.client.runs.GetRun(
        RS.GetRunRequest(thread_id=answered.thread_id, run_id=answered.run_id)
    )
    assert got.status == R.RUN_STATUS_COMPLETED


async def test_differences_are_all_counted_and_the_first_listed(fresh: Fresh) -> None:
    answered = await _answered(fresh.client)
    await fresh.storage.pool.execute("UPDATE messages SET token_count = token_count + 1")

    comparison = await verify_projections(fresh.url, max_differences=2)

    messages = next(t for t in comparison.tables if t.table == "messages")
    assert messages.difference_count == 3
    assert [(d.key, d.columns) for d in messages.differences] == [
        ((i,), ("token_count",)) for i in answered.message_ids[:2]
    ]
    report = rebuild.verify_report(comparison, 0.0)
    assert "  ... and 1 more" in report
    assert "3 rows differ" in report


async def test_a_replace_waits_for_a_lease_holder_and_holds_appends_off(fresh: Fresh) -> None:
    """A worker renewing its lease holds the run's row; the replace waits for it, keeps the
    lease it wrote, and an append made meanwhile waits for the replace before it writes any
    read-model row (else it could hold one the replace must rewrite: a deadlock)."""
    pool = fresh.storage.pool
    answered = await _answered(fresh.client)
    await pool.execute(
        'UPDATE runs SET object = object || \'{"instructions": "forged"}\' WHERE id = $1',
        answered.run_id,
    )
    renewer = await asyncpg.connect(fresh.url)
    try:
        renewal = renewer.transaction()
        await renewal.start()
        await renewer.execute(
            "UPDATE runs SET lease_owner = 'renewer', lease_until = now() + interval '1 hour'"
            " WHERE id = $1",
            answered.run_id,
        )
        replacing = asyncio.create_task(rebuild_projections(fresh.url))
        await _waiting_on_a_lock(pool, "application_name = $1", APPLICATION_NAME)
        appending = asyncio.ensure_future(
            fresh.client.messages.CreateMessage(_user_message(answered.thread_id, "Meanwhile"))
        )
        # On the streams table, before it touched a read model: not on a row of log_head.
        await _waiting_on_a_lock(pool, "wait_event = 'relation' AND query LIKE $1", "%append%")
        assert not replacing.done()
        await renewal.commit()
        rebuilt = await asyncio.wait_for(replacing, 10)
        added = await asyncio.wait_for(appending, 10)
    finally:
        await renewer.close()

    assert [(t.table, t.updated) for t in rebuilt.tables if t.changed] == [("runs", 1)]
    run = await pool.fetchrow(
        "SELECT lease_owner, object ->> 'instructions' AS instructions FROM runs WHERE id = $1",
        answered.run_id,
    )
    assert (run["lease_owner"], run["instructions"]) == ("renewer", "You are terse.")
    assert added.id in [r["id"] for r in await _rows(pool, "messages")]
    assert (await verify_projections(fresh.url)).identical


async def _waiting_on_a_lock(pool: asyncpg.Pool, condition: str, value: str) -> None:
    async with asyncio.timeout(10):
        while not await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            f" AND wait_event_type = 'Lock' AND {condition}",
            value,
        ):
            await asyncio.sleep(0.02)


async def test_a_replay_that_writes_a_live_table_is_refused(
    fresh: Fresh, capsys: pytest.CaptureFixture[str]
) -> None:
    """An apply_event that writes a table the rebuild does not know of: neither mode trusts
    the replay, and nothing changes."""
    await _answered(fresh.client)
    await fresh.storage.pool.execute(
        """
        CREATE TABLE applied (stream_id text);
        ALTER FUNCTION apply_event(text, text, bigint, text, jsonb) RENAME TO apply_event_0;
        CREATE FUNCTION apply_event(p_project text, p_stream text, p_version bigint,
                                    p_type text, p_data jsonb)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM apply_event_0(p_project, p_stream, p_version, p_type, p_data);
            INSERT INTO applied VALUES (p_stream);
        END;
        $$;
        """
    )
    before = await _snapshot(fresh.storage.pool)

    with pytest.raises(RebuildError, match=r'writes live tables: .*"INSERT INTO applied'):
        await verify_projections(fresh.url)
    with pytest.raises(RebuildError, match=r"writes live tables: applied[.]"):
        await rebuild_projections(fresh.url)
    assert await rebuild.run(fresh.storage, verify=False) == 2
    assert "PROJECTION_TABLES" in capsys.readouterr().err

    assert await fresh.storage.pool.fetchval("SELECT count(*) FROM applied") == 0
    assert await _snapshot(fresh.storage.pool) == before


# The real command.


async def _command(url: str, data_dir: Path) -> tuple[int, str]:
    code, out, err = await assistants_cli(url, data_dir, "projections", "rebuild", "--verify")
    assert not err.strip(), err
    return code, out


async def test_the_command_exits_1_on_a_difference(fresh: Fresh, tmp_path: Path) -> None:
    answered = await _answered(fresh.client)
    code, out = await _command(fresh.url, tmp_path)
    assert (code, out.splitlines()[-1]) == (0, "identical: the read models match the log"), out

    await fresh.storage.pool.execute(
        "UPDATE messages SET deleted = true WHERE id = $1", answered.message_ids[1]
    )
    code, out = await _command(fresh.url, tmp_path)
    assert code == 1, out
    assert re.search(rf"^  changed\s+{answered.message_ids[1]}: deleted$", out, re.M), out
    assert _line(out, "messages") == (3, 3, "1 difference")
