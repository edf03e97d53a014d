"""The sandbox's limits and paths. service.config reads them from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIB = 1 << 20


@dataclass(frozen=True)
class SandboxSettings:
    # The interpreter environment's python (a venv with numpy, pandas and matplotlib, made
    # by `make`): bound read-only into every sandbox with the base interpreter it points to.
    python: Path
    # Host directory for the slots' inboxes and the threads' kept files.
    root: Path
    # Interpreters started ahead, with the libraries imported, waiting for a thread.
    pool_size: int = 2
    # Sessions alive at once, each under its own uid; the least recently used idle one is
    # ended to make room.
    max_sessions: int = 16
    # A session unused this long ends; its files are kept for the thread's next one.
    idle_seconds: float = 3600.0
    # A call is interrupted after this (state kept), and killed kill_grace_seconds later.
    call_timeout_seconds: float = 120.0
    kill_grace_seconds: float = 5.0
    # rlimits, per process: address space, CPU seconds (the session's cap), processes of the
    # slot's uid, open files.
    memory_bytes: int = 3 * 1024 * MIB
    cpu_seconds: int = 3600
    max_processes: int = 64
    max_open_files: int = 256
    # The size of /mnt/data (a tmpfs: files the code writes count here, not on the host's disk)
    # and of /tmp.
    disk_bytes: int = 1024 * MIB
    tmp_bytes: int = 256 * MIB
    # What one call returns: characters of logs, files, and bytes per file.
    max_log_chars: int = 20_000
    max_output_files: int = 20
    max_output_file_bytes: int = 100 * MIB
    # All the files of one call together: what the host buffers and keeps for it.
    max_output_bytes: int = 256 * MIB
    # Slot i runs as uid and gid first_uid + i when the server runs as root.
    first_uid: int = 200_000
    # The bubblewrap executable, looked up on PATH unless absolute.
    bwrap: str = "bwrap"
