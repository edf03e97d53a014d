"""The real `assistants` command on the embedded PostgreSQL: data survives a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from assistants.v1 import assistant_pb2, message_pb2, thread_pb2
from tests.helpers import Client

pytestmark = pytest.mark.slow

KEY_BANNER = "It is shown only this once:"
START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANTS_")}
    env.update(
        ASSISTANTS_DATA_DIR=str(data_dir),
        ASSISTANTS_GRPC_PORT=str(port),
        ASSISTANTS_GRPC_HOST="127.0.0.1",
        # Any free port: several servers run at once.
        ASSISTANTS_HTTP_PORT="0",
        ASSISTANTS_LOG_LEVEL="WARNING",
    )
    return env


@dataclass
class Served:
    target: str
    stdout: list[str]
    process: asyncio.subprocess.Process


@asynccontextmanager
async def serving(data_dir: Path) -> AsyncIterator[Served]:
    """Runs `assistants serve` until its banner, then SIGTERMs it and expects exit 0."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "serve",
        env=_env(data_dir, port),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while not lines or not lines[-1].startswith("assistants: gRPC on"):
                line = await process.stdout.readline()
                assert line, f"server exited early: {lines}"
                lines.append(line.decode().rstrip("\n"))
        yield Served(f"127.0.0.1:{port}", lines, process)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _first_key(lines: list[str]) -> str | None:
    if KEY_BANNER not in lines:
        return None
    return lines[lines.index(KEY_BANNER) + 1]


async def test_data_survives_a_restart(tmp_path: Path) -> None:
    async with serving(tmp_path) as first:
        key = _first_key(first.stdout)
        assert key and key.startswith("sk-"), first.stdout
        async with grpc.aio.insecure_channel(first.target) as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest()
            )
            assert health.status == health_pb2.HealthCheckResponse.SERVING
        client = Client(first.target, key)
        assistant = await client.assistants.CreateAssistant(
            assistant_pb2.CreateAssistantRequest(model="gpt-4o", name="Keeper", metadata={"a": "1"})
        )
        text = message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT)
        text.text = "before the restart"
        thread = await client.threads.CreateThread(
            thread_pb2.CreateThreadRequest(
                messages=[
                    message_pb2.MessageInput(role=message_pb2.MESSAGE_ROLE_USER, content=[text])
                ]
            )
        )
        await client.messages.CreateMessage(
            message_pb2.CreateMessageRequest(
                thread_id=thread.id, role=message_pb2.MESSAGE_ROLE_ASSISTANT, content=[text]
            )
        )
        messages = await client.messages.ListMessages(
            message_pb2.ListMessagesRequest(thread_id=thread.id)
        )
        await client.close()

    async with serving(tmp_path) as second:
        assert _first_key(second.stdout) is None, "a second key was printed after the restart"
        client = Client(second.target, key)
        got = await client.assistants.GetAssistant(
            assistant_pb2.GetAssistantRequest(assistant_id=assistant.id)
        )
        assert got == assistant
        assert (
            await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=thread.id))
            == thread
        )
        after = await client.messages.ListMessages(
            message_pb2.ListMessagesRequest(thread_id=thread.id)
        )
        assert after == messages and len(after.data) == 2
        await client.close()


async def test_keys_create_prints_a_working_key_last(tmp_path: Path) -> None:
    env = _env(tmp_path, _free_port())
    created = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "keys",
        "create",
        "--project",
        "acme",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await created.communicate()
    assert created.returncode == 0
    key = out.decode().strip().splitlines()[-1]
    assert key.startswith("sk-")
    async with serving(tmp_path) as served:
        # A key existed already, so serve prints none of its own.
        assert _first_key(served.stdout) is None
        client = Client(served.target, key)
        listed = await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        assert listed.object == "list"
        await client.close()
        stranger = Client(served.target, "sk-asst-not-a-key")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stranger.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        await stranger.close()


async def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        *args,
        env=_env(tmp_path, _free_port()),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_keys_list_and_revoke(tmp_path: Path) -> None:
    _, created = await _cli(tmp_path, "keys", "create", "--project", "acme")
    secret = created.strip().splitlines()[-1]
    key_id = next(line.split()[-1] for line in created.splitlines() if line.startswith("key id:"))
    _, other = await _cli(tmp_path, "keys", "create", "--project", "other")

    code, listed = await _cli(tmp_path, "keys", "list", "--project", "acme")
    assert code == 0
    assert key_id in listed and "active" in listed and secret not in listed
    assert "other" not in listed

    assert (await _cli(tmp_path, "keys", "revoke", key_id))[0] == 0
    assert (await _cli(tmp_path, "keys", "revoke", key_id))[0] == 1, "revoked twice"
    _, listed = await _cli(tmp_path, "keys", "list")
    assert f"{key_id}  acme" in listed and "revoked" in listed

    async with serving(tmp_path) as served:
        revoked = Client(served.target, secret)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await revoked.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        await revoked.close()
        still = Client(served.target, other.strip().splitlines()[-1])
        await still.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
        await still.close()
