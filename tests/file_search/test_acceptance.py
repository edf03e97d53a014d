"""Acceptance: a small PDF uploaded, and an assistant answering a question from it with a
citation of that file, the step showing ranked results -- over gRPC, and over the unchanged
`openai` SDK against the HTTP server.

Expected behaviour: reference §6 (file_search step, include[]), §7 (streams), §9.2, §10.
"""

from __future__ import annotations

import uuid

import openai
import pytest

from assistants.v1 import assistant_pb2, run_pb2, thread_pb2, vector_store_service_pb2
from service.app import Application
from service.retrieval.ingestion import Ingestion
from tests.fake_model import FakeModel, text, tool_calls
from tests.file_search.support import (
    CONTENT,
    RS,
    SHIPPING,
    M,
    S,
    T,
    final_text,
    run_stream,
    search_step,
    user,
)
from tests.helpers import Client
from tests.vector_stores.support import tiny_pdf, wait_until_ended

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FACT = "The warranty on the Model Z kettle lasts 27 months from purchase"
MARKER = "【0:0†kettle.pdf】"
ANSWER = f"The Model Z kettle's warranty lasts 27 months{MARKER}."


async def test_a_pdf_answers_a_question_over_grpc(
    client: Client, model: FakeModel, ingestion: Ingestion
) -> None:
    pdf = await client.upload(tiny_pdf(FACT), "kettle.pdf")
    store = await client.vector_stores.CreateVectorStore(
        vector_store_service_pb2.CreateVectorStoreRequest(file_ids=[pdf.id], name="manuals")
    )
    ended = await wait_until_ended(client, store.id)
    assert ended.file_counts.completed == 1, ended

    a = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            instructions="Answer from the user's files and cite them.",
            tools=[T.Tool(type=T.TOOL_TYPE_FILE_SEARCH)],
            tool_resources=T.ToolResources(
                file_search=T.FileSearchResources(vector_store_ids=[store.id])
            ),
        )
    )
    t = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(messages=[user("How long is the kettle warranty?")])
    )
    model.script(tool_calls(("file_search", {"queries": ["kettle warranty length"]})), text(ANSWER))
    events = await run_stream(client, thread_id=t.id, assistant_id=a.id, include=[CONTENT])
    assert events[-2].run.status == run_pb2.RUN_STATUS_COMPLETED

    (call,) = search_step(events).step_details.tool_calls
    assert call.file_search.ranking_options.ranker == T.RANKER_DEFAULT_2024_08_21
    (result,) = call.file_search.results
    assert (result.file_id, result.file_name) == (pdf.id, "kettle.pdf")
    assert 0 < result.score <= 1
    assert "27 months" in result.content[0].text
    # The model read the PDF's text under the marker it then cited.
    assert MARKER in model.requests[1]["messages"][-1]["content"]
    assert "27 months" in model.requests[1]["messages"][-1]["content"]

    value = final_text(events)
    (cited,) = value.annotations
    assert cited.type == M.ANNOTATION_TYPE_FILE_CITATION
    assert cited.file_citation.file_id == pdf.id
    assert value.value[cited.start_index : cited.end_index] == cited.text == MARKER

    listed = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=t.id, run_id=events[0].run.id)
    )
    assert [s.type for s in listed.data] == [
        S.RUN_STEP_TYPE_MESSAGE_CREATION,
        S.RUN_STEP_TYPE_TOOL_CALLS,
    ]


async def test_a_pdf_answers_a_question_over_the_openai_sdk(
    app: Application, http_url: str, model: FakeModel, ingestion: Ingestion
) -> None:
    issued = await app.auth.issue_key(f"fs-{uuid.uuid4().hex[:12]}")
    sdk = openai.AsyncOpenAI(base_url=http_url, api_key=issued.secret, max_retries=0, timeout=60)
    try:
        pdf = await sdk.files.create(
            file=("kettle.pdf", tiny_pdf(FACT), "application/pdf"), purpose="assistants"
        )
        store = await sdk.vector_stores.create(name="manuals")
        batch = await sdk.vector_stores.file_batches.upload_and_poll(
            vector_store_id=store.id,
            files=[("shipping.txt", SHIPPING.encode(), "text/plain")],
            file_ids=[pdf.id],
            poll_interval_ms=100,
        )
        assert batch.file_counts.completed == 2, batch
        assistant = await sdk.beta.assistants.create(
            model="gpt-4o",
            instructions="Answer from the user's files and cite them.",
            tools=[{"type": "file_search"}],
            tool_resources={"file_search": {"vector_store_ids": [store.id]}},
        )
        assert assistant.tool_resources.file_search.vector_store_ids == [store.id]

        # Polled: the run completes; the answer cites the file.
        model.script(
            tool_calls(("file_search", {"queries": ["kettle warranty"]})),
            text(f"27 months{MARKER}."),
        )
        run = await sdk.beta.threads.create_and_run_poll(
            assistant_id=assistant.id,
            thread={"messages": [{"role": "user", "content": "How long is the warranty?"}]},
            poll_interval_ms=100,
        )
        assert run.status == "completed", run.last_error
        messages = await sdk.beta.threads.messages.list(thread_id=run.thread_id)
        answer = messages.data[0].content[0]
        assert answer.type == "text"
        (cited,) = answer.text.annotations
        assert cited.type == "file_citation" and cited.text == MARKER
        assert cited.file_citation.file_id == pdf.id
        assert answer.text.value[cited.start_index : cited.end_index] == MARKER
        steps = await sdk.beta.threads.runs.steps.list(
            thread_id=run.thread_id,
            run_id=run.id,
            include=["step_details.tool_calls[*].file_search.results[*].content"],
        )
        tool_step = next(s for s in steps.data if s.type == "tool_calls")
        (call,) = tool_step.step_details.tool_calls
        assert call.type == "file_search"
        assert call.file_search.ranking_options.ranker == "default_2024_08_21"
        results = call.file_search.results
        assert results[0].file_name == "kettle.pdf" and results[0].file_id == pdf.id
        assert results[0].score >= results[-1].score
        assert results[0].content and "27 months" in results[0].content[0].text
        plain = await sdk.beta.threads.runs.steps.retrieve(
            thread_id=run.thread_id, run_id=run.id, step_id=tool_step.id
        )
        assert all(not r.content for r in plain.step_details.tool_calls[0].file_search.results)

        # Streamed: the SDK's accumulated snapshots agree with the stored objects.
        model.script(
            tool_calls(("file_search", {"queries": ["kettle warranty"]})),
            text(f"It lasts 27 months{MARKER}, from purchase.", chunk_size=3),
        )
        thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Warranty?"}])
        seen: list[str] = []
        async with sdk.beta.threads.runs.stream(
            thread_id=thread.id, assistant_id=assistant.id
        ) as stream:
            async for event in stream:
                seen.append(event.event)
                if event.event == "thread.run.step.delta":
                    (fragment,) = event.data.delta.step_details.tool_calls
                    assert fragment.type == "file_search" and fragment.file_search == {}
            final = await stream.get_final_messages()
        assert seen.count("thread.run.step.delta") == 1
        assert seen[-1] == "thread.run.completed"
        (message,) = final
        (streamed,) = message.content[0].text.annotations
        stored = await sdk.beta.threads.messages.retrieve(
            thread_id=thread.id, message_id=message.id
        )
        assert message.content[0].text.value == stored.content[0].text.value
        assert streamed.model_dump() == stored.content[0].text.annotations[0].model_dump()
        assert streamed.start_index is not None
        value = stored.content[0].text.value
        assert value[streamed.start_index : streamed.end_index] == MARKER
    finally:
        await sdk.close()
