"""code_interpreter's sandbox: persistent Python interpreters in bubblewrap, one per thread.

This package knows nothing of runs, files or storage. It is given code, named input files and
a key (the thread id), and answers with logs, images and the files the code wrote. The engine
(service.engine.code_interpreter) turns those into step outputs and File objects.

Modules:
  settings     SandboxSettings: limits and paths (read from the environment in service.config).
  launcher     the bwrap command line, the preexec limits, slot uid ranges, and whether
               sandboxing works here.
  seccomp      the system-call filter every sandbox runs under.
  protocol     the framed messages between the host and the interpreter.
  _repl        the program that runs *inside* the sandbox (stdlib only; never imported here).
  session      one running interpreter: put files, run code, soft and hard timeouts, caps.
  pool         Sandboxes: warm interpreters, a session per key, idle expiry, kept files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InputFile:
    """A file the code should find at /mnt/data/<name>. `key` identifies its content (the
    File id): a session puts each key once, and again after a restart."""

    key: str
    name: str
    read: Callable[[], Awaitable[bytes]]


@dataclass(frozen=True)
class OutputFile:
    """A regular file the call created or changed under /mnt/data."""

    # Relative to /mnt/data, with "/" separators: "out.csv", "plots/a.png".
    path: str
    data: bytes


@dataclass(frozen=True)
class Execution:
    """What one call produced. Nothing here is an error of the server: an exception in the
    code, a timeout or a dead interpreter is reported for the model to read."""

    # stdout and stderr as the code wrote them (C code and subprocesses included), cut to the
    # settings' cap with a note of what was cut; the traceback of an exception is appended.
    logs: str
    # PNG bytes of the matplotlib figures open when the call ended (then closed), in order.
    images: list[bytes] = field(default_factory=list)
    # Files created or changed by the call, within the count and size caps, in path order.
    files: list[OutputFile] = field(default_factory=list)
    # Paths changed but not returned, each with the reason ("over 100 MiB", "more than 20").
    skipped: list[str] = field(default_factory=list)
    # The exception's type and message ("ZeroDivisionError: division by zero"), or None.
    error: str | None = None
    # The soft timeout interrupted the code; the interpreter and its variables live on.
    timed_out: bool = False
    # The interpreter died or was killed during the call: its variables are gone; the files
    # as of the last finished call are restored in the new one.
    restarted: bool = False


class SandboxUnavailable(Exception):
    """Sandboxing is impossible here (no bwrap, no user namespaces, no interpreter
    environment). The message says why and what to do; code never runs unsandboxed."""


class SandboxFull(Exception):
    """Every session slot is in use by a running call; the caller may retry later."""
