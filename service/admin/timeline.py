"""`assistants audit timeline THREAD_ID`: what happened in a thread, when, and by which key.

Every event of the thread's stream becomes one entry (_timeline_entries), rendered as coloured
lines for people or as JSON Lines for programs (--json). Deleted threads keep their history in
the log, so their timeline ends with the deletion.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from assistants.v1 import events_pb2
from service.admin._timeline_entries import (
    Describer,
    Entry,
    ErrorEntry,
    MessageEntry,
    RunEntry,
    StepEntry,
    ThreadEntry,
    ToolCallEntry,
    ToolEntry,
    UsageEntry,
    one_line,
)
from storage import Storage, StreamInfo

PAGE = 1000
THREAD_KIND = "thread"

KIND_STYLES = {
    "thread": "bold magenta",
    "message": "cyan",
    "run": "bold blue",
    "step": "blue",
    "tool": "magenta",
}
STATUS_STYLES = {
    "completed": "green",
    "failed": "bold red",
    "expired": "red",
    "cancelled": "yellow",
    "cancelling": "yellow",
    "incomplete": "dark_orange",
    "requires_action": "bold magenta",
    "in_progress": "italic",
    "queued": "dim",
    "deleted": "red",
}
DETAIL = "      "


async def run(storage: Storage, thread_id: str, *, as_json: bool, out: TextIO | None = None) -> int:
    """Prints the thread's timeline to out (stdout); 1 when thread_id names no thread."""
    info = await storage.events.find_stream(thread_id)
    if info is None or info.kind != THREAD_KIND:
        why = "no stream has that id" if info is None else f"that stream is of kind {info.kind!r}"
        print(f"assistants: no thread {thread_id}: {why}", file=sys.stderr)
        return 1
    out = sys.stdout if out is None else out
    describer = Describer()
    console = None if as_json else _console(out, info)
    async for event in _events(storage, info):
        entry = describer.describe(event)
        if console is None:
            out.write(json.dumps(entry_json(entry)) + "\n")
        else:
            console.print(render(entry), soft_wrap=True)
    out.flush()
    return 0


async def _events(storage: Storage, info: StreamInfo) -> AsyncIterator[events_pb2.Event]:
    """The stream's events up to the version it had when found, a page at a time: the
    timeline is one snapshot, whatever is appended while it is read."""
    version = 1
    while version <= info.version:
        page = await storage.events.read_stream(
            info.project_id,
            info.stream_id,
            from_version=version,
            to_version=info.version,
            limit=PAGE,
        )
        if not page:
            return
        for event in page:
            yield event
        version = page[-1].stream_version + 1


def _console(out: TextIO, info: StreamInfo) -> Console:
    console = Console(file=out, highlight=False, markup=False, emoji=False)
    title = f"Thread {info.stream_id} · project {info.project_id} · {info.version} events · UTC"
    console.print(Text(title, style="bold underline"), soft_wrap=True)
    return console


# JSON Lines.


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as one JSON object: the envelope's keys, kind and action, then its fields."""
    fields = asdict(entry)
    at = entry.at
    fields.pop("at")
    head: dict[str, Any] = {
        "time": at.time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "position": at.position,
        "version": at.version,
        "type": at.type,
        "key_id": at.key_id,
        "actor": at.actor,
        "request_id": at.request_id,
        "kind": entry.kind,
    }
    return head | fields


# Rich text.


def render(entry: Entry) -> Text:
    """The entry's line, then one indented line per detail."""
    line = _header(entry)
    line.append_text(_verb(entry))
    line.append_text(_summary(entry))
    if entry.at.request_id:
        line.append(f"  {entry.at.request_id}", style="dim")
    for detail in _details(entry):
        line.append("\n" + DETAIL)
        line.append_text(detail)
    return line


def _header(entry: Entry) -> Text:
    at = entry.at
    stamp = at.time.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.time.microsecond // 1000:03d}"
    text = Text()
    text.append(stamp, style="dim")
    text.append(f"  v{at.version:<5}", style="dim")
    text.append(f"{at.actor:<30}", style="green" if at.key_id else "bright_black")
    text.append(f"{entry.kind:<9}", style=KIND_STYLES.get(entry.kind, ""))
    return text


def _verb(entry: Entry) -> Text:
    """What happened: the action, or the new status of a status change."""
    status: str | None = getattr(entry, "status", None)
    if entry.action == "status_changed":
        word, style = f"→ {status}", STATUS_STYLES.get(status or "", "")
    else:
        word, style = entry.action.replace("_", " "), STATUS_STYLES.get(entry.action, "bold")
    return Text(f"{word:<19}", style=style)


def _summary(entry: Entry) -> Text:
    if isinstance(entry, MessageEntry):
        return _message_summary(entry)
    if isinstance(entry, RunEntry):
        return _run_summary(entry)
    if isinstance(entry, StepEntry):
        return _step_summary(entry)
    if isinstance(entry, ToolEntry):
        return Text(f"{entry.step_id}  {entry.run_id}")
    if isinstance(entry, ThreadEntry):
        return Text(entry.thread_id)
    return Text()


def _message_summary(entry: MessageEntry) -> Text:
    text = Text(entry.message_id)
    if entry.role:
        text.append(f"  {entry.role}", style="bold")
    if entry.excerpt:
        text.append(f'  "{entry.excerpt}"')
    if entry.attachments:
        plural = "" if entry.attachments == 1 else "s"
        text.append(f"  [{entry.attachments} attachment{plural}]", style="dim")
    if entry.run_id:
        text.append(f"  by {entry.run_id}", style="dim")
    return text


def _run_summary(entry: RunEntry) -> Text:
    text = Text(entry.run_id)
    if entry.action != "status_changed":
        text.append("  ")
        text.append_text(_status(entry.status))
    if entry.assistant_id:
        text.append(f"  {entry.assistant_id}  model {entry.model}")
    return text


def _step_summary(entry: StepEntry) -> Text:
    text = Text(entry.step_id)
    if entry.action != "status_changed":
        text.append("  ")
        text.append_text(_status(entry.status))
    text.append(f"  {entry.step_type or '-'}  {entry.run_id}", style="dim")
    if entry.message_id:
        text.append(f"  writes {entry.message_id}", style="dim")
    return text


def _status(value: str | None) -> Text:
    return Text(value or "-", style=STATUS_STYLES.get(value or "", ""))


def _details(entry: Entry) -> list[Text]:
    calls: list[ToolCallEntry] = getattr(entry, "tool_calls", [])
    details = [_tool_call(call) for call in calls]
    error: ErrorEntry | None = getattr(entry, "last_error", None)
    if error is not None:
        details.append(Text(f"✗ {error.code or 'error'}: {error.message}", style="red"))
    reason: str | None = getattr(entry, "incomplete_reason", None)
    if reason:
        details.append(Text(f"incomplete: {reason}", style="dark_orange"))
    usage: UsageEntry | None = getattr(entry, "usage", None)
    if usage is not None:
        details.append(_usage(usage))
    metadata: dict[str, str] | None = getattr(entry, "metadata", None)
    if metadata is not None:
        details.append(Text(f"metadata {json.dumps(metadata, sort_keys=True)}", style="dim"))
    return details


def _tool_call(call: ToolCallEntry) -> Text:
    text = Text()
    text.append("⚙ ", style="magenta")
    text.append(call.name or call.type, style="bold magenta")
    if call.arguments is not None:
        text.append(f"({one_line(call.arguments, 200)})")
    if call.output is not None:
        text.append(" → ")
        text.append(one_line(call.output, 200), style="green")
    text.append(f"  {call.id}", style="dim")
    return text


def _usage(usage: UsageEntry) -> Text:
    return Text(
        f"usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion"
        f" = {usage.total_tokens} tokens",
        style="dim",
    )
