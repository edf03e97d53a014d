"""`make bench`, code_interpreter's sandbox: what an interpreter in bubblewrap costs.

Each figure is printed beside a floor measured in the same run, on the same interpreter
environment (.sandbox-python), with no sandbox:

- Cold start: a thread's first call with no warm interpreter waiting: bwrap, the interpreter,
  numpy, pandas and matplotlib imported, then `pass`. Floor: a local subprocess importing the
  same libraries and exiting.
- Warm call: `pass` in a thread's live interpreter, from Session.run to its return (a framed
  request and result over pipes, the capture of fds 1 and 2, the scan of /mnt/data). Floors:
  the same snippet sent to a bare persistent local Python subprocess over a pipe (the round
  trip alone), and in a new local `python -c` process (what running each call in a fresh
  process would cost).
- First plot cell: a line plot in an interpreter that has drawn nothing yet, its PNG returned.
  Floor: the same cell in a bare local Python with the libraries imported, saving the PNG to
  memory.
- Memory per idle session: the resident memory of a live interpreter's processes (bwrap's
  included) after a call. Floor: a bare local Python with the same imports.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from service.sandbox.pool import Sandboxes
from service.sandbox.settings import SandboxSettings
from tests.bench.__main__ import percentile

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".sandbox-python" / "bin" / "python"
IMPORTS = "import numpy, pandas, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot"
PLOT = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.title('first')"
FLOOR_PLOT = (
    PLOT + "\nimport io\nplt.savefig(io.BytesIO(), format='png', dpi=100)\nplt.close('all')"
)
COLD_STARTS = 5
WARM_CALLS = 300
SESSIONS = 4
# The bare persistent interpreter: a line of JSON code in, a line out.
_LOOP = (
    "import json, sys\n"
    "g = {'__name__': '__main__'}\n"
    "for line in sys.stdin:\n"
    "    exec(json.loads(line), g)\n"
    "    sys.stdout.write('ok\\n'); sys.stdout.flush()\n"
)


def _environment() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "HOME": tempfile.gettempdir()}


async def _local(code: str) -> float:
    """Seconds for a new local Python running code."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        str(PYTHON), "-c", code, env=_environment(), stdout=asyncio.subprocess.DEVNULL
    )
    await process.wait()
    return time.perf_counter() - started


class BareInterpreter:
    """A persistent local Python with no sandbox, fed code over a pipe."""

    async def start(self, preamble: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            str(PYTHON),
            "-c",
            _LOOP,
            env=_environment(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        await self.call(preamble)

    async def call(self, code: str) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        started = time.perf_counter()
        self.process.stdin.write(json.dumps(code).encode() + b"\n")
        await self.process.stdin.drain()
        await self.process.stdout.readline()
        return time.perf_counter() - started

    def rss(self) -> int:
        return _rss(self.process.pid)

    async def stop(self) -> None:
        self.process.kill()
        await self.process.wait()


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _ms(samples: list[float]) -> dict[str, float]:
    ns = sorted(int(s * 1e9) for s in samples)
    return {"p50_ms": percentile(ns, 0.5), "p99_ms": percentile(ns, 0.99), "n": len(ns)}


async def _cold(root: Path) -> tuple[list[float], list[float]]:
    pool = Sandboxes(SandboxSettings(python=PYTHON, root=root / "cold", pool_size=0))
    await pool.start()
    if pool.unavailable:
        raise SystemExit(f"the sandbox bench needs a sandbox: {pool.unavailable}")
    ours, floor = [], []
    try:
        for i in range(COLD_STARTS):
            started = time.perf_counter()
            async with pool.session(f"cold-{i}") as session:
                await session.run("pass")
            ours.append(time.perf_counter() - started)
            floor.append(await _local(IMPORTS))
            await pool.end(f"cold-{i}")
    finally:
        await pool.stop()
    return ours, floor


async def _warm(root: Path) -> dict[str, Any]:
    pool = Sandboxes(SandboxSettings(python=PYTHON, root=root / "warm", pool_size=SESSIONS))
    await pool.start()
    bare = BareInterpreter()
    await bare.start(IMPORTS)
    result: dict[str, Any] = {}
    try:
        async with pool.session("warm") as session:
            await session.run("pass")
            ours, pipe = [], []
            for _ in range(WARM_CALLS):
                started = time.perf_counter()
                await session.run("pass")
                ours.append(time.perf_counter() - started)
                pipe.append(await bare.call("pass"))
        fresh = [await _local("pass") for _ in range(20)]
        result["warm_call"] = {"ours": _ms(ours), "pipe": _ms(pipe), "fresh": _ms(fresh)}
        plots, floor_plots = [], []
        for i in range(5):
            async with pool.session(f"plot-{i}") as session:
                started = time.perf_counter()
                execution = await session.run(PLOT)
                plots.append(time.perf_counter() - started)
                assert execution.images, execution.logs
            other = BareInterpreter()
            await other.start(IMPORTS)
            floor_plots.append(await other.call(FLOOR_PLOT))
            await other.stop()
        result["first_plot"] = {"ours": _ms(plots), "floor": _ms(floor_plots)}
        memory = []
        for i in range(SESSIONS):
            async with pool.session(f"idle-{i}") as session:
                await session.run("x = 1")
                await asyncio.sleep(0.2)
                memory.append(session.memory_bytes())
        result["memory"] = {
            "ours_mib": sum(memory) / len(memory) / 2**20,
            "floor_mib": bare.rss() / 2**20,
        }
    finally:
        await bare.stop()
        await pool.stop()
    return result


async def run() -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    root.chmod(0o755)
    try:
        cold, cold_floor = await _cold(root)
        result = await _warm(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    result["cold_start"] = {"ours": _ms(cold), "floor": _ms(cold_floor)}
    return result


def report(result: dict[str, Any]) -> None:
    cpus = os.cpu_count()
    print(f"sandbox bench ({platform.machine()}, {cpus} CPUs, {sys.version.split()[0]})")
    rows = [
        (
            "cold start to a first call",
            result["cold_start"]["ours"],
            result["cold_start"]["floor"],
            "local import of numpy, pandas, matplotlib",
        ),
        (
            "warm call `pass`",
            result["warm_call"]["ours"],
            result["warm_call"]["pipe"],
            "bare persistent Python over a pipe",
        ),
        ("", None, result["warm_call"]["fresh"], "new local `python -c pass`"),
        (
            "first plot cell (PNG back)",
            result["first_plot"]["ours"],
            result["first_plot"]["floor"],
            "first plot in a bare local Python",
        ),
    ]
    print("  p50 / p99 ms:")
    for label, ours, floor, what in rows:
        mine = f"{ours['p50_ms']:8.2f} / {ours['p99_ms']:8.2f}" if ours else " " * 19
        print(
            f"  {label:28s} {mine}   floor {floor['p50_ms']:8.2f} / {floor['p99_ms']:8.2f}"
            f"  ({what})"
        )
    memory = result["memory"]
    print(
        f"  memory per idle session      {memory['ours_mib']:8.1f} MiB"
        f"            floor {memory['floor_mib']:8.1f} MiB  (bare local Python, same imports)"
    )


async def main() -> int:
    report(await run())
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
