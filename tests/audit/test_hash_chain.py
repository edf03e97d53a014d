"""Tamper evidence: each event's hash chains it to the one before it in its stream, and
`assistants audit verify` finds any row changed, deleted or reordered by hand in SQL."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from google.protobuf import struct_pb2

from assistants.v1 import (
    assistant_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    tools_pb2,
)
from service.admin import verify
from service.api.server import GrpcServer
from service.app import Application
from storage import GENESIS, Storage, check_stream, link
from storage._chain_audit import seal_unsealed, store_bodies
from storage._event_codec import decode_event_json
from storage._hash_chain import encode
from tests.fake_model import FakeModel, tool_calls
from tests.helpers import Client, assistants_cli, fresh_database
from tests.runs.support import assistant, function_tool, thread, wait_for_status
from tests.runs.support import text as text_input

M = message_pb2


@dataclass
class Ledger:
    """A database of its own, since these tests tamper with it."""

    url: str
    storage: Storage
    client: Client
    thread_id: str


@pytest.fixture
async def ledger(server_url: str) -> AsyncIterator[Ledger]:
    async with fresh_database(server_url, "assistants_tamper") as url:
        storage = await Storage.open(url, Path("."))
        await storage.migrate()
        app = Application(storage)
        server = await GrpcServer.start(app, "127.0.0.1", 0)
        issued = await app.auth.issue_key("tamper")
        client = Client(f"127.0.0.1:{server.port}", issued.secret, issued.project_id)
        try:
            await _workload(client)
            created = await thread(client, "first", "second", "third")
            for n in range(3):
                await client.messages.CreateMessage(
                    M.CreateMessageRequest(
                        thread_id=created.id,
                        role=M.MESSAGE_ROLE_USER,
                        content=[text_input(f"m{n}")],
                    )
                )
            yield Ledger(url, storage, client, created.id)
        finally:
            await client.close()
            await server.stop(0)
            await storage.close()


async def _workload(client: Client) -> None:
    """Objects whose JSON form is least likely to survive a round trip unchanged: floats,
    JSON Schemas with integers, maps, enums and optional fields."""
    schema = struct_pb2.Struct()
    schema.update({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}})
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            name="Ledger",
            temperature=0.7,
            top_p=0.35,
            metadata={"b": "2", "a": "1", "ü": "ß"},
            tools=[
                tools_pb2.Tool(
                    type=tools_pb2.TOOL_TYPE_FUNCTION,
                    function=tools_pb2.FunctionDefinition(name="count", parameters=schema),
                )
            ],
        )
    )
    await client.assistants.UpdateAssistant(
        assistant_pb2.UpdateAssistantRequest(
            assistant_id=created.id, temperature=1.3, metadata={"z": "26"}
        )
    )
    await client.threads.CreateThread(thread_pb2.CreateThreadRequest(metadata={"k": "v"}))


async def _verify(storage: Storage, stream_id: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = await verify.run(storage, stream_id=stream_id, out=out)
    return code, out.getvalue()


async def _execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            for statement in statements:
                await conn.execute(statement)
    finally:
        await conn.close()


async def _position(ledger: Ledger, version: int) -> int:
    position: int = await ledger.storage.pool.fetchval(
        "SELECT position FROM events WHERE stream_id = $1 AND version = $2",
        ledger.thread_id,
        version,
    )
    return position


async def test_an_untouched_log_verifies(ledger: Ledger) -> None:
    code, out = await _verify(ledger.storage)
    assert code == 0, out
    assert out.strip().endswith("intact")
    assert "3 stream(s), 10 event(s)" in out


async def test_an_updated_row_is_found(ledger: Ledger) -> None:
    await _execute(
        ledger.url,
        "UPDATE events SET data = jsonb_set(data, '{message,content,0,text,value}', '\"forged\"')"
        f" WHERE stream_id = '{ledger.thread_id}' AND version = 3",
    )
    code, out = await _verify(ledger.storage)
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("TAMPERED")]
    where = f"TAMPERED  stream {ledger.thread_id}, version 3, position {await _position(ledger, 3)}"
    assert problems == [
        f"{where}: does not match its hash: the row was changed, or moved from elsewhere",
        f"{where}: its stored encoding differs from its JSON: readers are shown something else",
    ]


async def test_an_updated_time_or_metadata_is_found(ledger: Ledger) -> None:
    await _execute(
        ledger.url,
        "UPDATE events SET recorded_at = recorded_at - interval '1 hour'"
        f" WHERE stream_id = '{ledger.thread_id}' AND version = 2",
        'UPDATE events SET metadata = metadata || \'{"key_id": "key_forged"}\''
        f" WHERE stream_id = '{ledger.thread_id}' AND version = 4",
    )
    code, out = await _verify(ledger.storage, ledger.thread_id)
    assert code == 1
    # The time is not in the stored encoding; the key id is, so that row is told twice.
    assert [line.split(",")[1] for line in out.splitlines() if "TAMPERED" in line] == [
        " version 2",
        " version 4",
        " version 4",
    ]


async def test_a_rehashed_row_breaks_the_next_link(ledger: Ledger) -> None:
    """Someone who knows the algorithm changes a row, its stored encoding and its hash
    consistently: its successor's link, computed from the original, no longer matches."""
    conn = await asyncpg.connect(ledger.url)
    try:
        await conn.execute(
            'UPDATE events SET metadata = metadata || \'{"key_id": "key_forged"}\''
            " WHERE stream_id = $1 AND version = 2",
            ledger.thread_id,
        )
        rows = await ledger.storage.pool.fetch(
            "SELECT * FROM events WHERE stream_id = $1 AND version <= 2 ORDER BY version",
            ledger.thread_id,
        )
        first, forged = (decode_event_json(row) for row in rows)
        await conn.execute(
            "UPDATE events SET hash = $2, body = $3 WHERE stream_id = $1 AND version = 2",
            ledger.thread_id,
            link(first.hash, forged),
            encode(forged),
        )
    finally:
        await conn.close()
    code, out = await _verify(ledger.storage)
    assert code == 1
    assert [line.split(",")[1] for line in out.splitlines() if "TAMPERED" in line] == [" version 3"]


async def test_a_deleted_row_is_found(ledger: Ledger) -> None:
    position = await _position(ledger, 4)
    await _execute(
        ledger.url,
        f"DELETE FROM events WHERE stream_id = '{ledger.thread_id}' AND version = 4",
    )
    code, out = await _verify(ledger.storage)
    assert code == 1
    problems = [line.removeprefix("TAMPERED  ") for line in out.splitlines() if "TAMPERED" in line]
    where = f"stream {ledger.thread_id}, version 5, position {position + 1}"
    assert problems == [
        f"{where}: follows a gap: version 4 is missing",
        # Its hash links to version 4's, which is gone.
        f"{where}: does not match its hash: the row was changed, or moved from elsewhere",
        f"position {position}: position {position} missing: events were deleted",
    ]


async def test_a_deleted_tail_with_its_stream_counter_left_is_found(ledger: Ledger) -> None:
    await _execute(
        ledger.url,
        f"DELETE FROM events WHERE stream_id = '{ledger.thread_id}' AND version = 7",
    )
    code, out = await _verify(ledger.storage, ledger.thread_id)
    assert code == 1
    assert (
        f"stream {ledger.thread_id}, version 7: the stream is at version 7 but its last event"
        " is 6: events were removed from its end"
    ) in out


async def test_a_swapped_pair_of_rows_is_found(ledger: Ledger) -> None:
    """Two events of the thread change places: versions and positions swapped, so every
    column constraint still holds and a reader sees a plausible, reordered history."""
    thread_id = ledger.thread_id
    await _execute(
        ledger.url,
        f"UPDATE events SET version = -5, position = -position"
        f" WHERE stream_id = '{thread_id}' AND version = 5",
        f"UPDATE events SET version = 5, position = position - 1"
        f" WHERE stream_id = '{thread_id}' AND version = 6",
        f"UPDATE events SET version = 6, position = -position + 1"
        f" WHERE stream_id = '{thread_id}' AND version = -5",
    )
    code, out = await _verify(ledger.storage, thread_id)
    assert code == 1
    # Both moved rows, and the row after them, whose link names the old version 6.
    assert [line.split(",")[1] for line in out.splitlines() if "TAMPERED" in line] == [
        " version 5",
        " version 6",
        " version 7",
    ]


async def test_an_erased_hash_is_found_and_sealing_restores_a_chain(ledger: Ledger) -> None:
    await _execute(
        ledger.url, f"UPDATE events SET hash = NULL WHERE stream_id = '{ledger.thread_id}'"
    )
    code, out = await _verify(ledger.storage, ledger.thread_id)
    assert code == 1
    assert out.count("has no hash") == 7
    # What migration 0006 does for events recorded before the chain existed.
    async with ledger.storage.pool.acquire() as conn, conn.transaction():
        assert await seal_unsealed(conn) == 7
    assert (await _verify(ledger.storage))[0] == 0


async def test_an_event_moved_to_another_project_is_found(ledger: Ledger) -> None:
    await _execute(
        ledger.url,
        f"UPDATE events SET project_id = 'proj_other' WHERE stream_id = '{ledger.thread_id}'"
        " AND version = 2",
    )
    code, out = await _verify(ledger.storage)
    assert code == 1
    assert "version 2" in out
    assert "disagrees with its hashed metadata" in out


async def test_the_chain_is_computable_from_the_events_alone(ledger: Ledger) -> None:
    events = await ledger.storage.events.read_stream(ledger.client.project_id, ledger.thread_id)
    assert [e.stream_version for e in events] == list(range(1, 8))
    previous = GENESIS
    for event in events:
        assert len(event.hash) == 32
        assert link(previous, event) == event.hash
        previous = event.hash
    assert check_stream(ledger.thread_id, events, 7) == []


async def test_the_cli_exits_non_zero_on_tampering(ledger: Ledger, tmp_path: Path) -> None:
    async def cli(*args: str) -> tuple[int, str]:
        code, out, err = await assistants_cli(ledger.url, tmp_path, "audit", "verify", *args)
        return code, out + err

    code, out = await cli()
    assert code == 0, out
    assert (await cli("--stream", "thread_missing"))[0] == 2
    await _execute(
        ledger.url,
        f"DELETE FROM events WHERE stream_id = '{ledger.thread_id}' AND version = 2",
    )
    code, out = await cli("--stream", ledger.thread_id)
    assert code == 1
    assert "follows a gap: version 2 is missing" in out


async def test_the_session_log_with_runs_verifies(
    storage: Storage, client: Client, model: FakeModel
) -> None:
    """Runs write the widest events (runs with usage, steps with tool calls): their chains
    hold through the JSON round trip, as does every event the session wrote so far."""
    model.script(tool_calls(("count", '{"n": 3}')))
    helper = await assistant(client, tools=[function_tool("count")], temperature=0.2)
    created = await thread(client, "count to three")
    run = await client.runs.CreateRun(
        run_service_pb2.CreateRunRequest(thread_id=created.id, assistant_id=helper.id)
    )
    run = await wait_for_status(client, created.id, run.id, {run_pb2.RUN_STATUS_REQUIRES_ACTION})
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    await client.runs.SubmitToolOutputs(
        run_service_pb2.SubmitToolOutputsRequest(
            thread_id=created.id,
            run_id=run.id,
            tool_outputs=[run_pb2.ToolOutput(tool_call_id=call.id, output="1, 2, 3")],
        )
    )
    await wait_for_status(client, created.id, run.id, {run_pb2.RUN_STATUS_COMPLETED})
    report = await storage.audit.verify()
    assert report.problems == []
    assert report.events > 10


async def test_a_changed_stored_encoding_is_found(ledger: Ledger) -> None:
    """Readers decode the stored encoding, so it must say what the JSON record says: another
    event's encoding put in its place is reported, though the chain (over the JSON) holds."""
    await _execute(
        ledger.url,
        "UPDATE events e SET body = o.body FROM events o"
        f" WHERE e.stream_id = '{ledger.thread_id}' AND e.version = 3"
        f" AND o.stream_id = '{ledger.thread_id}' AND o.version = 4",
    )
    code, out = await _verify(ledger.storage, ledger.thread_id)
    assert code == 1
    assert [line.removeprefix("TAMPERED  ") for line in out.splitlines() if "TAMPERED" in line] == [
        f"stream {ledger.thread_id}, version 3, position {await _position(ledger, 3)}: its stored"
        " encoding differs from its JSON: readers are shown something else"
    ]


async def test_events_without_a_stored_encoding_read_the_same_and_get_one(ledger: Ledger) -> None:
    """Events recorded before migration 0008 are read from their JSON, then get their
    encoding in the migration's transaction."""
    project = ledger.client.project_id
    before = await ledger.storage.events.read_stream(project, ledger.thread_id)
    await _execute(
        ledger.url, f"UPDATE events SET body = NULL WHERE stream_id = '{ledger.thread_id}'"
    )
    assert await ledger.storage.events.read_stream(project, ledger.thread_id) == before
    async with ledger.storage.pool.acquire() as conn, conn.transaction():
        assert await store_bodies(conn) == 7
    assert await ledger.storage.events.read_stream(project, ledger.thread_id) == before
    assert (await _verify(ledger.storage))[0] == 0
