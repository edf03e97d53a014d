"""Executing one claimed run: from the log's state to the next pause or end.

The worker holding the lease is the run's only writer, apart from a client's cancel, metadata
update or tool outputs; its appends carry the thread version it last wrote, so a concurrent
change makes it re-read the run and decide again. What it writes, in order:

    queued -> in_progress; a step and its message; text deltas (run stream only); the
    completed message, step and run -- or the tool-call step and requires_action.

file_search and code_interpreter calls are the server's own: their step completes with the
results, and the next model turn follows in the same execution (service.engine.file_search,
service.engine.code_interpreter). Text is streamed with a possible marker or sandbox link held
back until it closes, so that its annotation follows the text delta that completes it
(service.retrieval.citations, service.domain.sandbox_links). Images the code drew open the
next message, before its text.

A cancel stops the model call and ends the open message, step and run as cancelled; the
deadline (expires_at) ends them as expired; a model failure as failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import (
    common_pb2,
    events_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_step_pb2,
    tools_pb2,
)
from service.domain import ids, run_events, sandbox_links, steps
from service.domain import runs as rules
from service.engine import code_interpreter, file_search
from service.engine.code_interpreter import CodeInterpreter, CodeStream
from service.engine.deltas import DeltaPublisher
from service.engine.file_search import FileSearch, FileSearchFailed
from service.engine.journal import record
from service.engine.model import (
    Finished,
    ModelClient,
    ModelError,
    RefusalDelta,
    TextDelta,
    ToolCallArguments,
    ToolCallStarted,
)
from service.engine.prompt import PromptBuilder, PromptTooLong
from service.engine.settings import EngineSettings
from service.retrieval.citations import Source, citations, settled_end
from service.sandbox import SandboxUnavailable
from storage import ClaimedRun, PageQuery, Storage, WrongExpectedVersionError

log = logging.getLogger(__name__)

R = run_pb2
S = run_step_pb2
RunEvent = run_event_pb2.RunEvent
CONFLICT_ATTEMPTS = 8
_ERROR_CODES = {
    "server_error": common_pb2.ERROR_CODE_SERVER_ERROR,
    "rate_limit_exceeded": common_pb2.ERROR_CODE_RATE_LIMIT_EXCEEDED,
    "invalid_prompt": common_pb2.ERROR_CODE_INVALID_PROMPT,
}


class _Stop(Exception):
    """The run is no longer this worker's to write: terminal, or cancelling."""


class _ToolFailed(Exception):
    """A server tool cannot run at all: the run fails with this message (server_error)."""


@dataclass
class Change:
    """What one append writes: events for the log, run events for the stream."""

    payloads: list[ProtoMessage]
    told: list[RunEvent]
    run: run_pb2.Run | None = None


@dataclass
class _Turn:
    """What the current model call has produced so far."""

    step: S.RunStep | None = None
    message: message_pb2.Message | None = None
    # The image files the message shows before its text, whose part comes after them.
    images: list[str] = field(default_factory=list)
    text: str = ""
    # How much of text the stream has been sent, and whether the part's skeleton went out.
    sent: int = 0
    opened: bool = False
    annotations: list[message_pb2.Annotation] = field(default_factory=list)
    calls: dict[int, S.ToolCall] = field(default_factory=dict)
    # The arguments of the turn's file_search calls, by index: never streamed.
    search_arguments: dict[int, str] = field(default_factory=dict)
    # The code of the turn's code_interpreter calls, by index, streamed as it comes.
    code: dict[int, CodeStream] = field(default_factory=dict)
    # The usage of the completion that made the open step, once known.
    usage: common_pb2.Usage | None = None


class RunExecution:
    def __init__(
        self,
        storage: Storage,
        model: ModelClient,
        settings: EngineSettings,
        owner: str,
        claimed: ClaimedRun,
        searches: FileSearch,
        code: CodeInterpreter,
    ) -> None:
        self._storage = storage
        self._searches = searches
        self._code = code
        # What each marker of the run's finished file_search calls cites.
        self._sources: dict[tuple[int, int], Source] = {}
        # The files the run's code saved, by path under /mnt/data; the images it drew that
        # no message shows yet.
        self._saved: dict[str, str] = {}
        self._images: list[str] = []
        # The code's input files, (file id, name), as the current turn's prompt lists them.
        self._inputs: list[tuple[str, str]] = []
        self._model = model
        self._settings = settings
        self._owner = owner
        self._claimed = claimed
        self._metadata = events_pb2.EventMetadata(
            project_id=claimed.project_id, correlation_id=claimed.run_id
        )
        self._deltas = DeltaPublisher(storage.run_streams, claimed.project_id, claimed.run_id)
        self._turn = _Turn()
        self.run = run_pb2.Run()
        self._version = 0
        self._thread_seq = 0

    async def execute(self) -> None:
        """Drives the run until it pauses or ends, or the lease is lost."""
        streams = self._storage.run_streams
        with streams.cancel_requests(self._claimed.run_id) as cancel:
            keeper = asyncio.create_task(self._keep_lease(cancel))
            try:
                await self._drive(cancel)
            except _Stop:
                pass
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
                await self._storage.runs.release(self._claimed.run_id, self._owner)

    async def _drive(self, cancel: asyncio.Event) -> None:
        if not await self._load():
            return
        run = self.run
        expired = run.HasField("expires_at") and time.time() >= run.expires_at
        if run.status == R.RUN_STATUS_CANCELLING or expired:
            await self._adopt_open_step()
            await self._end(R.RUN_STATUS_CANCELLED if not expired else R.RUN_STATUS_EXPIRED)
            return
        if run.status == R.RUN_STATUS_REQUIRES_ACTION:
            return
        if run.status == R.RUN_STATUS_IN_PROGRESS and await self._adopt_open_step():
            await self._fail("server_error", "The server working on this run stopped mid-turn.")
            return
        if run.status == R.RUN_STATUS_QUEUED:
            now = int(time.time())
            await self._commit(lambda: self._run_change(rules.started(self.run, now)))
        unavailable = await self._unavailable_choice()
        if unavailable:
            await self._fail("server_error", unavailable)
            return
        await self._race(cancel)

    async def _race(self, cancel: asyncio.Event) -> None:
        """Runs the model turn against a cancel and the deadline."""
        turn = asyncio.create_task(self._model_turn())
        cancelled = asyncio.create_task(cancel.wait())
        timeout = (
            max(0.0, self.run.expires_at - time.time()) if self.run.HasField("expires_at") else None
        )
        try:
            done, _ = await asyncio.wait(
                {turn, cancelled}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            # The worker is stopping: the model call goes with it, the lease lapses.
            turn.cancel()
            raise
        finally:
            cancelled.cancel()
        if turn in done:
            await self._after_turn(turn)
            return
        turn.cancel()
        with contextlib.suppress(asyncio.CancelledError, _Stop, ModelError, PromptTooLong):
            await turn
        await self._deltas.discard()
        # The cancelled turn may have stopped on either side of a commit: the log says which.
        if not await self._load():
            return
        await self._adopt_open_step()
        if cancelled in done:
            if self.run.status == R.RUN_STATUS_CANCELLING:
                await self._end(R.RUN_STATUS_CANCELLED)
            return
        await self._end(R.RUN_STATUS_EXPIRED)

    async def _after_turn(self, turn: asyncio.Task[None]) -> None:
        try:
            turn.result()
        except ModelError as error:
            log.warning(
                "model call failed",
                extra={"run_id": self._claimed.run_id, "code": error.code},
            )
            await self._fail(error.code, error.message)
        except PromptTooLong as too_long:
            await self._end(R.RUN_STATUS_INCOMPLETE, incomplete_reason=too_long.reason)

    # The model turn.

    async def _model_turn(self) -> None:
        """Model turns until one needs the client or ends the run: a turn that only
        searched files is followed by the next."""
        while await self._one_turn():
            pass

    async def _one_turn(self) -> bool:
        builder = PromptBuilder(self._storage, self._settings)
        turns = await self._run_turns()
        tools: list[dict[str, object]] = []
        outputs: dict[str, tuple[str, str]] = {}
        if file_search.offered(self.run):
            await self._searches.start()
            self._sources = file_search.sources(turns)
            tools.append(file_search.chat_tool())
            outputs |= file_search.chat_outputs(turns, self._searches.keyword_only)
        if code_interpreter.offered(self.run):
            self._inputs = await self._code.input_files(self._claimed.project_id, self.run)
            self._saved = code_interpreter.saved_files(turns)
            self._images = code_interpreter.pending_images(turns)
            tools.append(code_interpreter.chat_tool([name for _, name in self._inputs]))
            outputs |= code_interpreter.chat_outputs(turns)
        request = await builder.build(
            self._claimed.project_id, self.run, self._thread_seq, turns, tools, outputs
        )
        finished: Finished | None = None
        async with contextlib.aclosing(self._model.stream(request)) as stream:
            async for event in stream:
                if isinstance(event, TextDelta | RefusalDelta):
                    await self._on_text(event.text)
                elif isinstance(event, ToolCallStarted):
                    await self._on_call(event)
                elif isinstance(event, ToolCallArguments):
                    self._on_arguments(event)
                else:
                    finished = event
        assert finished is not None
        return await self._finish_turn(finished)

    async def _on_text(self, text: str) -> None:
        turn = self._turn
        if turn.message is None:
            await self._open_message()
        if text:
            turn.text += text
            self._send_text(self._settled_end())

    def _send_text(self, end: int) -> None:
        """Streams the text up to end: each marker that cites a result closes a text delta
        and is followed by its annotation's delta."""
        turn = self._turn
        assert turn.message is not None
        for annotation in self._annotations(turn.sent, end):
            self._send_fragment(annotation.end_index)
            self._deltas.add(
                run_events.annotation_delta(
                    turn.message.id, len(turn.images), len(turn.annotations), annotation
                )
            )
            turn.annotations.append(annotation)
        self._send_fragment(end)

    def _annotations(self, start: int = 0, end: int | None = None) -> list[message_pb2.Annotation]:
        """The citations and file paths of the open message's text[start:end], in order."""
        text = self._turn.text
        found = citations(text, self._sources, start, end)
        found += sandbox_links.file_paths(text, self._saved, start, end)
        return sorted(found, key=lambda a: a.start_index)

    def _settled_end(self) -> int:
        """How far the open message's text may stream: not into an open marker or link."""
        text, sent = self._turn.text, self._turn.sent
        return min(settled_end(text, sent), sandbox_links.settled_end(text, sent))

    def _send_fragment(self, end: int) -> None:
        turn = self._turn
        assert turn.message is not None
        if end <= turn.sent:
            return
        fragment = turn.text[turn.sent : end]
        self._deltas.add(
            run_events.text_delta(turn.message.id, len(turn.images), fragment, not turn.opened)
        )
        turn.sent, turn.opened = end, True

    def _message_so_far(self) -> message_pb2.Message:
        """The open message with all its text and the annotations of its markers."""
        turn = self._turn
        assert turn.message is not None
        return steps.message_with_text(turn.message, turn.text, self._annotations(), turn.images)

    async def _open_message(self) -> None:
        now = int(time.time())
        message = steps.run_message(ids.new_id(ids.MESSAGE), self.run, now)
        step = steps.message_step(ids.new_id(ids.STEP), self.run, message.id, now)
        await self._commit(
            lambda: Change(
                [
                    events_pb2.MessageCreated(message=message),
                    events_pb2.RunStepCreated(run_step=step),
                ],
                [*run_events.step_opened(step), *run_events.message_opened(message)],
            )
        )
        self._turn.message, self._turn.step = message, step
        for index, file_id in enumerate(self._images):
            self._deltas.add(run_events.image_file_delta(message.id, index, file_id))
        self._turn.images, self._images = self._images, []

    async def _on_call(self, event: ToolCallStarted) -> None:
        if self._turn.message is not None:
            await self._close_message(common_pb2.Usage())
        turn = self._turn
        if turn.step is None:
            step = steps.tool_step(ids.new_id(ids.STEP), self.run, int(time.time()))
            await self._commit(
                lambda: Change(
                    [events_pb2.RunStepCreated(run_step=step)], run_events.step_opened(step)
                )
            )
            turn.step = step
        if event.name == file_search.TOOL_NAME and file_search.offered(self.run):
            opts = file_search.options(self.run)
            turn.calls[event.index] = file_search.new_call(event.call_id, opts)
            turn.search_arguments[event.index] = ""
            self._deltas.add(
                run_events.file_search_call_started(turn.step.id, event.index, event.call_id)
            )
            return
        if event.name == code_interpreter.TOOL_NAME and code_interpreter.offered(self.run):
            turn.calls[event.index] = code_interpreter.new_call(event.call_id)
            turn.code[event.index] = CodeStream()
            self._deltas.add(run_events.code_call_started(turn.step.id, event.index, event.call_id))
            return
        turn.calls[event.index] = steps.function_call(event.call_id, event.name, "")
        self._deltas.add(
            run_events.tool_call_started(turn.step.id, event.index, event.call_id, event.name)
        )

    def _on_arguments(self, event: ToolCallArguments) -> None:
        turn = self._turn
        assert turn.step is not None
        if event.index in turn.search_arguments:
            turn.search_arguments[event.index] += event.fragment
            return
        if event.index in turn.code:
            stream = turn.code[event.index]
            code = stream.feed(event.fragment)
            if code:
                self._deltas.add(run_events.code_input(turn.step.id, event.index, code))
            return
        turn.calls[event.index].function.arguments += event.fragment
        self._deltas.add(run_events.tool_call_arguments(turn.step.id, event.index, event.fragment))

    async def _close_message(self, usage: common_pb2.Usage) -> None:
        """Completes the open message and its step."""
        turn = self._turn
        assert turn.message is not None and turn.step is not None
        self._send_text(len(turn.text))
        now = int(time.time())
        completed = steps.message_completed(self._message_so_far(), now)
        step = steps.step_finished(turn.step, S.RUN_STEP_STATUS_COMPLETED, now, usage)
        await self._commit(
            lambda: Change(
                [completed, events_pb2.RunStepStatusChanged(run_step=step)],
                [
                    run_events.message_event(completed.message, "completed"),
                    run_events.step_event(step),
                ],
            )
        )
        self._turn = _Turn()

    async def _finish_turn(self, finished: Finished) -> bool:
        """Ends the model turn; True when another turn follows (the tools ran here)."""
        used = finished.usage
        usage = rules.add_usage(
            self.run.usage, used.prompt_tokens if used else 0, used.completion_tokens if used else 0
        )
        completion = common_pb2.Usage(
            prompt_tokens=usage.prompt_tokens - self.run.usage.prompt_tokens,
            completion_tokens=usage.completion_tokens - self.run.usage.completion_tokens,
            total_tokens=usage.total_tokens - self.run.usage.total_tokens,
        )
        if self._turn.calls:
            return await self._after_calls(usage, completion)
        if self._turn.message is None:
            await self._open_message()
        truncated = finished.finish_reason == "length"
        if truncated and self.run.HasField("max_completion_tokens"):
            await self._end(
                R.RUN_STATUS_INCOMPLETE,
                usage=usage,
                step_usage=completion,
                incomplete_reason=R.RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS,
            )
            return False
        await self._complete(usage, completion)
        return False

    async def _after_calls(self, usage: common_pb2.Usage, completion: common_pb2.Usage) -> bool:
        """Runs the turn's file_search and code_interpreter calls; then waits for the client's
        function outputs, or completes the step so that the next turn can read the results."""
        turn = self._turn
        assert turn.step is not None
        try:
            if turn.search_arguments:
                await self._run_searches()
            if turn.code:
                await self._run_code()
        except (FileSearchFailed, _ToolFailed) as failed:
            error = rules.last_error(common_pb2.ERROR_CODE_SERVER_ERROR, str(failed))
            await self._end(R.RUN_STATUS_FAILED, usage=usage, step_usage=completion, error=error)
            return False
        if any(c.type == tools_pb2.TOOL_TYPE_FUNCTION for c in turn.calls.values()):
            await self._require_action(usage, completion)
            return False
        now = int(time.time())
        step = steps.step_finished(
            _with_calls(turn.step, turn.calls), S.RUN_STEP_STATUS_COMPLETED, now, completion
        )

        def change() -> Change:
            run = R.Run()
            run.CopyFrom(self.run)
            run.usage.CopyFrom(usage)
            return Change(
                [events_pb2.RunStepStatusChanged(run_step=step), events_pb2.RunUpdated(run=run)],
                [run_events.step_event(step)],
                run,
            )

        await self._commit(change)
        self._turn = _Turn()
        return True

    async def _run_searches(self) -> None:
        """Searches for each file_search call of the turn, in index order, filling in its
        results. Raises FileSearchFailed."""
        turn = self._turn
        project_id = self._claimed.project_id
        try:
            store_ids = await self._searches.ready_stores(project_id, self.run)
            for index in sorted(turn.search_arguments):
                arguments = turn.search_arguments[index]
                turn.calls[index] = await self._searches.search(
                    project_id, self.run, store_ids, turn.calls[index], arguments
                )
        except FileSearchFailed:
            raise
        except Exception as error:
            log.exception("file_search failed", extra={"run_id": self.run.id})
            raise FileSearchFailed("file_search failed on the server.") from error
        await self._searches.touch(project_id, store_ids)

    async def _run_code(self) -> None:
        """Runs each code_interpreter call of the turn in the thread's sandbox, in index order,
        streaming the rest of its code first and its outputs after. Raises _ToolFailed."""
        turn = self._turn
        assert turn.step is not None
        unavailable = await self._code_unavailable()
        if unavailable:
            raise _ToolFailed(unavailable)
        for index in sorted(turn.code):
            code, rest = turn.code[index].finish()
            if rest:
                self._deltas.add(run_events.code_input(turn.step.id, index, rest))
            await self._deltas.flush()
            try:
                call = await self._code.run(
                    self._claimed.project_id, self.run, turn.calls[index], code, self._inputs
                )
            except SandboxUnavailable as unavailable_now:
                raise _ToolFailed(f"code_interpreter is disabled: {unavailable_now}") from None
            except Exception as error:
                log.exception("code_interpreter failed", extra={"run_id": self.run.id})
                raise _ToolFailed("code_interpreter failed on the server.") from error
            turn.calls[index] = call
            if call.code_interpreter.outputs:
                outputs = call.code_interpreter.outputs
                self._deltas.add(run_events.code_outputs(turn.step.id, index, outputs))

    async def _code_unavailable(self) -> str | None:
        await self._code.start()
        return self._code.unavailable

    async def _complete(self, usage: common_pb2.Usage, completion: common_pb2.Usage) -> None:
        turn = self._turn
        assert turn.message is not None and turn.step is not None
        self._send_text(len(turn.text))
        now = int(time.time())
        completed = steps.message_completed(self._message_so_far(), now)
        step = steps.step_finished(turn.step, S.RUN_STEP_STATUS_COMPLETED, now, completion)

        def change() -> Change:
            run = rules.finished(self.run, R.RUN_STATUS_COMPLETED, now, usage)
            return Change(
                [
                    completed,
                    events_pb2.RunStepStatusChanged(run_step=step),
                    events_pb2.RunStatusChanged(run=run),
                ],
                [
                    run_events.message_event(completed.message, "completed"),
                    run_events.step_event(step),
                    run_events.run_event(run),
                    run_events.done(),
                ],
                run,
            )

        await self._commit(change)

    async def _require_action(self, usage: common_pb2.Usage, completion: common_pb2.Usage) -> None:
        turn = self._turn
        assert turn.step is not None
        calls = [
            turn.calls[i]
            for i in sorted(turn.calls)
            if turn.calls[i].type == tools_pb2.TOOL_TYPE_FUNCTION
        ]
        unavailable = _unavailable_call(self.run, calls)
        if unavailable:
            error = rules.last_error(common_pb2.ERROR_CODE_SERVER_ERROR, unavailable)
            await self._end(R.RUN_STATUS_FAILED, usage=usage, step_usage=completion, error=error)
            return
        step = _with_calls(turn.step, turn.calls)
        required = [
            R.RequiredToolCall(
                id=c.id,
                type=tools_pb2.TOOL_TYPE_FUNCTION,
                function=R.FunctionCall(name=c.function.name, arguments=c.function.arguments),
            )
            for c in calls
        ]

        def change() -> Change:
            run = rules.requires_action(self.run, required, usage)
            return Change(
                [
                    events_pb2.RunStepStatusChanged(run_step=step),
                    events_pb2.RunStatusChanged(run=run),
                ],
                [run_events.run_event(run), run_events.done()],
                run,
            )

        await self._commit(change)
        self._turn = _Turn()

    # Ends.

    async def _fail(self, code: str, message: str) -> None:
        error = rules.last_error(
            _ERROR_CODES.get(code, common_pb2.ERROR_CODE_SERVER_ERROR), message
        )
        await self._end(R.RUN_STATUS_FAILED, error=error)

    async def _end(
        self,
        status: int,
        *,
        usage: common_pb2.Usage | None = None,
        step_usage: common_pb2.Usage | None = None,
        error: common_pb2.LastError | None = None,
        incomplete_reason: int | None = None,
    ) -> None:
        """Ends the run, and with it the open message and step (reference §5 cascade)."""
        turn = self._turn
        now = int(time.time())
        for index, stream in turn.code.items():
            # A call ended before it ran (cancelled, expired) keeps the code that streamed.
            if not turn.calls[index].code_interpreter.input:
                code_interpreter.set_input(turn.calls[index], stream.sent)

        def change() -> Change:
            payloads: list[ProtoMessage] = []
            told: list[RunEvent] = []
            if turn.message is not None:
                message = self._message_so_far()
                reason = steps.MESSAGE_REASON_FOR_RUN[status]
                ended_message = steps.message_incomplete(message, now, reason)
                payloads.append(ended_message)
                told.append(run_events.message_event(ended_message.message, "incomplete"))
            if turn.step is not None:
                step = steps.step_finished(
                    _with_calls(turn.step, turn.calls),
                    steps.STEP_STATUS_FOR_RUN[status],
                    now,
                    step_usage or turn.usage,
                    error,
                )
                payloads.append(events_pb2.RunStepStatusChanged(run_step=step))
                told.append(run_events.step_event(step))
            run = rules.finished(
                self.run,
                status,
                now,
                usage or (self.run.usage if self.run.HasField("usage") else None),
                error=error,
                incomplete_reason=incomplete_reason,
            )
            payloads.append(events_pb2.RunStatusChanged(run=run))
            told += [run_events.run_event(run), run_events.done()]
            return Change(payloads, told, run)

        await self._commit(change)
        self._turn = _Turn()

    # The log.

    async def _commit(self, build: Callable[[], Change]) -> None:
        """Appends a change with the thread version last written; on a concurrent change,
        re-reads the run and builds the change again (raises _Stop if it is no longer ours)."""
        await self._deltas.flush()
        for _ in range(CONFLICT_ATTEMPTS):
            change = build()
            try:
                result = await record(
                    self._storage.events,
                    self._metadata,
                    self._claimed.thread_id,
                    self._version,
                    change.payloads,
                    self._claimed.run_id,
                    change.told,
                )
            except WrongExpectedVersionError:
                await self._refresh(
                    ending=change.run is not None and not rules.is_active(change.run)
                )
                continue
            self._version = result.last_version
            if change.run is not None:
                self.run = change.run
            return
        raise _Stop

    async def _load(self) -> bool:
        found = await self._storage.runs.get_run(
            self._claimed.project_id, self._claimed.thread_id, self._claimed.run_id
        )
        if found is None or not rules.is_active(found.run):
            return False
        self.run, self._version, self._thread_seq = found.run, found.version, found.thread_seq
        return True

    async def _refresh(self, ending: bool = False) -> None:
        """Re-reads the run after a concurrent change. A run that is no longer in progress is
        not this worker's to go on with, unless it is cancelling and this is its end."""
        if not await self._load():
            raise _Stop
        if self.run.status == R.RUN_STATUS_CANCELLING and not ending:
            raise _Stop

    async def _adopt_open_step(self) -> bool:
        """Takes the open step and message from the log: True when a step is open. Text this
        worker streamed into the message is kept; a dead worker's is lost with it."""
        run_steps = await self._storage.runs.steps_of_run(self._claimed.project_id, self.run.id)
        step = steps.open_step(run_steps)
        previous, self._turn = self._turn, _Turn()
        if step is None:
            return False
        self._turn.step = step
        if self.run.HasField("usage"):
            self._turn.usage = rules.unassigned_usage(self.run, run_steps)
        if step.type == S.RUN_STEP_TYPE_MESSAGE_CREATION:
            message_id = step.step_details.message_creation.message_id
            found = await self._storage.reads.get_message(
                self._claimed.project_id, self._claimed.thread_id, message_id
            )
            self._turn.message = found.message if found else None
            if previous.message is not None and previous.message.id == message_id:
                self._turn.text = previous.text
        else:
            self._turn.calls = previous.calls if previous.step is not None else {}
            self._turn.code = previous.code if previous.step is not None else {}
        return True

    async def _run_turns(self) -> list[tuple[S.RunStep, message_pb2.Message | None]]:
        """The run's finished steps, each with the message it wrote, for the prompt."""
        project, thread, run_id = self._claimed.project_id, self._claimed.thread_id, self.run.id
        run_steps = await self._storage.runs.steps_of_run(project, run_id)
        if not run_steps:
            return []
        page = await self._storage.reads.list_messages(
            project, thread, PageQuery(limit=100, ascending=True), run_id
        )
        written = {m.id: m for m in page.items} if page else {}
        return [
            (s, written.get(s.step_details.message_creation.message_id))
            for s in run_steps
            if s.status == S.RUN_STEP_STATUS_COMPLETED
        ]

    async def _unavailable_choice(self) -> str | None:
        """Why the run's tool_choice cannot be honoured, if it cannot: the tool it names is
        not the run's, or cannot run here."""
        choice = self.run.tool_choice.type
        if choice == tools_pb2.TOOL_CHOICE_TYPE_FILE_SEARCH and not file_search.offered(self.run):
            return "The run's tool_choice names file_search, which is not one of its tools."
        if choice != tools_pb2.TOOL_CHOICE_TYPE_CODE_INTERPRETER:
            return None
        if not code_interpreter.offered(self.run):
            return "The run's tool_choice names code_interpreter, which is not one of its tools."
        return await self._code_unavailable()

    def _run_change(self, run: run_pb2.Run) -> Change:
        return Change([events_pb2.RunStatusChanged(run=run)], [run_events.run_event(run)], run)

    async def _keep_lease(self, cancel: asyncio.Event) -> None:
        """Renews the lease; a status of cancelling is a cancel too, should the notice be
        lost. A lost lease stops this execution: another worker owns the run now."""
        runs = self._storage.runs
        every = self._settings.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            status = await runs.renew(
                self._claimed.run_id, self._owner, self._settings.lease_seconds
            )
            if status is None:
                log.warning("lost the lease of a run", extra={"run_id": self._claimed.run_id})
                cancel.set()
                return
            if status == R.RunStatus.Name(R.RUN_STATUS_CANCELLING):
                cancel.set()


def _with_calls(step: S.RunStep, calls: dict[int, S.ToolCall]) -> S.RunStep:
    """The step with the calls the model made in this turn, in index order."""
    result = S.RunStep()
    result.CopyFrom(step)
    if calls and not result.step_details.tool_calls:
        result.step_details.tool_calls.extend(calls[i] for i in sorted(calls))
    return result


def _unavailable_call(run: run_pb2.Run, calls: list[S.ToolCall]) -> str | None:
    functions = {t.function.name for t in run.tools if t.type == tools_pb2.TOOL_TYPE_FUNCTION}
    for call in calls:
        name = call.function.name
        if name not in functions:
            return f"The model called '{name}', which is not a function tool of this run."
    return None
