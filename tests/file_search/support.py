"""Helpers of the file_search tests: files in a store, a run's stream, and its pieces."""

from __future__ import annotations

from assistants.v1 import (
    message_pb2,
    run_event_pb2,
    run_service_pb2,
    run_step_pb2,
    tools_pb2,
    vector_store_service_pb2,
)
from tests.helpers import Client
from tests.runs.support import collect
from tests.vector_stores.support import wait_until_ended

M = message_pb2
S = run_step_pb2
T = tools_pb2
RS = run_service_pb2
VS = vector_store_service_pb2
CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
POLICY = (
    "Refund policy. Customers may return any unopened product within 30 days of delivery "
    "for a full refund. Refunds are paid to the original card within five business days."
)
SHIPPING = (
    "Shipping guide. Parcels leave the warehouse in Lyon every weekday at noon and reach "
    "most European addresses within three days."
)


def search_tool(**options: object) -> T.Tool:
    return T.Tool(type=T.TOOL_TYPE_FILE_SEARCH, file_search=T.FileSearchOptions(**options))  # type: ignore[arg-type]


def user(text: str, attachments: list[M.Attachment] | None = None) -> M.MessageInput:
    return M.MessageInput(
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=text)],
        attachments=attachments or [],
    )


def attachment(file_id: str, *kinds: int) -> M.Attachment:
    return M.Attachment(file_id=file_id, tools=[M.AttachmentTool(type=k) for k in kinds])  # type: ignore[arg-type]


async def store_with(client: Client, *files: tuple[str, bytes]) -> tuple[str, list[str]]:
    """A vector store holding the uploaded files, once ingested: (store id, file ids)."""
    file_ids = [(await client.upload(data, name)).id for name, data in files]
    store = await client.vector_stores.CreateVectorStore(
        VS.CreateVectorStoreRequest(file_ids=file_ids, name="docs")
    )
    ended = await wait_until_ended(client, store.id)
    assert ended.file_counts.completed == len(file_ids), ended
    return store.id, file_ids


async def run_stream(client: Client, **fields: object) -> list[run_event_pb2.RunEvent]:
    return await collect(client.runs.CreateRunStream(RS.CreateRunRequest(**fields)))  # type: ignore[arg-type]


def of(events: list[run_event_pb2.RunEvent], name: str) -> list[run_event_pb2.RunEvent]:
    return [e for e in events if e.event == name]


def search_step(events: list[run_event_pb2.RunEvent]) -> S.RunStep:
    """The completed tool_calls step of a stream."""
    done = [
        e.run_step
        for e in of(events, "thread.run.step.completed")
        if e.run_step.type == S.RUN_STEP_TYPE_TOOL_CALLS
    ]
    assert len(done) == 1, done
    return done[0]


def final_text(events: list[run_event_pb2.RunEvent]) -> message_pb2.Text:
    completed = of(events, "thread.message.completed")
    assert len(completed) == 1
    return completed[0].message.content[0].text
