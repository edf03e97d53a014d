"""code_interpreter in runs, over gRPC: the code runs in the thread's sandbox, the step streams
its input and outputs, figures become image files in the answer, files the code writes become
assistants_output Files linked by file_path annotations, and errors go back to the model.

Expected behaviour: reference §6 (code_interpreter step), §7 order (c), §9.1.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest

from assistants.v1 import run_pb2, thread_pb2
from service.engine.code_interpreter import CodeInterpreter
from tests.code_interpreter.support import (
    PNG,
    RS,
    M,
    S,
    T,
    answer,
    code,
    code_assistant,
    code_attachment,
    code_calls,
    download,
    logs,
    new_thread,
    of,
    run_stream,
    user,
)
from tests.fake_model import FakeModel, text, tool_calls
from tests.helpers import Client
from tests.runs.support import PLAIN, TERMINAL, TOOL_CALLS, names, wait_for_status


async def test_the_step_streams_the_code_then_its_logs(client: Client, model: FakeModel) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Solve 3x + 11 = 14."))
    source = "x = (14 - 11) / 3\nprint(f'x = {x:g}')"
    model.script(tool_calls(code(source), chunk_size=5), text("x = 1."))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)

    # Reference §7 order (c): the tool step completes, then the answer as in order (a).
    assert names(events) == [*TOOL_CALLS, "thread.run.step.completed", *PLAIN[3:]]
    deltas = [
        e.run_step_delta.delta.step_details.tool_calls[0]
        for e in of(events, "thread.run.step.delta")
    ]
    first, *rest = deltas
    assert (
        first.HasField("id")
        and first.code_interpreter.input == ""
        and not first.code_interpreter.outputs
    )
    assert all(not d.HasField("id") for d in rest)
    streamed = "".join(d.code_interpreter.input for d in rest)
    assert streamed == source
    assert len([d for d in rest if d.code_interpreter.input]) > 1, "the code streams in pieces"
    (last,) = [d for d in rest if d.code_interpreter.outputs]
    assert last is rest[-1]
    assert last.code_interpreter.outputs[0].logs == "x = 1\n"

    (call,) = code_calls(events)
    assert call.code_interpreter.input == source
    assert logs(call) == "x = 1\n"
    # The model read the logs back as the tool's output.
    tool_message = model.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["content"] == "x = 1\n"
    offered = [t["function"]["name"] for t in model.requests[0]["tools"]]
    assert offered == ["code_interpreter"]


async def test_variables_persist_across_calls_and_runs(client: Client, model: FakeModel) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Remember a number."))
    model.script(
        tool_calls(code("secret = 6 * 7")),
        tool_calls(code("print(secret + 1)")),
        text("Kept."),
    )
    first = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert first[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    assert logs(code_calls(first)[1]) == "43\n"

    await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=user("Again?").content
        )
    )
    model.script(tool_calls(code("secret")), text("Still 42."))
    second = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert second[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    assert logs(code_calls(second)[0]) == "42\n"


async def test_a_figure_becomes_an_image_file_in_the_answer(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Plot y = x squared."))
    plot = (
        "import matplotlib.pyplot as plt\n"
        "xs = list(range(-5, 6))\n"
        "plt.plot(xs, [x * x for x in xs])\n"
        "plt.title('y = x^2')"
    )
    model.script(tool_calls(code(plot)), text("Here is the parabola."))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error

    (call,) = code_calls(events)
    images = [
        o.image.file_id
        for o in call.code_interpreter.outputs
        if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE
    ]
    assert len(images) == 1
    message = answer(events)
    assert [p.type for p in message.content] == [
        M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
        M.MESSAGE_CONTENT_TYPE_TEXT,
    ]
    assert message.content[0].image_file.file_id == images[0]
    assert message.content[1].text.value == "Here is the parabola."

    # Streamed: the image part at index 0, then the text at index 1.
    parts = [
        part for e in of(events, "thread.message.delta") for part in e.message_delta.delta.content
    ]
    assert parts[0].type == M.MESSAGE_CONTENT_TYPE_IMAGE_FILE and parts[0].index == 0
    assert parts[0].image_file.file_id == images[0]
    assert {p.index for p in parts[1:]} == {1}

    file, data = await download(client, images[0])
    assert file.purpose == "assistants_output"
    assert data.startswith(PNG) and file.bytes == len(data) > 1000
    assert "A figure was shown" in model.requests[1]["messages"][-1]["content"]


async def test_a_csv_goes_in_and_a_new_csv_comes_out_linked(
    client: Client, model: FakeModel
) -> None:
    uploaded = await client.upload(b"name,score\nada,90\nbob,70\ncy,80\n", "scores.csv")
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Rank these scores.", [code_attachment(uploaded.id)]))
    program = (
        "import pandas as pd\n"
        "df = pd.read_csv('/mnt/data/scores.csv').sort_values('score', ascending=False)\n"
        "df.to_csv('/mnt/data/ranked.csv', index=False)\n"
        "print(df.iloc[0]['name'])"
    )
    reply = "Ada is first. [Download the ranking](sandbox:/mnt/data/ranked.csv)."
    model.script(tool_calls(code(program)), text(reply, chunk_size=4))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error

    (call,) = code_calls(events)
    assert logs(call) == "ada\n"
    (saved,) = call.code_interpreter.files
    assert saved.path == "ranked.csv"
    # The model was told where its files are, and which it saved.
    description = model.requests[0]["tools"][0]["function"]["description"]
    assert "/mnt/data/scores.csv" in description
    assert "sandbox:/mnt/data/ranked.csv" in model.requests[1]["messages"][-1]["content"]

    value = answer(events).content[0].text
    assert value.value == reply
    (link,) = value.annotations
    assert link.type == M.ANNOTATION_TYPE_FILE_PATH
    assert link.file_path.file_id == saved.file_id
    assert link.text == "sandbox:/mnt/data/ranked.csv"
    assert value.value[link.start_index : link.end_index] == link.text

    # Streamed: the annotation follows the text delta that completes the link, whole.
    streamed = [
        part.text
        for e in of(events, "thread.message.delta")
        for part in e.message_delta.delta.content
    ]
    text_so_far = ""
    for fragment in streamed:
        if fragment.annotations:
            (annotation,) = fragment.annotations
            assert annotation.end_index == len(text_so_far)
            assert annotation.file_path.file_id == saved.file_id
        text_so_far += fragment.value
    assert text_so_far == reply

    file, data = await download(client, saved.file_id)
    assert (file.filename, file.purpose) == ("ranked.csv", "assistants_output")
    assert data.decode().splitlines() == ["name,score", "ada,90", "cy,80", "bob,70"]


async def test_errors_go_back_to_the_model_and_the_run_goes_on(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Divide by zero."))
    model.script(
        tool_calls(code("value = 7\n1 / 0")),
        tool_calls(code("print(value)")),
        text("Division by zero is undefined."),
    )
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    failed, after = code_calls(events)
    assert "ZeroDivisionError" in logs(failed)
    assert "ZeroDivisionError" in model.requests[1]["messages"][-1]["content"]
    assert logs(after) == "7\n"


async def test_a_call_over_the_time_limit_is_interrupted_and_state_kept(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Loop."))
    model.script(
        tool_calls(code("kept = 'yes'")),
        tool_calls(code("while True:\n    pass")),
        tool_calls(code("print(kept)")),
        text("Done."),
    )
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    _, looped, after = code_calls(events)
    assert "interrupted" in logs(looped)
    assert logs(after) == "yes\n"


async def test_two_threads_never_share_variables_or_files(client: Client, model: FakeModel) -> None:
    assistant_id = await code_assistant(client)
    one = await new_thread(client, user("One."))
    two = await new_thread(client, user("Two."))
    model.script(
        tool_calls(code("mine = 1\nopen('/mnt/data/one.txt', 'w').write('one')")),
        text("ok"),
    )
    await run_stream(client, thread_id=one, assistant_id=assistant_id)
    probe = "import os\nprint(sorted(os.listdir('/mnt/data')), 'mine' in globals())"
    model.script(tool_calls(code(probe)), text("ok"))
    events = await run_stream(client, thread_id=two, assistant_id=assistant_id)
    assert logs(code_calls(events)[0]) == "[] False\n"


async def test_the_code_interpreter_call_is_in_the_model_history(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Add."))
    model.script(tool_calls(code("2 + 2")), text("4"))
    await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    call, output = model.requests[1]["messages"][-2:]
    (called,) = call["tool_calls"]
    assert called["function"]["name"] == "code_interpreter"
    assert json.loads(called["function"]["arguments"]) == {"code": "2 + 2"}
    assert output == {"role": "tool", "tool_call_id": called["id"], "content": "4\n"}


async def test_the_upstream_api_key_is_nowhere_the_code_can_reach(
    client: Client, model: FakeModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's environment holds the upstream key (OPENAI_API_KEY); the code looks for
    it in every process's environment and command line it can see, and in every file it can
    read but the programs' own (/usr and the interpreter)."""
    canary = "sk-canary-" + uuid.uuid4().hex
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    search = (
        "import os, sys\n"
        f"needle = {canary!r}.encode()\n"
        "seen, found = 0, []\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['self']:\n"
        "    for name in ('environ', 'cmdline'):\n"
        "        try:\n"
        "            data = open(f'/proc/{pid}/{name}', 'rb').read()\n"
        "        except OSError:\n"
        "            continue\n"
        "        seen += 1\n"
        "        found += [f'/proc/{pid}/{name}'] if needle in data else []\n"
        "programs = {'/usr', '/proc', '/dev', sys.prefix, sys.base_prefix}\n"
        "for top in ('/', '/dev/shm'):\n"
        "    for folder, dirs, files in os.walk(top):\n"
        "        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in programs]\n"
        "        for name in files:\n"
        "            path = os.path.join(folder, name)\n"
        "            try:\n"
        "                found += [path] if needle in open(path, 'rb').read(1 << 20) else []\n"
        "            except OSError:\n"
        "                pass\n"
        "print(seen > 2, found, needle.decode() in str(dict(os.environ)))"
    )
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Look around."))
    model.script(tool_calls(code(search)), text("Nothing."))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert logs(code_calls(events)[0]) == "True [] False\n"


async def test_a_cancel_stops_running_code_and_the_thread_goes_on(
    client: Client, model: FakeModel
) -> None:
    """A cancel arriving while code runs ends the run at once; the interrupted interpreter is
    replaced, and the thread's next call finds the files of its last finished call."""
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Wait."))
    model.script(
        tool_calls(code("open('/mnt/data/kept.txt', 'w').write('kept')")),
        tool_calls(code("import time\nopen('/mnt/data/started', 'w').close()\ntime.sleep(60)")),
    )
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    )
    await model.wait_for_requests(2)
    await asyncio.sleep(1.0)  # the second call is running its sleep
    await client.runs.CancelRun(RS.CancelRunRequest(thread_id=thread_id, run_id=run.id))
    ended = await wait_for_status(client, thread_id, run.id, TERMINAL, timeout=10)
    assert ended.status == run_pb2.RUN_STATUS_CANCELLED

    await client.messages.CreateMessage(
        M.CreateMessageRequest(
            thread_id=thread_id, role=M.MESSAGE_ROLE_USER, content=user("Still there?").content
        )
    )
    probe = "import os\nprint(sorted(os.listdir('/mnt/data')), open('/mnt/data/kept.txt').read())"
    model.script(tool_calls(code(probe)), text("Yes."))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    assert logs(code_calls(events)[0]) == "['kept.txt'] kept\n"


async def test_a_forced_code_interpreter_is_forced_once(client: Client, model: FakeModel) -> None:
    """tool_choice code_interpreter makes the first turn call it; after that the model may
    answer. Forced on every turn, the server would run code until the run expired."""
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Compute 2 ** 10."))
    model.script(tool_calls(code("2 ** 10")), text("1024."))
    events = await run_stream(
        client,
        thread_id=thread_id,
        assistant_id=assistant_id,
        tool_choice=T.ToolChoice(type=T.TOOL_CHOICE_TYPE_CODE_INTERPRETER),
    )
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    first, second = (request["tool_choice"] for request in model.requests)
    assert first == {"type": "function", "function": {"name": "code_interpreter"}}
    assert second == "auto"


async def test_a_deleted_threads_kept_files_are_swept(
    client: Client, model: FakeModel, code_interpreter: CodeInterpreter, sandbox_root: Path
) -> None:
    """The host keeps a thread's sandbox files between interpreters; once the thread is
    deleted, the workers' sweep removes them (and leaves other threads' alone)."""
    assistant_id = await code_assistant(client)
    gone, kept = await new_thread(client, user("One.")), await new_thread(client, user("Two."))
    for thread_id in (gone, kept):
        model.script(tool_calls(code("open('/mnt/data/a.txt', 'w').write('a')")), text("ok"))
        await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    threads = sandbox_root / "runs" / "threads"
    assert (threads / gone / "files" / "a.txt").read_text() == "a"

    await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=gone))
    await code_interpreter.sweep()
    assert not (threads / gone).exists()
    assert (threads / kept / "files" / "a.txt").exists()
