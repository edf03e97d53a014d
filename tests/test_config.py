"""Settings from the environment: code_interpreter's sandbox settings, and bad values refused
before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import ConfigError, Settings
from service.sandbox.settings import MIB


def test_the_sandbox_is_on_by_default_under_the_data_dir() -> None:
    sandbox = Settings.from_env({"ASSISTANTS_DATA_DIR": "/srv/assistants"}).sandbox
    assert sandbox is not None
    assert sandbox.root == Path("/srv/assistants/sandbox")
    assert sandbox.python == Path(".sandbox-python/bin/python")
    assert (sandbox.pool_size, sandbox.max_sessions, sandbox.idle_seconds) == (2, 16, 3600)


def test_sandbox_settings_are_read() -> None:
    sandbox = Settings.from_env(
        {
            "ASSISTANTS_SANDBOX_PYTHON": "/opt/env/bin/python",
            "ASSISTANTS_SANDBOX_POOL_SIZE": "0",
            "ASSISTANTS_SANDBOX_MAX_SESSIONS": "4",
            "ASSISTANTS_SANDBOX_IDLE_SECONDS": "60",
            "ASSISTANTS_SANDBOX_CALL_TIMEOUT_SECONDS": "30",
            "ASSISTANTS_SANDBOX_MEMORY_MB": "1024",
            "ASSISTANTS_SANDBOX_DISK_MB": "64",
        }
    ).sandbox
    assert sandbox is not None
    assert sandbox.python == Path("/opt/env/bin/python")
    assert (sandbox.pool_size, sandbox.max_sessions) == (0, 4)
    assert (sandbox.idle_seconds, sandbox.call_timeout_seconds) == (60, 30)
    assert (sandbox.memory_bytes, sandbox.disk_bytes) == (1024 * MIB, 64 * MIB)


def test_code_interpreter_can_be_turned_off() -> None:
    assert Settings.from_env({"ASSISTANTS_CODE_INTERPRETER": "off"}).sandbox is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASSISTANTS_CODE_INTERPRETER", "maybe"),
        ("ASSISTANTS_SANDBOX_POOL_SIZE", "-1"),
        ("ASSISTANTS_SANDBOX_MAX_SESSIONS", "0"),
        ("ASSISTANTS_SANDBOX_MEMORY_MB", "12"),
        ("ASSISTANTS_SANDBOX_CALL_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_bad_sandbox_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
