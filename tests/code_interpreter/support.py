"""Helpers of the code_interpreter run tests: an assistant with the tool, a streamed run, and
the pieces of its events."""

from __future__ import annotations

from assistants.v1 import (
    assistant_pb2,
    file_pb2,
    message_pb2,
    run_event_pb2,
    run_service_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
)
from tests.helpers import Client
from tests.runs.support import collect

M = message_pb2
S = run_step_pb2
T = tools_pb2
RS = run_service_pb2
CODE_TOOL = T.Tool(type=T.TOOL_TYPE_CODE_INTERPRETER)
PNG = b"\x89PNG\r\n\x1a\n"


async def code_assistant(client: Client, file_ids: list[str] | None = None) -> str:
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            instructions="You are a personal math tutor. Write and run code to answer.",
            tools=[CODE_TOOL],
            tool_resources=T.ToolResources(
                code_interpreter=T.CodeInterpreterResources(file_ids=file_ids or [])
            ),
        )
    )
    return str(created.id)


def user(text: str, attachments: list[M.Attachment] | None = None) -> M.MessageInput:
    return M.MessageInput(
        role=M.MESSAGE_ROLE_USER,
        content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text=text)],
        attachments=attachments or [],
    )


def code(source: str) -> tuple[str, dict[str, str]]:
    """A model's code_interpreter call, for tests.fake_model.tool_calls."""
    return ("code_interpreter", {"code": source})


async def new_thread(client: Client, *messages: M.MessageInput) -> str:
    created = await client.threads.CreateThread(thread_pb2.CreateThreadRequest(messages=messages))
    return str(created.id)


def code_attachment(file_id: str) -> M.Attachment:
    return M.Attachment(
        file_id=file_id,
        tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER)],
    )


async def run_stream(client: Client, **fields: object) -> list[run_event_pb2.RunEvent]:
    return await collect(client.runs.CreateRunStream(RS.CreateRunRequest(**fields)))  # type: ignore[arg-type]


def of(events: list[run_event_pb2.RunEvent], name: str) -> list[run_event_pb2.RunEvent]:
    return [e for e in events if e.event == name]


def code_calls(events: list[run_event_pb2.RunEvent]) -> list[S.ToolCall]:
    """The code_interpreter calls of a stream's completed tool steps, in order."""
    return [
        call
        for e in of(events, "thread.run.step.completed")
        if e.run_step.type == S.RUN_STEP_TYPE_TOOL_CALLS
        for call in e.run_step.step_details.tool_calls
    ]


def logs(call: S.ToolCall) -> str:
    return "".join(
        o.logs
        for o in call.code_interpreter.outputs
        if o.type == S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS
    )


def answer(events: list[run_event_pb2.RunEvent]) -> M.Message:
    (completed,) = of(events, "thread.message.completed")
    return completed.message


async def download(client: Client, file_id: str) -> tuple[file_pb2.File, bytes]:
    file = file_pb2.File()
    data = b""
    async for part in client.files.DownloadFile(file_pb2.DownloadFileRequest(file_id=file_id)):
        if part.HasField("file"):
            file = part.file
        data += part.chunk
    return file, data
