"""The file_search tool in runs over a real gRPC channel, with real ingestion and the fake
model calling `file_search`: the step and its ranked results, content only with include[],
the streamed events, citations as file_citation annotations, the thread store's wait and
expiry, and the tool's output to the model.

Expected behaviour: reference §6 (file_search step details, include[]), §7 (one step delta
`file_search:{}`, annotation deltas after the text delta, each scalar once), §9.2 (both
stores searched, 60 s wait for the thread store, expired thread store fails the run, ranking
defaults), §10 (file_citation annotations, end_index exclusive).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    events_pb2,
    run_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
    vector_store_pb2,
)
from service.app import Application
from service.domain.vector_stores import touched
from service.retrieval.ingestion import Ingestion
from storage import Storage
from tests.fake_model import FakeModel, text, tool_calls
from tests.file_search.support import (
    CONTENT,
    POLICY,
    RS,
    SHIPPING,
    VS,
    M,
    S,
    T,
    attachment,
    final_text,
    of,
    run_stream,
    search_step,
    search_tool,
    store_with,
    user,
)
from tests.helpers import Client
from tests.runs.support import PLAIN, TOOL_CALLS, names, wait_for_status
from tests.vector_stores.support import wait_for, wait_until_ended

MARKER = "【0:0†policy.txt】"
ANSWER = f"Refunds are accepted within 30 days{MARKER}. Anything else?"


async def _assistant(client: Client, store_id: str | None, **tool: Any) -> assistant_pb2.Assistant:
    resources = T.ToolResources(
        file_search=T.FileSearchResources(vector_store_ids=[store_id] if store_id else [])
    )
    return await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o", tools=[search_tool(**tool)], tool_resources=resources
        )
    )


async def _thread(client: Client, question: str, **fields: Any) -> thread_pb2.Thread:
    return await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(messages=[user(question)], **fields)
    )


async def _last_used(storage: Storage, client: Client, store_id: str, when: int) -> None:
    """Records in the store's log that a run used it at `when` (as VectorStores.touch does)."""
    found = await storage.vector_stores.get_vector_store(client.project_id, store_id, when)
    assert found is not None
    store = vector_store_pb2.VectorStore()
    store.CopyFrom(found.vector_store)
    for name in ("file_counts", "usage_bytes", "status"):
        store.ClearField(name)
    await storage.events.append(
        store_id,
        "vector_store",
        [events_pb2.VectorStoreUpdated(vector_store=touched(store, when))],
        expected_version=found.version,
        metadata=events_pb2.EventMetadata(project_id=client.project_id),
    )


@pytest.fixture
async def policy_store(client: Client, ingestion: Ingestion) -> tuple[str, list[str]]:
    return await store_with(
        client, ("policy.txt", POLICY.encode()), ("shipping.md", SHIPPING.encode())
    )


async def test_a_run_searches_then_answers_with_a_citation(
    client: Client, model: FakeModel, app: Application, policy_store: tuple[str, list[str]]
) -> None:
    store_id, (policy_id, _) = policy_store
    call = tool_calls(("file_search", {"queries": ["refund policy days"]}))
    # chunk_size 4 splits the marker over several model chunks.
    model.script(call, text(ANSWER, chunk_size=4))
    a = await _assistant(client, store_id)
    t = await _thread(client, "How long do I have to return a product?")
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)

    assert names(events) == [*TOOL_CALLS, "thread.run.step.completed", *PLAIN[3:]]
    # One step delta: {index, id, type: file_search, file_search: {}}.
    (delta,) = of(events, "thread.run.step.delta")
    (fragment,) = delta.run_step_delta.delta.step_details.tool_calls
    assert (fragment.index, fragment.id, fragment.type) == (
        0,
        call.ids[0],
        T.TOOL_TYPE_FILE_SEARCH,
    )
    assert fragment.HasField("file_search") and not fragment.HasField("function")
    assert fragment.file_search == run_step_pb2.FileSearchToolCall()

    step = search_step(events)
    (done,) = step.step_details.tool_calls
    assert (done.id, done.type) == (call.ids[0], T.TOOL_TYPE_FILE_SEARCH)
    assert done.file_search.ranking_options == T.RankingOptions(
        ranker=T.RANKER_DEFAULT_2024_08_21, score_threshold=0.0
    )
    results = done.file_search.results
    assert results[0].file_id == policy_id and results[0].file_name == "policy.txt"
    assert all(0 < r.score <= 1 for r in results)
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    # Without include[], the stream's step carries no result text.
    assert all(not r.content for r in results)
    # The step records what was asked as well as what was found.
    assert list(done.file_search.queries) == ["refund policy days"]
    assert step.usage.total_tokens == 15

    value = final_text(events)
    assert value.value == ANSWER
    (cited,) = value.annotations
    assert cited.type == M.ANNOTATION_TYPE_FILE_CITATION
    assert cited.text == MARKER == ANSWER[cited.start_index : cited.end_index]
    assert cited.file_citation.file_id == policy_id

    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_COMPLETED
    assert run.usage.total_tokens == 30

    # What the model was offered, and told.
    offered = [t["function"]["name"] for t in model.requests[0]["tools"]]
    assert offered == ["file_search"]
    parameters = model.requests[0]["tools"][0]["function"]["parameters"]
    assert parameters["properties"]["queries"]["type"] == "array"
    second = model.requests[1]["messages"]
    asked, told = second[-2], second[-1]
    assert asked["tool_calls"][0]["function"] == {
        "name": "file_search",
        "arguments": json.dumps({"queries": ["refund policy days"]}),
    }
    assert told["role"] == "tool" and told["tool_call_id"] == call.ids[0]
    assert MARKER in told["content"] and "30 days of delivery" in told["content"]
    assert ("keyword search only" in told["content"]) == app.searcher.keyword_only


async def test_streamed_text_never_splits_a_marker_and_the_annotation_follows_it(
    client: Client, model: FakeModel, policy_store: tuple[str, list[str]]
) -> None:
    store_id, (policy_id, _) = policy_store
    answer = f"A{MARKER}B【0:9†nothing.txt】C{MARKER}"
    model.script(tool_calls(("file_search", {"query": "refund"})), text(answer, chunk_size=2))
    a = await _assistant(client, store_id)
    t = await _thread(client, "Refunds?")
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    deltas = [e.message_delta.delta.content[0] for e in of(events, "thread.message.delta")]

    sent = ""
    annotations: list[tuple[int, Any]] = []
    for i, part in enumerate(deltas):
        assert part.index == 0 and part.type == M.MESSAGE_CONTENT_TYPE_TEXT
        if part.text.HasField("value"):
            assert not part.text.annotations
            value = part.text.value
            # No fragment ends inside a marker.
            assert value.count("【") == value.count("】"), value
            sent += value
        else:
            (a_delta,) = part.text.annotations
            annotations.append((i, a_delta))
            # The annotation comes right after the text delta that completed its marker.
            assert sent.endswith(MARKER)
            assert sent[a_delta.start_index : a_delta.end_index] == MARKER
    assert sent == answer
    # Each scalar is sent once, in the annotation's only fragment; the unknown marker none.
    assert [a.index for _, a in annotations] == [0, 1]
    for _, a_delta in annotations:
        assert a_delta.type == M.ANNOTATION_TYPE_FILE_CITATION
        assert a_delta.text == MARKER
        assert a_delta.file_citation.file_id == policy_id
    # The first text fragment has the skeleton (annotations: []), the SDK's first snapshot.
    assert deltas[0].text.HasField("value")

    final = final_text(events)
    assert [(a.start_index, a.end_index) for a in final.annotations] == [
        (a.start_index, a.end_index) for _, a in annotations
    ]
    for a in final.annotations:
        assert answer[a.start_index : a.end_index] == a.text == MARKER


async def test_result_content_only_with_include(
    client: Client, model: FakeModel, policy_store: tuple[str, list[str]]
) -> None:
    store_id, _ = policy_store
    model.script(tool_calls(("file_search", {"queries": ["refund"]})), text("Thirty days."))
    a = await _assistant(client, store_id)
    t = await _thread(client, "Refunds?")
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id, include=[CONTENT])
    streamed = search_step(events).step_details.tool_calls[0].file_search.results
    assert streamed and all(r.content for r in streamed)
    assert streamed[0].content[0].type == S.FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT
    assert "30 days" in streamed[0].content[0].text
    run_id = events[0].run.id
    step_id = search_step(events).id

    async def results(include: list[str]) -> list[list[run_step_pb2.FileSearchResult]]:
        got = await client.runs.GetRunStep(
            RS.GetRunStepRequest(thread_id=t.id, run_id=run_id, step_id=step_id, include=include)
        )
        listed = await client.runs.ListRunSteps(
            RS.ListRunStepsRequest(thread_id=t.id, run_id=run_id, include=include)
        )
        (tool_step,) = [s for s in listed.data if s.id == step_id]
        return [
            list(got.step_details.tool_calls[0].file_search.results),
            list(tool_step.step_details.tool_calls[0].file_search.results),
        ]

    for found in await results([]):
        assert [r.file_id for r in found] == [r.file_id for r in streamed]
        assert all(not r.content for r in found)
    for found in await results([CONTENT]):
        assert [r.content[0].text for r in found] == [r.content[0].text for r in streamed]
    # A later stream of the same run, asked without include, strips the text too.
    replay = [
        e async for e in client.runs.StreamRun(RS.StreamRunRequest(thread_id=t.id, run_id=run_id))
    ]
    assert all(
        not r.content for r in search_step(replay).step_details.tool_calls[0].file_search.results
    )


async def test_both_stores_are_searched_and_tool_options_apply(
    client: Client, model: FakeModel, ingestion: Ingestion
) -> None:
    own, (policy_id,) = await store_with(client, ("policy.txt", POLICY.encode()))
    theirs, (shipping_id,) = await store_with(client, ("shipping.md", SHIPPING.encode()))
    model.script(
        tool_calls(("file_search", {"queries": ["refund policy", "shipping warehouse Lyon"]})),
        text("Both."),
    )
    a = await _assistant(
        client,
        own,
        max_num_results=1,
        ranking_options=T.RankingOptions(ranker=T.RANKER_AUTO, score_threshold=0.0),
    )
    t = await _thread(
        client,
        "Refunds and shipping?",
        tool_resources=T.ToolResources(
            file_search=T.FileSearchResources(vector_store_ids=[theirs])
        ),
    )
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    results = search_step(events).step_details.tool_calls[0].file_search.results
    assert len(results) == 1  # max_num_results
    assert results[0].file_id in (policy_id, shipping_id)

    model.script(
        tool_calls(("file_search", {"queries": ["refund policy", "shipping warehouse Lyon"]})),
        text("Both."),
    )
    b = await _assistant(client, own)
    events = await run_stream(client, thread_id=t.id, assistant_id=b.id)
    results = search_step(events).step_details.tool_calls[0].file_search.results
    assert {r.file_id for r in results} == {policy_id, shipping_id}

    # A threshold drops the results that score below it: at the best score, only the best.
    best = max(r.score for r in results)
    model.script(
        tool_calls(("file_search", {"queries": ["refund policy", "shipping warehouse Lyon"]})),
        text("Top."),
    )
    c = await _assistant(client, own, ranking_options=T.RankingOptions(score_threshold=best))
    events = await run_stream(client, thread_id=t.id, assistant_id=c.id)
    (done,) = search_step(events).step_details.tool_calls
    assert done.file_search.results
    assert all(r.score >= best for r in done.file_search.results)
    assert done.file_search.ranking_options.score_threshold == best

    # A call with no query finds nothing; the model is told so.
    model.script(tool_calls(("file_search", {"queries": []})), text("None."))
    events = await run_stream(client, thread_id=t.id, assistant_id=b.id)
    (done,) = search_step(events).step_details.tool_calls
    assert list(done.file_search.results) == []
    assert "No results" in model.requests[-1]["messages"][-1]["content"]


async def test_tool_choice_file_search_names_the_function(
    client: Client, model: FakeModel, policy_store: tuple[str, list[str]]
) -> None:
    store_id, _ = policy_store
    model.script(tool_calls(("file_search", {"queries": ["refund"]})), text("Done."))
    a = await _assistant(client, store_id)
    t = await _thread(client, "Refunds?")
    events = await run_stream(
        client,
        thread_id=t.id,
        assistant_id=a.id,
        tool_choice=T.ToolChoice(type=T.TOOL_CHOICE_TYPE_FILE_SEARCH),
    )
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    assert model.requests[0]["tool_choice"] == {
        "type": "function",
        "function": {"name": "file_search"},
    }


async def test_search_with_a_function_call_waits_for_the_function_only(
    client: Client, model: FakeModel, policy_store: tuple[str, list[str]]
) -> None:
    store_id, _ = policy_store
    reply = tool_calls(("file_search", {"queries": ["refund"]}), ("lookup_order", {"order": "42"}))
    model.script(reply, text(f"Order 42 can be refunded{MARKER}."))
    a = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            tools=[
                search_tool(),
                T.Tool(
                    type=T.TOOL_TYPE_FUNCTION,
                    function=T.FunctionDefinition(name="lookup_order"),
                ),
            ],
            tool_resources=T.ToolResources(
                file_search=T.FileSearchResources(vector_store_ids=[store_id])
            ),
        )
    )
    t = await _thread(client, "Can I refund order 42?")
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    run = events[-2].run
    assert run.status == run_pb2.RUN_STATUS_REQUIRES_ACTION
    required = run.required_action.submit_tool_outputs.tool_calls
    assert [c.id for c in required] == [reply.ids[1]]
    resumed = [
        e
        async for e in client.runs.SubmitToolOutputsStream(
            RS.SubmitToolOutputsRequest(
                thread_id=t.id,
                run_id=run.id,
                tool_outputs=[run_pb2.ToolOutput(tool_call_id=reply.ids[1], output="shipped")],
            )
        )
    ]
    assert resumed[-2].run.status == run_pb2.RUN_STATUS_COMPLETED
    step = of(resumed, "thread.run.step.completed")[0].run_step
    search, function = step.step_details.tool_calls
    assert search.type == T.TOOL_TYPE_FILE_SEARCH and search.file_search.results
    assert function.function.output == "shipped"
    told = model.requests[1]["messages"]
    assert [m["role"] for m in told[-3:]] == ["assistant", "tool", "tool"]
    assert MARKER in told[-2]["content"] and told[-1]["content"] == "shipped"
    (cited,) = final_text(resumed).annotations
    assert cited.text == MARKER


async def test_the_run_waits_for_the_thread_store_in_progress(
    client: Client, model: FakeModel, ingestion: Ingestion, policy_store: tuple[str, list[str]]
) -> None:
    store_id, _ = policy_store
    await ingestion.stop(5.0)
    try:
        file_id = (
            await client.upload(b"The late file says the secret word is heliotrope.", "late.txt")
        ).id
        t = await client.threads.CreateThread(
            thread_pb2.CreateThreadRequest(
                messages=[
                    user(
                        "What is the secret word?",
                        [attachment(file_id, M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH)],
                    )
                ]
            )
        )
        (thread_store,) = t.tool_resources.file_search.vector_store_ids
        model.script(tool_calls(("file_search", {"queries": ["secret word"]})), text("Heliotrope."))
        a = await _assistant(client, store_id)
        started = time.monotonic()
        run = await client.runs.CreateRun(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
        await model.wait_for_requests(1)
        await asyncio.sleep(1.5)
        current = await client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=run.id))
        assert current.status == run_pb2.RUN_STATUS_IN_PROGRESS
        assert len(model.requests) == 1  # still waiting: no second turn yet
    finally:
        ingestion.start()
    ended = await wait_for_status(client, t.id, run.id, {run_pb2.RUN_STATUS_COMPLETED}, 30)
    assert time.monotonic() - started >= 1.5
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=ended.id))
    (tool_step,) = [s for s in steps.data if s.type == S.RUN_STEP_TYPE_TOOL_CALLS]
    results = tool_step.step_details.tool_calls[0].file_search.results
    assert results[0].file_id == file_id
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=thread_store)
    )
    assert store.file_counts.completed == 1


async def test_an_expired_thread_store_fails_the_run(
    client: Client, model: FakeModel, storage: Storage, ingestion: Ingestion
) -> None:
    file_id = (await client.upload(b"Old news about refunds.", "old.txt")).id
    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[user("Refunds?", [attachment(file_id, M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH)])]
        )
    )
    (thread_store,) = t.tool_resources.file_search.vector_store_ids
    store = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=thread_store)
    )
    assert store.expires_after.days == 7
    await wait_until_ended(client, thread_store)
    # The log says the store was last used eight days ago: it expired a day ago.
    await _last_used(storage, client, thread_store, int(time.time()) - 8 * 86_400)
    expired = await client.vector_stores.GetVectorStore(
        VS.GetVectorStoreRequest(vector_store_id=thread_store)
    )
    assert expired.status == vector_store_pb2.VECTOR_STORE_STATUS_EXPIRED
    model.script(tool_calls(("file_search", {"queries": ["refund"]})))
    a = await _assistant(client, None)
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id)
    assert names(events)[-3:] == ["thread.run.step.failed", "thread.run.failed", "done"]
    run = events[-2].run
    assert run.last_error.code == common_pb2.ERROR_CODE_SERVER_ERROR
    assert "expired" in run.last_error.message and thread_store in run.last_error.message
    assert len(model.requests) == 1


async def test_keyword_only_output_says_so() -> None:
    from service.engine.file_search import new_call, tool_output

    call = new_call("call_x", tools_pb2.FileSearchOptions())
    call.file_search.results.add(
        file_id="file-a",
        file_name="a.txt",
        score=0.5,
        content=[
            run_step_pb2.FileSearchResultContent(
                type=S.FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT, text="alpha"
            )
        ],
    )
    keyword = tool_output(3, call, keyword_only=True)
    hybrid = tool_output(3, call, keyword_only=False)
    assert "keyword search only" in keyword and "keyword search only" not in hybrid
    assert "【3:0†a.txt】\nalpha" in hybrid


async def test_touch_records_store_activity(
    client: Client, model: FakeModel, storage: Storage, policy_store: tuple[str, list[str]]
) -> None:
    store_id, _ = policy_store
    # The store was last used an hour ago (touches are at most one a minute).
    await _last_used(storage, client, store_id, int(time.time()) - 3600)
    model.script(tool_calls(("file_search", {"queries": ["refund"]})), text("Ok."))
    a = await _assistant(client, store_id)
    t = await _thread(client, "Refunds?")
    before = int(time.time())
    await run_stream(client, thread_id=t.id, assistant_id=a.id)

    async def touched() -> bool:
        got = await client.vector_stores.GetVectorStore(
            VS.GetVectorStoreRequest(vector_store_id=store_id)
        )
        return got.last_active_at >= before

    await wait_for(touched, 10, "last_active_at")
