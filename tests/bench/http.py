"""`make bench`, HTTP API: the `openai` SDK's run helpers against the server, beside gRPC.

The client is the real `openai` Python SDK, AsyncOpenAI, pointed at the server's
OpenAI-compatible HTTP API. Every run is on a fresh thread (created over gRPC, untimed) and
runs are sequential, one in flight; the fake model answers at once. The four run figures are
measured in the same iterations, their order rotating from one iteration to the next, so
noise on a shared machine falls on all of them alike:

- `runs.create_and_poll`: from the call to its return. The SDK POSTs the run, GETs it at
  once, and while it is not terminal sleeps for the `openai-poll-after-ms` of the first GET
  (20 ms for a young run) and GETs again. Event hooks on its HTTP client time every request,
  so the figure splits into the POST, the GETs and the rest (the sleeps and the SDK itself).
- gRPC CreateRun, then GetRun at once and every 20 ms (the same `poll_after_ms` the header
  gives) until the run is terminal: what create_and_poll does, over gRPC.
- `runs.stream`: from the call to the first `on_text_delta` of an AsyncAssistantEventHandler,
  and to the end of the stream.
- The same POST with `"stream": true` through a raw aiohttp client, reading the SSE lines: the
  server's HTTP streaming path without the SDK's event parsing.
- gRPC CreateRunStream: from the call to the first `thread.message.delta`, and to the end of
  the stream (`first_delta` of tests/bench/runs.py).

Floors, measured in the same iterations: the fake model's first chunk and whole answer
through the `openai` client, a bare grpc.aio unary call to a trivial server in its own process
(runs.py's floor), and a bare HTTP round trip to the server under test (a raw aiohttp GET of an
unrouted path: aiohttp at both ends and the middleware, no auth, no database), with the gRPC
health check as its gRPC counterpart. Single calls doing the same work both ways (GetAssistant,
GetRun) show what the HTTP path itself costs per request. A row's floor is the model's part plus
one bare round trip of its protocol.

The server is `assistants serve` in a subprocess on ports of its own (gRPC and HTTP, both
chosen free by the server); the database is the one `python -m tests.bench` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import httpx2
import openai
from grpc_health.v1 import health_pb2, health_pb2_grpc
from openai import AsyncAssistantEventHandler
from openai.types.beta.threads import Text, TextDelta

from assistants.v1 import assistant_pb2, run_pb2, run_service_pb2
from service.http._routes import poll_after_ms
from tests.bench.__main__ import (
    STARTUP_TIMEOUT,
    Child,
    database_server,
    percentile,
    start_floor,
    wait_serving,
)
from tests.bench._floor_server import METHOD as FLOOR_METHOD
from tests.bench.runs import ANSWER, first_delta, model_first_chunk, new_thread
from tests.fake_model import FakeModel
from tests.helpers import Client, fresh_database

# The SDK marks the Assistants API deprecated; that is what this bench exercises.
warnings.simplefilter("ignore", DeprecationWarning)

RS = run_service_pb2
WARMUP = 20
ITERATIONS = 250
TERMINAL = {
    run_pb2.RUN_STATUS_REQUIRES_ACTION,
    run_pb2.RUN_STATUS_CANCELLED,
    run_pb2.RUN_STATUS_FAILED,
    run_pb2.RUN_STATUS_COMPLETED,
    run_pb2.RUN_STATUS_INCOMPLETE,
    run_pb2.RUN_STATUS_EXPIRED,
}
UNROUTED = "/v1/bench-floor"


@dataclass
class Server:
    grpc_target: str
    http_base: str
    key: str


async def start_server(database_url: str, work_dir: Path, children: list[Child]) -> Server:
    """`assistants serve` with both ports chosen free; both printed lines are read."""
    env = dict(os.environ)
    env.update(
        ASSISTANTS_DATABASE_URL=database_url,
        ASSISTANTS_DATA_DIR=str(work_dir / "data"),
        ASSISTANTS_GRPC_HOST="127.0.0.1",
        ASSISTANTS_GRPC_PORT="0",
        ASSISTANTS_HTTP_PORT="0",
        ASSISTANTS_LOG_LEVEL="INFO",
    )
    argv = [sys.executable, "-m", "service.cli", "serve"]
    child = await Child.start("assistants", argv, env, work_dir)
    children.append(child)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    key = http = ""
    while True:
        line = await child.readline(deadline)
        if line.strip() == "It is shown only this once:":
            key = (await child.readline(deadline)).strip()
        elif line.startswith("assistants: HTTP on "):
            http = line.removeprefix("assistants: HTTP on ").strip()
        elif line.startswith("assistants: gRPC on "):
            target = line.removeprefix("assistants: gRPC on ").strip()
            break
    child.drain_stdout()
    if not key or not http:
        raise RuntimeError("the server printed no API key or no HTTP address")
    await wait_serving(target, deadline, child)
    return Server(target, f"http://{http}", key)


# --- the SDK's requests, timed --------------------------------------------------------------


@dataclass
class Requests:
    """Every HTTP request the SDK sends, timed from the request hook to the response hook
    (the response's headers; its small body is read after)."""

    started: dict[int, int] = field(default_factory=dict)
    done: list[tuple[str, int]] = field(default_factory=list)

    async def on_request(self, request: httpx2.Request) -> None:
        self.started[id(request)] = time.perf_counter_ns()

    async def on_response(self, response: httpx2.Response) -> None:
        began = self.started.pop(id(response.request))
        self.done.append((response.request.method, time.perf_counter_ns() - began))

    def take(self) -> list[tuple[str, int]]:
        done, self.done = self.done, []
        return done


class Sleeps:
    """Wraps the SDK runs resource's `_sleep` (the poll helper's wait) to time it."""

    def __init__(self, runs: Any) -> None:
        self.ns = 0
        self._sleep = runs._sleep
        runs._sleep = self.sleep

    async def sleep(self, seconds: float) -> None:
        started = time.perf_counter_ns()
        await self._sleep(seconds)
        self.ns += time.perf_counter_ns() - started

    def take(self) -> int:
        ns, self.ns = self.ns, 0
        return ns


class FirstTextDelta(AsyncAssistantEventHandler):
    """Takes the time of the first text delta, counted from `started`."""

    def __init__(self, started: int) -> None:
        super().__init__()
        self.started = started
        self.first = 0

    async def on_text_delta(self, delta: TextDelta, snapshot: Text) -> None:
        if not self.first:
            self.first = time.perf_counter_ns() - self.started


# --- the figures ----------------------------------------------------------------------------


@dataclass
class Samples:
    values: dict[str, list[int]] = field(default_factory=dict)

    def add(self, name: str, ns: int) -> None:
        self.values.setdefault(name, []).append(ns)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for name, values in self.values.items():
            s = sorted(values)
            out[name] = {
                "n": len(s),
                "p50_ms": percentile(s, 0.5),
                "p99_ms": percentile(s, 0.99),
                "mean_ms": sum(s) / len(s) / 1e6,
            }
        return out


class Bench:
    def __init__(
        self,
        server: Server,
        client: Client,
        sdk: openai.AsyncOpenAI,
        requests: Requests,
        model: openai.AsyncOpenAI,
        floor: grpc.aio.Channel,
        raw: aiohttp.ClientSession,
        httpx: httpx2.AsyncClient,
        fake: FakeModel,
        assistant_id: str,
    ) -> None:
        self.server = server
        self.client = client
        self.sdk = sdk
        self.requests = requests
        self.model = model
        self.floor = floor
        self.raw = raw
        self.httpx = httpx
        self.fake = fake
        self.assistant_id = assistant_id
        self.health = health_pb2_grpc.HealthStub(client.channel)
        self.sleeps = Sleeps(sdk.beta.threads.runs)
        self.samples = Samples()
        self.counts: dict[str, list[int]] = {"http_gets": [], "grpc_gets": []}
        self.last_run: tuple[str, str] = ("", "")
        self.auth = {"Authorization": f"Bearer {server.key}", "OpenAI-Beta": "assistants=v2"}

    # Runs: each on a fresh thread, the model's answer scripted just before.

    async def http_create_and_poll(self) -> None:
        thread_id = await new_thread(self.client)
        self.fake.script(ANSWER)
        self.requests.take()
        self.sleeps.take()
        started = time.perf_counter_ns()
        run = await self.sdk.beta.threads.runs.create_and_poll(
            thread_id=thread_id, assistant_id=self.assistant_id
        )
        total = time.perf_counter_ns() - started
        assert run.status == "completed", run.status
        sent = self.requests.take()
        gets = [ns for method, ns in sent if method == "GET"]
        post = sum(ns for method, ns in sent if method == "POST")
        slept = self.sleeps.take()
        self.samples.add("http_poll", total)
        self.samples.add("http_poll_post", post)
        self.samples.add("http_poll_gets", sum(gets))
        self.samples.add("http_poll_sleeps", slept)
        self.samples.add("http_poll_rest", total - post - sum(gets) - slept)
        self.counts["http_gets"].append(len(gets))
        self.last_run = (thread_id, run.id)

    async def grpc_create_and_poll(self) -> None:
        thread_id = await new_thread(self.client)
        self.fake.script(ANSWER)
        started = time.perf_counter_ns()
        run = await self.client.runs.CreateRun(
            RS.CreateRunRequest(thread_id=thread_id, assistant_id=self.assistant_id)
        )
        created = time.perf_counter_ns()
        get = RS.GetRunRequest(thread_id=thread_id, run_id=run.id)
        interval_ms = 0
        gets = 0
        get_ns = 0
        slept = 0
        while True:
            before = time.perf_counter_ns()
            run = await self.client.runs.GetRun(get)
            get_ns += time.perf_counter_ns() - before
            gets += 1
            if run.status in TERMINAL:
                break
            interval_ms = interval_ms or poll_after_ms(run)
            before = time.perf_counter_ns()
            await asyncio.sleep(interval_ms / 1000)
            slept += time.perf_counter_ns() - before
        total = time.perf_counter_ns() - started
        assert run.status == run_pb2.RUN_STATUS_COMPLETED, run.status
        self.samples.add("grpc_poll", total)
        self.samples.add("grpc_poll_post", created - started)
        self.samples.add("grpc_poll_gets", get_ns)
        self.samples.add("grpc_poll_sleeps", slept)
        self.samples.add("grpc_poll_rest", total - (created - started) - get_ns - slept)
        self.counts["grpc_gets"].append(gets)

    async def http_stream(self) -> None:
        thread_id = await new_thread(self.client)
        self.fake.script(ANSWER)
        started = time.perf_counter_ns()
        handler = FirstTextDelta(started)
        async with self.sdk.beta.threads.runs.stream(
            thread_id=thread_id, assistant_id=self.assistant_id, event_handler=handler
        ) as stream:
            await stream.until_done()
        total = time.perf_counter_ns() - started
        assert handler.first, "no text delta"
        self.samples.add("http_stream_first", handler.first)
        self.samples.add("http_stream_end", total)

    async def raw_stream(self) -> None:
        """The same POST as runs.stream, with aiohttp, reading the SSE lines: the server's
        HTTP streaming path without the SDK's."""
        thread_id = await new_thread(self.client)
        self.fake.script(ANSWER)
        url = f"{self.server.http_base}/v1/threads/{thread_id}/runs"
        body = {"assistant_id": self.assistant_id, "stream": True}
        started = time.perf_counter_ns()
        first = 0
        async with self.raw.post(url, json=body, headers=self.auth) as response:
            assert response.status == 200, response.status
            async for line in response.content:
                if not first and line == b"event: thread.message.delta\n":
                    first = time.perf_counter_ns() - started
        total = time.perf_counter_ns() - started
        assert first, "no message delta"
        self.samples.add("raw_stream_first", first)
        self.samples.add("raw_stream_end", total)

    async def grpc_stream(self) -> None:
        thread_id = await new_thread(self.client)
        self.fake.script(ANSWER)
        started = time.perf_counter_ns()
        first = await first_delta(self.client, self.assistant_id, thread_id)
        total = time.perf_counter_ns() - started
        assert first, "no message delta"
        self.samples.add("grpc_stream_first", first)
        self.samples.add("grpc_stream_end", total)

    # Floors and single calls.

    async def floors(self) -> None:
        self.fake.script(ANSWER)
        started = time.perf_counter_ns()
        first = await model_first_chunk(self.model)
        self.samples.add("model_first", first)
        self.samples.add("model_whole", time.perf_counter_ns() - started)
        await self.timed("bare_grpc", self.bare_grpc)
        await self.timed("bare_http", self.bare_http)
        await self.timed("health_grpc", self.health_grpc)
        await self.timed("get_assistant_sdk", self.get_assistant_sdk)
        await self.timed("get_assistant_raw", self.get_assistant_raw)
        await self.timed("get_assistant_httpx", self.get_assistant_httpx)
        await self.timed("get_assistant_grpc", self.get_assistant_grpc)
        if self.last_run[0]:
            await self.timed("get_run_sdk", self.get_run_sdk)
            await self.timed("get_run_grpc", self.get_run_grpc)

    async def timed(self, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        started = time.perf_counter_ns()
        await call()
        self.samples.add(name, time.perf_counter_ns() - started)

    async def bare_grpc(self) -> None:
        echo: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = self.floor.unary_unary(FLOOR_METHOD)
        await echo(b"")

    async def bare_http(self) -> None:
        async with self.raw.get(self.server.http_base + UNROUTED) as response:
            await response.read()
            assert response.status == 404, response.status

    async def health_grpc(self) -> None:
        await self.health.Check(health_pb2.HealthCheckRequest(service=""))

    async def get_assistant_sdk(self) -> None:
        await self.sdk.beta.assistants.retrieve(self.assistant_id)

    async def get_assistant_raw(self) -> None:
        url = f"{self.server.http_base}/v1/assistants/{self.assistant_id}"
        async with self.raw.get(url, headers=self.auth) as response:
            await response.json()
            assert response.status == 200, response.status

    async def get_assistant_httpx(self) -> None:
        url = f"{self.server.http_base}/v1/assistants/{self.assistant_id}"
        response = await self.httpx.get(url, headers=self.auth)
        response.json()
        assert response.status_code == 200, response.status_code

    async def get_assistant_grpc(self) -> None:
        request = assistant_pb2.GetAssistantRequest(assistant_id=self.assistant_id)
        await self.client.assistants.GetAssistant(request)

    async def get_run_sdk(self) -> None:
        thread_id, run_id = self.last_run
        await self.sdk.beta.threads.runs.retrieve(run_id, thread_id=thread_id)

    async def get_run_grpc(self) -> None:
        thread_id, run_id = self.last_run
        await self.client.runs.GetRun(RS.GetRunRequest(thread_id=thread_id, run_id=run_id))

    async def measure(self) -> dict[str, Any]:
        steps: list[Callable[[], Awaitable[None]]] = [
            self.http_create_and_poll,
            self.grpc_create_and_poll,
            self.http_stream,
            self.raw_stream,
            self.grpc_stream,
            self.floors,
        ]
        for _ in range(WARMUP):
            for step in steps:
                await step()
        self.samples = Samples()
        self.counts = {name: [] for name in self.counts}
        for i in range(ITERATIONS):
            shift = i % len(steps)
            for step in steps[shift:] + steps[:shift]:
                await step()
        gets = {
            name: {
                "mean": sum(c) / len(c),
                "histogram": {str(n): c.count(n) for n in sorted(set(c))},
            }
            for name, c in self.counts.items()
        }
        return {"figures": self.samples.summary(), "gets_per_run": gets}


async def run(server: Server, fake: FakeModel, floor_target: str) -> dict[str, Any]:
    client = Client(server.grpc_target, server.key)
    requests = Requests()
    http_client = openai.DefaultAsyncHttpxClient(
        event_hooks={"request": [requests.on_request], "response": [requests.on_response]}
    )
    sdk = openai.AsyncOpenAI(
        base_url=server.http_base + "/v1",
        api_key=server.key,
        max_retries=0,
        http_client=http_client,
    )
    model = openai.AsyncOpenAI(base_url=fake.base_url, api_key="bench", max_retries=0)
    try:
        async with (
            grpc.aio.insecure_channel(floor_target) as floor,
            aiohttp.ClientSession() as raw,
            httpx2.AsyncClient() as httpx,
        ):
            assistant = await sdk.beta.assistants.create(model="gpt-4o", instructions="Be brief.")
            bench = Bench(
                server, client, sdk, requests, model, floor, raw, httpx, fake, assistant.id
            )
            return await bench.measure()
    finally:
        await sdk.close()
        await model.close()
        await client.close()


async def main() -> int:
    began = time.monotonic()
    load_before = os.getloadavg()
    children: list[Child] = []
    with database_server() as (server_url, described):
        async with fresh_database(server_url, "assistants_bench_http") as url, FakeModel() as fake:
            os.environ["OPENAI_BASE_URL"] = fake.base_url
            os.environ["OPENAI_API_KEY"] = "bench"
            with tempfile.TemporaryDirectory(prefix="assistants-bench-http-") as tmp:
                try:
                    server = await start_server(url, Path(tmp), children)
                    floor_target = await start_floor(Path(tmp), children)
                    result = await run(server, fake, floor_target)
                finally:
                    for child in reversed(children):
                        await child.stop()
    result.update(
        database=described,
        cpus=os.cpu_count(),
        python=platform.python_version(),
        openai=openai.__version__,
        aiohttp=aiohttp.__version__,
        grpcio=grpc.__version__,
        load_average=[load_before[0], os.getloadavg()[0]],
        seconds_total=time.monotonic() - began,
    )
    report(result)
    if out := os.environ.get("ASSISTANTS_BENCH_OUT"):
        Path(out).with_suffix(".http.json").write_text(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> None:
    f = result["figures"]

    def p(name: str, q: str) -> float:
        value: float = f[name][f"{q}_ms"]
        return value

    def row(
        label: str, name: str, floor: tuple[float, float] | None = None, note: str = ""
    ) -> None:
        line = f"  {label:<46}{p(name, 'p50'):>9.2f}{p(name, 'p99'):>9.2f}"
        if floor is not None:
            line += f"{floor[0]:>9.2f}{floor[1]:>9.2f}"
            line += f"{p(name, 'p50') / floor[0]:>8.2f}{p(name, 'p99') / floor[1]:>8.2f}"
        print(f"{line}  {note}".rstrip())

    def plus(model: str, bare: str) -> tuple[float, float]:
        return (p(model, "p50") + p(bare, "p50"), p(model, "p99") + p(bare, "p99"))

    gets = result["gets_per_run"]
    print(
        f"HTTP API bench ({result['database']}): openai {result['openai']} AsyncOpenAI,"
        f" {ITERATIONS} runs a figure (each on a fresh thread, one in flight,"
        f" after {WARMUP} warm-up), interleaved"
    )
    print(
        f"  {'':<46}{'p50 ms':>9}{'p99 ms':>9}{'floor50':>9}{'floor99':>9}"
        f"{'ratio50':>8}{'ratio99':>8}"
    )
    row("HTTP runs.create_and_poll (SDK)", "http_poll", plus("model_whole", "bare_http"))
    row("gRPC CreateRun + GetRun every 20 ms", "grpc_poll", plus("model_whole", "bare_grpc"))
    row(
        "HTTP runs.stream, first on_text_delta",
        "http_stream_first",
        plus("model_first", "bare_http"),
    )
    row(
        "HTTP raw aiohttp POST stream, first delta",
        "raw_stream_first",
        plus("model_first", "bare_http"),
    )
    row(
        "gRPC CreateRunStream, first message.delta",
        "grpc_stream_first",
        plus("model_first", "bare_grpc"),
    )
    row("HTTP runs.stream, to its end", "http_stream_end", plus("model_whole", "bare_http"))
    row(
        "HTTP raw aiohttp POST stream, to its end",
        "raw_stream_end",
        plus("model_whole", "bare_http"),
    )
    row("gRPC CreateRunStream, to its end", "grpc_stream_end", plus("model_whole", "bare_grpc"))
    print(
        "  HTTP over gRPC, p50:",
        ", ".join(
            f"{a} {p(h, 'p50') - p(g, 'p50'):+.2f} ms ({p(h, 'p50') / p(g, 'p50'):.2f}x)"
            for a, h, g in (
                ("create+poll", "http_poll", "grpc_poll"),
                ("first delta", "http_stream_first", "grpc_stream_first"),
                ("first delta without the SDK", "raw_stream_first", "grpc_stream_first"),
                ("GetRun", "get_run_sdk", "get_run_grpc"),
            )
        ),
    )
    print(
        "  polling over the run's end, p50: HTTP create_and_poll - raw HTTP stream to its end"
        f" {p('http_poll', 'p50') - p('raw_stream_end', 'p50'):+.2f} ms, gRPC poll - gRPC"
        f" stream to its end {p('grpc_poll', 'p50') - p('grpc_stream_end', 'p50'):+.2f} ms"
    )
    print("Where create-and-poll's time goes (mean ms a run)")
    for proto in ("http", "grpc"):
        n = gets[f"{proto}_gets"]
        hist = " ".join(f"{k}:{v}" for k, v in n["histogram"].items())
        print(
            f"  {proto.upper():<5} create {f[f'{proto}_poll_post']['mean_ms']:.2f}"
            f"  GETs {f[f'{proto}_poll_gets']['mean_ms']:.2f} ({n['mean']:.2f} a run; {hist})"
            f"  sleeps {f[f'{proto}_poll_sleeps']['mean_ms']:.2f}"
            f"  client {f[f'{proto}_poll_rest']['mean_ms']:.2f}"
            f"  of {f[f'{proto}_poll']['mean_ms']:.2f}"
        )
    print("Floors and single calls")
    for label, name in (
        ("fake model first chunk (openai client)", "model_first"),
        ("fake model whole answer (openai client)", "model_whole"),
        ("bare grpc.aio unary call (floor server)", "bare_grpc"),
        ("bare HTTP GET, 404 from the server (aiohttp)", "bare_http"),
        ("gRPC health Check on the server", "health_grpc"),
        ("GetAssistant, SDK assistants.retrieve", "get_assistant_sdk"),
        ("GetAssistant, raw aiohttp GET", "get_assistant_raw"),
        ("GetAssistant, raw httpx2 GET (SDK's client)", "get_assistant_httpx"),
        ("GetAssistant, gRPC", "get_assistant_grpc"),
        ("GetRun, SDK runs.retrieve", "get_run_sdk"),
        ("GetRun, gRPC", "get_run_grpc"),
    ):
        row(label, name)
    load = result["load_average"]
    print(
        f"Machine: {result['cpus']} CPUs, Python {result['python']}, openai {result['openai']},"
        f" aiohttp {result['aiohttp']}, grpcio {result['grpcio']}, database {result['database']};"
        f" load average {load[0]:.2f} before, {load[1]:.2f} after;"
        f" {result['seconds_total']:.0f} s in all"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
