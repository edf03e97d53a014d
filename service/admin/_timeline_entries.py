"""What the timeline shows of each event of a thread's stream: one typed entry per event.

The rules of what is shown live here; timeline.py only renders entries (rich text or JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, cast

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message as ProtoMessage

from assistants.v1 import common_pb2, events_pb2, message_pb2, run_pb2, run_step_pb2, thread_pb2
from service.domain import tools

EXCERPT_CHARS = 80
SERVER = "server"

# Statuses after which a run or step changes no more: their usage is then final.
_RUN_ENDED = {"cancelled", "failed", "completed", "incomplete", "expired"}
_STEP_ENDED = {"cancelled", "failed", "completed", "expired"}


@dataclass(frozen=True)
class Envelope:
    """When an event happened, where it is in the log, and who caused it."""

    time: datetime
    position: int
    version: int
    type: str
    # None for the server's own work (a run worker).
    key_id: str | None
    request_id: str | None

    @property
    def actor(self) -> str:
        return self.key_id or SERVER


@dataclass(frozen=True)
class ToolCallEntry:
    id: str
    type: str
    name: str | None
    arguments: str | None
    output: str | None


@dataclass(frozen=True)
class UsageEntry:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


@dataclass(frozen=True)
class ErrorEntry:
    code: str | None
    message: str


@dataclass(frozen=True)
class Entry:
    """One event of the timeline. `action` is what happened to the object of its kind."""

    kind: ClassVar[str] = "other"
    at: Envelope
    action: str


@dataclass(frozen=True)
class ThreadEntry(Entry):
    kind: ClassVar[str] = "thread"
    thread_id: str
    metadata: dict[str, str] | None


@dataclass(frozen=True)
class MessageEntry(Entry):
    kind: ClassVar[str] = "message"
    message_id: str
    role: str | None = None
    status: str | None = None
    excerpt: str | None = None
    attachments: int = 0
    run_id: str | None = None
    incomplete_reason: str | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class RunEntry(Entry):
    kind: ClassVar[str] = "run"
    run_id: str
    status: str | None
    assistant_id: str | None = None
    model: str | None = None
    last_error: ErrorEntry | None = None
    incomplete_reason: str | None = None
    tool_calls: list[ToolCallEntry] = field(default_factory=list)
    usage: UsageEntry | None = None
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class StepEntry(Entry):
    kind: ClassVar[str] = "step"
    step_id: str
    run_id: str
    step_type: str | None
    status: str | None
    message_id: str | None = None
    tool_calls: list[ToolCallEntry] = field(default_factory=list)
    last_error: ErrorEntry | None = None
    usage: UsageEntry | None = None


@dataclass(frozen=True)
class ToolEntry(Entry):
    """A client submitted the outputs of a run's function calls."""

    kind: ClassVar[str] = "tool"
    run_id: str
    step_id: str
    tool_calls: list[ToolCallEntry]


def enum_name(message: ProtoMessage, name: str) -> str | None:
    """An enum field's value as its OpenAI string ("RUN_STATUS_IN_PROGRESS" ->
    "in_progress"); None when unset."""
    enum = message.DESCRIPTOR.fields_by_name[name].enum_type
    value = getattr(message, name)
    if enum is None or value == 0:
        return None
    if value not in enum.values_by_number:
        return str(value)
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED")
    # upb's descriptor type and the pure-Python one are the same thing at run time.
    return tools.enum_name(EnumTypeWrapper(cast(EnumDescriptor, enum)), value, prefix)


def one_line(value: str, limit: int = EXCERPT_CHARS) -> str:
    """value on one line, whitespace collapsed, cut to limit characters with an ellipsis."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _content_text(content: message_pb2.MessageContent) -> str:
    kind = enum_name(content, "type")
    if kind == "image_file":
        return f"[image {content.image_file.file_id}]"
    if kind == "image_url":
        return f"[image {content.image_url.url}]"
    if kind == "refusal":
        return f"[refusal] {content.refusal}"
    return content.text.value


def excerpt(message: message_pb2.Message) -> str:
    return one_line(" ".join(_content_text(c) for c in message.content))


def envelope(event: events_pb2.Event) -> Envelope:
    return Envelope(
        time=event.time.ToDatetime(tzinfo=UTC),
        position=event.position,
        version=event.stream_version,
        type=event.type,
        key_id=event.metadata.key_id or None,
        request_id=event.metadata.request_id or None,
    )


def _usage(usage: common_pb2.Usage) -> UsageEntry:
    return UsageEntry(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)


def _error(owner: run_pb2.Run | run_step_pb2.RunStep) -> ErrorEntry | None:
    if not owner.HasField("last_error"):
        return None
    return ErrorEntry(enum_name(owner.last_error, "code"), owner.last_error.message)


def _step_call(call: run_step_pb2.ToolCall) -> ToolCallEntry:
    kind = enum_name(call, "type") or "function"
    if kind == "code_interpreter":
        logs = [o.logs for o in call.code_interpreter.outputs if o.logs]
        output = "\n".join(logs) if logs else None
        return ToolCallEntry(call.id, kind, None, call.code_interpreter.input, output)
    if kind == "file_search":
        return ToolCallEntry(call.id, kind, None, None, f"{len(call.file_search.results)} results")
    function = call.function
    output = function.output if function.HasField("output") else None
    return ToolCallEntry(call.id, kind, function.name, function.arguments, output)


def _metadata(action: str, metadata: Mapping[str, str]) -> dict[str, str] | None:
    """Metadata as set by an update, or by a creation that set any."""
    shown = action == "updated" or (action == "created" and bool(metadata))
    return dict(metadata) if shown else None


def _required_calls(run: run_pb2.Run) -> list[ToolCallEntry]:
    calls = run.required_action.submit_tool_outputs.tool_calls
    return [
        ToolCallEntry(c.id, "function", c.function.name, c.function.arguments, None) for c in calls
    ]


Rule = Callable[[Envelope, events_pb2.Event], Entry]


class Describer:
    """Turns a thread's events, read in order, into timeline entries.

    It remembers the tool calls it has seen, so that submitted outputs (which name only the
    call id) are shown with the function's name and arguments."""

    def __init__(self) -> None:
        self._calls: dict[str, ToolCallEntry] = {}
        self._statuses: dict[str, str | None] = {}
        self._rules: dict[str, Rule] = {
            "thread_created": lambda at, e: _thread(at, "created", e.thread_created.thread),
            "thread_updated": lambda at, e: _thread(at, "updated", e.thread_updated.thread),
            "thread_deleted": lambda at, e: ThreadEntry(
                at, "deleted", e.thread_deleted.thread_id, None
            ),
            "message_created": lambda at, e: _message(at, "created", e.message_created.message),
            "message_updated": lambda at, e: _message(at, "updated", e.message_updated.message),
            "message_completed": lambda at, e: _message(
                at, "completed", e.message_completed.message
            ),
            "message_incomplete": lambda at, e: _message(
                at, "incomplete", e.message_incomplete.message
            ),
            "message_deleted": lambda at, e: MessageEntry(
                at, "deleted", e.message_deleted.message_id
            ),
            "run_created": lambda at, e: self._run(at, "created", e.run_created.run),
            "run_status_changed": lambda at, e: self._run(
                at, "status_changed", e.run_status_changed.run
            ),
            "run_updated": lambda at, e: self._run(at, "updated", e.run_updated.run),
            "tool_outputs_submitted": lambda at, e: self._outputs(at, e.tool_outputs_submitted),
            "run_step_created": lambda at, e: self._step(
                at, "created", e.run_step_created.run_step
            ),
            "run_step_status_changed": lambda at, e: self._step(
                at, "status_changed", e.run_step_status_changed.run_step
            ),
        }

    def describe(self, event: events_pb2.Event) -> Entry:
        at = envelope(event)
        rule = self._rules.get(event.WhichOneof("payload") or "")
        return Entry(at, event.type) if rule is None else rule(at, event)

    def _changed(self, action: str, object_id: str, status: str | None) -> str:
        """The action of a status change that kept the status (a step given its tool calls):
        "updated"."""
        before = self._statuses.get(object_id, "")
        self._statuses[object_id] = status
        return "updated" if action == "status_changed" and before == status else action

    def _remember(self, calls: list[ToolCallEntry]) -> list[ToolCallEntry]:
        self._calls.update((c.id, c) for c in calls)
        return calls

    def _run(self, at: Envelope, action: str, run: run_pb2.Run) -> RunEntry:
        status = enum_name(run, "status")
        created = action == "created"
        ended = status in _RUN_ENDED and run.HasField("usage")
        incomplete = run.HasField("incomplete_details")
        return RunEntry(
            at,
            self._changed(action, run.id, status),
            run_id=run.id,
            status=status,
            assistant_id=run.assistant_id if created else None,
            model=run.model if created else None,
            last_error=_error(run),
            incomplete_reason=enum_name(run.incomplete_details, "reason") if incomplete else None,
            tool_calls=self._remember(_required_calls(run)),
            usage=_usage(run.usage) if ended else None,
            metadata=_metadata(action, run.metadata),
        )

    def _step(self, at: Envelope, action: str, step: run_step_pb2.RunStep) -> StepEntry:
        status = enum_name(step, "status")
        action = self._changed(action, step.id, status)
        details = step.step_details
        ended = status in _STEP_ENDED and step.HasField("usage")
        return StepEntry(
            at,
            action,
            step_id=step.id,
            run_id=step.run_id,
            step_type=enum_name(step, "type"),
            status=status,
            message_id=details.message_creation.message_id or None,
            tool_calls=self._remember([_step_call(c) for c in details.tool_calls]),
            last_error=_error(step),
            usage=_usage(step.usage) if ended else None,
        )

    def _outputs(self, at: Envelope, submitted: events_pb2.ToolOutputsSubmitted) -> ToolEntry:
        calls = [self._submitted(o) for o in submitted.tool_outputs]
        return ToolEntry(at, "outputs_submitted", submitted.run_id, submitted.step_id, calls)

    def _submitted(self, output: run_pb2.ToolOutput) -> ToolCallEntry:
        known = self._calls.get(output.tool_call_id)
        name, arguments = (known.name, known.arguments) if known else (None, None)
        return ToolCallEntry(output.tool_call_id, "function", name, arguments, output.output)


def _thread(at: Envelope, action: str, thread: thread_pb2.Thread) -> ThreadEntry:
    return ThreadEntry(at, action, thread_id=thread.id, metadata=_metadata(action, thread.metadata))


def _message(at: Envelope, action: str, message: message_pb2.Message) -> MessageEntry:
    incomplete = message.HasField("incomplete_details")
    return MessageEntry(
        at,
        action,
        message_id=message.id,
        role=enum_name(message, "role"),
        status=enum_name(message, "status"),
        excerpt=excerpt(message),
        attachments=len(message.attachments),
        run_id=message.run_id if message.HasField("run_id") else None,
        incomplete_reason=enum_name(message.incomplete_details, "reason") if incomplete else None,
        metadata=_metadata(action, message.metadata),
    )
