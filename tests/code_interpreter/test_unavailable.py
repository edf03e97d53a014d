"""Where code cannot be sandboxed, code_interpreter is disabled, never run unsandboxed: a run
that needs it fails with a message that says why, and nothing ran.

Runs against a server of its own whose workers' sandbox has no bubblewrap, or is turned off.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistants.v1 import common_pb2, run_pb2, thread_pb2, tools_pb2
from service.api.server import GrpcServer
from service.app import Application
from service.engine.code_interpreter import CodeInterpreter
from service.engine.file_search import FileSearch
from service.engine.model import ModelClient
from service.engine.workers import Workers
from service.sandbox.pool import Sandboxes
from storage import Storage
from tests.code_interpreter.support import code_assistant, run_stream, user
from tests.conftest import TEST_ENGINE, sandbox_settings
from tests.e2e.test_restart import START_TIMEOUT, _env, _free_port
from tests.fake_model import FakeModel, tool_calls
from tests.helpers import Client, fresh_database
from tests.runs.support import FAILED_AT_ONCE, names

T = tools_pb2


async def _server(
    server_url: str, fake_model: FakeModel, sandboxes: Sandboxes | None
) -> AsyncIterator[Client]:
    fake_model.reset()
    async with fresh_database(server_url, "assistants_nosandbox") as url:
        storage = await Storage.open(url, Path("."))
        await storage.migrate()
        app = Application(storage)
        server = await GrpcServer.start(app, "127.0.0.1", 0)
        model = ModelClient(fake_model.base_url, "test-key", max_retries=0)
        code = CodeInterpreter(storage, sandboxes, app.files)
        workers = Workers(storage, model, TEST_ENGINE, FileSearch(storage, app.searcher), code)
        workers.start()
        issued = await app.auth.issue_key("nosandbox")
        client = Client(f"127.0.0.1:{server.port}", issued.secret, issued.project_id)
        try:
            yield client
        finally:
            await client.close()
            await workers.stop(1.0)
            await model.close()
            await server.stop(0)
            await storage.close()


@pytest.fixture
async def no_bwrap(server_url: str, fake_model: FakeModel, tmp_path: Path) -> AsyncIterator[Client]:
    settings = sandbox_settings(tmp_path, bwrap=str(tmp_path / "no-such-bwrap"))
    async for client in _server(server_url, fake_model, Sandboxes(settings)):
        yield client


@pytest.fixture
async def turned_off(server_url: str, fake_model: FakeModel) -> AsyncIterator[Client]:
    async for client in _server(server_url, fake_model, None):
        yield client


async def _thread(client: Client) -> str:
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(messages=[user("What is 1 + 1?")])
    )
    return str(created.id)


async def test_a_call_fails_the_run_saying_bubblewrap_is_missing(
    no_bwrap: Client, fake_model: FakeModel, tmp_path: Path
) -> None:
    fake_model.script(tool_calls(("code_interpreter", {"code": "open('/tmp/ran', 'w')"})))
    assistant_id = await code_assistant(no_bwrap)
    events = await run_stream(
        no_bwrap, thread_id=await _thread(no_bwrap), assistant_id=assistant_id
    )
    assert names(events)[-3:] == ["thread.run.step.failed", "thread.run.failed", "done"]
    run = events[-2].run
    assert run.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    assert "code_interpreter is disabled" in run.last_error.message
    assert "bwrap" in run.last_error.message or "bubblewrap" in run.last_error.message
    assert not Path("/tmp/ran").exists()


async def test_a_tool_choice_of_code_interpreter_fails_at_once(
    no_bwrap: Client, fake_model: FakeModel
) -> None:
    assistant_id = await code_assistant(no_bwrap)
    events = await run_stream(
        no_bwrap,
        thread_id=await _thread(no_bwrap),
        assistant_id=assistant_id,
        tool_choice=T.ToolChoice(type=T.TOOL_CHOICE_TYPE_CODE_INTERPRETER),
    )
    assert names(events) == FAILED_AT_ONCE
    assert "code_interpreter is disabled" in events[-2].run.last_error.message
    assert fake_model.requests == []


async def test_a_server_with_the_tool_turned_off_says_so(
    turned_off: Client, fake_model: FakeModel
) -> None:
    fake_model.script(tool_calls(("code_interpreter", {"code": "1 + 1"})))
    assistant_id = await code_assistant(turned_off)
    events = await run_stream(
        turned_off, thread_id=await _thread(turned_off), assistant_id=assistant_id
    )
    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_FAILED
    assert "ASSISTANTS_CODE_INTERPRETER" in run.last_error.message


async def test_serve_says_at_start_up_why_code_cannot_run(tmp_path: Path) -> None:
    """`assistants serve` with no interpreter environment serves anyway, and logs why
    code_interpreter is disabled and what to do."""
    env = _env(tmp_path / "data", _free_port()) | {
        "ASSISTANTS_SANDBOX_PYTHON": str(tmp_path / "missing" / "bin" / "python"),
        "ASSISTANTS_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "serve",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                line = await process.stderr.readline()
                assert line, "the server exited before saying why"
                record = json.loads(line)
                if "code_interpreter" in record["message"]:
                    break
        assert record["level"] == "warning"
        assert record["message"].startswith("code_interpreter is disabled:")
        assert "missing" in record["message"] and "run make" in record["message"]
        assert process.returncode is None
    finally:
        process.kill()
        await process.wait()
