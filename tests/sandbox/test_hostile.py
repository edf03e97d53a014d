"""Hostile code stays inside its sandbox, and the host stays healthy after each attempt."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from service.sandbox.pool import Sandboxes
from service.sandbox.session import uid_processes
from tests.sandbox.conftest import CANARY


async def assert_healthy(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key + "_after") as session:
        result = await session.run("21 * 2")
    assert result.logs == "42\n" and result.error is None


async def run(sandboxes: Sandboxes, key: str, code: str, timeout: float | None = None) -> str:
    async with sandboxes.session(key) as session:
        result = await session.run(code, timeout=timeout)
    assert not result.restarted, result.logs
    return result.logs


async def test_the_server_environment_is_invisible(sandboxes: Sandboxes, key: str) -> None:
    logs = await run(
        sandboxes,
        key,
        "import os\nprint(open('/proc/1/environ', 'rb').read())\nprint(dict(os.environ))\n"
        "print(sorted(os.listdir('/proc')))",
    )
    assert os.environ[CANARY] not in logs and CANARY not in logs
    assert "OPENAI_API_KEY" not in logs
    assert "MPLBACKEND" in logs
    await assert_healthy(sandboxes, key)


async def test_host_files_are_out_of_reach(sandboxes: Sandboxes, key: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret-value")
    logs = await run(
        sandboxes,
        key,
        "import os\n"
        f"for path in [{str(secret)!r}, '/etc/hostname', '/etc/passwd', '/root/.bashrc']:\n"
        "    try:\n        print(open(path).read())\n"
        "    except OSError as error:\n        print(path, type(error).__name__)\n"
        "try:\n    open('/usr/evil', 'w')\n"
        "except OSError as error:\n    print('usr', error.errno)\n"
        "print(sorted(os.listdir('/')))",
    )
    assert "host-secret-value" not in logs
    assert "/etc/hostname FileNotFoundError" in logs and "/etc/passwd FileNotFoundError" in logs
    assert "usr 30" in logs  # EROFS
    await assert_healthy(sandboxes, key)


async def test_no_network(sandboxes: Sandboxes, key: str) -> None:
    logs = await run(
        sandboxes,
        key,
        "import socket\n"
        "try:\n    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n"
        "    print('connected')\nexcept OSError as error:\n    print('refused', error)\n"
        "try:\n    print(socket.getaddrinfo('example.com', 443))\n"
        "except OSError as error:\n    print('no dns', error)",
    )
    assert "connected" not in logs and "refused" in logs and "no dns" in logs
    await assert_healthy(sandboxes, key)


async def test_a_fork_bomb_is_capped(sandboxes: Sandboxes, key: str) -> None:
    logs = await run(
        sandboxes,
        key,
        "import os, time\nborn = 0\n"
        "for _ in range(1000):\n    try:\n        pid = os.fork()\n"
        "    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    born += 1\n"
        "born",
    )
    born = int(logs.strip().splitlines()[-1])
    assert 0 < born < sandboxes.settings.max_processes
    await sandboxes.end(key)
    await assert_healthy(sandboxes, key)


async def test_memory_is_capped(sandboxes: Sandboxes, key: str) -> None:
    logs = await run(
        sandboxes,
        key,
        "try:\n    block = bytearray(8 << 30)\nexcept MemoryError:\n    print('MemoryError')",
    )
    assert logs == "MemoryError\n"
    await assert_healthy(sandboxes, key)


async def test_the_disk_is_capped_and_is_not_the_hosts(sandboxes: Sandboxes, key: str) -> None:
    before = shutil.disk_usage("/").used
    logs = await run(
        sandboxes,
        key,
        "import os\nwritten = 0\nchunk = b'x' * (1 << 20)\n"
        "try:\n    with open('fill.bin', 'wb') as handle:\n"
        "        for _ in range(4096):\n            handle.write(chunk)\n"
        "            written += len(chunk)\n"
        "except OSError as error:\n    print('stopped', error.errno)\n"
        "os.remove('fill.bin')\nwritten >> 20",
    )
    after = shutil.disk_usage("/").used
    assert "stopped" in logs
    assert int(logs.strip().splitlines()[-1]) <= sandboxes.settings.disk_bytes >> 20
    assert abs(after - before) < 16 << 20
    await assert_healthy(sandboxes, key)


async def test_a_planted_symlink_leaks_nothing(
    sandboxes: Sandboxes, key: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("host-secret-value")
    async with sandboxes.session(key) as session:
        result = await session.run(
            f"import os\nos.symlink('/etc/passwd', 'x')\nos.symlink({str(secret)!r}, 'y')\n"
            "os.symlink('/proc/1/environ', 'z')"
        )
    assert result.files == []
    assert sorted(result.skipped) == [f"{name}: not a regular file" for name in "xyz"]
    assert not list((sandboxes.settings.root / "threads" / key).rglob("x"))
    await assert_healthy(sandboxes, key)


async def test_ignoring_the_alarm_gets_a_hard_kill(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        await session.run("open('kept.txt', 'w').write('yes')\nlost = 1")
        began = time.monotonic()
        killed = await session.run(
            "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True: pass",
            timeout=1,
        )
        elapsed = time.monotonic() - began
        after = await session.run("print(open('kept.txt').read(), 'lost' in globals())")
    assert killed.restarted and killed.error and "restarted" in killed.error
    assert elapsed < 1 + sandboxes.settings.kill_grace_seconds + 2
    assert after.logs == "yes False\n"
    await assert_healthy(sandboxes, key)


async def test_a_dying_interpreter_is_restarted(sandboxes: Sandboxes, key: str) -> None:
    async with sandboxes.session(key) as session:
        died = await session.run("import os\nos._exit(1)")
        after = await session.run("2 + 2")
    assert died.restarted and "exit status 1" in (died.error or "")
    assert after.logs == "4\n"


async def test_a_flood_of_output_is_cut(sandboxes: Sandboxes, key: str) -> None:
    began = time.monotonic()
    logs = await run(
        sandboxes,
        key,
        "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\n"
        "import os\n_ = os.write(1, b'end-from-c')",
    )
    assert time.monotonic() - began < 10
    assert len(logs) <= sandboxes.settings.max_log_chars + 100
    assert "characters cut" in logs and logs.endswith("end-from-c")
    await assert_healthy(sandboxes, key)


async def test_a_daemon_grandchild_neither_blocks_nor_survives(
    sandboxes: Sandboxes, key: str
) -> None:
    async with sandboxes.session(key) as session:
        uid = session.uid
        began = time.monotonic()
        result = await session.run(
            "import os, time\n"
            "if os.fork() == 0:\n    os.setsid()\n"
            "    if os.fork() == 0:\n        time.sleep(600)\n    os._exit(0)\n"
            "os.wait()\n'parent done'"
        )
        elapsed = time.monotonic() - began
    assert result.logs == "'parent done'\n" and elapsed < 3
    await sandboxes.end(key)
    if uid is not None:
        assert uid_processes(uid) == []
    await assert_healthy(sandboxes, key)
