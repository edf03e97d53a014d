"""One sandbox slot's interpreter: put files, run code, the soft and hard timeouts.

A Session owns a slot (uid and inbox) and at most one process at a time. When the process dies
or is killed during a call, the call says so (restarted=True) and the next request starts a new
process and restores the thread's files through the `restore` hook the pool sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from service.sandbox import Execution, InputFile, OutputFile, launcher, protocol, seccomp
from service.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 30.0
PUT_TIMEOUT_SECONDS = 60.0
CLOSE_TIMEOUT_SECONDS = 5.0
STDERR_CAP = 8192
MAX_IMAGES = 64
# What one call's figures may take together (the REPL leaves out figures beyond it).
MAX_IMAGE_BYTES = 64 * 1024 * 1024


class SessionDied(Exception):
    """The interpreter is gone or broke the protocol; it has been killed."""


class Session:
    def __init__(
        self, settings: SandboxSettings, layout: launcher.Layout, slot: int, inbox: Path
    ) -> None:
        self.settings = settings
        self.layout = layout
        self.slot = slot
        self.uid = launcher.slot_uid(settings, slot)
        self.inbox = inbox
        self.key: str | None = None
        # The InputFile keys in this process's /mnt/data (the pool persists them per thread).
        self.put_keys: set[str] = set()
        self.started = 0.0
        self.last_used = time.monotonic()
        self.busy = False
        # The interpreter has said "ready" (imports done) and not died since.
        self.ready = False
        # Called after a new process starts for a key: puts the thread's kept files back.
        self.restore: Callable[[Session], Awaitable[None]] | None = None
        # Called with every finished call's result: mirrors its files for the thread.
        self.keep: Callable[[Session, list[OutputFile], list[str]], Awaitable[None]] | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stderr = bytearray()
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        """Starts the interpreter and waits for its "ready" (numpy & co. imported)."""
        filter_fd = seccomp.program_fd()
        argv = launcher.command(self.settings, self.layout, self.inbox, seccomp_fd=filter_fd)
        began = time.monotonic()
        self._stderr.clear()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env={},
                preexec_fn=launcher.preexec(self.settings, self.uid),
                pass_fds=() if filter_fd is None else (filter_fd,),
                limit=1 << 16,
            )
        finally:
            if filter_fd is not None:
                os.close(filter_fd)
        self._stderr_task = asyncio.create_task(self._drain_stderr(self._process))
        self.put_keys = set()
        try:
            message, _ = await self._receive(START_TIMEOUT_SECONDS)
        except (SessionDied, TimeoutError) as error:
            raise SessionDied(f"the interpreter did not start: {error}") from None
        if message.get("op") != "ready":
            await self._kill()
            raise SessionDied(f"the interpreter sent {message.get('op')!r} instead of ready")
        self.started = time.monotonic()
        self.ready = True
        log.debug("sandbox slot %d ready in %.3f s", self.slot, self.started - began)

    async def _drain_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while chunk := await process.stderr.read(4096):
            self._stderr += chunk
            del self._stderr[:-STDERR_CAP]

    def diagnostics(self) -> str:
        return self._stderr.decode(errors="replace").strip()[-2000:]

    async def _send(self, message: dict[str, Any]) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise SessionDied("no interpreter")
        try:
            process.stdin.write(protocol.encode(message))
            await asyncio.wait_for(process.stdin.drain(), PUT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as error:
            await self._kill()
            raise SessionDied(f"the interpreter's pipe failed: {error}") from None

    async def _receive(self, timeout: float, max_data: int = 0) -> tuple[dict[str, Any], bytes]:
        process = self._process
        if process is None or process.stdout is None:
            raise SessionDied("no interpreter")
        try:
            return await protocol.read_frame(process.stdout, max_data=max_data, timeout=timeout)
        except TimeoutError:
            await self._kill()
            raise
        except protocol.ProtocolError as error:
            await self._kill()
            detail = self.diagnostics()
            raise SessionDied(f"{error}{': ' + detail if detail else ''}") from None

    async def _ensure(self) -> None:
        if self.alive and self.ready:
            return
        await self.start()
        if self.restore is not None:
            await self.restore(self)

    async def provide(self, files: Sequence[InputFile]) -> list[str]:
        """Puts each file this process lacks at /mnt/data/<name>; returns the problems."""
        problems: list[str] = []
        await self._ensure()
        for file in files:
            if file.key in self.put_keys:
                continue
            try:
                data = await file.read()
            except Exception as error:  # the file went away: the code runs without it
                problems.append(f"{file.name} could not be read: {error!r}")
                continue
            problem = await self.put(file.name, data)
            if problem:
                problems.append(f"{file.name} could not be copied: {problem}")
                continue
            self.put_keys.add(file.key)
            if self.keep is not None:
                await self.keep(self, [OutputFile(path=file.name, data=data)], [])
        self.last_used = time.monotonic()
        return problems

    async def put(self, name: str, data: bytes) -> str | None:
        """Copies bytes into /mnt/data/<name> through the inbox; None or the problem."""
        token = secrets.token_hex(16)
        path = self.inbox / token
        await asyncio.to_thread(_write_inbox, path, data)
        try:
            await self._send({"op": "put", "name": name, "inbox": token})
            message, _ = await self._receive(PUT_TIMEOUT_SECONDS)
        except (SessionDied, TimeoutError) as error:
            return f"the interpreter failed ({error})"
        finally:
            path.unlink(missing_ok=True)
        if message.get("op") == "ok":
            return None
        return str(message.get("error", "unknown error"))

    async def run(self, code: str, timeout: float | None = None) -> Execution:
        """Runs code in the persistent namespace; never raises for what the code does."""
        soft = self.settings.call_timeout_seconds if timeout is None else timeout
        self.busy = True
        try:
            await self._ensure()
            execution, deleted = await self._call(code, soft)
        except SessionDied as error:
            message = f"The interpreter could not be started: {error}"
            execution, deleted = Execution(logs=message, error=message, restarted=True), []
        finally:
            self.busy = False
            self.last_used = time.monotonic()
        if self.keep is not None and not execution.restarted:
            await self.keep(self, execution.files, deleted)
        return execution

    async def _call(self, code: str, soft: float) -> tuple[Execution, list[str]]:
        limit = self.settings.max_output_file_bytes
        # What a call may really return: its files' budget and its figures'. The frame comes
        # from the code's own process, so a bigger one is refused, not buffered.
        max_data = self.settings.max_output_bytes + MAX_IMAGE_BYTES
        try:
            # The answer must name the call: a frame the code forged (without reading the id
            # out of the REPL's memory), or one left over from it, ends the interpreter
            # instead of being taken as this call's answer and shifting the next ones.
            call_id = secrets.token_hex(8)
            await self._send({"op": "run", "code": code, "timeout": soft, "id": call_id})
            message, data = await self._receive(soft + self.settings.kill_grace_seconds, max_data)
            if message.get("id") != call_id:
                raise ValueError("a result frame of another call")
            return _execution(message, data, limit, self.settings.max_output_files)
        except asyncio.CancelledError:
            # The run was cancelled mid-call. The interpreter's answer would reach the next
            # call instead, so it goes; the next call starts a new one with the kept files.
            await asyncio.shield(self._kill())
            raise
        except TimeoutError:
            log.info("sandbox slot %d killed after the time limit", self.slot)
            grace = self.settings.kill_grace_seconds
            error = (
                f"The interpreter did not stop within {soft:g} s (+{grace:g} s grace) and"
                " was restarted: its variables are gone; the files of the last "
                "finished call are restored."
            )
        except (SessionDied, protocol.ProtocolError, *MALFORMED) as died:
            await self._kill()
            log.info("sandbox slot %d died during a call: %s", self.slot, died)
            error = (
                f"The interpreter died during the call ({_exit_reason(self._process)}) and was "
                "restarted: its variables are gone; the files of the last finished call are "
                "restored."
            )
        return Execution(logs=error, error=error, restarted=True), []

    def memory_bytes(self) -> int:
        """Resident memory of this interpreter's process tree (bwrap's included)."""
        if not self.alive or self.pid is None:
            return 0
        return sum(_rss(pid) for pid in _descendants(self.pid))

    async def close(self) -> None:
        await self._kill()

    async def _kill(self) -> None:
        self.ready = False
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            # The sandbox's pid 1 first: its pid namespace takes every process in it along, and
            # bwrap, its parent, reaps it and exits. Killed the other way round, it is orphaned.
            for pid in await asyncio.to_thread(_children, process.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            try:
                await asyncio.wait_for(process.wait(), 1.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), CLOSE_TIMEOUT_SECONDS)
        if self._stderr_task is not None:
            self._stderr_task.cancel()
        if self.uid is not None:
            await asyncio.to_thread(_kill_uid, self.uid)


def _write_inbox(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o644)


def _execution(
    message: dict[str, Any], data: bytes, limit: int, max_files: int
) -> tuple[Execution, list[str]]:
    """The result frame as an Execution (and the deleted paths). The frame is untrusted (the
    code can write to the channel): anything malformed raises one of MALFORMED."""
    if message.get("op") != "result":
        raise ValueError(f"unexpected frame {message.get('op')!r}")
    image_sizes = [int(size) for size in message.get("images", [])][:MAX_IMAGES]
    entries = message.get("files", [])[:max_files]
    offset = 0
    images = []
    for size in image_sizes:
        images.append(data[offset : offset + size])
        offset += size
    files = []
    for entry in entries:
        size = int(entry["size"])
        if size > limit:
            raise ValueError("a file over the limit")
        files.append(OutputFile(path=str(entry["path"]), data=data[offset : offset + size]))
        offset += size
    execution = Execution(
        logs=str(message.get("logs", "")),
        images=images,
        files=files,
        skipped=[str(item) for item in message.get("skipped", [])],
        error=None if message.get("error") is None else str(message["error"]),
        timed_out=bool(message.get("timed_out")),
    )
    return execution, [str(path) for path in message.get("deleted", [])]


# What a forged result frame can raise while it is read into an Execution.
MALFORMED = (ValueError, TypeError, KeyError, AttributeError, RecursionError)


def _exit_reason(process: asyncio.subprocess.Process | None) -> str:
    code = process.returncode if process else None
    if code is None:
        return "no answer"
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def _proc_entries() -> list[tuple[int, int, int]]:
    """(pid, ppid, uid) of every live (not zombie) process on the host."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
            if fields["State"].split()[0] == "Z":
                continue
            found.append((int(name), int(fields["PPid"]), int(fields["Uid"].split()[0])))
        except (OSError, KeyError, ValueError):
            continue
    return found


def _children(pid: int) -> list[int]:
    return [child for child, parent, _ in _proc_entries() if parent == pid]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for child, parent, _ in _proc_entries():
        children.setdefault(parent, []).append(child)
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def uid_processes(uid: int) -> list[int]:
    return [pid for pid, _, owner in _proc_entries() if owner == uid]


def _kill_uid(uid: int) -> None:
    """Kills whatever still runs as the slot's uid, so the slot is never reused while busy."""
    for _ in range(50):
        pids = uid_processes(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    log.warning("processes of sandbox uid %d survived SIGKILL", uid)
