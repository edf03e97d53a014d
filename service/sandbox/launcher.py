"""The bwrap command line of a sandbox slot, the limits set before exec, and whether sandboxing
works on this machine at all."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.sandbox import seccomp
from service.sandbox.settings import SandboxSettings

REPL_SOURCE = Path(__file__).with_name("_repl.py")
# Inside the sandbox: read-only inbox of files being put, and the prebuilt matplotlib cache.
INBOX = "/run/inbox"
MPLCACHE = "/opt/mplcache"
DATA = "/mnt/data"
# /dev/shm, for multiprocessing's semaphores and shared memory.
SHM_BYTES = 64 * 1024 * 1024
CHECK_TIMEOUT_SECONDS = 20.0
# Ranges of slot uids, one per Sandboxes on the host, claimed through lock files here.
UID_LOCKS = Path(tempfile.gettempdir()) / "assistants-sandbox-uids"
UID_BLOCK = 1000
UID_BLOCKS = 100


@dataclass(frozen=True)
class Layout:
    """Host directories bound read-only into every sandbox, each at its sandbox path."""

    # (host source, sandbox destination)
    binds: tuple[tuple[Path, Path], ...]
    python: Path
    mplcache: Path


def venv_dir(settings: SandboxSettings) -> Path:
    # abspath, not resolve: bin/python is a symlink into the base interpreter.
    return Path(os.path.abspath(settings.python)).parent.parent


def base_prefix(venv: Path) -> Path:
    """The installation the venv's pyvenv.cfg points to (its `home` is <prefix>/bin)."""
    for line in (venv / "pyvenv.cfg").read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "home":
            return Path(value.strip()).parent
    raise ValueError(f"{venv / 'pyvenv.cfg'} names no home")


def claim_uids(settings: SandboxSettings) -> tuple[int, int | None]:
    """A first uid for this process's slots that no other process on the host holds, and the
    file descriptor whose lock holds it (None when not root: slots then run as our uid).

    Ending a session kills every process of its slot's uid, so two servers on one host (or
    two pools in one process) must never share one. Ranges are UID_BLOCK wide from
    settings.first_uid; a range is held by an flock on its file while the descriptor lives.
    """
    if os.geteuid() != 0:
        return settings.first_uid, None
    if settings.max_sessions + 1 > UID_BLOCK:
        raise ValueError(f"at most {UID_BLOCK - 1} sessions")
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    for block in range(UID_BLOCKS):
        first = settings.first_uid + block * UID_BLOCK
        fd = os.open(UID_LOCKS / f"{first}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return first, fd
    raise OSError(f"all {UID_BLOCKS} ranges of sandbox uids are held by other processes")


def slot_uid(settings: SandboxSettings, slot: int) -> int | None:
    """The uid a slot runs as; None when the server is not root (it stays the current user)."""
    return settings.first_uid + slot if os.geteuid() == 0 else None


def reachable(path: Path) -> bool:
    """Whether another uid can reach `path` (o+x on it and every parent). bwrap 0.8 resolves
    bind sources, --ro-bind-fd ones included, with realpath as the slot's uid."""
    if os.geteuid() != 0:
        return True
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _mirror(source: Path, target: Path) -> Path:
    """A hard-linked (else copied) image of `source` that the slot uids can reach."""
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)

    def ignore(directory: str, names: list[str]) -> set[str]:
        # The base installation's own packages and tests: the venv never imports them.
        if Path(directory).parent.name == "lib" and Path(directory).name.startswith("python"):
            return {"site-packages", "test"} & set(names)
        return set()

    shutil.copytree(source, target, symlinks=True, ignore=ignore, copy_function=_link_or_copy)
    return target


def prepare(settings: SandboxSettings) -> Layout:
    """Make the host side ready (root dirs, mirrors of unreachable trees) and say what to bind.
    Raises OSError or ValueError with the reason when it cannot."""
    root = settings.root.absolute()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    if not reachable(root):
        raise PermissionError(
            f"the sandbox root {root} is not reachable by other users: "
            "give every parent directory o+x, or set the sandbox root elsewhere"
        )
    venv = venv_dir(settings)
    if not (venv / "pyvenv.cfg").is_file() or not os.path.exists(settings.python):
        raise FileNotFoundError(f"the interpreter environment {venv} is missing: run make")
    prefix = base_prefix(venv)
    binds = []
    for name, host in (("venv", venv), ("base", prefix)):
        source = host if reachable(host) else _mirror(host, root / "mirror" / name)
        binds.append((source, host))
    mplcache = root / "mplcache"
    mplcache.mkdir(exist_ok=True)
    mplcache.chmod(0o755)
    python = venv / "bin" / "python"
    return Layout(binds=tuple(binds), python=python, mplcache=mplcache)


def _root_dirs() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/lib", "/lib64", "/sbin"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def _environment(layout: Layout) -> list[str]:
    env = {
        "PATH": f"{layout.python.parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    args: list[str] = []
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def command(
    settings: SandboxSettings,
    layout: Layout,
    inbox: Path | None,
    *,
    program: list[str] | None = None,
    writable_mplcache: bool = False,
    seccomp_fd: int | None = None,
) -> list[str]:
    """bwrap's argv for one sandbox; `program` defaults to the REPL, configured by argv[1]."""
    args = [
        settings.bwrap,
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
        *_root_dirs(),
    ]
    # The tmpfs mounts first: bound after them, an environment that lives under /tmp on the
    # host (a checkout in /tmp) shows through instead of being hidden by the sandbox's /tmp.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    args += ["--size", str(settings.tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--size", str(settings.disk_bytes), "--tmpfs", DATA]
    for source, destination in layout.binds:
        args += ["--ro-bind", str(source), str(destination)]
    mpl_flag = "--bind" if writable_mplcache else "--ro-bind"
    args += [mpl_flag, str(layout.mplcache), MPLCACHE]
    if inbox is not None:
        args += ["--ro-bind", str(inbox), INBOX]
    # bwrap's own tmpfs mounts (/ with /run and /opt, and /dev) have no size: read-only,
    # they hold no memory the code could fill outside the sized ones above.
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--chdir", DATA, *_environment(layout), "--"]
    if program is None:
        program = [str(layout.python), "-I", "-c", REPL_SOURCE.read_text(), repl_config(settings)]
    return args + program


def repl_config(settings: SandboxSettings) -> str:
    return json.dumps(
        {
            "max_log_chars": settings.max_log_chars,
            "max_output_files": settings.max_output_files,
            "max_output_file_bytes": settings.max_output_file_bytes,
            "max_output_bytes": settings.max_output_bytes,
        }
    )


def preexec(settings: SandboxSettings, uid: int | None) -> Callable[[], None]:
    """What the child runs between fork and exec: its own session, the rlimits, the slot's uid.
    Without root the uid stays ours, and RLIMIT_NPROC then counts all of our processes."""
    limits = (
        (resource.RLIMIT_CPU, settings.cpu_seconds),
        (resource.RLIMIT_AS, settings.memory_bytes),
        (resource.RLIMIT_FSIZE, settings.disk_bytes),
        (resource.RLIMIT_NPROC, settings.max_processes),
        (resource.RLIMIT_NOFILE, settings.max_open_files),
        (resource.RLIMIT_CORE, 0),
    )

    def run() -> None:
        os.setsid()
        for which, value in limits:
            resource.setrlimit(which, (value, value))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return run


def check(settings: SandboxSettings, slot: int = 0, layout: Layout | None = None) -> str | None:
    """None when a trivial sandbox starts here; else why not, and what to do about it."""
    if shutil.which(settings.bwrap) is None:
        return f"bubblewrap ({settings.bwrap}) is not installed: apt-get install bubblewrap"
    try:
        layout = layout or prepare(settings)
    except (OSError, ValueError) as error:
        return str(error)
    filter_fd = seccomp.program_fd()
    program = [str(layout.python), "-I", "-c", "pass"]
    argv = command(settings, layout, None, program=program, seccomp_fd=filter_fd)
    try:
        result = subprocess.run(
            argv,
            env={},
            preexec_fn=preexec(settings, slot_uid(settings, slot)),
            pass_fds=() if filter_fd is None else (filter_fd,),
            capture_output=True,
            timeout=CHECK_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"a trivial sandbox did not finish within {CHECK_TIMEOUT_SECONDS:g} s"
    except OSError as error:
        return f"bubblewrap could not be started: {error}"
    finally:
        if filter_fd is not None:
            os.close(filter_fd)
    if result.returncode == 0:
        return None
    stderr = result.stderr.decode(errors="replace").strip()[-2000:]
    if "namespace" in stderr.lower() or "permission" in stderr.lower():
        return (
            f"bubblewrap failed ({stderr}); user namespaces may be disabled: "
            "allow them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces)"
        )
    return f"a trivial sandbox failed with status {result.returncode}: {stderr}"
