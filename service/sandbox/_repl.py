"""The interpreter inside the sandbox: runs code in one persistent namespace, on request.

Started as `python -I -c <this source> <config JSON>`; never imported by the server. It speaks
the frames of service.sandbox.protocol over its original stdin and stdout, and captures the
code's stdout and stderr (C code and subprocesses too) by pointing fds 1 and 2 at a file.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import json
import linecache
import os
import shutil
import signal
import stat
import struct
import sys
import traceback
from types import FrameType
from typing import Any

DATA = "/mnt/data"
INBOX = "/run/inbox"
MPLCACHE = "/opt/mplcache"
CAPTURE = "/tmp/.capture"
LENGTH = struct.Struct(">I")
CHUNK = 1 << 20
# What one call's figures may take together (service.sandbox.session.MAX_IMAGE_BYTES).
MAX_IMAGE_BYTES = 64 << 20
# Skipped paths named in a result; the rest are counted.
MAX_SKIPPED = 20

Snapshot = dict[str, tuple[int, int, int, bool]]


class CallTimeout(BaseException):
    """The soft time limit: a BaseException, so `except Exception` in the code cannot eat it."""


class Channel:
    """Frames over the two protocol fds."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def _read_exactly(self, size: int) -> bytes:
        parts = []
        while size:
            part = os.read(self.read_fd, min(size, CHUNK))
            if not part:
                raise EOFError
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def receive(self) -> dict[str, Any]:
        (length,) = LENGTH.unpack(self._read_exactly(LENGTH.size))
        message: dict[str, Any] = json.loads(self._read_exactly(length))
        return message

    def send(self, message: dict[str, Any], blobs: list[bytes] | None = None) -> None:
        blobs = blobs or []
        if blobs:
            message["size"] = sum(len(blob) for blob in blobs)
        body = json.dumps(message).encode()
        for chunk in (LENGTH.pack(len(body)) + body, *blobs):
            view = memoryview(chunk)
            while view:
                view = view[os.write(self.write_fd, view) :]


def open_channel() -> Channel:
    read_fd = os.dup(0)
    write_fd = os.dup(1)
    for fd in (read_fd, write_fd):
        os.set_inheritable(fd, False)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    return Channel(read_fd, write_fd)


def warm_up() -> None:
    """Copy the prebuilt matplotlib cache and import the usual libraries, when installed."""
    if os.path.isdir(MPLCACHE):
        shutil.copytree(MPLCACHE, "/tmp/matplotlib", dirs_exist_ok=True)
    for name in ("numpy", "pandas"):
        with contextlib.suppress(ImportError):
            __import__(name)
    with contextlib.suppress(ImportError):
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        importlib.import_module("matplotlib.pyplot")


def safe_name(name: str) -> str | None:
    parts = name.split("/")
    if not name or "\0" in name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    return os.path.join(DATA, *parts)


def put(request: dict[str, Any]) -> dict[str, Any]:
    target = safe_name(str(request.get("name", "")))
    inbox = str(request.get("inbox", ""))
    if target is None or not inbox or "/" in inbox:
        return {"op": "error", "error": f"invalid file name {request.get('name')!r}"}
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(target):
            os.unlink(target)
        shutil.copyfile(os.path.join(INBOX, inbox), target)
    except OSError as error:
        return {"op": "error", "error": error.strerror or str(error)}
    return {"op": "ok"}


def snapshot() -> Snapshot:
    """Relative path -> (inode, size, mtime, regular) of everything under /mnt/data."""
    found: Snapshot = {}
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(DATA, relative)))
        except OSError:
            continue
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(path)
            else:
                regular = stat.S_ISREG(info.st_mode)
                found[path] = (info.st_ino, info.st_size, info.st_mtime_ns, regular)
    return found


def files_listing() -> dict[str, Any]:
    listing = [{"path": p, "size": s[1]} for p, s in sorted(snapshot().items()) if s[3]]
    return {"op": "files", "files": listing}


def read_regular(path: str, limit: int) -> bytes | str:
    """The file's bytes, or why not: never follows a symlink, takes regular files only."""
    try:
        fd = os.open(os.path.join(DATA, path), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        return f"{path}: {error.strerror}"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return f"{path}: not a regular file"
        if info.st_size > limit:
            return f"{path}: over {limit // (1 << 20)} MiB"
        if info.st_size > info.st_blocks * 512 + CHUNK:
            return f"{path}: a sparse file (its holes would be returned as bytes)"
        data = handle.read(limit + 1)
        return data if len(data) <= limit else f"{path}: over {limit // (1 << 20)} MiB"


class Repl:
    def __init__(self, channel: Channel, config: dict[str, Any]) -> None:
        self.channel = channel
        self.max_log_chars = int(config.get("max_log_chars", 20_000))
        self.max_files = int(config.get("max_output_files", 20))
        self.max_file_bytes = int(config.get("max_output_file_bytes", 100 << 20))
        self.max_total_bytes = int(config.get("max_output_bytes", 256 << 20))
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        self.cells = 0
        self.running = False

    def serve(self) -> None:
        self.channel.send({"op": "ready", "pid": os.getpid()})
        while True:
            try:
                request = self.channel.receive()
            except EOFError:
                return
            op = request.get("op")
            if op == "run":
                code, timeout = str(request.get("code", "")), float(request.get("timeout", 60))
                self.run(code, timeout, str(request.get("id", "")))
            elif op == "put":
                self.channel.send(put(request))
            elif op == "files":
                self.channel.send(files_listing())
            else:
                self.channel.send({"op": "error", "error": f"unknown op {op!r}"})

    def on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self.running:
            raise CallTimeout

    def execute(self, code: str, timeout: float) -> tuple[str | None, str, bool]:
        """Runs one cell: (error summary, traceback text, timed out)."""
        self.cells += 1
        filename = f"<cell {self.cells}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        try:
            tree = ast.parse(code, filename)
        except SyntaxError as error:
            text = "".join(traceback.format_exception_only(type(error), error))
            return text.strip().splitlines()[-1], text, False
        last = tree.body[-1] if tree.body else None
        tail = None
        if isinstance(last, ast.Expr):
            tree.body.pop()
            tail = compile(ast.Expression(last.value), filename, "eval")
        body = compile(tree, filename, "exec")
        signal.setitimer(signal.ITIMER_REAL, max(timeout, 0.001))
        self.running = True
        try:
            exec(body, self.namespace)
            if tail is not None:
                value = eval(tail, self.namespace)
                if value is not None:
                    print(repr(value))
        except CallTimeout:
            self.running = False
            message = f"TimeoutError: the call was interrupted after {timeout:g} s"
            return message, message + "; variables are kept\n", True
        except BaseException as error:  # the code's own errors, SystemExit included
            self.running = False
            return self.describe(error)
        finally:
            self.running = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        return None, "", False

    def describe(self, error: BaseException) -> tuple[str, str, bool]:
        # Drop the first frame: it is execute()'s, not the code's.
        tb = error.__traceback__.tb_next if error.__traceback__ else None
        text = "".join(traceback.format_exception(type(error), error, tb))
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        return summary.splitlines()[-1] if summary else type(error).__name__, text, False

    def run(self, code: str, timeout: float, call_id: str) -> None:
        before = snapshot()
        capture = os.open(CAPTURE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        saved = self.redirect(capture)
        try:
            error, trace, timed_out = self.execute(code, timeout)
        except CallTimeout:  # the alarm rang between the code's end and the timer's cancel
            error, trace, timed_out = None, "", False
        finally:
            self.restore(saved)
            os.close(capture)
        logs = self.read_capture() + trace
        images = self.figures()
        files, blobs, skipped, deleted = self.changed(before, snapshot())
        result = {
            "op": "result",
            "id": call_id,
            "logs": logs,
            "error": error,
            "timed_out": timed_out,
            "images": [len(image) for image in images],
            "files": files,
            "skipped": skipped,
            "deleted": deleted,
        }
        self.channel.send(result, images + blobs)

    def redirect(self, capture: int) -> tuple[int, int]:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        saved = (os.dup(1), os.dup(2))
        os.dup2(capture, 1)
        os.dup2(capture, 2)
        return saved

    def restore(self, saved: tuple[int, int]) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)

    def read_capture(self) -> str:
        """The captured output, its middle cut to the cap; reads at most head and tail."""
        limit = self.max_log_chars
        with open(CAPTURE, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= 4 * limit:
                text = handle.read().decode(errors="replace")
                if len(text) <= limit:
                    return text
                half = limit // 2
                return cut(text[:half], len(text) - 2 * half, text[-half:])
            half = limit // 2
            head = handle.read(2 * half).decode(errors="replace")[:half]
            handle.seek(size - 2 * half)
            tail = handle.read().decode(errors="replace")[-half:]
            return cut(head, size - len(head.encode()) - len(tail.encode()), tail)

    def figures(self) -> list[bytes]:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return []
        images: list[bytes] = []
        budget = MAX_IMAGE_BYTES
        try:
            for number in pyplot.get_fignums():
                buffer = io.BytesIO()
                pyplot.figure(number).savefig(buffer, format="png", dpi=100)
                if buffer.tell() <= budget:
                    images.append(buffer.getvalue())
                    budget -= buffer.tell()
                else:
                    print(
                        "a figure was left out: the call's figures are over 64 MiB", file=sys.stderr
                    )
        except Exception as error:  # a broken figure must not lose the call's result
            print(f"a figure could not be saved: {error}", file=sys.stderr)
        finally:
            pyplot.close("all")
        return images

    def changed(
        self, before: Snapshot, after: Snapshot
    ) -> tuple[list[dict[str, Any]], list[bytes], list[str], list[str]]:
        files: list[dict[str, Any]] = []
        blobs: list[bytes] = []
        skipped: list[str] = []
        budget = self.max_total_bytes
        inodes: set[int] = set()
        for path in sorted(after):
            inode, size, _, regular = after[path]
            if before.get(path) == after[path]:
                continue
            if not regular:
                skipped.append(f"{path}: not a regular file")
            elif inode in inodes:
                skipped.append(f"{path}: another name of a file already returned")
            elif len(files) >= self.max_files:
                skipped.append(f"{path}: more than {self.max_files} files")
            elif size > budget:
                skipped.append(f"{path}: over the call's {self.max_total_bytes >> 20} MiB")
            else:
                data = read_regular(path, min(self.max_file_bytes, budget))
                if isinstance(data, str):
                    skipped.append(data)
                    continue
                files.append({"path": path, "size": len(data)})
                blobs.append(data)
                inodes.add(inode)
                budget -= len(data)
        deleted = sorted(set(before) - set(after))
        return files, blobs, self.shortened(skipped), deleted

    def shortened(self, skipped: list[str]) -> list[str]:
        """At most MAX_SKIPPED entries, a quarter of the log cap in all; the rest counted."""
        kept: list[str] = []
        room = self.max_log_chars // 4
        for entry in skipped[:MAX_SKIPPED]:
            entry = entry if len(entry) <= 200 else entry[:200] + "…"
            if len(entry) > room:
                break
            kept.append(entry)
            room -= len(entry) + 1
        if len(kept) < len(skipped):
            kept.append(f"and {len(skipped) - len(kept)} more")
        return kept


def cut(head: str, removed: int, tail: str) -> str:
    return f"{head}\n… {removed} characters cut …\n{tail}"


def main() -> None:
    channel = open_channel()
    # Writes over RLIMIT_FSIZE then fail with an OSError instead of killing the interpreter.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    config = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    repl = Repl(channel, config)
    signal.signal(signal.SIGALRM, repl.on_alarm)
    warm_up()
    repl.serve()


if __name__ == "__main__":
    main()
