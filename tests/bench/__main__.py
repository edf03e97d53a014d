"""`make bench`: CreateMessage latency beside a floor measured in the same run.

The figure is the p50 and p99 of CreateMessage over sequential calls (one in flight) to the
real server, started as `assistants serve` in a subprocess with its production settings. The
floor is what no implementation can beat on this machine: a bare grpc.aio unary call to a
trivial servicer (also a subprocess, on the same loopback) plus one single-row INSERT commit on
the same database. The ratio CreateMessage / floor is the goal: at most 1.5.

The three are measured in interleaved rounds, rotating which goes first, so noise on a shared
machine falls on all of them alike. Throughput with 8 concurrent callers is printed beside,
as information.

The database server is ASSISTANTS_BENCH_DATABASE_URL or ASSISTANTS_TEST_DATABASE_URL if set,
else the embedded PostgreSQL in a temporary directory. The bench works in a fresh database of
its own and drops it at the end. With ASSISTANTS_BENCH_OUT set, the figures are also written
there as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from assistants.v1 import message_pb2, message_pb2_grpc, thread_pb2, thread_pb2_grpc
from tests.bench._floor_server import METHOD as FLOOR_METHOD
from tests.helpers import fresh_database

WARMUP = 200
ROUNDS = 4
PER_ROUND = 500
CALLS = ROUNDS * PER_ROUND
CONCURRENCY = 8
CONCURRENT_CALLS = 2_000
GOAL = 1.5
TEXT = "Hello, how are you?"
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0
ROOT = Path(__file__).resolve().parents[2]


# --- figures ---------------------------------------------------------------------------------


def percentile(sorted_ns: list[int], q: float) -> float:
    """The nearest-rank q-quantile of sorted nanosecond samples, in milliseconds."""
    rank = max(1, math.ceil(q * len(sorted_ns)))
    return sorted_ns[rank - 1] / 1e6


@dataclass
class Figures:
    name: str
    samples_ns: list[int]

    def summary(self) -> dict[str, float | int]:
        s = sorted(self.samples_ns)
        return {
            "calls": len(s),
            "p50_ms": percentile(s, 0.50),
            "p99_ms": percentile(s, 0.99),
            "mean_ms": sum(s) / len(s) / 1e6,
            "min_ms": s[0] / 1e6,
            "max_ms": s[-1] / 1e6,
        }


async def timed(call: Callable[[], Awaitable[Any]], n: int, into: list[int] | None) -> None:
    """Makes n sequential calls; appends each one's wall time in ns to `into`, if given."""
    clock = time.perf_counter_ns
    for _ in range(n):
        started = clock()
        await call()
        if into is not None:
            into.append(clock() - started)


# --- database --------------------------------------------------------------------------------


@contextlib.contextmanager
def database_server() -> Iterator[tuple[str, str]]:
    """(URL of a PostgreSQL server, description): the configured one, or an embedded one."""
    url = os.environ.get("ASSISTANTS_BENCH_DATABASE_URL") or os.environ.get(
        "ASSISTANTS_TEST_DATABASE_URL"
    )
    if url:
        yield url, "external (ASSISTANTS_*_DATABASE_URL)"
        return
    from storage._embedded import start_embedded

    # pgserver asks platformdirs for XDG_RUNTIME_DIR, which many machines do not set.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    with tempfile.TemporaryDirectory(prefix="assistants-bench-pg-") as tmp:
        url, server = start_embedded(Path(tmp))
        try:
            yield url, "embedded (pgserver)"
        finally:
            server.cleanup()


# --- subprocesses ----------------------------------------------------------------------------


class Child:
    """A subprocess whose stdout is read line by line and whose stderr goes to a file."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.name = name
        self.proc = proc
        self.log_path = log_path
        self._drain: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> Child:
        log_path = log_dir / f"{name}.stderr.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        return cls(name, proc, log_path)

    def stderr_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def readline(self, deadline: float) -> str:
        assert self.proc.stdout is not None
        late = f"{self.name} did not start within {STARTUP_TIMEOUT:.0f} s"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{late}:\n{self.stderr_tail()}")
        try:
            raw = await asyncio.wait_for(self.proc.stdout.readline(), remaining)
        except TimeoutError:
            raise TimeoutError(f"{late}:\n{self.stderr_tail()}") from None
        if not raw:
            await self.proc.wait()
            raise RuntimeError(
                f"{self.name} exited with code {self.proc.returncode} before it was ready:\n"
                f"{self.stderr_tail()}"
            )
        return raw.decode(errors="replace").rstrip("\n")

    def drain_stdout(self) -> None:
        """Keeps reading stdout once startup is parsed, so the child never blocks on it."""

        async def drain() -> None:
            assert self.proc.stdout is not None
            while await self.proc.stdout.readline():
                pass

        self._drain = asyncio.create_task(drain())

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited in STOP_TIMEOUT seconds."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain


async def start_assistants(
    database_url: str, work_dir: Path, children: list[Child]
) -> tuple[str, str]:
    """Starts `assistants serve` on the fresh database; returns (target, first API key)."""
    env = dict(os.environ)
    env.update(
        ASSISTANTS_DATABASE_URL=database_url,
        ASSISTANTS_DATA_DIR=str(work_dir / "data"),
        ASSISTANTS_GRPC_HOST="127.0.0.1",
        # Port 0: the server binds a free port and prints it, so no port can be taken between
        # choosing it and binding it.
        ASSISTANTS_GRPC_PORT="0",
        ASSISTANTS_HTTP_PORT="0",
        ASSISTANTS_LOG_LEVEL="INFO",
    )
    argv = [sys.executable, "-m", "service.cli", "serve"]
    child = await Child.start("assistants", argv, env, work_dir)
    children.append(child)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    key: str | None = None
    while True:
        line = await child.readline(deadline)
        if line.strip() == "It is shown only this once:":
            key = (await child.readline(deadline)).strip()
        elif line.startswith("assistants: gRPC on "):
            target = line.removeprefix("assistants: gRPC on ").strip()
            break
    child.drain_stdout()
    if not key:
        raise RuntimeError("the server printed no API key; was the database not fresh?")
    await wait_serving(target, deadline, child)
    return target, key


async def start_floor(work_dir: Path, children: list[Child]) -> str:
    argv = [sys.executable, "-m", "tests.bench._floor_server"]
    child = await Child.start("floor", argv, dict(os.environ), work_dir)
    children.append(child)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        line = await child.readline(deadline)
        if line.startswith("port "):
            port = int(line.split()[1])
            break
    child.drain_stdout()
    return f"127.0.0.1:{port}"


async def wait_serving(target: str, deadline: float, child: Child) -> None:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            if child.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server never reported SERVING:\n{child.stderr_tail()}")
            await asyncio.sleep(0.1)


# --- the benchmark ---------------------------------------------------------------------------


async def run(database_url: str, server_target: str, floor_target: str, key: str) -> dict[str, Any]:
    metadata = (("authorization", f"Bearer {key}"),)
    server_channel = grpc.aio.insecure_channel(server_target)
    floor_channel = grpc.aio.insecure_channel(floor_target)
    conn = await asyncpg.connect(database_url)
    try:
        threads = thread_pb2_grpc.ThreadServiceStub(server_channel)
        messages = message_pb2_grpc.MessageServiceStub(server_channel)
        thread = await threads.CreateThread(thread_pb2.CreateThreadRequest(), metadata=metadata)
        request = message_pb2.CreateMessageRequest(
            thread_id=thread.id,
            role=message_pb2.MESSAGE_ROLE_USER,
            content=[
                message_pb2.MessageContentInput(
                    type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=TEXT
                )
            ],
        )
        # The bare call carries the same bytes and metadata as CreateMessage's request.
        echo = floor_channel.unary_unary(FLOOR_METHOD)
        payload = request.SerializeToString()
        await conn.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body text)")

        async def create_message() -> Any:
            return await messages.CreateMessage(request, metadata=metadata)

        async def bare_grpc() -> Any:
            return await echo(payload, metadata=metadata)

        async def insert_commit() -> Any:
            # Autocommit: each INSERT is its own transaction and commit.
            return await conn.execute("INSERT INTO bench_floor (body) VALUES ($1)", TEXT)

        measured = [
            ("CreateMessage", create_message),
            ("bare gRPC unary", bare_grpc),
            ("INSERT commit", insert_commit),
        ]
        figures = {name: Figures(name, []) for name, _ in measured}
        for _, call in measured:
            await timed(call, WARMUP, None)
        for round_no in range(ROUNDS):
            shift = round_no % len(measured)
            for name, call in measured[shift:] + measured[:shift]:
                await timed(call, PER_ROUND, figures[name].samples_ns)

        concurrent = await concurrent_create(threads, messages, metadata)
    finally:
        await conn.close()
        await server_channel.close()
        await floor_channel.close()

    create = figures["CreateMessage"].summary()
    bare = figures["bare gRPC unary"].summary()
    insert = figures["INSERT commit"].summary()
    floor = {
        "p50_ms": bare["p50_ms"] + insert["p50_ms"],
        "p99_ms": bare["p99_ms"] + insert["p99_ms"],
    }
    return {
        "calls": CALLS,
        "warmup_calls": WARMUP,
        "rounds": ROUNDS,
        "create_message": create,
        "bare_grpc_unary": bare,
        "insert_commit": insert,
        "floor": floor,
        "ratio": {
            "p50": create["p50_ms"] / floor["p50_ms"],
            "p99": create["p99_ms"] / floor["p99_ms"],
        },
        "goal": GOAL,
        "concurrent_create_message": concurrent,
    }


async def concurrent_create(
    threads: thread_pb2_grpc.ThreadServiceStub,
    messages: message_pb2_grpc.MessageServiceStub,
    metadata: tuple[tuple[str, str], ...],
) -> dict[str, float | int]:
    """CONCURRENCY callers, each on a thread of its own, CONCURRENT_CALLS calls in all."""
    requests = []
    for _ in range(CONCURRENCY):
        thread = await threads.CreateThread(thread_pb2.CreateThreadRequest(), metadata=metadata)
        requests.append(
            message_pb2.CreateMessageRequest(
                thread_id=thread.id,
                role=message_pb2.MESSAGE_ROLE_USER,
                content=[
                    message_pb2.MessageContentInput(
                        type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=TEXT
                    )
                ],
            )
        )

    def caller(request: message_pb2.CreateMessageRequest) -> Callable[[], Awaitable[Any]]:
        async def call() -> Any:
            return await messages.CreateMessage(request, metadata=metadata)

        return call

    calls = [caller(r) for r in requests]
    # A short warm-up of every caller together, unmeasured.
    await asyncio.gather(*(timed(call, 10, None) for call in calls))
    samples: list[int] = []
    per_caller = CONCURRENT_CALLS // CONCURRENCY
    started = time.perf_counter_ns()
    await asyncio.gather(*(timed(call, per_caller, samples) for call in calls))
    elapsed_s = (time.perf_counter_ns() - started) / 1e9
    s = sorted(samples)
    return {
        "callers": CONCURRENCY,
        "calls": len(s),
        "seconds": elapsed_s,
        "calls_per_second": len(s) / elapsed_s,
        "p50_ms": percentile(s, 0.50),
        "p99_ms": percentile(s, 0.99),
    }


def report(result: dict[str, Any], out: TextIO) -> None:
    def row(label: str, p50: float, p99: float, note: str = "") -> None:
        print(f"  {label:<34}{p50:>10.3f}{p99:>10.3f}  {note}".rstrip(), file=out)

    create = result["create_message"]
    bare = result["bare_grpc_unary"]
    insert = result["insert_commit"]
    floor = result["floor"]
    ratio = result["ratio"]
    conc = result["concurrent_create_message"]
    print(
        f"CreateMessage latency: {result['calls']} sequential calls each (one in flight), "
        f"{result['rounds']} interleaved rounds, after {result['warmup_calls']} warm-up calls",
        file=out,
    )
    print(f"  {'':<34}{'p50 ms':>10}{'p99 ms':>10}", file=out)
    row("CreateMessage", create["p50_ms"], create["p99_ms"])
    row("bare grpc.aio unary call", bare["p50_ms"], bare["p99_ms"])
    row("single-row INSERT commit", insert["p50_ms"], insert["p99_ms"])
    row("floor = bare gRPC + INSERT", floor["p50_ms"], floor["p99_ms"])
    met = ratio["p50"] <= GOAL and ratio["p99"] <= GOAL
    print(
        f"  {'ratio CreateMessage / floor':<34}{ratio['p50']:>10.2f}{ratio['p99']:>10.2f}"
        f"  goal <= {GOAL} ({'met' if met else 'not met'})",
        file=out,
    )
    print(
        f"Throughput, {conc['callers']} concurrent callers on threads of their own: "
        f"{conc['calls']} CreateMessage calls in {conc['seconds']:.2f} s = "
        f"{conc['calls_per_second']:.0f} calls/s (latency p50 {conc['p50_ms']:.3f} ms, "
        f"p99 {conc['p99_ms']:.3f} ms)",
        file=out,
    )
    print(
        f"Machine: {result['cpus']} CPUs, Python {result['python']}, "
        f"grpcio {result['grpcio']}, database {result['database']}",
        file=out,
    )


async def main() -> int:
    began = time.monotonic()
    # SIGTERM unwinds like Ctrl-C, through the finally blocks that stop the subprocesses and
    # drop the database.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    with (
        database_server() as (server_url, database_kind),
        tempfile.TemporaryDirectory(prefix="assistants-bench-") as tmp,
    ):
        work_dir = Path(tmp)
        async with fresh_database(server_url, "assistants_bench") as database_url:
            children: list[Child] = []
            try:
                floor_target = await start_floor(work_dir, children)
                server_target, key = await start_assistants(database_url, work_dir, children)
                result = await run(database_url, server_target, floor_target, key)
            finally:
                for child in reversed(children):
                    await child.stop()
    result.update(
        cpus=os.cpu_count(),
        python=platform.python_version(),
        grpcio=grpc.__version__,
        database=database_kind,
        seconds_total=time.monotonic() - began,
    )
    report(result, sys.stdout)
    out_path = os.environ.get("ASSISTANTS_BENCH_OUT")
    if out_path:
        Path(out_path).write_text(json.dumps(result, indent=2) + "\n")
        print(f"Figures written to {out_path}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        sys.exit(130)
