"""`make bench`, runs: overhead to first delta, throughput, and context-window build time.

- Overhead to first delta: from the CreateRunStream call to the first thread.message.delta,
  sequential runs, p50 and p99. The floor, measured in interleaved rounds in the same run, is
  the fake model's own time to its first chunk through the openai client plus a bare gRPC
  unary call: what a run would cost with a server that added nothing.
- Throughput: completed runs per second with 50 threads running at once, each client streaming
  its run to done.
- Context-window build: PromptBuilder.build (the projection read and the exact fit) for a
  window of about 75 messages, on threads of 100, 10,000 and 100,000 messages.

The server is `assistants serve` in a subprocess, its workers calling the fake model of
tests/, which answers at once. The database is the one `python -m tests.bench` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
import openai

from assistants.v1 import (
    assistant_pb2,
    events_pb2,
    message_pb2,
    run_pb2,
    run_service_pb2,
    thread_pb2,
    tools_pb2,
)
from service.domain import ids
from service.domain.messages import message_created, new_message
from service.engine.prompt import PromptBuilder
from service.engine.settings import EngineSettings
from storage import NO_STREAM, STREAM_EXISTS, Storage
from tests.bench.__main__ import (
    FLOOR_METHOD,
    Child,
    database_server,
    percentile,
    start_assistants,
    start_floor,
)
from tests.fake_model import FakeModel, text
from tests.helpers import Client, fresh_database

RS = run_service_pb2
ROUNDS = 5
PER_ROUND = 40
WARMUP = 20
PARALLEL_THREADS = 50
RUNS_PER_THREAD = 8
WINDOW_SIZES = (100, 10_000, 100_000)
WINDOW_REPEATS = 30
WINDOW_PROMPT_TOKENS = 1_000
ANSWER = text("Hello! How can I help you today?", chunk_size=4, usage=(20, 9))


async def first_delta(client: Client, assistant_id: str, thread_id: str) -> int:
    """ns from the call to the first message delta; reads the stream to done."""
    started = time.perf_counter_ns()
    first = 0
    request = RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    async for event in client.runs.CreateRunStream(request):
        if not first and event.event == "thread.message.delta":
            first = time.perf_counter_ns() - started
    return first


async def model_first_chunk(model: openai.AsyncOpenAI) -> int:
    started = time.perf_counter_ns()
    first = 0
    stream = await model.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stream=True
    )
    async for chunk in stream:
        if not first and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter_ns() - started
    return first


async def bare_call(channel: grpc.aio.Channel) -> int:
    call = channel.unary_unary(FLOOR_METHOD)
    started = time.perf_counter_ns()
    await call(b"")
    return time.perf_counter_ns() - started


async def new_thread(client: Client) -> str:
    part = message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text="Hi")
    request = thread_pb2.CreateThreadRequest(
        messages=[message_pb2.MessageInput(role=message_pb2.MESSAGE_ROLE_USER, content=[part])]
    )
    return (await client.threads.CreateThread(request)).id


async def overhead(client: Client, fake: FakeModel, floor_target: str) -> dict[str, Any]:
    assistant = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", instructions="Be brief.")
    )
    model = openai.AsyncOpenAI(base_url=fake.base_url, api_key="bench")
    ours: list[int] = []
    floor: list[int] = []
    async with grpc.aio.insecure_channel(floor_target) as channel:
        for round_no in range(ROUNDS + 1):
            for _ in range(WARMUP if round_no == 0 else PER_ROUND):
                fake.script(ANSWER, ANSWER)
                thread_id = await new_thread(client)
                ran = await first_delta(client, assistant.id, thread_id)
                bare = await model_first_chunk(model) + await bare_call(channel)
                if round_no:
                    ours.append(ran)
                    floor.append(bare)
    await model.close()
    ours.sort()
    floor.sort()
    return {
        "runs": len(ours),
        "p50_ms": percentile(ours, 0.5),
        "p99_ms": percentile(ours, 0.99),
        "floor_p50_ms": percentile(floor, 0.5),
        "floor_p99_ms": percentile(floor, 0.99),
        "assistant_id": assistant.id,
    }


async def throughput(client: Client, fake: FakeModel, assistant_id: str) -> dict[str, Any]:
    threads = [await new_thread(client) for _ in range(PARALLEL_THREADS)]
    fake.script(*[ANSWER] * (PARALLEL_THREADS * RUNS_PER_THREAD))

    async def worker(thread_id: str) -> None:
        for _ in range(RUNS_PER_THREAD):
            await first_delta(client, assistant_id, thread_id)

    started = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in threads))
    elapsed = time.perf_counter() - started
    total = PARALLEL_THREADS * RUNS_PER_THREAD
    return {"runs": total, "seconds": elapsed, "runs_per_second": total / elapsed}


async def build_thread(storage: Storage, project_id: str, count: int) -> tuple[str, int]:
    """A thread of `count` messages, appended in batches; returns (id, version)."""
    metadata = events_pb2.EventMetadata(project_id=project_id)
    thread_id = ids.new_id(ids.THREAD)
    thread = thread_pb2.Thread(id=thread_id, object="thread", created_at=int(time.time()))
    result = await storage.events.append(
        thread_id,
        "thread",
        [events_pb2.ThreadCreated(thread=thread)],
        expected_version=NO_STREAM,
        metadata=metadata,
    )
    part = message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT)
    for start in range(0, count, 1_000):
        batch = []
        for i in range(start, min(count, start + 1_000)):
            part.text = f"Message number {i} of the benchmark thread."
            message = new_message(
                message_id=ids.new_id(ids.MESSAGE),
                thread_id=thread_id,
                now=int(time.time()),
                role=message_pb2.MESSAGE_ROLE_USER,
                content=[part],
                attachments=[],
                metadata={},
            )
            batch.append(message_created(message))
        result = await storage.events.append(
            thread_id, "thread", batch, expected_version=STREAM_EXISTS, metadata=metadata
        )
    return thread_id, result.last_version


async def window_build(database_url: str) -> dict[str, Any]:
    storage = await Storage.open(database_url, Path("."))
    try:
        project_id = await storage.keys.ensure_project(ids.new_id(ids.PROJECT), "window-bench")
        builder = PromptBuilder(storage, EngineSettings())
        figures: dict[str, Any] = {}
        for size in WINDOW_SIZES:
            thread_id, version = await build_thread(storage, project_id, size)
            run = run_pb2.Run(
                id=ids.new_id(ids.RUN),
                thread_id=thread_id,
                model="gpt-4o",
                instructions="Be brief.",
                max_prompt_tokens=WINDOW_PROMPT_TOKENS,
                truncation_strategy=tools_pb2.TruncationStrategy(
                    type=tools_pb2.TRUNCATION_STRATEGY_TYPE_AUTO
                ),
            )
            samples: list[int] = []
            window = 0
            for _ in range(WINDOW_REPEATS):
                started = time.perf_counter_ns()
                request = await builder.build(project_id, run, version + 1, [])
                samples.append(time.perf_counter_ns() - started)
                window = len(request.messages) - 1
            samples.sort()
            figures[str(size)] = {
                "window_messages": window,
                "p50_ms": percentile(samples, 0.5),
                "p99_ms": percentile(samples, 0.99),
            }
        medians = [f["p50_ms"] for f in figures.values()]
        figures["spread"] = max(medians) / min(medians) - 1
        return figures
    finally:
        await storage.close()


async def main() -> int:
    children: list[Child] = []
    with database_server() as (server_url, described):
        async with fresh_database(server_url, "assistants_bench_runs") as url, FakeModel() as fake:
            os.environ["OPENAI_BASE_URL"] = fake.base_url
            os.environ["OPENAI_API_KEY"] = "bench"
            os.environ["ASSISTANTS_WORKER_CONCURRENCY"] = str(PARALLEL_THREADS + 14)
            with tempfile.TemporaryDirectory(prefix="assistants-bench-runs-") as tmp:
                try:
                    target, key = await start_assistants(url, Path(tmp), children)
                    floor_target = await start_floor(Path(tmp), children)
                    client = Client(target, key)
                    first = await overhead(client, fake, floor_target)
                    rate = await throughput(client, fake, first.pop("assistant_id"))
                    await client.close()
                finally:
                    for child in children:
                        await child.stop()
            windows = await window_build(url)
    result = {
        "database": described,
        "first_delta": first,
        "throughput": rate,
        "window_build": windows,
    }
    report(result)
    if out := os.environ.get("ASSISTANTS_BENCH_OUT"):
        Path(out).with_suffix(".runs.json").write_text(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> None:
    first, rate, windows = result["first_delta"], result["throughput"], result["window_build"]
    print(f"runs bench ({result['database']})")
    print(
        f"  first delta   p50 {first['p50_ms']:.2f} ms  p99 {first['p99_ms']:.2f} ms"
        f"   floor p50 {first['floor_p50_ms']:.2f} ms  p99 {first['floor_p99_ms']:.2f} ms"
        f"   overhead p50 {first['p50_ms'] - first['floor_p50_ms']:.2f} ms"
    )
    print(
        f"  throughput    {rate['runs_per_second']:.1f} completed runs/s"
        f" ({rate['runs']} runs, {PARALLEL_THREADS} threads at once)"
    )
    for size in WINDOW_SIZES:
        w = windows[str(size)]
        print(
            f"  window build  {size:>7,} messages: p50 {w['p50_ms']:.2f} ms"
            f"  p99 {w['p99_ms']:.2f} ms  ({w['window_messages']} in the window)"
        )
    print(f"  window build spread of medians: {windows['spread'] * 100:.0f} % (aim: within 20 %)")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
