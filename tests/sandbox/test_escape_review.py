"""A security review of the sandbox: each attack is a test.

A test that passes is a defence that held. A test marked `xfail(strict=True)` is an attack that
succeeded today: its reason names the finding, and the test flips (XPASS, which fails) once the
product is fixed, so the mark must then go.

Many attacks forge frames on the interpreter's own protocol pipe: the code runs in the same
process as the REPL, so it can find the Channel (or fds 3 and 4, see /proc/self/fd) and write
anything the host will take as the REPL's answer.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from service.engine.code_interpreter import _logs
from service.sandbox.pool import Sandboxes
from service.sandbox.session import Session, uid_processes
from service.sandbox.settings import MIB
from tests.sandbox.conftest import sandbox_settings

# The code prefix that finds the REPL's protocol channel and writes raw frames on it.
FORGE = """
import gc as _gc, json as _json, os as _os, struct as _struct
_ch = next(o for o in _gc.get_objects() if type(o).__name__ == "Channel")
def _forge(body, data=b""):
    if not isinstance(body, bytes):
        body = _json.dumps(body).encode()
    view = memoryview(_struct.pack(">I", len(body)) + body + data)
    while view:
        view = view[_os.write(_ch.write_fd, view):]
"""

# A well-formed result frame, to be completed with overrides.
RESULT = (
    '{"op": "result", "logs": "", "error": None, "timed_out": False, "images": [], '
    '"files": [], "skipped": [], "deleted": []}'
)

# Uids of the review's own pools, never those of the suite's pools (200000 + slot): any other
# Sandboxes on this host with the same uids kills our sessions (see the last test).
REVIEW_UID = 230_000
MAIN_UID = 231_000


def new_key() -> str:
    return "thread_" + uuid.uuid4().hex


@pytest.fixture(scope="module")
async def review(sandbox_root: Path) -> AsyncIterator[Sandboxes]:
    """The suite's settings, on uids of its own."""
    pool = Sandboxes(sandbox_settings(sandbox_root / "review-main", first_uid=MAIN_UID))
    await pool.start()
    assert pool.unavailable is None, pool.unavailable
    yield pool
    await pool.stop()


@pytest.fixture(scope="module")
async def small(sandbox_root: Path) -> AsyncIterator[Sandboxes]:
    """A pool with tiny quotas, so quota bypasses show with megabytes, not gigabytes."""
    pool = Sandboxes(
        sandbox_settings(
            sandbox_root / "review",
            first_uid=REVIEW_UID,
            max_sessions=2,
            pool_size=1,
            disk_bytes=16 * MIB,
            tmp_bytes=16 * MIB,
            max_output_file_bytes=4 * MIB,
            max_output_files=20,
        )
    )
    await pool.start()
    assert pool.unavailable is None, pool.unavailable
    yield pool
    await pool.stop()


async def healthy(pool: Sandboxes) -> None:
    async with pool.session(new_key()) as session:
        result = await session.run("21 * 2")
    assert result.logs == "42\n" and result.error is None


async def session_on_slot(pool: Sandboxes, slot: int) -> tuple[str, Session]:
    """A new key whose session runs on `slot` (other keys tried on the way are ended)."""
    for _ in range(8):
        key = new_key()
        async with pool.session(key) as session:
            await session.run("pass")
            if session.slot == slot:
                return key, session
        await pool.end(key)
    raise AssertionError(f"no session landed on slot {slot}")


async def ready(pool: Sandboxes) -> None:
    """Until the pool's warm interpreters are ready (a claim before that waits 30 s)."""
    for _ in range(300):
        if pool._sessions and all(s.ready for s in pool._sessions):
            return
        await asyncio.sleep(0.05)


def tree_bytes(root: Path) -> int:
    """Bytes actually allocated under root (st_blocks), files only."""
    return sum(p.lstat().st_blocks * 512 for p in root.rglob("*") if p.is_file())


# --- The protocol: forged frames -----------------------------------------------------------


async def test_a_deeply_nested_forged_header_is_a_dead_interpreter(
    review: Sandboxes,
) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            result = await session.run(FORGE + "_forge(b'[' * 300_000 + b']' * 300_000)")
        assert result.restarted
    finally:
        await review.end(key)
    await healthy(review)


@pytest.mark.parametrize(
    "override",
    [
        '"files": [1]',
        '"files": [{"path": "a"}]',
        '"files": {"a": 1}',
        '"images": 5',
        '"images": [[1]]',
        '"deleted": 5',
        '"skipped": 5',
    ],
)
async def test_a_malformed_forged_result_is_a_dead_interpreter(
    review: Sandboxes, override: str
) -> None:
    key = new_key()
    frame = RESULT[:-1] + ", " + override + "}"
    try:
        async with review.session(key) as session:
            result = await session.run(FORGE + f"_forge({frame})")
        assert result.restarted
    finally:
        await review.end(key)


async def test_a_forged_error_field_is_a_string(review: Sandboxes) -> None:
    key = new_key()
    frame = RESULT.replace('"error": None', '"error": {"not": "a string"}')
    try:
        async with review.session(key) as session:
            result = await session.run(FORGE + f"_forge({frame})")
        assert result.error is None or isinstance(result.error, str)
        _logs(result, [])
    finally:
        await review.end(key)


async def test_a_forged_result_does_not_shift_the_next_answers(review: Sandboxes) -> None:
    key = new_key()
    frame = RESULT.replace('"logs": ""', '"logs": "forged\\n"')
    try:
        async with review.session(key) as session:
            first = await session.run(FORGE + f"_forge({frame})\nprint('real-1')")
            second = await session.run("print('real-2')")
        # A frame that does not name the call ends the interpreter; the next call is answered
        # by a new one, not by the first call's real answer.
        assert first.restarted and "forged" not in first.logs
        assert second.logs == "real-2\n", second.logs
    finally:
        await review.end(key)


async def test_a_forged_huge_size_is_refused_at_the_header(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            began = time.monotonic()
            result = await session.run(FORGE + "_forge({'op': 'result', 'size': 4 << 30})", 3)
            elapsed = time.monotonic() - began
        assert result.restarted
        # Refused when the header arrives, not after the call's deadline (3 s + 1 s grace).
        assert elapsed < 2.5, elapsed
    finally:
        await review.end(key)


async def test_forged_paths_never_leave_the_threads_mirror(review: Sandboxes) -> None:
    """_safe() (pool.py:305) rejects '', '.', '..' components; the mirror never writes or
    deletes outside <root>/threads/<key>/files, whatever the frame says."""
    key = new_key()
    threads = review.settings.root / "threads"
    victim = threads / new_key() / "files"
    victim.mkdir(parents=True)
    (victim / "v.txt").write_text("victim")
    (threads.parent / "outside.txt").write_text("outside")
    paths = [
        "../../escaped",
        "/abs",
        "a/../../b",
        "./dot",
        "a//b",
        "..",
        "",
        f"../../{victim.parent.name}/files/planted",
        "fine.txt",
        "sub/ok.txt",
    ]
    deleted = [
        "../keys.json",
        f"../../{victim.parent.name}/files/v.txt",
        "../../../outside.txt",
        "/etc/hostname",
    ]
    files = [{"path": p, "size": 1} for p in paths]
    code = (
        FORGE
        + f"_frame = {RESULT}\n_frame.update(files={files!r}, deleted={deleted!r})\n"
        # The call's id, read out of the REPL's frame: code that goes this far forges a
        # frame the host takes as the call's answer, so the mirror must hold on its own.
        + "import sys as _sys\n_f = _sys._getframe()\n"
        + "while 'call_id' not in _f.f_locals:\n    _f = _f.f_back\n"
        + "_frame['id'] = _f.f_locals['call_id']\n"
        + f"_forge(_frame, b'X' * {len(paths)})"
    )
    try:
        async with review.session(key) as session:
            result = await session.run(code)
        assert not result.restarted
        kept = threads / key
        found = sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file())
        assert found == ["files/fine.txt", "files/sub/ok.txt", "keys.json"]
        assert (victim / "v.txt").read_text() == "victim"
        assert not (victim / "planted").exists()
        assert (threads.parent / "outside.txt").read_text() == "outside"
        assert os.path.exists("/etc/hostname")
        root = review.settings.root.parent
        assert not [p for p in root.rglob("*") if p.name in ("escaped", "abs", "b", "planted")]
    finally:
        await review.forget(key)


async def test_closing_or_hijacking_the_protocol_fds_only_restarts(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            closed = await session.run(FORGE + "_os.close(_ch.write_fd)")
            began = time.monotonic()
            muted = await session.run(
                FORGE + "_os.dup2(_os.open('/dev/null', _os.O_WRONLY), _ch.write_fd)", 1
            )
            elapsed = time.monotonic() - began
            after = await session.run("21 * 2")
        assert closed.restarted and muted.restarted
        assert elapsed < 1 + review.settings.kill_grace_seconds + 2
        assert after.logs == "42\n"
    finally:
        await review.end(key)


async def test_stealing_the_next_request_is_bounded_by_the_deadline(
    review: Sandboxes,
) -> None:
    """A thread that reads the request pipe can eat the next request (same thread's data
    only); the host then waits the call's deadline, kills, and recovers."""
    key = new_key()
    try:
        async with review.session(key) as session:
            await session.run(
                FORGE + "import threading\nstolen = []\n"
                "threading.Thread(target=lambda: stolen.append(_os.read(_ch.read_fd, 65536)),"
                " daemon=True).start()"
            )
            began = time.monotonic()
            robbed = await session.run("1", timeout=1)
            elapsed = time.monotonic() - began
            after = await session.run("21 * 2")
        assert robbed.restarted or robbed.logs == "1\n"
        assert elapsed < 1 + review.settings.kill_grace_seconds + 2
        assert after.logs == "42\n"
    finally:
        await review.end(key)


# --- Resources against the host ------------------------------------------------------------


async def test_no_writable_memory_outside_the_quotas(small: Sandboxes) -> None:
    key = new_key()
    code = (
        "import os\nwritten = {}\n"
        "for d in ('/', '/run', '/dev', '/opt'):\n"
        "    written[d] = 0\n"
        "    try:\n"
        "        for i in range(2):\n"
        "            with open(f'{d}/fill{i}', 'wb') as f:\n"
        "                f.write(b'x' * (15 << 20))\n"
        "            written[d] += 15\n"
        "    except OSError:\n"
        "        pass\n"
        "print(sum(written.values()))"
    )
    try:
        async with small.session(key) as session:
            result = await session.run(code)
        mib = int(result.logs.split()[-1])
        # Only /tmp, /mnt/data and /dev/shm take writes, each a tmpfs of a set size.
        assert mib == 0, f"{mib} MiB written outside the sized mounts"
    finally:
        await small.end(key)


async def test_the_kept_mirror_is_bounded_by_the_disk_quota(small: Sandboxes) -> None:
    key = new_key()
    limit = small.settings.max_output_file_bytes
    try:
        async with small.session(key) as session:
            await session.run(f"for i in range(20):\n    open(f's{{i}}', 'wb').truncate({limit})")
            await session.run(
                "import os\nfor i in range(20):\n    os.link('s0', f'h{i}')\n"
                "st = os.statvfs('/mnt/data')\n"
                "print((st.f_blocks - st.f_bfree) * st.f_frsize >> 20)"
            )
        kept = tree_bytes(small.settings.root / "threads" / key)
        # Today 160 MiB on the host's disk from a 16 MiB /mnt/data that holds ~0 bytes.
        assert kept <= small.settings.disk_bytes, f"{kept >> 20} MiB kept on the host"
    finally:
        await small.forget(key)


async def test_skipped_files_respect_the_log_cap(small: Sandboxes) -> None:
    key = new_key()
    try:
        async with small.session(key) as session:
            result = await session.run(
                "for i in range(3000):\n    open(f'{i:05d}' + 'n' * 120, 'w').close()"
            )
        text = "\n".join(result.skipped)
        assert len(text) <= small.settings.max_log_chars, len(text)
    finally:
        await small.forget(key)


async def test_fd_and_thread_exhaustion_only_hurt_the_session(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            threads = await session.run(
                "import threading, time\nalive = []\n"
                "try:\n    for _ in range(1000):\n"
                "        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)\n"
                "        t.start(); alive.append(t)\nexcept RuntimeError:\n    pass\n"
                "len(alive)"
            )
            fds = await session.run(
                "import os\nheld = []\ntry:\n    while True:\n"
                "        held.append(os.open('/dev/null', os.O_RDONLY))\n"
                "except OSError:\n    pass\nlen(held)"
            )
            after = await session.run("21 * 2")
        assert threads.restarted or int(threads.logs.split()[-1]) < review.settings.max_processes
        # Holding every fd kills the REPL (it cannot open its capture file): a restart.
        assert fds.restarted or fds.logs
        assert after.logs == "42\n"
    finally:
        await review.end(key)
    await healthy(review)


async def test_a_background_spin_does_not_block_the_next_call(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            uid = session.uid
            await session.run(
                "import threading\n"
                "threading.Thread(target=lambda: [None for _ in iter(int, 1)], daemon=True)"
                ".start()"
            )
            began = time.monotonic()
            after = await session.run("21 * 2")
            assert time.monotonic() - began < 3
        assert after.logs == "42\n"
    finally:
        await review.end(key)
    if uid is not None:
        assert uid_processes(uid) == []


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


@pytest.mark.xfail(
    strict=True,
    reason="FINDING (known, docs 'Left for later'): work started by a call keeps running after "
    "the call returns, between calls: a spinning thread or forked child burns host CPU until "
    "idle expiry (idle_seconds, 1 h) or RLIMIT_CPU (3600 s per process, x64 processes). No "
    "cgroup cpu.max, no stop of leftover processes between calls (session.py run/_call)",
)
async def test_no_cpu_is_burnt_between_calls(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            await session.run(
                "import os\nif os.fork() == 0:\n    os.setsid()\n    while True: pass"
            )
            assert session.uid is not None
            pids = uid_processes(session.uid)
            before = cpu_ticks(pids)
            await asyncio.sleep(1.0)
            burnt = (cpu_ticks(pids) - before) / os.sysconf("SC_CLK_TCK")
        assert burnt < 0.2, f"{burnt:.2f} CPU seconds in 1 s with no call running"
    finally:
        await review.end(key)


async def test_hard_kills_leave_no_zombies_fds_or_processes(review: Sandboxes) -> None:
    def zombies() -> int:
        count = 0
        for name in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            count += fields[0] == "Z" and int(fields[1]) == os.getpid()
        return count

    await healthy(review)
    fds_before = len(os.listdir("/proc/self/fd"))
    zombies_before = zombies()
    uids: set[int] = set()
    for _ in range(10):
        key = new_key()
        async with review.session(key) as session:
            await session.run(
                "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n"
                "        os.setsid(); time.sleep(600)"
            )
            if session.uid is not None:
                uids.add(session.uid)
        await review.end(key)
    await asyncio.sleep(0.3)
    assert zombies() <= zombies_before
    assert len(os.listdir("/proc/self/fd")) <= fds_before + 6  # warm sessions' pipes
    live = {s.uid for s in review._sessions}
    for uid in uids - live:
        assert uid_processes(uid) == [], uid


async def test_signals_reach_only_the_sandbox(review: Sandboxes) -> None:
    """kill(-1) and signals to the sandbox's pid 1 stay in its pid namespace; the host-side
    processes of the slot uid are only this session's bwrap and what it started."""
    key = new_key()
    try:
        async with review.session(key) as session:
            result = await session.run(
                "import os, signal, time\n"
                "for _ in range(3):\n    if os.fork() == 0:\n        time.sleep(600)\n"
                "for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGSTOP, signal.SIGKILL):\n"
                "    os.kill(1, sig)\n"
                "os.kill(-1, signal.SIGKILL)\ntime.sleep(0.2)\n'alive'"
            )
            after = await session.run("21 * 2")
            assert session.uid is not None and session.pid is not None
            owned = set(uid_processes(session.uid))
            ours = set(_tree(session.pid))
        assert result.logs == "'alive'\n" and not result.restarted
        assert after.logs == "42\n"
        assert owned <= ours
    finally:
        await review.end(key)
    await healthy(review)


def _tree(pid: int) -> list[int]:
    from service.sandbox.session import _descendants

    return _descendants(pid)


# --- Kept files and their restore ----------------------------------------------------------


async def test_odd_names_and_kinds_are_kept_and_restored(review: Sandboxes) -> None:
    key = new_key()
    long = "L" * 255
    try:
        async with review.session(key) as session:
            await session.run("open('d', 'w').write('was a file')")
            made = await session.run(
                "import os\n"
                "os.remove('d'); os.makedirs('d'); open('d/f', 'w').write('in dir')\n"
                "open('line\\nbreak.txt', 'w').write('nl')\n"
                "open('é ü.txt', 'w').write('uni')\n"
                f"open({long!r}, 'w').write('long')\n"
                "os.makedirs('deep/er'); open('deep/er/file.txt', 'w').write('deep')\n"
                "os.link('deep/er/file.txt', 'hard')\n"
                "os.mkfifo('fifo')\n"
                "os.symlink('/proc/1/environ', 'link')"
            )
        # A second name of a file returned once is not returned again (hard links would
        # multiply what a call returns from one file's space).
        assert sorted(made.skipped) == [
            "fifo: not a regular file",
            "hard: another name of a file already returned",
            "link: not a regular file",
        ]
        kept = review.settings.root / "threads" / key / "files"
        assert not [p for p in kept.rglob("*") if p.is_symlink() or p.name in ("fifo", "link")]
        await review.end(key)
        async with review.session(key) as session:
            back = await session.run(
                "import os\nprint(sorted(\n"
                "    (os.path.relpath(os.path.join(r, f)), open(os.path.join(r, f)).read())\n"
                "    for r, _, fs in os.walk('.') for f in fs))"
            )
        expected = [
            ("./" + long, "long"),
            ("./d/f", "in dir"),
            ("./deep/er/file.txt", "deep"),
            ("./line\nbreak.txt", "nl"),
            ("./é ü.txt", "uni"),
        ]
        assert back.logs.strip() == repr(sorted((p[2:], c) for p, c in expected))
    finally:
        await review.forget(key)


async def test_a_file_that_replaces_a_directory_is_kept(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            await session.run("import os\nos.makedirs('x'); open('x/y', 'w').write('1')")
            await session.run(
                "import os\nos.remove('x/y'); os.rmdir('x'); open('x', 'w').write('file')"
            )
        await review.end(key)
        async with review.session(key) as session:
            back = await session.run("import os\nos.path.isfile('x') and open('x').read()")
        assert back.logs == "'file'\n", back.logs
    finally:
        await review.forget(key)


async def test_the_collection_race_never_puts_a_link_on_the_host(review: Sandboxes) -> None:
    """A thread flips a directory of /mnt/data between a real one and a symlink while the REPL
    collects: at worst the REPL reads a file the code could read itself; the host mirror never
    holds a link nor anything outside the thread's directory."""
    key = new_key()
    flipper = (
        "import os, threading\n"
        "os.makedirs('real', exist_ok=True)\nopen('real/os-release', 'w').write('mine')\n"
        "go = True\n"
        "def flip():\n"
        "    while go:\n"
        "        try:\n"
        "            os.rename('real', 'side'); os.symlink('/usr/lib', 'real')\n"
        "            os.unlink('real'); os.rename('side', 'real')\n"
        "        except OSError:\n"
        "            pass\n"
        "threading.Thread(target=flip, daemon=True).start()"
    )
    try:
        async with review.session(key) as session:
            await session.run(flipper)
            for i in range(5):
                await session.run(
                    f"try:\n    open('real/os-release', 'w').write('mine {i}')\n"
                    "except OSError:\n    pass"
                )
            await session.run("go = False")
        kept = review.settings.root / "threads" / key
        assert not [p for p in kept.rglob("*") if p.is_symlink()]
        for path in kept.rglob("*"):
            assert path.resolve().is_relative_to(kept.resolve())
    finally:
        await review.forget(key)


# --- Kernel surface and /proc --------------------------------------------------------------

SYSCALLS = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
L = ctypes.c_long
def sc(n, *args):
    return libc.syscall(L(n), *[L(a) if isinstance(a, int) else a for a in args])
buf = ctypes.create_string_buffer(256)
results = {
    "unshare user": sc(272, 0x10000000),
    "unshare mnt": sc(272, 0x00020000),
    "unshare net": sc(272, 0x40000000),
    "mount": sc(165, b"none", b"/tmp", b"tmpfs", 0, 0),
    "umount proc": sc(166, b"/proc", 2),
    "chroot": sc(161, b"/tmp"),
    "setuid 0": sc(105, 0),
    "perf_event_open": sc(298, buf, 0, -1, -1, 0),
    "userfaultfd": sc(323, 0),
    "bpf prog load": sc(321, 5, buf, 128),
    "init_module": sc(175, buf, 16, b""),
    "kexec_load": sc(246, 0, 0, 0, 0),
    "setns mnt": sc(308, os.open("/proc/1/ns/mnt", os.O_RDONLY), 0),
}
for path in ("/proc/sysrq-trigger", "/proc/sys/kernel/hostname", "/sys/kernel/uevent_helper"):
    try:
        open(path, "w").write("x")
        results[path] = 0
    except OSError:
        results[path] = -1
print(results)
"""


async def test_privileged_syscalls_fail(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            result = await session.run(SYSCALLS)
        results = eval(result.logs)  # a dict literal of ints
        assert results and all(value == -1 for value in results.values()), results
    finally:
        await review.end(key)


async def test_io_uring_is_refused(review: Sandboxes) -> None:
    """The seccomp filter refuses io_uring, keyrings and ptrace with EPERM, while threads,
    subprocesses and multiprocessing, which notebooks use, still work."""
    key = new_key()
    try:
        async with review.session(key) as session:
            result = await session.run(
                "import ctypes, multiprocessing, subprocess, threading\n"
                "libc = ctypes.CDLL(None, use_errno=True)\n"
                "params = ctypes.create_string_buffer(120)\n"
                "refused = []\n"
                "for nr, args in ((425, (4, params)), (248, (b'user', b'k', b'v', 1, -3)),\n"
                "                 (101, (16, 1, 0, 0))):\n"
                "    refused.append((libc.syscall(nr, *args), ctypes.get_errno()))\n"
                "t = threading.Thread(target=print); t.start(); t.join()\n"
                "out = subprocess.run(['python3', '-c', 'print(6 * 7)'], capture_output=True)\n"
                "with multiprocessing.Pool(2) as pool:\n"
                "    squares = pool.map(abs, [-3, -4])\n"
                "print(refused, out.stdout, squares)"
            )
        assert result.logs.splitlines()[-1] == "[(-1, 1), (-1, 1), (-1, 1)] b'42\\n' [3, 4]"
    finally:
        await review.end(key)


@pytest.mark.xfail(
    strict=True,
    reason="FINDING (low, information): /proc/self/mountinfo and /proc/1/cmdline show host "
    "paths: the sandbox root (<root>/slots/<n>/inbox, <root>/mplcache, <root>/mirror/base) "
    "and the base interpreter's home (/root/.pyenv/...); bwrap's argv with every bind is in "
    "/proc/1/cmdline. Fix: bind from neutral paths (e.g. a dedicated /var/lib/... root) or "
    "accept and document",
)
async def test_host_paths_do_not_leak_through_proc(review: Sandboxes) -> None:
    key = new_key()
    try:
        async with review.session(key) as session:
            result = await session.run(
                "print(open('/proc/self/mountinfo').read().count("
                + repr(str(review.settings.root))
                + "))"
            )
        assert result.logs == "0\n", f"the sandbox root appears {result.logs.strip()} times"
    finally:
        await review.end(key)


# --- Between slots and between pools -------------------------------------------------------


async def test_nothing_of_a_key_is_left_for_the_next_key_on_its_slot(small: Sandboxes) -> None:
    first = new_key()
    async with small.session(first) as session:
        slot = session.slot
        planted = await session.run(
            "import ctypes, os\n"
            "for p in ('/tmp/a', '/dev/shm/a', '/mnt/data/a', '/tmp/matplotlib/a'):\n"
            "    open(p, 'w').write('secret of A')\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "for ring in (-3, -4, -5):\n"
            "    libc.syscall(ctypes.c_long(248), b'user', b'akey', b'secret of A', "
            "ctypes.c_long(11), ctypes.c_long(ring))\n"
            "denied = []\n"
            "for p in ('/opt/mplcache/a', '/run/inbox/a', '/run/a', '/a'):\n"
            "    try:\n        open(p, 'w')\n    except OSError:\n        denied.append(p)\n"
            "print(len(denied))"
        )
    assert planted.logs == "4\n", planted.logs  # the root and /run are read-only
    await small.end(first)
    second, _ = await session_on_slot(small, slot)
    try:
        async with small.session(second) as session:
            seen = await session.run(
                "import os, subprocess\n"
                "paths = ['/tmp/a', '/dev/shm/a', '/run/a', '/a', '/mnt/data/a', "
                "'/tmp/matplotlib/a', '/opt/mplcache/a']\n"
                "print([p for p in paths if os.path.exists(p)], os.listdir('/run/inbox'),\n"
                "      'akey' in open('/proc/keys').read())"
            )
        assert seen.logs == "[] [] False\n", seen.logs
    finally:
        await small.forget(first)
        await small.end(second)


async def test_a_claim_does_not_wait_for_a_warming_slot_longer_than_its_start(
    sandbox_root: Path,
) -> None:
    solo = Sandboxes(
        sandbox_settings(
            sandbox_root / "review-solo", first_uid=REVIEW_UID + 2000, max_sessions=1, pool_size=1
        )
    )
    await solo.start()
    try:

        async def claim() -> str:
            async with solo.session(new_key()) as session:
                return (await session.run("21 * 2")).logs

        assert await asyncio.wait_for(claim(), 8) == "42\n"
    finally:
        await solo.stop()


async def test_another_pool_on_the_same_uids_is_not_killed(
    small: Sandboxes, sandbox_root: Path
) -> None:
    other = Sandboxes(
        sandbox_settings(
            sandbox_root / "review-other", first_uid=REVIEW_UID, max_sessions=1, pool_size=1
        )
    )
    await other.start()
    await ready(other)
    victim = new_key()
    killer = None
    try:
        async with other.session(victim) as session:
            assert session.slot == 0
            await session.run("x = 'still here'")
        killer, _ = await session_on_slot(small, 0)
        await small.end(killer)
        async with other.session(victim) as session:
            after = await session.run("x")
        assert after.logs == "'still here'\n", after.logs
    finally:
        if killer is not None:
            await small.forget(killer)
        await other.stop()
