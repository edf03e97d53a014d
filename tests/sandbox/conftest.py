"""A started Sandboxes shared by the sandbox tests, with small limits so hostile code is quick.

The root lives outside pytest's tmp_path: pytest makes that 0700, and the slots' uids must
reach the root to bind their inboxes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.sandbox.pool import Sandboxes
from service.sandbox.settings import MIB, SandboxSettings
from tests.conftest import sandbox_settings as shared_settings

CANARY = "ASSISTANTS_CANARY_SECRET"


def sandbox_settings(root: Path, **overrides: object) -> SandboxSettings:
    """The shared test settings with this suite's small limits, so hostile code is quick."""
    values: dict[str, object] = {
        "pool_size": 2,
        "kill_grace_seconds": 1.0,
        "call_timeout_seconds": 30.0,
        "disk_bytes": 128 * MIB,
        "tmp_bytes": 256 * MIB,
        "max_log_chars": 2000,
        **overrides,
    }
    return shared_settings(root, **values)


@pytest.fixture(scope="session")
async def sandboxes(sandbox_root: Path) -> AsyncIterator[Sandboxes]:
    # The canary is in the server's environment before any interpreter starts.
    previous = os.environ.get(CANARY)
    os.environ[CANARY] = "canary-" + uuid.uuid4().hex
    pool = Sandboxes(sandbox_settings(sandbox_root / "suite"))
    await pool.start()
    assert pool.unavailable is None, pool.unavailable
    yield pool
    await pool.stop()
    if previous is None:
        os.environ.pop(CANARY, None)
    else:
        os.environ[CANARY] = previous


@pytest.fixture
def key() -> str:
    return "thread_" + uuid.uuid4().hex
