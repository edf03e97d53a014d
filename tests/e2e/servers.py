"""Real `assistants serve` processes on a shared database, for the multi-process tests."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from tests.e2e.test_restart import START_TIMEOUT, _env, _free_port


@asynccontextmanager
async def server(
    data_dir: Path,
    database_url: str,
    model_url: str,
    *,
    lease_seconds: float = 1,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[tuple[str, list[str], asyncio.subprocess.Process]]:
    """`assistants serve` on a shared database, calling the model at model_url, until its
    banner; yields its target, its stdout lines so far and the process. Workers run unless
    `env` says otherwise; `env` adds to or overrides the environment. Killed on exit if
    still alive."""
    port = _free_port()
    full_env = (
        _env(data_dir, port)
        | {
            "ASSISTANTS_DATABASE_URL": database_url,
            "ASSISTANTS_RUN_LEASE_SECONDS": f"{lease_seconds:g}",
            "OPENAI_BASE_URL": model_url,
            "OPENAI_API_KEY": "test-key",
        }
        | dict(env or {})
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "serve", env=full_env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while not lines or not lines[-1].startswith("assistants: gRPC on"):
                line = await process.stdout.readline()
                assert line, f"server exited early: {lines}"
                lines.append(line.decode().rstrip("\n"))
        yield f"127.0.0.1:{port}", lines, process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
