"""Review of code_interpreter in runs, over gRPC: parallel calls, calls beside a function,
figures and links in the answer, cancels, and malformed calls.

Expected behaviour: reference §5, §6, §7 order (c), §9.1. The bugs this review found were
pinned as strict xfails and are fixed; their tests now pass like the rest.
"""

from __future__ import annotations

import asyncio

import pytest

from assistants.v1 import common_pb2, run_pb2
from service.engine.code_interpreter import NO_CODE
from tests.code_interpreter.support import (
    CODE_TOOL,
    RS,
    M,
    S,
    answer,
    code,
    code_assistant,
    code_calls,
    logs,
    new_thread,
    of,
    run_stream,
    user,
)
from tests.fake_model import FakeModel, text, tool_calls
from tests.helpers import Client
from tests.runs.support import TERMINAL, function_tool, wait_for_status


async def list_steps(client: Client, thread_id: str, run_id: str) -> list[S.RunStep]:
    listed = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=thread_id, run_id=run_id, order=common_pb2.LIST_ORDER_ASC)
    )
    return list(listed.data)


def call_deltas(events: list) -> list[S.ToolCallDelta]:  # type: ignore[type-arg]
    return [
        call
        for e in of(events, "thread.run.step.delta")
        for call in e.run_step_delta.delta.step_details.tool_calls
    ]


# Parallel calls.


async def test_parallel_calls_run_in_order_and_stream_by_index(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Two steps."))
    first, second = "shared = 20\nprint('one')", "print(shared + 1)"
    reply = tool_calls(code(first), code(second), chunk_size=3)
    model.script(reply, text("21."))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error

    # One step holds both calls, in the model's order, the second seeing the first's state.
    one, two = code_calls(events)
    assert [one.id, two.id] == reply.ids
    assert (one.code_interpreter.input, two.code_interpreter.input) == (first, second)
    assert (logs(one), logs(two)) == ("one\n", "21\n")

    deltas = call_deltas(events)
    for index, source, out in ((0, first, "one\n"), (1, second, "21\n")):
        mine = [d for d in deltas if d.index == index]
        assert [d.id for d in mine if d.HasField("id")] == [reply.ids[index]]
        assert mine[0].HasField("id")
        assert "".join(d.code_interpreter.input for d in mine) == source
        (outputs,) = [d.code_interpreter.outputs for d in mine if d.code_interpreter.outputs]
        assert [(o.index, o.logs) for o in outputs] == [(0, out)]

    # The model reads both calls back, each answered, in order.
    calls_message, *answers = model.requests[1]["messages"][-3:]
    assert [c["id"] for c in calls_message["tool_calls"]] == reply.ids
    assert [(a["tool_call_id"], a["content"]) for a in answers] == [
        (reply.ids[0], "one\n"),
        (reply.ids[1], "21\n"),
    ]


# A code call beside a function call.


async def test_code_runs_then_only_the_function_waits_for_the_client(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Compute and look up."))
    reply = tool_calls(code("print(6 * 7)"), ("lookup", {"q": "x"}))
    model.script(reply, text("Both done."))
    events = await run_stream(
        client,
        thread_id=thread_id,
        assistant_id=assistant_id,
        tools=[CODE_TOOL, function_tool("lookup")],
    )
    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_REQUIRES_ACTION, run.last_error
    (required,) = run.required_action.submit_tool_outputs.tool_calls
    assert required.id == reply.ids[1] and required.function.name == "lookup"

    (step,) = [s for s in await list_steps(client, thread_id, run.id)]
    assert step.status == S.RUN_STEP_STATUS_IN_PROGRESS
    code_call, function_call = step.step_details.tool_calls
    assert code_call.code_interpreter.input == "print(6 * 7)"
    assert logs(code_call) == "42\n"
    assert function_call.function.name == "lookup" and not function_call.function.HasField("output")

    await client.runs.SubmitToolOutputs(
        RS.SubmitToolOutputsRequest(
            thread_id=thread_id,
            run_id=run.id,
            tool_outputs=[run_pb2.ToolOutput(tool_call_id=reply.ids[1], output="found")],
        )
    )
    ended = await wait_for_status(client, thread_id, run.id, TERMINAL)
    assert ended.status == run_pb2.RUN_STATUS_COMPLETED, ended.last_error
    tool_step, _ = await list_steps(client, thread_id, run.id)
    assert tool_step.status == S.RUN_STEP_STATUS_COMPLETED
    code_call, function_call = tool_step.step_details.tool_calls
    assert logs(code_call) == "42\n" and function_call.function.output == "found"

    calls_message, *answers = model.requests[1]["messages"][-3:]
    assert [c["function"]["name"] for c in calls_message["tool_calls"]] == [
        "code_interpreter",
        "lookup",
    ]
    assert [(a["tool_call_id"], a["content"]) for a in answers] == [
        (reply.ids[0], "42\n"),
        (reply.ids[1], "found"),
    ]


# Cancels.


async def test_a_cancel_mid_call_keeps_the_code_in_the_cancelled_step(
    client: Client, model: FakeModel
) -> None:
    """The client saw the code stream as the call's input; the cancelled step still holds it."""
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Wait."))
    source = "import time\ntime.sleep(30)"
    model.script(tool_calls(code(source)))
    run = await client.runs.CreateRun(
        RS.CreateRunRequest(thread_id=thread_id, assistant_id=assistant_id)
    )
    await model.wait_for_requests(1)
    await asyncio.sleep(1.0)
    await client.runs.CancelRun(RS.CancelRunRequest(thread_id=thread_id, run_id=run.id))
    ended = await wait_for_status(client, thread_id, run.id, TERMINAL, timeout=10)
    assert ended.status == run_pb2.RUN_STATUS_CANCELLED
    (step,) = await list_steps(client, thread_id, run.id)
    assert step.status == S.RUN_STEP_STATUS_CANCELLED
    (call,) = step.step_details.tool_calls
    assert call.code_interpreter.input == source


# Malformed calls.


@pytest.mark.parametrize(
    ("arguments", "expected_input", "told"),
    [
        ("print('bare')", "print('bare')", "bare\n"),
        ("", "", NO_CODE),
    ],
)
async def test_bare_arguments_run_as_code_and_empty_ones_are_told(
    client: Client, model: FakeModel, arguments: str, expected_input: str, told: str
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Odd."))
    model.script(tool_calls(("code_interpreter", arguments)), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    (call,) = code_calls(events)
    assert call.code_interpreter.input == expected_input
    streamed = "".join(d.code_interpreter.input for d in call_deltas(events))
    assert streamed == expected_input
    assert model.requests[1]["messages"][-1]["content"] == told


async def test_a_call_whose_code_is_not_a_string_is_reported_to_the_model(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Odd."))
    model.script(tool_calls(("code_interpreter", {"code": 5})), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    told = model.requests[1]["messages"][-1]["content"]
    assert "printed nothing" not in told and "code" in told.lower()


async def test_the_streamed_input_equals_the_stored_one_for_unclosed_arguments(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Odd."))
    model.script(tool_calls(("code_interpreter", '{"code": "print(\'hi\')"')), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    (call,) = code_calls(events)
    streamed = "".join(d.code_interpreter.input for d in call_deltas(events))
    assert streamed == "print('hi')"
    assert call.code_interpreter.input == streamed


# Figures.


async def test_figures_of_two_calls_and_text_before_a_call(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Plot."))
    plot = (
        "import matplotlib.pyplot as plt\n"
        "plt.figure(); plt.plot([1, 2])\n"
        "plt.figure(); plt.plot([2, 1])"
    )
    model.script(
        tool_calls(code(plot)),
        tool_calls(code("plt.figure(); plt.plot([3, 3])"), text_before="Drawing more."),
        text("Three charts."),
    )
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    one, two = code_calls(events)
    images = [
        o.image.file_id
        for c in (one, two)
        for o in c.code_interpreter.outputs
        if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE
    ]
    assert len(images) == 3
    # The message of the text before the second call shows the first call's figures; the
    # answer shows the second call's.
    before, after = [e.message for e in of(events, "thread.message.completed")]
    assert [(p.type, p.image_file.file_id) for p in before.content[:2]] == [
        (M.MESSAGE_CONTENT_TYPE_IMAGE_FILE, images[0]),
        (M.MESSAGE_CONTENT_TYPE_IMAGE_FILE, images[1]),
    ]
    assert before.content[2].text.value == "Drawing more."
    assert after.content[0].image_file.file_id == images[2]
    assert after.content[1].text.value == "Three charts."
    # Streamed: the images at 0 and 1, the text at 2, in the first message.
    first_parts = [
        (p.index, p.type)
        for e in of(events, "thread.message.delta")
        if e.message_delta.id == before.id
        for p in e.message_delta.delta.content
    ]
    assert first_parts[:2] == [
        (0, M.MESSAGE_CONTENT_TYPE_IMAGE_FILE),
        (1, M.MESSAGE_CONTENT_TYPE_IMAGE_FILE),
    ]
    assert {i for i, _ in first_parts[2:]} == {2}


# Links to saved files.

WRITE_EARLY = "open('/mnt/data/early.txt', 'w').write('early')"
WRITE_REST = (
    "import os\n"
    "os.makedirs('/mnt/data/sub', exist_ok=True)\n"
    "for name in ('a.csv', 'sub/b.txt', 'my file.csv', 'donn\u00e9es.csv'):\n"
    "    open('/mnt/data/' + name, 'w').write(name)"
)
LINKED = (
    "Files: [a](sandbox:/mnt/data/a.csv) and sandbox:/mnt/data/sub/b.txt, "
    "[my file](sandbox:/mnt/data/my file.csv), [\u00e9](sandbox:/mnt/data/donn\u00e9es.csv), "
    "missing sandbox:/mnt/data/nope.csv, earlier sandbox:/mnt/data/early.txt."
)
LINKED_PATHS = ["a.csv", "sub/b.txt", "my file.csv", "donn\u00e9es.csv", "early.txt"]


@pytest.mark.parametrize("chunk_size", range(1, 8))
async def test_links_become_file_path_annotations_at_every_chunk_size(
    client: Client, model: FakeModel, chunk_size: int
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Files please."))
    model.script(
        tool_calls(code(WRITE_EARLY)),
        tool_calls(code(WRITE_REST)),
        text(LINKED, chunk_size=chunk_size),
    )
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    saved = {f.path: f.file_id for c in code_calls(events) for f in c.code_interpreter.files}
    assert set(saved) == set(LINKED_PATHS)

    value = answer(events).content[0].text
    assert value.value == LINKED
    got = [(a.text, a.file_path.file_id) for a in value.annotations]
    assert got == [("sandbox:/mnt/data/" + p, saved[p]) for p in LINKED_PATHS]
    for a in value.annotations:
        assert value.value[a.start_index : a.end_index] == a.text

    # Streamed: text fragments rebuild the text; each annotation comes whole, numbered from
    # 0, right after the fragment that completes its link, equal to the stored one.
    so_far, streamed = "", []
    for e in of(events, "thread.message.delta"):
        for part in e.message_delta.delta.content:
            assert part.index == 0 and part.type == M.MESSAGE_CONTENT_TYPE_TEXT
            for a in part.text.annotations:
                assert a.index == len(streamed)
                assert a.end_index == len(so_far)
                streamed.append((a.text, a.start_index, a.end_index, a.file_path.file_id))
            so_far += part.text.value
    assert so_far == LINKED
    assert streamed == [
        (a.text, a.start_index, a.end_index, a.file_path.file_id) for a in value.annotations
    ]


# What the code leaves behind.


async def test_past_twenty_files_the_rest_are_named_to_the_model(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Many files."))
    many = "for i in range(25):\n    open(f'/mnt/data/f{i:02}.txt', 'w').write(str(i))"
    model.script(tool_calls(code(many)), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    (call,) = code_calls(events)
    assert [f.path for f in call.code_interpreter.files] == [f"f{i:02}.txt" for i in range(20)]
    for i in range(20, 25):
        assert f"[Not saved for the user: f{i}.txt: more than 20 files]" in logs(call)
    told = model.requests[1]["messages"][-1]["content"]
    assert "f24.txt: more than 20 files" in told and "sandbox:/mnt/data/f19.txt" in told
    assert "sandbox:/mnt/data/f20.txt" not in told


async def test_output_that_is_not_utf8_is_replaced(client: Client, model: FakeModel) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Bytes."))
    raw = "import sys\nsys.stdout.buffer.write(b'a\\xff\\xfeb\\n')\nsys.stdout.flush()"
    model.script(tool_calls(code(raw)), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error
    (call,) = code_calls(events)
    assert logs(call) == "a\ufffd\ufffdb\n"


@pytest.mark.parametrize(
    "source", ["print('nul\\0here')", "label = 'a\0b'"], ids=["printed", "in-code"]
)
async def test_a_nul_character_does_not_fail_the_run(
    client: Client, model: FakeModel, source: str
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("NUL."))
    model.script(tool_calls(code(source)), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error


async def test_a_file_name_that_is_not_utf8_does_not_fail_the_run(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Odd name."))
    model.script(tool_calls(code("open(b'/mnt/data/\\xff-odd.txt', 'w').write('x')")), text("ok"))
    events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED, events[-2].run.last_error


# Budgets and load.


async def test_a_spent_completion_budget_after_a_call_ends_the_run_incomplete(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Budget."))
    model.script(tool_calls(code("print(1)"), usage=(10, 300)), text("never"))
    events = await run_stream(
        client, thread_id=thread_id, assistant_id=assistant_id, max_completion_tokens=256
    )
    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_INCOMPLETE
    assert run.incomplete_details.reason == run_pb2.RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS
    assert (run.usage.prompt_tokens, run.usage.completion_tokens) == (10, 300)
    (call,) = code_calls(events)
    assert logs(call) == "1\n"
    assert len(model.requests) == 1
    assert not of(events, "thread.message.created")


async def test_long_code_streams_without_stalling_the_server(
    client: Client, model: FakeModel
) -> None:
    assistant_id = await code_assistant(client)
    thread_id = await new_thread(client, user("Long."))
    # Decoded again for every fragment, 24 KB in 4-character fragments stalled the loop for
    # about ten seconds; read once, the loop never notices. The bound leaves room for a loaded
    # machine.
    source = ("total = 0  # accumulate a running total\n" * 600)[:24_000] + "\nprint('done')"
    model.script(tool_calls(code(source), chunk_size=4), text("ok"))
    gaps: list[float] = []

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            now = loop.time()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    try:
        events = await run_stream(client, thread_id=thread_id, assistant_id=assistant_id)
    finally:
        tick.cancel()
    (call,) = code_calls(events)
    assert call.code_interpreter.input == source and logs(call) == "done\n"
    # The event loop (the server's, in this process) never stops for long.
    assert max(gaps) < 1.5, f"the event loop stalled {max(gaps):.1f} s"
