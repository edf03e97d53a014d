"""The two reference flows (§7 orders a and b), event for event, over a real gRPC channel."""

from __future__ import annotations

from assistants.v1 import message_pb2, run_pb2, run_service_pb2, run_step_pb2
from storage import Storage
from tests.fake_model import FakeModel, text, tool_calls
from tests.helpers import Client
from tests.runs.support import (
    PLAIN,
    TOOL_CALLS,
    assistant,
    collect,
    function_tool,
    names,
    thread,
)

RS = run_service_pb2


async def test_plain_answer_streams_in_reference_order(client: Client, model: FakeModel) -> None:
    model.script(text("Hello there, how are you today?", chunk_size=4, usage=(20, 11)))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    assert names(events) == PLAIN
    assert [e.sequence_number for e in events] == list(range(1, len(events) + 1))
    deltas = [e.message_delta for e in events if e.event == "thread.message.delta"]
    assert (
        "".join(d.delta.content[0].text.value for d in deltas) == "Hello there, how are you today?"
    )
    assert {d.delta.content[0].index for d in deltas} == {0}
    completed = next(e.message for e in events if e.event == "thread.message.completed")
    assert completed.content[0].text.value == "Hello there, how are you today?"
    assert completed.status == message_pb2.MESSAGE_STATUS_COMPLETED
    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_COMPLETED
    assert not run.HasField("expires_at") and run.HasField("completed_at")
    assert (run.usage.prompt_tokens, run.usage.completion_tokens, run.usage.total_tokens) == (
        20,
        11,
        31,
    )
    step = next(e.run_step for e in events if e.event == "thread.run.step.completed")
    assert step.usage == run.usage
    assert step.step_details.message_creation.message_id == completed.id
    sent = model.requests[0]
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0] == {"role": "system", "content": "You are terse."}
    assert sent["messages"][-1]["content"] == "Hi"


async def test_function_call_pauses_then_resumes(client: Client, model: FakeModel) -> None:
    call = tool_calls(("get_weather", '{"location": "Paris"}'), usage=(30, 7))
    model.script(call, text("It is 70F.", usage=(40, 5)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather in Paris?")
    first = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    assert names(first) == [*TOOL_CALLS, "thread.run.requires_action", "done"]
    deltas = [
        e.run_step_delta.delta.step_details.tool_calls[0]
        for e in first
        if e.event == "thread.run.step.delta"
    ]
    assert deltas[0].id == call.ids[0] and deltas[0].function.name == "get_weather"
    assert all(not d.HasField("id") and not d.function.HasField("name") for d in deltas[1:])
    assert "".join(d.function.arguments for d in deltas) == '{"location": "Paris"}'
    paused = first[-2].run
    assert paused.status == run_pb2.RUN_STATUS_REQUIRES_ACTION
    required = paused.required_action.submit_tool_outputs.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in required] == [
        (call.ids[0], "get_weather", '{"location": "Paris"}')
    ]

    second = await collect(
        client.runs.SubmitToolOutputsStream(
            RS.SubmitToolOutputsRequest(
                thread_id=t.id,
                run_id=paused.id,
                tool_outputs=[run_pb2.ToolOutput(tool_call_id=call.ids[0], output="70F")],
            )
        )
    )
    assert names(second) == ["thread.run.step.completed", *PLAIN[1:]]
    assert second[0].sequence_number == first[-1].sequence_number + 1
    tool_step = second[0].run_step
    assert tool_step.step_details.tool_calls[0].function.output == "70F"
    assert tool_step.usage.total_tokens == 37
    done = second[-2].run
    assert done.usage.total_tokens == 37 + 45
    replay = model.requests[1]["messages"]
    assert replay[-2]["tool_calls"][0]["id"] == call.ids[0]
    assert replay[-1] == {"role": "tool", "tool_call_id": call.ids[0], "content": "70F"}
    listed = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=t.id, run_id=paused.id)
    )
    assert [s.type for s in listed.data] == [
        run_step_pb2.RUN_STEP_TYPE_MESSAGE_CREATION,
        run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS,
    ]


async def test_stream_run_resumes_after_any_sequence_number(
    client: Client, model: FakeModel
) -> None:
    model.script(text("Resume me exactly once, please.", chunk_size=2))
    a = await assistant(client)
    t = await thread(client, "Hi")
    full = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    run_id = full[0].run.id
    for after in (0, 3, 9, len(full) - 2):
        resumed = await collect(
            client.runs.StreamRun(
                RS.StreamRunRequest(thread_id=t.id, run_id=run_id, after_sequence_number=after)
            )
        )
        assert resumed == full[after:]
    finished = await collect(
        client.runs.StreamRun(
            RS.StreamRunRequest(thread_id=t.id, run_id=run_id, after_sequence_number=len(full))
        )
    )
    assert finished == []


async def test_runs_back_to_back_on_one_thread(client: Client, model: FakeModel) -> None:
    model.script(text("one"), text("two"), text("three"))
    a = await assistant(client)
    t = await thread(client, "Count with me.")
    for expected in ("one", "two", "three"):
        events = await collect(
            client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        )
        completed = next(e.message for e in events if e.event == "thread.message.completed")
        assert completed.content[0].text.value == expected
    history = model.requests[-1]["messages"]
    assert [m["content"] for m in history[1:]] == ["Count with me.", "one", "two"]


async def test_a_pruned_stream_ends_with_the_final_run(
    client: Client, model: FakeModel, storage: Storage
) -> None:
    model.script(text("Soon forgotten."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    full = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    assert await storage.run_streams.prune(0) >= len(full)
    replay = await collect(
        client.runs.StreamRun(
            RS.StreamRunRequest(thread_id=t.id, run_id=full[0].run.id, after_sequence_number=2)
        )
    )
    assert [(e.event, e.sequence_number) for e in replay] == [
        ("thread.run.completed", len(full) - 1),
        ("done", len(full)),
    ]
    assert replay[0].run == full[-2].run


async def test_a_cancelled_tool_step_keeps_its_completion_usage(
    client: Client, model: FakeModel
) -> None:
    model.script(tool_calls(("get_weather", "{}"), usage=(30, 7)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather?")
    events = await collect(
        client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    )
    run_id = events[0].run.id
    cancelled = await client.runs.CancelRun(RS.CancelRunRequest(thread_id=t.id, run_id=run_id))
    assert cancelled.status == run_pb2.RUN_STATUS_CANCELLED
    step = (
        await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run_id))
    ).data[0]
    assert step.status == run_step_pb2.RUN_STEP_STATUS_CANCELLED
    assert step.usage.total_tokens == cancelled.usage.total_tokens == 37
