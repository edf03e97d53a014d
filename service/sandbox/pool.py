"""Sandboxes: warm interpreters, one session per key (thread), idle expiry and kept files.

A key's files are mirrored on the host under <root>/threads/<key>/files after every put and
every call, so a new interpreter for the key (after an idle end, a kill or a server restart)
starts with /mnt/data as the last finished call left it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import shutil
import time
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

from service.sandbox import OutputFile, SandboxFull, SandboxUnavailable, launcher
from service.sandbox.session import Session, SessionDied
from service.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)

KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
FULL_WAIT_SECONDS = 30.0


class Sandboxes:
    def __init__(self, settings: SandboxSettings) -> None:
        # Absolute paths: bwrap's mounts and the reachability check need them.
        self.settings = dataclasses.replace(
            settings,
            root=settings.root.absolute(),
            python=Path(os.path.abspath(settings.python)),
        )
        self.unavailable: str | None = "the sandbox has not been started"
        self._layout: launcher.Layout | None = None
        self._sessions: list[Session] = []
        self._key_locks: dict[str, asyncio.Lock] = {}
        self._in_use: set[str] = set()
        self._lock = asyncio.Lock()
        self._released = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        # Holds this pool's range of slot uids (launcher.claim_uids) while it lives.
        self._uid_lock: int | None = None

    # Start and stop.

    async def start(self) -> None:
        """Checks that sandboxing works; never raises for it (see `unavailable`)."""
        try:
            first_uid, self._uid_lock = await asyncio.to_thread(launcher.claim_uids, self.settings)
            self.settings = dataclasses.replace(self.settings, first_uid=first_uid)
            self._layout = await asyncio.to_thread(launcher.prepare, self.settings)
            reason = await asyncio.to_thread(
                launcher.check, self.settings, self._spare_slot, self._layout
            )
        except (OSError, ValueError) as error:
            reason = str(error)
        if reason is not None:
            self.unavailable = reason
            log.warning("code_interpreter is disabled: %s", reason)
            return
        await asyncio.to_thread(self._prepare_slots)
        await self._build_mplcache()
        self.unavailable = None
        self._spawn(self._expire_idle())
        self._refill()
        log.info("code_interpreter sandbox ready (%d warm)", self.settings.pool_size)

    @property
    def _spare_slot(self) -> int:
        # The check and the font cache build run as one uid beyond the sessions' slots.
        return self.settings.max_sessions

    def _prepare_slots(self) -> None:
        for slot in range(self.settings.max_sessions):
            inbox = self._inbox(slot)
            if inbox.exists():
                shutil.rmtree(inbox)
            inbox.mkdir(parents=True)
            for directory in (inbox, inbox.parent, inbox.parent.parent):
                directory.chmod(0o755)

    def _inbox(self, slot: int) -> Path:
        return self.settings.root / "slots" / str(slot) / "inbox"

    async def _build_mplcache(self) -> None:
        """Builds matplotlib's font cache once, so no interpreter builds its own."""
        assert self._layout is not None
        cache = self._layout.mplcache
        if any(cache.glob("fontlist-*.json")):
            return
        uid = launcher.slot_uid(self.settings, self._spare_slot)
        if uid is not None:
            os.chown(cache, uid, uid)
        code = (
            "import os; os.environ['MPLCONFIGDIR'] = '/opt/mplcache'\n"
            "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as p\n"
            "p.plot([1, 2]); p.savefig('/tmp/warm.png')"
        )
        program = [str(self._layout.python), "-I", "-c", code]
        argv = launcher.command(
            self.settings, self._layout, None, program=program, writable_mplcache=True
        )
        process = await asyncio.create_subprocess_exec(
            *argv,
            env={},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=launcher.preexec(self.settings, uid),
        )
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), 60)
            if process.returncode:
                log.warning("matplotlib cache build failed: %s", stderr.decode()[-500:])
        except TimeoutError:
            process.kill()
            log.warning("matplotlib cache build timed out")
        if uid is not None:
            for path in (cache, *cache.rglob("*")):
                os.chown(path, 0, 0, follow_symlinks=False)

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        sessions, self._sessions = self._sessions, []
        await asyncio.gather(*(session.close() for session in sessions), return_exceptions=True)
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Sessions.

    @contextlib.asynccontextmanager
    async def session(self, key: str) -> AsyncIterator[Session]:
        """The key's interpreter, exclusively for the block."""
        if self.unavailable is not None:
            raise SandboxUnavailable(self.unavailable)
        if not KEY.fullmatch(key):
            raise ValueError(f"invalid sandbox key {key!r}")
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        async with lock:
            self._in_use.add(key)
            try:
                session = await self._session_for(key)
                yield session
            finally:
                self._in_use.discard(key)
                self._released.set()
                self._refill()

    async def _session_for(self, key: str) -> Session:
        deadline = time.monotonic() + FULL_WAIT_SECONDS
        while True:
            async with self._lock:
                session, fresh = await self._claim(key)
            if session is not None:
                break
            self._released.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxFull(f"all {self.settings.max_sessions} sandboxes are busy")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), remaining)
        if fresh:
            await self._restore(session)
        session.last_used = time.monotonic()
        return session

    async def _claim(self, key: str) -> tuple[Session | None, bool]:
        """The key's session, or a warm one, or a new one; (None, False) when all are busy.
        The flag says whether the key's files must be put back."""
        for session in self._sessions:
            if session.key == key:
                return session, False
        warm = next((s for s in self._sessions if s.key is None and s.ready), None)
        if warm is None:
            slot = self._free_slot() if self._has_room() else None
            if slot is None and await self._evict():
                slot = self._free_slot()
            if slot is None:
                return None, False
            warm = self._new_session(slot)
        self._assign(warm, key)
        return warm, True

    def _has_room(self) -> bool:
        return len(self._sessions) < self.settings.max_sessions

    def _free_slot(self) -> int | None:
        used = {session.slot for session in self._sessions}
        return next((i for i in range(self.settings.max_sessions) if i not in used), None)

    def _new_session(self, slot: int) -> Session:
        assert self._layout is not None
        session = Session(self.settings, self._layout, slot, self._inbox(slot))
        self._sessions.append(session)
        return session

    def _assign(self, session: Session, key: str) -> None:
        session.key = key
        session.restore = self._restore
        session.keep = self._keep

    async def _evict(self) -> bool:
        """Ends the least recently used session not in a call; whether one was ended."""
        idle = [s for s in self._sessions if s.key not in self._in_use and not s.busy]
        idle = [s for s in idle if s.ready or s.key is not None]
        if not idle:
            return False
        victim = min(idle, key=lambda s: (s.key is not None, s.last_used))
        log.info("sandbox slot %d (key %s) ended to make room", victim.slot, victim.key)
        await self._remove(victim)
        return True

    async def _remove(self, session: Session) -> None:
        # The slot stays taken until its processes are gone (close waits for them).
        await session.close()
        with contextlib.suppress(ValueError):
            self._sessions.remove(session)
        self._released.set()

    def _refill(self) -> None:
        if self._stopping or self.unavailable is not None:
            return
        warm = sum(1 for s in self._sessions if s.key is None)
        for _ in range(self.settings.pool_size - warm):
            slot = self._free_slot() if self._has_room() else None
            if slot is None:
                return
            self._spawn(self._warm(self._new_session(slot)))

    async def _warm(self, session: Session) -> None:
        try:
            await session.start()
        except (SessionDied, OSError) as error:
            log.warning("sandbox slot %d failed to start: %s", session.slot, error)
            await self._remove(session)
        finally:
            self._released.set()  # a caller waiting for a ready interpreter looks again

    async def end(self, key: str) -> None:
        """Ends the key's interpreter now; its files are kept."""
        async with self._key_locks.setdefault(key, asyncio.Lock()):
            for session in [s for s in self._sessions if s.key == key]:
                await self._remove(session)
        self._refill()

    async def forget(self, key: str) -> None:
        """Ends the key's interpreter and deletes its kept files."""
        await self.end(key)
        if KEY.fullmatch(key):
            await asyncio.to_thread(shutil.rmtree, self._kept(key), True)
        self._key_locks.pop(key, None)

    def kept_keys(self) -> list[str]:
        """The keys whose files are kept on the host."""
        threads = self.settings.root / "threads"
        if not threads.is_dir():
            return []
        return sorted(path.name for path in threads.iterdir() if KEY.fullmatch(path.name))

    async def _expire_idle(self) -> None:
        period = min(max(self.settings.idle_seconds / 4, 0.05), 30.0)
        while True:
            await asyncio.sleep(period)
            cutoff = time.monotonic() - self.settings.idle_seconds
            for session in list(self._sessions):
                key = session.key
                if key is None or key in self._in_use or session.last_used > cutoff:
                    continue
                log.info("sandbox slot %d (key %s) ended after idling", session.slot, key)
                await self._remove(session)

    # Kept files.

    def _kept(self, key: str) -> Path:
        return self.settings.root / "threads" / key

    async def _restore(self, session: Session) -> None:
        """Puts the key's kept files into a new interpreter, and what it had been given."""
        assert session.key is not None
        kept = self._kept(session.key)
        if not session.ready:
            await session.start()
        files = await asyncio.to_thread(_kept_files, kept / "files")
        for path in files:
            data = await asyncio.to_thread((kept / "files" / path).read_bytes)
            problem = await session.put(path, data)
            if problem:
                log.warning("key %s: kept file %s not restored: %s", session.key, path, problem)
        with contextlib.suppress(OSError, ValueError):
            session.put_keys = set(json.loads((kept / "keys.json").read_text()))

    async def _keep(self, session: Session, files: list[OutputFile], deleted: list[str]) -> None:
        assert session.key is not None
        if not files and not deleted:
            return  # most calls: no thread hop, no write
        await asyncio.to_thread(_mirror, self._kept(session.key), files, deleted, session.put_keys)


def _safe(relative: str) -> Path | None:
    parts = relative.split("/")
    if not relative or "\0" in relative or any(p in ("", ".", "..") for p in parts):
        return None
    return Path(*parts)


def _mirror(kept: Path, files: list[OutputFile], deleted: list[str], keys: set[str]) -> None:
    """Makes the kept files what the call left: deleted paths go (with directories they
    leave empty), written ones are written, replacing a directory or file in their way."""
    root = kept / "files"
    for path in deleted:
        relative = _safe(path)
        if relative is not None:
            with contextlib.suppress(OSError):
                (root / relative).unlink()
                _prune_empty(root, (root / relative).parent)
    for file in files:
        relative = _safe(file.path)
        if relative is None:
            continue
        target = root / relative
        try:
            _make_parents(root, relative)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.write_bytes(file.data)
        except OSError as error:
            log.warning("kept file %s not saved: %s", file.path, error)
    kept.mkdir(parents=True, exist_ok=True)
    (kept / "keys.json").write_text(json.dumps(sorted(keys)))


def _make_parents(root: Path, relative: Path) -> None:
    """Creates relative's parent directories under root; a file where one must go goes."""
    root.mkdir(parents=True, exist_ok=True)
    folder = root
    for part in relative.parts[:-1]:
        folder = folder / part
        if folder.is_file() or folder.is_symlink():
            folder.unlink()
        folder.mkdir(parents=True, exist_ok=True)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _kept_files(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )
