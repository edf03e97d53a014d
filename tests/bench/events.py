"""`make bench`, events: ReadEvents throughput and SubscribeEvents fan-out, beside floors.

- ReadEvents: a project's whole log of 100,000 events (ThreadCreated and MessageCreated with
  about 300 characters of text, in 100 threads of 1,000 events, appended through the event
  store 100 payloads an append, then ANALYZE), read over gRPC to its end at batch_size 500
  and 1000 in interleaved rounds: the median events/s and the server's CPU time an event. The
  floor, in the same rounds: a raw asyncpg keyset read of the same rows and columns (pages of
  1,000, jsonb left as text) on a connection of its own. A note times each stage of a page in
  this process: the SQL, the decode to protobuf (and its json_format parts), the response's
  serialization and parse, and two cheaper ways to decode.
- SubscribeEvents fan-out: 100 subscribers from the end of the log, each on a gRPC channel and
  TCP connection of its own, while WRITERS callers send CreateMessage as fast as they can for
  WRITE_SECONDS. Delivered events/s across all subscribers, and the delay from each append's
  acknowledgement to each subscriber's receipt, p50 and p99. The acknowledgement is a
  perf_counter taken when CreateMessage returns, matched to the event by message id: the same
  clock as the receipt, and the moment a writer could tell anyone; the event's own `time` is
  the database's now() at the transaction's start, so it would add the append itself. The
  floor, in a phase of its own with the same writers: a raw asyncpg LISTEN log_appended plus
  keyset re-read, and a single gRPC subscriber. Every subscriber must get every event of the
  phase exactly once, in order: the bench fails otherwise.

The server is `assistants serve` in a subprocess, like the other benches, so the 100
subscribers' work here does not share the server's interpreter; the database is the one
`python -m tests.bench` uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import grpc

from assistants.v1 import (
    event_service_pb2,
    event_service_pb2_grpc,
    events_pb2,
    message_pb2,
    message_pb2_grpc,
    thread_pb2,
    thread_pb2_grpc,
)
from service.domain import ids
from service.domain.messages import message_created, new_message
from storage import NO_STREAM, Storage
from storage._event_codec import decode_event
from storage._log_reader import _LOG_PAGE, SCAN_WINDOW
from tests.bench.__main__ import Child, database_server, percentile, start_assistants
from tests.helpers import fresh_database

ES = event_service_pb2
THREADS = 100
EVENTS_PER_THREAD = 1_000
EVENTS = THREADS * EVENTS_PER_THREAD
PER_APPEND = 100
FILL_CONCURRENCY = 4
BATCH_SIZES = (500, 1000)
FLOOR_PAGE = 1000
READ_REPEATS = 3
COST_PAGES = 20
WARMUP_EVENTS = 20_000
SUBSCRIBERS = 100
WRITERS = 4
WRITE_SECONDS = 6.0
ROUNDS = 2
SETTLE_TIMEOUT = 30.0
# Own subchannel pools: without this, grpc shares one connection among channels to a target.
OWN_CONNECTION = (("grpc.use_local_subchannel_pool", 1),)
Metadata = tuple[tuple[str, str], ...]
TEXT = (
    "The quarterly report is attached. Revenue grew in every region except the north-east, "
    "where two large customers delayed their renewals to the next quarter. Could you draft "
    "a short summary for the board that explains the delay, lists the open risks, and "
    "proposes three follow-ups for the sales team? Keep it under one page, please."
)
FLOOR_SQL = f"""
    SELECT position, stream_id, version, event_id, type, schema_version, data, metadata,
           recorded_at, hash
      FROM events
     WHERE project_id = $1 AND position > $2
     ORDER BY position
     LIMIT {FLOOR_PAGE}
"""


class BenchFailure(RuntimeError):
    """A correctness check of the bench failed: its figures mean nothing."""


@dataclass(frozen=True)
class Setup:
    """The server under test and the project whose log the bench reads and follows."""

    target: str
    metadata: Metadata
    database_url: str
    project_id: str
    server_pid: int


def ns() -> int:
    return time.perf_counter_ns()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_BEGAN = time.monotonic()


def progress(what: str) -> None:
    """A line on stderr, so a long bench shows where it is."""
    print(f"[{time.monotonic() - _BEGAN:6.1f} s] {what}", file=sys.stderr, flush=True)


# --- filling the log -------------------------------------------------------------------------


def text_part(value: str) -> message_pb2.MessageContentInput:
    return message_pb2.MessageContentInput(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT, text=value)


def thread_payloads(thread_no: int, count: int) -> tuple[str, list[Any]]:
    """(thread id, ThreadCreated and count - 1 MessageCreated payloads)."""
    thread_id = ids.new_id(ids.THREAD)
    now = int(time.time())
    payloads: list[Any] = [
        events_pb2.ThreadCreated(
            thread=thread_pb2.Thread(id=thread_id, object="thread", created_at=now)
        )
    ]
    for i in range(count - 1):
        message = new_message(
            message_id=ids.new_id(ids.MESSAGE),
            thread_id=thread_id,
            now=now,
            role=message_pb2.MESSAGE_ROLE_USER,
            content=[text_part(f"[{thread_no}.{i}] {TEXT}")],
            attachments=[],
            metadata={},
        )
        payloads.append(message_created(message))
    return thread_id, payloads


async def fill_thread(storage: Storage, metadata: events_pb2.EventMetadata, n: int) -> None:
    thread_id, payloads = thread_payloads(n, EVENTS_PER_THREAD)
    version = NO_STREAM
    for start in range(0, len(payloads), PER_APPEND):
        result = await storage.events.append(
            thread_id,
            "thread",
            payloads[start : start + PER_APPEND],
            expected_version=version,
            metadata=metadata,
        )
        version = result.last_version


async def fill(storage: Storage, project_id: str, key_id: str) -> float:
    """Appends EVENTS events to the project's log; returns the seconds it took."""
    metadata = events_pb2.EventMetadata(
        project_id=project_id, key_id=key_id, request_id="bench-events-fill"
    )
    gate = asyncio.Semaphore(FILL_CONCURRENCY)

    async def one(n: int) -> None:
        async with gate:
            await fill_thread(storage, metadata, n)

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(THREADS)))
    return time.perf_counter() - started


# --- ReadEvents throughput -------------------------------------------------------------------


async def read_grpc(
    stub: event_service_pb2_grpc.EventServiceStub, metadata: Metadata, batch_size: int, limit: int
) -> tuple[int, int]:
    """(events, ns) of one ReadEvents of the project's log from its start."""
    request = ES.ReadEventsRequest(
        log=ES.LogSource(after_position=0), batch_size=batch_size, max_count=limit
    )
    count = 0
    started = ns()
    async for response in stub.ReadEvents(request, metadata=metadata):
        count += len(response.events)
    return count, ns() - started


async def read_floor(conn: asyncpg.Connection, project_id: str) -> tuple[int, int]:
    """(events, ns) of a raw keyset read of the same rows, jsonb as text."""
    count, after = 0, 0
    started = ns()
    while rows := await conn.fetch(FLOOR_SQL, project_id, after):
        count += len(rows)
        after = rows[-1][0]
    return count, ns() - started


Reader = Callable[[], Awaitable[tuple[int, int]]]
FLOOR = "floor: raw asyncpg keyset read"


async def read_throughput(setup: Setup) -> dict[str, Any]:
    """Median events/s of each reader over READ_REPEATS interleaved rounds, and the server's
    CPU time an event for the gRPC reads."""
    channel = grpc.aio.insecure_channel(setup.target)
    conn = await asyncpg.connect(setup.database_url)
    try:
        stub = event_service_pb2_grpc.EventServiceStub(channel)  # type: ignore[no-untyped-call]
        readers: dict[str, Reader] = {
            f"ReadEvents batch_size {size}": _grpc_reader(stub, setup.metadata, size, 0)
            for size in BATCH_SIZES
        }
        readers[FLOOR] = partial(read_floor, conn, setup.project_id)
        for size in BATCH_SIZES:
            await read_grpc(stub, setup.metadata, size, WARMUP_EVENTS)
        await read_floor(conn, setup.project_id)
        return await read_rounds(readers, setup.server_pid)
    finally:
        await conn.close()
        await channel.close()


async def read_rounds(readers: dict[str, Reader], server_pid: int) -> dict[str, Any]:
    rates: dict[str, list[float]] = {name: [] for name in readers}
    server_us: dict[str, list[float]] = {name: [] for name in readers}
    names = list(readers)
    for round_no in range(READ_REPEATS):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            cpu = cpu_seconds(server_pid)
            count, took = await readers[name]()
            server_us[name].append((cpu_seconds(server_pid) - cpu) / count * 1e6)
            if count != EVENTS:
                raise BenchFailure(f"{name} read {count} events, not {EVENTS}")
            rates[name].append(count / (took / 1e9))
            progress(f"  {name}: {count / (took / 1e9):,.0f} events/s")
    return {
        name: {
            "median": statistics.median(rates[name]),
            "all": rates[name],
            "server_cpu_us_per_event": statistics.median(server_us[name]),
        }
        for name in readers
    }


def _grpc_reader(
    stub: event_service_pb2_grpc.EventServiceStub, metadata: Metadata, size: int, limit: int
) -> Reader:
    return lambda: read_grpc(stub, metadata, size, limit)


STAGES = (
    "sql",  # the page's statement (the stored encodings; no jsonb to json.loads)
    "decode_event",  # rows to Event messages, from their stored encodings
    "serialize",  # ReadEventsResponse(events=...) and SerializeToString, as grpc does
    "client_parse",  # ReadEventsResponse.FromString, on the client
)


@dataclass
class PageCosts:
    """Summed ns by stage over the pages timed, and the events in them."""

    events: int = 0
    wire_bytes: int = 0
    ns: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))

    def per_event_us(self) -> dict[str, float]:
        return {stage: total / self.events / 1e3 for stage, total in self.ns.items()}


async def page_costs(storage: Storage, project_id: str) -> PageCosts:
    """Times each stage of ReadEvents' pages of 1,000 in this process, over COST_PAGES."""
    costs = PageCosts()
    after = 0
    for _ in range(COST_PAGES):
        started = ns()
        rows = await storage.pool.fetch(
            _LOG_PAGE, project_id, after, SCAN_WINDOW, [], [], FLOOR_PAGE, []
        )
        costs.ns["sql"] += ns() - started
        rows = [row for row in rows if row["position"] is not None]
        events = timed_stage(costs, "decode_event", partial(decode_all, rows))
        time_page_stages(costs, events)
        costs.events += len(events)
        after = events[-1].position
    return costs


def timed_stage(costs: PageCosts, stage: str, work: Callable[[], Any]) -> Any:
    started = ns()
    result = work()
    costs.ns[stage] += ns() - started
    return result


def time_page_stages(costs: PageCosts, events: list[Any]) -> None:
    def build() -> bytes:
        position = ES.LogPosition(position=events[-1].position)
        return ES.ReadEventsResponse(events=events, position=position).SerializeToString()

    wire: bytes = timed_stage(costs, "serialize", build)
    costs.wire_bytes += len(wire)
    timed_stage(costs, "client_parse", lambda: ES.ReadEventsResponse.FromString(wire))


def decode_all(rows: Sequence[Any]) -> list[events_pb2.Event]:
    return [decode_event(row) for row in rows]


# --- SubscribeEvents fan-out -----------------------------------------------------------------


@dataclass
class Follower:
    """What one follower received: positions, and the receipt time of each."""

    positions: list[int] = field(default_factory=list)
    received_ns: list[int] = field(default_factory=list)
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)
    responses: int = 0
    fell_behind: int = 0

    @property
    def last(self) -> int:
        return self.positions[-1] if self.positions else 0

    def got(self, positions: Sequence[int]) -> None:
        now = ns()
        self.responses += 1
        self.positions.extend(positions)
        self.received_ns.extend([now] * len(positions))


async def subscribe(channel: grpc.aio.Channel, metadata: Metadata, follower: Follower) -> None:
    """Follows the project's log from its end until cancelled."""
    stub = event_service_pb2_grpc.EventServiceStub(channel)  # type: ignore[no-untyped-call]
    request = ES.SubscribeEventsRequest(log=ES.LogSource(), from_end=True)
    async for response in stub.SubscribeEvents(request, metadata=metadata):
        kind = response.WhichOneof("content")
        if kind == "events":
            follower.got([event.position for event in response.events.events])
        elif kind == "caught_up":
            follower.caught_up.set()
        elif kind == "fell_behind":
            follower.fell_behind += 1


async def listen_raw(database_url: str, project_id: str, follower: Follower) -> None:
    """The floor: LISTEN log_appended, and re-read the new rows on each notification."""
    conn = await asyncpg.connect(database_url)
    try:
        woken = asyncio.Event()
        await conn.add_listener("log_appended", lambda *_: woken.set())
        after = await conn.fetchval("SELECT position FROM log_head")
        follower.caught_up.set()
        while True:
            await woken.wait()
            woken.clear()
            while rows := await conn.fetch(FLOOR_SQL, project_id, after):
                follower.got([row[0] for row in rows])
                after = rows[-1][0]
    finally:
        await conn.close()


@dataclass
class Writes:
    """The writers' acknowledgements: message id -> ns when CreateMessage returned."""

    acks: dict[str, int] = field(default_factory=dict)
    call_ns: list[int] = field(default_factory=list)
    started_ns: int = 0
    ended_ns: int = 0


async def write(
    stub: message_pb2_grpc.MessageServiceStub,
    metadata: Metadata,
    thread_id: str,
    deadline_ns: int,
    writes: Writes,
) -> None:
    request = message_pb2.CreateMessageRequest(
        thread_id=thread_id, role=message_pb2.MESSAGE_ROLE_USER, content=[text_part(TEXT)]
    )
    while ns() < deadline_ns:
        started = ns()
        message = await stub.CreateMessage(request, metadata=metadata)
        acked = ns()
        writes.acks[message.id] = acked
        writes.call_ns.append(acked - started)


async def run_writers(channel: grpc.aio.Channel, metadata: Metadata) -> Writes:
    """WRITERS callers, each on a thread of its own, CreateMessage for WRITE_SECONDS."""
    threads = thread_pb2_grpc.ThreadServiceStub(channel)  # type: ignore[no-untyped-call]
    messages = message_pb2_grpc.MessageServiceStub(channel)  # type: ignore[no-untyped-call]
    thread_ids = [
        (await threads.CreateThread(thread_pb2.CreateThreadRequest(), metadata=metadata)).id
        for _ in range(WRITERS)
    ]
    writes = Writes(started_ns=ns())
    deadline = writes.started_ns + int(WRITE_SECONDS * 1e9)
    await asyncio.gather(*(write(messages, metadata, t, deadline, writes) for t in thread_ids))
    writes.ended_ns = ns()
    return writes


@dataclass
class Phase:
    name: str
    followers: list[Follower]
    writes: Writes
    expected: list[int]
    ack_by_position: dict[int, int]
    # CPU seconds of the server process and of this one, from the writers' start to the end.
    server_cpu: float
    bench_cpu: float


async def settle(
    followers: Sequence[Follower], tasks: Sequence[asyncio.Task[None]], last: int
) -> None:
    """Waits until every follower has received up to `last`; fails if a follower stopped."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while any(f.last < last for f in followers):
        for n, task in enumerate(tasks):
            if task.done():
                raise BenchFailure(f"follower {n} stopped: {task.exception()!r}")
        if time.monotonic() > deadline:
            behind = sum(1 for f in followers if f.last < last)
            raise BenchFailure(f"{behind} followers never reached position {last}")
        await asyncio.sleep(0.005)


async def run_phase(setup: Setup, name: str, subscribers: int, raw: bool) -> Phase:
    """Writers for WRITE_SECONDS, watched by `subscribers` gRPC subscribers (and the raw
    LISTEN reader if `raw`); returns what each received, once each has everything."""
    conn = await asyncpg.connect(setup.database_url)
    channels = [
        grpc.aio.insecure_channel(setup.target, options=OWN_CONNECTION)
        for _ in range(subscribers + 1)
    ]
    followers = [Follower() for _ in range(subscribers + (1 if raw else 0))]
    tasks = [
        asyncio.create_task(subscribe(channel, setup.metadata, follower))
        for channel, follower in zip(channels, followers[:subscribers], strict=False)
    ]
    if raw:
        follow = listen_raw(setup.database_url, setup.project_id, followers[-1])
        tasks.append(asyncio.create_task(follow))
    try:
        start = await conn.fetchval("SELECT position FROM log_head")
        waits = asyncio.gather(*(f.caught_up.wait() for f in followers))
        await asyncio.wait_for(waits, SETTLE_TIMEOUT)
        cpu = cpu_seconds(setup.server_pid), time.process_time()
        writes = await run_writers(channels[-1], setup.metadata)
        rows = await conn.fetch(
            "SELECT position, data->'message'->>'id' FROM events"
            " WHERE project_id = $1 AND position > $2 ORDER BY position",
            setup.project_id,
            start,
        )
        await settle(followers, tasks, rows[-1][0])
        used = cpu_seconds(setup.server_pid) - cpu[0], time.process_time() - cpu[1]
    finally:
        await stop_all(tasks, channels, conn)
    acks = {row[0]: writes.acks[row[1]] for row in rows if row[1] in writes.acks}
    return Phase(name, followers, writes, [row[0] for row in rows], acks, *used)


async def stop_all(
    tasks: Sequence[asyncio.Task[None]],
    channels: Sequence[grpc.aio.Channel],
    conn: asyncpg.Connection,
) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for channel in channels:
        await channel.close()
    await conn.close()


def check_exactly_once(phase: Phase) -> None:
    for n, follower in enumerate(phase.followers):
        if follower.positions != phase.expected:
            got, want = follower.positions, phase.expected
            raise BenchFailure(
                f"{phase.name}: follower {n} received {len(got)} events"
                f" ({len(got) - len(set(got))} twice, {len(set(want) - set(got))} missing,"
                f" {len(set(got) - set(want))} unexpected, in order: {got == sorted(got)});"
                f" {len(want)} were appended"
            )


def delays_ms(phase: Phase, followers: Sequence[Follower]) -> dict[str, float]:
    """p50 and p99 of ack -> receipt over every (follower, acknowledged event) pair."""
    samples: list[int] = []
    acks = phase.ack_by_position
    for follower in followers:
        samples.extend(
            received - acks[position]
            for position, received in zip(follower.positions, follower.received_ns, strict=True)
            if position in acks
        )
    samples.sort()
    return {
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "before_ack": sum(1 for s in samples if s < 0) / len(samples),
    }


def phase_figures(phase: Phase, grpc_followers: Sequence[Follower]) -> dict[str, Any]:
    writes = phase.writes
    delivered = sum(len(f.positions) for f in grpc_followers)
    last_receipt = max(f.received_ns[-1] for f in grpc_followers)
    wall = (last_receipt - writes.started_ns) / 1e9
    return {
        "subscribers": len(grpc_followers),
        "appended": len(phase.expected),
        "appends_per_second": len(phase.expected) / ((writes.ended_ns - writes.started_ns) / 1e9),
        "create_message_p50_ms": percentile(sorted(writes.call_ns), 0.5),
        "delivered": delivered,
        "delivered_per_second": delivered / wall,
        "events_per_response": delivered / sum(f.responses for f in grpc_followers),
        "drain_ms": (last_receipt - writes.ended_ns) / 1e6,
        "delay_ms": delays_ms(phase, grpc_followers),
        "fell_behind": sum(f.fell_behind for f in grpc_followers),
        "server_cores": phase.server_cpu / wall,
        "bench_cores": phase.bench_cpu / wall,
    }


async def fan_out(setup: Setup) -> list[dict[str, Any]]:
    """ROUNDS of (floor phase, fan-out phase), alternating which goes first."""
    results: list[dict[str, Any]] = []
    kinds = [("floor", 1, True), ("fan-out", SUBSCRIBERS, False)]
    for round_no in range(ROUNDS):
        for name, subscribers, raw in kinds if round_no % 2 == 0 else kinds[::-1]:
            progress(f"SubscribeEvents, {name} phase, round {round_no + 1}")
            phase = await run_phase(setup, name, subscribers, raw)
            check_exactly_once(phase)
            figures = phase_figures(phase, phase.followers[:subscribers])
            if raw:
                figures["raw_delay_ms"] = delays_ms(phase, phase.followers[subscribers:])
            results.append({"phase": name, "round": round_no, **figures})
    return results


# --- main ------------------------------------------------------------------------------------


async def project_of_key(storage: Storage) -> tuple[str, str]:
    """(project id, key id) of the key the server printed at its first start."""
    keys = await storage.keys.list_keys()
    return keys[0].project_id, keys[0].key_id


async def run(database_url: str, target: str, key: str, server_pid: int) -> dict[str, Any]:
    storage = await Storage.open(database_url, Path("."))
    try:
        project_id, key_id = await project_of_key(storage)
        metadata: Metadata = (("authorization", f"Bearer {key}"),)
        setup = Setup(target, metadata, database_url, project_id, server_pid)
        progress(f"filling the log with {EVENTS:,} events")
        fill_seconds = await fill(storage, project_id, key_id)
        # What autovacuum does by itself a while after a bulk load. Without statistics the
        # planner reads every event after the cursor and sorts them for each page (see
        # docs/benchmarks.md), and the figures would depend on when autovacuum wakes.
        await storage.pool.execute("ANALYZE events")
        progress("ReadEvents throughput")
        reads = await read_throughput(setup)
        progress("where a page's time goes")
        costs = await page_costs(storage, project_id)
    finally:
        await storage.close()
    return {
        "fill_seconds": fill_seconds,
        "read": reads,
        "page_costs_us_per_event": costs.per_event_us(),
        "wire_bytes_per_event": costs.wire_bytes / costs.events,
        "fan_out": await fan_out(setup),
    }


async def main() -> int:
    began = time.monotonic()
    children: list[Child] = []
    with database_server() as (server_url, described):
        async with fresh_database(server_url, "assistants_bench_events") as url:
            with tempfile.TemporaryDirectory(prefix="assistants-bench-events-") as tmp:
                try:
                    target, key = await start_assistants(url, Path(tmp), children)
                    result = await run(url, target, key, children[0].proc.pid)
                finally:
                    for child in children:
                        await child.stop()
    result.update(database=described, cpus=os.cpu_count(), seconds_total=time.monotonic() - began)
    report(result)
    if out := os.environ.get("ASSISTANTS_BENCH_OUT"):
        Path(out).with_suffix(".events.json").write_text(json.dumps(result, indent=2))
    return 0


def report(result: dict[str, Any]) -> None:
    print(f"events bench ({result['database']}, {result['cpus']} CPUs)")
    report_reads(result)
    report_costs(result)
    report_fan_out(result["fan_out"])
    print(f"  total {result['seconds_total']:.0f} s")


def report_reads(result: dict[str, Any]) -> None:
    reads = result["read"]
    floor = reads[FLOOR]["median"]
    print(
        f"ReadEvents of a project's whole log, {EVENTS:,} events (appended through the event"
        f" store, {PER_APPEND} payloads an append, {FILL_CONCURRENCY} at once, in"
        f" {result['fill_seconds']:.1f} s; then ANALYZE events); {READ_REPEATS} interleaved"
        " rounds"
    )
    print(f"  {'':<34}{'median/s':>10}{'range':>20}{'/ floor':>9}{'server CPU':>12}")
    for name, figures in reads.items():
        rate = figures["median"]
        spread = f"{min(figures['all']):,.0f}-{max(figures['all']):,.0f}"
        cpu = f"{figures['server_cpu_us_per_event']:.0f} µs/ev" if name != FLOOR else ""
        print(f"  {name:<34}{rate:>10,.0f}{spread:>20}{rate / floor:>9.3f}{cpu:>12}")


def report_costs(result: dict[str, Any]) -> None:
    c = result["page_costs_us_per_event"]
    rows = [
        ("SQL (the stored encodings)", c["sql"]),
        ("decode_event (rows to Event messages)", c["decode_event"]),
        ("response build + SerializeToString", c["serialize"]),
        ("client: ReadEventsResponse.FromString", c["client_parse"]),
    ]
    print(
        f"  where a page's time goes, µs an event, timed in this process over {COST_PAGES}"
        f" pages of {FLOOR_PAGE} ({result['wire_bytes_per_event']:.0f} bytes an event on the"
        " wire):"
    )
    for label, value in rows:
        print(f"    {label:<48}{value:>7.1f}")


def report_fan_out(phases: list[dict[str, Any]]) -> None:
    print(
        f"SubscribeEvents from the end of the log, each subscriber on a channel and connection"
        f" of its own, {WRITERS} writers sending CreateMessage for {WRITE_SECONDS:.0f} s; delay:"
        " the writer's ack -> receipt; every subscriber got every event exactly once, in order"
    )
    print(
        f"  {'phase':<9}{'subs':>5}{'appends/s':>10}{'append p50':>11}{'delivered/s':>12}"
        f"{'ev/resp':>8}{'delay p50':>10}{'p99':>8}{'<ack':>6}{'drain':>7}{'server':>8}"
        f"{'client':>7}"
    )
    for p in phases:
        print_phase(p["phase"], p, p["delay_ms"])
        if raw := p.get("raw_delay_ms"):
            print(
                f"  {'':<9}raw LISTEN log_appended + keyset re-read: delay p50"
                f" {raw['p50']:.2f} ms, p99 {raw['p99']:.2f} ms"
            )
    print(
        "  append p50: CreateMessage ms; <ack: deliveries before the writer had its reply;"
        " drain: last receipt after the writers stopped, ms; server, client: CPU cores busy"
    )


def print_phase(name: str, p: dict[str, Any], d: dict[str, float]) -> None:
    print(
        f"  {name:<9}{p['subscribers']:>5}{p['appends_per_second']:>10,.0f}"
        f"{p['create_message_p50_ms']:>11.2f}{p['delivered_per_second']:>12,.0f}"
        f"{p['events_per_response']:>8.2f}{d['p50']:>10.2f}{d['p99']:>8.2f}"
        f"{d['before_ack'] * 100:>5.0f}%{p['drain_ms']:>7.0f}{p['server_cores']:>8.2f}"
        f"{p['bench_cores']:>7.2f}"
    )
    if p["fell_behind"]:
        print(f"  {'':<9}fell_behind {p['fell_behind']} times")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main()))
