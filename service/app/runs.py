"""Run commands and queries: create, cancel, submit tool outputs, and the run's event stream.

A command appends its events to the thread's stream with the version it read, and publishes
the run events that tell of them in the same transaction. The workers (service.engine) do the
rest of a run's life.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import (
    events_pb2,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
)
from service.app._appends import check_same_request, retry_on_conflict, reused
from service.app._context import RequestContext
from service.app._lists import list_response, page_query
from service.app.assistants import not_found as assistant_not_found
from service.app.threads import Threads, new_thread_events
from service.app.threads import not_found as thread_not_found
from service.domain import ids, run_events, steps
from service.domain import messages as message_rules
from service.domain import runs as rules
from service.domain import threads as thread_rules
from service.domain.updates import updated_copy
from service.domain.validation import check_id, check_metadata
from service.engine.journal import record
from service.errors import FailedPreconditionError, NotFoundError
from storage import (
    NO_STREAM,
    AppendResult,
    Storage,
    StreamEntry,
    ThreadHead,
    VersionedRun,
    WrongExpectedVersionError,
)

S = run_step_pb2


def not_found(run_id: str) -> NotFoundError:
    return NotFoundError(f"No run found with id '{run_id}'.")


@dataclass(frozen=True)
class Started:
    """A run a command created or moved, and where its stream continues from."""

    run: run_pb2.Run
    # Events after this sequence number tell what the command did and what follows.
    after_sequence: int
    # The request's include[]: what the stream's steps keep (their file_search results'
    # text). Pass it on to events().
    include: tuple[str, ...] = ()


class Runs:
    def __init__(
        self,
        storage: Storage,
        threads: Threads,
        wake_workers: Callable[[], None],
        expires_after: int = rules.EXPIRES_AFTER_SECONDS,
    ) -> None:
        self._expires_after = expires_after
        self._storage = storage
        self._events = storage.events
        self._reads = storage.reads
        self._runs = storage.runs
        self._streams = storage.run_streams
        self._threads = threads
        self._wake_workers = wake_workers

    # Commands.

    async def create(
        self, ctx: RequestContext, request: run_service_pb2.CreateRunRequest
    ) -> Started:
        rules.check_create_run(request)
        if prior := await self._previous(ctx, request.assistant_id, request.thread_id):
            return _including(prior, request.include)
        attached = thread_rules.attached_files(
            [
                (f"additional_messages[{i}].", m.attachments)
                for i, m in enumerate(request.additional_messages)
            ]
        )
        store_id = await self._threads.attach_to_store(
            ctx, request.thread_id, attached, rules.check_no_active_run
        )

        async def attempt() -> Started:
            assistant = await self._reads.get_assistant(ctx.project_id, request.assistant_id)
            if assistant is None:
                raise assistant_not_found(request.assistant_id)
            head = await self._threads.head(ctx, request.thread_id)
            rules.check_no_active_run(request.thread_id, head.active_run_id)
            additional = list(request.additional_messages)
            if additional:
                message_rules.check_room(
                    request.thread_id, head.message_count + len(additional) - 1
                )
            now = int(time.time())
            run = rules.new_run(
                request,
                assistant.assistant,
                run_id=ids.new_id(ids.RUN),
                thread_id=request.thread_id,
                now=now,
                additional_instructions=(
                    request.additional_instructions
                    if request.HasField("additional_instructions")
                    else None
                ),
                reasoning_effort=(
                    request.reasoning_effort if request.HasField("reasoning_effort") else None
                ),
                expires_after=self._expires_after,
            )
            payloads: list[ProtoMessage] = list(
                message_rules.new_messages(additional, request.thread_id, now)
            )
            update = await self._threads.resources_update(
                ctx, request.thread_id, attached, store_id
            )
            payloads += [*([update] if update else []), events_pb2.RunCreated(run=run)]
            try:
                result = await self._record(ctx, request.thread_id, head.version, payloads, run)
            except WrongExpectedVersionError:
                self._threads.forget_head(ctx, request.thread_id)
                raise
            count = head.message_count + len(additional)
            self._threads.remember_head(
                ctx, request.thread_id, ThreadHead(result.last_version, count, run.id)
            )
            return _including(await self._started(ctx, result, run), request.include)

        return await retry_on_conflict(attempt)

    async def create_thread_and_run(
        self, ctx: RequestContext, request: run_service_pb2.CreateThreadAndRunRequest
    ) -> Started:
        rules.check_run_options(request)
        if prior := await self._previous(ctx, request.assistant_id):
            return prior
        assistant = await self._reads.get_assistant(ctx.project_id, request.assistant_id)
        if assistant is None:
            raise assistant_not_found(request.assistant_id)
        now = int(time.time())
        thread_request = request.thread
        if request.HasField("tool_resources") and not thread_request.HasField("tool_resources"):
            thread_request.tool_resources.CopyFrom(request.tool_resources)
        # The run's checks first: a bad run request must not leave a vector store behind.
        rules.new_run(
            request,
            assistant.assistant,
            run_id=ids.new_id(ids.RUN),
            thread_id=ids.new_id(ids.THREAD),
            now=now,
            expires_after=self._expires_after,
        )
        thread_request = await self._threads.prepare(ctx, thread_request)
        thread, payloads = new_thread_events(thread_request, now)
        run = rules.new_run(
            request,
            assistant.assistant,
            run_id=ids.new_id(ids.RUN),
            thread_id=thread.id,
            now=now,
            expires_after=self._expires_after,
        )
        payloads.append(events_pb2.RunCreated(run=run))
        opening = [run_events.thread_created(thread)]
        result = await self._record(ctx, thread.id, NO_STREAM, payloads, run, opening)
        self._threads.remember_head(
            ctx, thread.id, ThreadHead(result.last_version, len(thread_request.messages), run.id)
        )
        return await self._started(ctx, result, run)

    async def update(
        self, ctx: RequestContext, request: run_service_pb2.UpdateRunRequest
    ) -> run_pb2.Run:
        async def attempt() -> run_pb2.Run:
            current = await self._load(ctx, request.thread_id, request.run_id)
            run = updated_copy(current.run, request, ("metadata",))
            check_metadata(run.metadata)
            await self._append(ctx, current, [events_pb2.RunUpdated(run=run)], [])
            return run

        return await retry_on_conflict(attempt)

    async def cancel(
        self, ctx: RequestContext, request: run_service_pb2.CancelRunRequest
    ) -> run_pb2.Run:
        """in_progress -> cancelling; the worker stops the model and ends the run. A run no
        worker is working on (queued, requires_action) is cancelled at once."""

        async def attempt() -> run_pb2.Run:
            current = await self._load(ctx, request.thread_id, request.run_id)
            run = current.run
            if run.status == run_pb2.RUN_STATUS_CANCELLING:
                return run
            rules.check_cancellable(run)
            cancelling = rules.cancelling(run)
            payloads: list[ProtoMessage] = [events_pb2.RunStatusChanged(run=cancelling)]
            told = [run_events.run_event(cancelling)]
            if run.status != run_pb2.RUN_STATUS_IN_PROGRESS:
                now = int(time.time())
                cancelled = rules.finished(cancelling, run_pb2.RUN_STATUS_CANCELLED, now, None)
                run_steps = await self._runs.steps_of_run(ctx.project_id, run.id)
                step = steps.open_step(run_steps)
                if step is not None:
                    # The completion that made the waiting step is in the run's usage.
                    usage = (
                        rules.unassigned_usage(run, run_steps) if run.HasField("usage") else None
                    )
                    ended = steps.step_finished(step, S.RUN_STEP_STATUS_CANCELLED, now, usage)
                    payloads.append(events_pb2.RunStepStatusChanged(run_step=ended))
                    told.append(run_events.step_event(ended))
                payloads.append(events_pb2.RunStatusChanged(run=cancelled))
                told += [run_events.run_event(cancelled), run_events.done()]
                run = cancelled
            else:
                run = cancelling
            await self._append(ctx, current, payloads, told)
            return run

        return await retry_on_conflict(attempt)

    async def submit_tool_outputs(
        self, ctx: RequestContext, request: run_service_pb2.SubmitToolOutputsRequest
    ) -> Started:
        async def attempt() -> Started:
            current = await self._load(ctx, request.thread_id, request.run_id)
            run = current.run
            rules.check_tool_outputs(run, request.tool_outputs, int(time.time()))
            run_steps = await self._runs.steps_of_run(ctx.project_id, run.id)
            step = steps.open_step(run_steps)
            if step is None:
                # A concurrent submit won since the run was read: read it again to say how.
                fresh = await self._load(ctx, request.thread_id, request.run_id)
                rules.check_tool_outputs(fresh.run, request.tool_outputs, int(time.time()))
                raise FailedPreconditionError(f"Run {run.id} has no tool calls waiting.")
            outputs = {o.tool_call_id: o.output for o in request.tool_outputs}
            done = steps.step_finished(
                steps.with_outputs(step, outputs),
                S.RUN_STEP_STATUS_COMPLETED,
                int(time.time()),
                usage=rules.unassigned_usage(run, run_steps),
            )
            queued = rules.resumed(run)
            payloads: list[ProtoMessage] = [
                events_pb2.ToolOutputsSubmitted(
                    run_id=run.id, step_id=step.id, tool_outputs=request.tool_outputs
                ),
                events_pb2.RunStepStatusChanged(run_step=done),
                events_pb2.RunStatusChanged(run=queued),
            ]
            told = [run_events.step_event(done), run_events.run_event(queued)]
            result = await self._append(ctx, current, payloads, told)
            self._wake_workers()
            return Started(queued, (result.first_sequence or 1) - 1)

        return await retry_on_conflict(attempt)

    # Queries.

    async def wait_until_settled(
        self, ctx: RequestContext, thread_id: str, run_id: str, timeout: float
    ) -> run_pb2.Run:
        """The run once it stops moving (it ended, or waits for tool outputs), or as it is
        after `timeout`: a poll answered when there is news, instead of repeated until then."""
        current = await self._load(ctx, thread_id, run_id)
        run = current.run
        if not rules.is_moving(run):
            return run
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                async for entry in self._streams.follow(run_id, current.stream_seq):
                    if run_events.is_run_status(entry.name):
                        run = (await self._load(ctx, thread_id, run_id)).run
                        if not rules.is_moving(run):
                            return run
        return (await self._load(ctx, thread_id, run_id)).run

    async def get(self, ctx: RequestContext, thread_id: str, run_id: str) -> run_pb2.Run:
        return (await self._load(ctx, thread_id, run_id)).run

    async def list(
        self, ctx: RequestContext, request: run_service_pb2.ListRunsRequest
    ) -> run_service_pb2.ListRunsResponse:
        check_id(request.thread_id, "thread_id", ids.THREAD)
        query = page_query(request, ids.RUN)
        await self._threads.load(ctx, request.thread_id)
        page = await self._runs.list_runs(ctx.project_id, request.thread_id, query)
        return list_response(run_service_pb2.ListRunsResponse(), page)

    async def get_step(
        self, ctx: RequestContext, request: run_service_pb2.GetRunStepRequest
    ) -> run_step_pb2.RunStep:
        check_id(request.step_id, "step_id", ids.STEP)
        rules.check_include(request.include)
        await self._load(ctx, request.thread_id, request.run_id)
        step = await self._runs.get_step(
            ctx.project_id, request.thread_id, request.run_id, request.step_id
        )
        if step is None:
            raise NotFoundError(f"No run step found with id '{request.step_id}'.")
        return steps.as_included(step, request.include)

    async def list_steps(
        self, ctx: RequestContext, request: run_service_pb2.ListRunStepsRequest
    ) -> run_service_pb2.ListRunStepsResponse:
        rules.check_include(request.include)
        query = page_query(request, ids.STEP)
        await self._load(ctx, request.thread_id, request.run_id)
        page = await self._runs.list_steps(ctx.project_id, request.run_id, query)
        response = list_response(run_service_pb2.ListRunStepsResponse(), page)
        for step in response.data:
            step.CopyFrom(steps.as_included(step, request.include))
        return response

    async def events(
        self,
        ctx: RequestContext,
        thread_id: str,
        run_id: str,
        after: int,
        include: Sequence[str] = (),
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        """The run's events after sequence number `after`, live, up to the next done. Steps
        keep their file_search results' text only when include asks for it."""
        current = await self._load(ctx, thread_id, run_id)
        if not rules.is_active(current.run):
            async for event in self._finished_events(current, after):
                yield _included(event, include)
            return
        async for entry in self._streams.follow(run_id, after):
            yield _included(_numbered(entry), include)
            if entry.name == run_events.DONE:
                return

    async def _finished_events(
        self, current: VersionedRun, after: int
    ) -> AsyncIterator[run_event_pb2.RunEvent]:
        """The rest of a finished run's stream. Once its rows are pruned (a day after the
        end), the run's last snapshot and done stand for them."""
        if after >= current.stream_seq:
            return
        entries = await self._streams.read(current.run.id, after, limit=current.stream_seq)
        if entries:
            for entry in entries:
                yield _numbered(entry)
            return
        last = run_events.run_event(current.run)
        last.sequence_number = current.stream_seq - 1
        done = run_events.done()
        done.sequence_number = current.stream_seq
        yield last
        yield done

    # Internals.

    async def _load(self, ctx: RequestContext, thread_id: str, run_id: str) -> VersionedRun:
        check_id(thread_id, "thread_id", ids.THREAD)
        check_id(run_id, "run_id", ids.RUN)
        found = await self._runs.get_run(ctx.project_id, thread_id, run_id)
        if found is None:
            if await self._reads.get_thread(ctx.project_id, thread_id) is None:
                raise thread_not_found(thread_id)
            raise not_found(run_id)
        return found

    async def _record(
        self,
        ctx: RequestContext,
        thread_id: str,
        expected: int,
        payloads: Sequence[ProtoMessage],
        run: run_pb2.Run,
        opening: Sequence[run_event_pb2.RunEvent] = (),
    ) -> AppendResult:
        told = [*opening, run_events.run_event(run, "created"), run_events.run_event(run)]
        result = await record(
            self._events,
            ctx.event_metadata(),
            thread_id,
            expected,
            payloads,
            run.id,
            told,
            ctx.idempotency_key(),
        )
        self._wake_workers()
        return result

    async def _append(
        self,
        ctx: RequestContext,
        current: VersionedRun,
        payloads: Sequence[ProtoMessage],
        told: Sequence[run_event_pb2.RunEvent],
    ) -> AppendResult:
        return await record(
            self._events,
            ctx.event_metadata(),
            current.run.thread_id,
            current.version,
            payloads,
            current.run.id,
            told,
        )

    async def _started(
        self, ctx: RequestContext, result: AppendResult, run: run_pb2.Run
    ) -> Started:
        if result.duplicate:
            prior = await self._previous(ctx, run.assistant_id)
            assert prior is not None
            return prior
        return Started(run, 0)

    async def _previous(
        self, ctx: RequestContext, assistant_id: str, thread_id: str | None = None
    ) -> Started | None:
        """The run an earlier request under this client request id created, if any.

        Raises FailedPreconditionError when that request was a different one.
        """
        key = ctx.idempotency_key()
        if key is None:
            return None
        found = await self._events.find_request(ctx.project_id, key)
        if found is None:
            return None
        recorded = await self._events.read_stream(
            ctx.project_id,
            found.stream_id,
            from_version=found.first_version,
            to_version=found.last_version,
        )
        for event in recorded:
            run = event.run_created.run
            if (
                event.WhichOneof("payload") == "run_created"
                and run.assistant_id == assistant_id
                and thread_id in (None, run.thread_id)
            ):
                check_same_request(ctx, event)
                current = await self._load(ctx, found.stream_id, run.id)
                return Started(current.run, 0)
        raise reused(ctx)


def _including(started: Started, include: Sequence[str]) -> Started:
    return Started(started.run, started.after_sequence, tuple(include))


def _included(event: run_event_pb2.RunEvent, include: Sequence[str]) -> run_event_pb2.RunEvent:
    if event.HasField("run_step"):
        event.run_step.CopyFrom(steps.as_included(event.run_step, include))
    return event


def _numbered(entry: StreamEntry) -> run_event_pb2.RunEvent:
    event = run_event_pb2.RunEvent.FromString(entry.data)
    event.sequence_number = entry.seq
    return event
