"""`assistants audit timeline`: a thread driven through the gRPC API with the fake model, then
its timeline read back as JSON Lines and as text."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistants.v1 import message_pb2, run_pb2, run_service_pb2, thread_pb2
from service.admin import timeline
from service.app import Application
from service.domain import ids
from service.engine.workers import Workers
from storage import Storage
from tests.conftest import new_client
from tests.fake_model import FakeModel, error, hang, text, tool_calls
from tests.helpers import Client, assistants_cli
from tests.runs.support import (
    assistant,
    collect,
    function_tool,
    read_rest,
    read_until,
    thread,
    wait_for_status,
)

M = message_pb2
R = run_pb2
RS = run_service_pb2

QUESTION = (
    "What is the weather in Paris today? Please be precise, I am planning a long walk "
    "along the Seine and would like to know whether to bring an umbrella."
)
ANSWER = "It is 70F and sunny in Paris."
FOLLOW_UP = "And tomorrow?"
STORY = "Tell me a story."
PARTIAL = "Once upon a time"
ATTACHED = "Here are two files."
MODEL_ERROR = "This model's maximum context length is exceeded."


@dataclass
class Story:
    """A thread with a tool-call run, a failed run, a cancelled run and message edits."""

    client: Client
    key_id: str
    thread_id: str
    question_id: str
    tool_call_id: str
    answered: R.Run
    failed: R.Run
    cancelled: R.Run
    attached_id: str
    deleted_id: str


async def key_id_of(storage: Storage, client: Client) -> str:
    keys = [k for k in await storage.keys.list_keys() if k.project_id == client.project_id]
    assert len(keys) == 1
    return keys[0].key_id


def _message(thread_id: str, value: str, **fields: Any) -> M.CreateMessageRequest:
    content = [M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=value)]
    return M.CreateMessageRequest(
        thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=content, **fields
    )


async def _answered_with_a_tool(client: Client, thread_id: str, assistant_id: str) -> R.Run:
    request = RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    paused = (await collect(client.runs.CreateRunStream(request)))[-2].run
    assert paused.status == R.RUN_STATUS_REQUIRES_ACTION
    call_id = paused.required_action.submit_tool_outputs.tool_calls[0].id
    outputs = [R.ToolOutput(tool_call_id=call_id, output="70F, sunny")]
    submit = RS.SubmitToolOutputsRequest(
        thread_id=thread_id, run_id=paused.id, tool_outputs=outputs
    )
    done = (await collect(client.runs.SubmitToolOutputsStream(submit)))[-2].run
    assert done.status == R.RUN_STATUS_COMPLETED
    return done


async def _failed(client: Client, thread_id: str, assistant_id: str) -> R.Run:
    await client.messages.CreateMessage(_message(thread_id, FOLLOW_UP))
    request = RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    run = (await collect(client.runs.CreateRunStream(request)))[-2].run
    assert run.status == R.RUN_STATUS_FAILED
    return run


def _text_so_far(events: list[Any]) -> str:
    return "".join(
        e.message_delta.delta.content[0].text.value
        for e in events
        if e.event == "thread.message.delta"
    )


async def _cancelled(client: Client, thread_id: str, assistant_id: str) -> R.Run:
    await client.messages.CreateMessage(_message(thread_id, STORY))
    request = RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    stream = client.runs.CreateRunStream(request)
    seen: list[Any] = []

    def all_text_in(event: Any) -> bool:
        seen.append(event)
        return _text_so_far(seen) == PARTIAL

    head = await read_until(stream, all_text_in)
    run_id = head[0].run.id
    await client.runs.CancelRun(RS.CancelRunRequest(thread_id=thread_id, run_id=run_id))
    await read_rest(stream)
    cancelled: set[int] = {R.RUN_STATUS_CANCELLED}
    return await wait_for_status(client, thread_id, run_id, cancelled)


async def _edits(client: Client, thread_id: str) -> tuple[str, str]:
    """A message with two attachments, its metadata updated; another message deleted."""
    attachments = [
        M.Attachment(
            file_id=(await client.upload(f"data {n}".encode(), f"data{n}.csv")).id,
            tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER)],
        )
        for n in range(2)
    ]
    attached = await client.messages.CreateMessage(
        _message(thread_id, ATTACHED, attachments=attachments)
    )
    await client.messages.UpdateMessage(
        M.UpdateMessageRequest(thread_id=thread_id, message_id=attached.id, metadata={"k": "v"})
    )
    doomed = await client.messages.CreateMessage(
        _message(thread_id, "Never mind.", metadata={"draft": "yes"})
    )
    await client.messages.DeleteMessage(
        M.DeleteMessageRequest(thread_id=thread_id, message_id=doomed.id)
    )
    return attached.id, doomed.id


@pytest.fixture(scope="module")
async def story(
    app: Application, grpc_target: str, fake_model: FakeModel, workers: Workers, storage: Storage
) -> AsyncIterator[Story]:
    fake_model.reset()
    call = tool_calls(("get_weather", '{"location": "Paris"}'), usage=(30, 7))
    fake_model.script(
        call,
        text(ANSWER, usage=(40, 5)),
        error(400, message=MODEL_ERROR),
        hang(after_chunks=PARTIAL),
    )
    client = await new_client(app, grpc_target)
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, QUESTION)
    question = (await client.messages.ListMessages(M.ListMessagesRequest(thread_id=t.id))).data[0]
    answered = await _answered_with_a_tool(client, t.id, a.id)
    failed = await _failed(client, t.id, a.id)
    cancelled = await _cancelled(client, t.id, a.id)
    attached_id, deleted_id = await _edits(client, t.id)
    key_id = await key_id_of(storage, client)
    yield Story(
        client,
        key_id,
        t.id,
        question.id,
        call.ids[0],
        answered,
        failed,
        cancelled,
        attached_id,
        deleted_id,
    )
    await client.close()


# Reading the timeline.


async def timeline_json(storage: Storage, thread_id: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    assert await timeline.run(storage, thread_id, as_json=True, out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def timeline_text(storage: Storage, thread_id: str, out: io.StringIO | None = None) -> str:
    out = io.StringIO() if out is None else out
    assert await timeline.run(storage, thread_id, as_json=False, out=out) == 0
    return out.getvalue()


def _outline(entry: dict[str, Any]) -> tuple[str, str, str | None]:
    return entry["kind"], entry["action"], entry.get("status")


# The story's 34 events: the tool-call run (3-16), the failed run (17-20), the cancelled run
# (21-29), then the message edits.
OUTLINE = [
    ("thread", "created", None),
    ("message", "created", "completed"),
    ("run", "created", "queued"),
    ("run", "status_changed", "in_progress"),
    ("step", "created", "in_progress"),
    # The tool step is given its calls; its status stays.
    ("step", "updated", "in_progress"),
    ("run", "status_changed", "requires_action"),
    ("tool", "outputs_submitted", None),
    ("step", "status_changed", "completed"),
    ("run", "status_changed", "queued"),
    ("run", "status_changed", "in_progress"),
    ("message", "created", "in_progress"),
    ("step", "created", "in_progress"),
    ("message", "completed", "completed"),
    ("step", "status_changed", "completed"),
    ("run", "status_changed", "completed"),
    ("message", "created", "completed"),
    ("run", "created", "queued"),
    ("run", "status_changed", "in_progress"),
    ("run", "status_changed", "failed"),
    ("message", "created", "completed"),
    ("run", "created", "queued"),
    ("run", "status_changed", "in_progress"),
    ("message", "created", "in_progress"),
    ("step", "created", "in_progress"),
    ("run", "status_changed", "cancelling"),
    ("message", "incomplete", "incomplete"),
    ("step", "status_changed", "cancelled"),
    ("run", "status_changed", "cancelled"),
    ("message", "created", "completed"),
    # The message's code_interpreter attachments are written into the thread's tool_resources.
    ("thread", "updated", None),
    ("message", "updated", "completed"),
    ("message", "created", "completed"),
    ("message", "deleted", None),
]
# Versions of the events that the client's requests appended; the rest are the worker's.
BY_CLIENT = {1, 2, 3, 8, 9, 10, 17, 18, 21, 22, 26, 30, 31, 32, 33, 34}
ENVELOPE = ["time", "position", "version", "type", "key_id", "actor", "request_id", "kind"]


async def test_json_lines_tell_the_story_in_order(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    assert [_outline(e) for e in entries] == OUTLINE
    assert [e["version"] for e in entries] == list(range(1, len(OUTLINE) + 1))
    positions = [e["position"] for e in entries]
    assert positions == sorted(set(positions))
    times = [e["time"] for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in times)
    assert times == sorted(times)
    assert entries[-1]["type"] == "MessageDeleted"


async def test_json_keys_are_stable_per_kind(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    keys: dict[str, list[str]] = {}
    for entry in entries:
        assert list(entry)[: len(ENVELOPE) + 1] == [*ENVELOPE, "action"]
        assert keys.setdefault(entry["kind"], list(entry)) == list(entry)
    assert set(keys) == {"thread", "message", "run", "step", "tool"}


async def test_json_says_who_did_each_thing(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    for entry in entries:
        if entry["version"] in BY_CLIENT:
            assert (entry["key_id"], entry["actor"]) == (story.key_id, story.key_id), entry
            assert entry["request_id"].startswith("req_"), entry
        else:
            assert (entry["key_id"], entry["actor"], entry["request_id"]) == (
                None,
                "server",
                None,
            ), entry
    # One request appended the outputs, the step's completion and the run's requeueing.
    assert len({entries[i]["request_id"] for i in (7, 8, 9)}) == 1


async def test_json_messages_have_excerpts(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    question = entries[1]
    assert question["message_id"] == story.question_id
    assert question["role"] == "user"
    assert question["excerpt"] == QUESTION[:79] + "…"
    assert len(question["excerpt"]) == 80
    answer = entries[13]
    assert (answer["role"], answer["excerpt"]) == ("assistant", ANSWER)
    assert answer["run_id"] == story.answered.id
    assert entries[11]["message_id"] == answer["message_id"]
    assert entries[11]["excerpt"] == ""
    assert [entries[i]["excerpt"] for i in (16, 20)] == [FOLLOW_UP, STORY]
    cut = entries[26]
    assert (cut["excerpt"], cut["incomplete_reason"]) == (PARTIAL, "run_cancelled")
    assert cut["run_id"] == story.cancelled.id
    created, resources, updated, doomed, deleted = entries[29:]
    assert resources["kind"] == "thread"
    assert created["message_id"] == updated["message_id"] == story.attached_id
    assert (created["excerpt"], created["attachments"], created["metadata"]) == (ATTACHED, 2, None)
    assert (updated["attachments"], updated["metadata"]) == (2, {"k": "v"})
    # Metadata is shown when a creation sets it, and by every update.
    assert (doomed["message_id"], doomed["metadata"]) == (story.deleted_id, {"draft": "yes"})
    assert entries[0]["metadata"] is None and question["metadata"] is None
    assert deleted["message_id"] == story.deleted_id
    assert (deleted["role"], deleted["excerpt"]) == (None, None)


async def test_json_runs_have_their_transitions(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    runs = [e for e in entries if e["kind"] == "run"]
    assert [e["run_id"] for e in runs] == [story.answered.id] * 6 + [story.failed.id] * 3 + [
        story.cancelled.id
    ] * 4
    created = [e for e in runs if e["action"] == "created"]
    assert {(e["assistant_id"], e["model"]) for e in created} == {
        (story.answered.assistant_id, "gpt-4o")
    }
    assert all(e["assistant_id"] is None for e in runs if e["action"] != "created")
    failed = entries[19]
    assert failed["last_error"] == {
        "code": "invalid_prompt",
        "message": story.failed.last_error.message,
    }
    assert MODEL_ERROR in failed["last_error"]["message"]
    assert failed["usage"] is None
    assert entries[28]["usage"] is None and entries[28]["last_error"] is None


async def test_json_tool_calls_have_name_arguments_and_output(
    story: Story, storage: Storage
) -> None:
    entries = await timeline_json(storage, story.thread_id)
    call = {
        "id": story.tool_call_id,
        "type": "function",
        "name": "get_weather",
        "arguments": '{"location": "Paris"}',
        "output": None,
    }
    answered = {**call, "output": "70F, sunny"}
    assert entries[4]["tool_calls"] == []
    assert entries[5]["tool_calls"] == [call]
    assert entries[6]["tool_calls"] == [call]
    assert entries[7]["tool_calls"] == [answered]
    assert entries[7]["step_id"] == entries[4]["step_id"] == entries[8]["step_id"]
    assert entries[8]["tool_calls"] == [answered]
    assert entries[8]["step_type"] == "tool_calls"
    assert entries[12]["step_type"] == "message_creation"
    assert entries[12]["message_id"] == entries[13]["message_id"]


async def test_json_usage_when_steps_and_runs_end(story: Story, storage: Storage) -> None:
    entries = await timeline_json(storage, story.thread_id)
    usage = story.answered.usage
    assert entries[15]["usage"] == {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    assert usage.total_tokens == 37 + 45
    assert entries[8]["usage"] == {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}
    assert entries[14]["usage"] == {"prompt_tokens": 40, "completion_tokens": 5, "total_tokens": 45}
    # Only ends carry usage, even though the paused run already counted its first call.
    ended = {8, 14, 15}
    assert [i for i, e in enumerate(entries) if e.get("usage")] == sorted(ended)


async def test_text_shows_the_story(story: Story, storage: Storage) -> None:
    text = await timeline_text(storage, story.thread_id)
    assert "\x1b" not in text, "colour codes were written to a file"
    lines = text.splitlines()
    assert story.thread_id in lines[0] and "34 events" in lines[0]
    stamped = [line for line in lines if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ", line)]
    assert len(stamped) == len(OUTLINE)
    assert [re.search(r" v(\d+) ", line)[1] for line in stamped] == [  # type: ignore[index]
        str(v) for v in range(1, len(OUTLINE) + 1)
    ]
    assert f'"{QUESTION[:79]}…"' in stamped[1]
    assert story.key_id in stamped[0] and "server" in stamped[3]
    for version, pattern in {
        7: "→ requires_action",
        14: rf'completed +msg_\w+  assistant  "{re.escape(ANSWER)}"',
        16: "→ completed",
        20: "→ failed",
        26: "→ cancelling",
        29: "→ cancelled",
        30: r"\[2 attachments\]",
        34: "deleted",
    }.items():
        assert re.search(pattern, stamped[version - 1]), (version, stamped[version - 1])
    assert f'get_weather({{"location": "Paris"}}) → 70F, sunny  {story.tool_call_id}' in text
    assert "usage: 70 prompt + 12 completion = 82 tokens" in text
    assert f"invalid_prompt: {story.failed.last_error.message}" in text
    assert "incomplete: run_cancelled" in text
    assert 'metadata {"k": "v"}' in text and 'metadata {"draft": "yes"}' in text
    # Every update shows metadata, the thread's (empty) one written for the attachments too.
    assert text.count("metadata") == 3 and "metadata {}" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_text_on_a_terminal_is_coloured(
    story: Story, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    text = await timeline_text(storage, story.thread_id, _Terminal())
    lines = text.splitlines()
    failed = next(line for line in lines if "failed" in line and "run_" in line)
    assert "\x1b[1;31m→ failed" in failed
    completed = next(line for line in lines if "→ completed" in line)
    assert "\x1b[32m→ completed" in completed
    cancelled = next(line for line in lines if "→ cancelled" in line)
    assert "\x1b[33m→ cancelled" in cancelled
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert plain == await timeline_text(storage, story.thread_id)


async def test_reads_the_stream_in_pages(
    story: Story, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = await timeline_json(storage, story.thread_id)
    for page in (5, 11, 33, 34):
        monkeypatch.setattr(timeline, "PAGE", page)
        assert await timeline_json(storage, story.thread_id) == whole, page


async def test_unknown_ids_exit_1(
    story: Story, storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    missing = ids.new_id(ids.THREAD)
    assert await timeline.run(storage, missing, as_json=True, out=out) == 1
    assert f"no thread {missing}: no stream has that id" in capsys.readouterr().err
    assert story.answered.assistant_id.startswith("asst_")
    assert await timeline.run(storage, story.answered.assistant_id, as_json=False, out=out) == 1
    assert "that stream is of kind 'assistant'" in capsys.readouterr().err
    assert out.getvalue() == ""


async def test_a_deleted_thread_ends_with_its_deletion(client: Client, storage: Storage) -> None:
    t = await thread(client, "Soon gone.")
    deleted = await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=t.id))
    assert deleted.deleted
    entries = await timeline_json(storage, t.id)
    assert [_outline(e) for e in entries] == [
        ("thread", "created", None),
        ("message", "created", "completed"),
        ("thread", "deleted", None),
    ]
    assert entries[1]["excerpt"] == "Soon gone."
    assert entries[-1]["thread_id"] == t.id
    assert entries[-1]["key_id"] == await key_id_of(storage, client)
    text = await timeline_text(storage, t.id)
    assert re.search(rf"thread +deleted +{t.id}", text.splitlines()[-1])


async def test_the_cli_prints_json_lines(
    story: Story, storage: Storage, database_url: str, tmp_path: Path
) -> None:
    code, stdout, stderr = await assistants_cli(
        database_url, tmp_path, "audit", "timeline", story.thread_id, "--json"
    )
    assert code == 0, stderr
    printed = [json.loads(line) for line in stdout.splitlines()]
    assert printed == await timeline_json(storage, story.thread_id)
