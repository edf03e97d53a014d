"""The response side of the HTTP API: protobuf objects and run events as OpenAI JSON.

The objects come from the real application over gRPC and are checked three ways: the SDK's
pydantic models accept them; every field the SDK model has is present (pydantic alone would
accept an omitted nullable field); and the fields the reference makes tricky have exactly the
expected value. Streams are fed to the SDK's own accumulator and to its whole streaming
client, over an in-memory transport.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pydantic
import pytest
from google.protobuf import struct_pb2
from openai.lib.streaming._assistants import (
    AssistantEventHandler,
    accumulate_event,
    accumulate_run_step,
)
from openai.types.beta import (
    Assistant,
    AssistantDeleted,
    AssistantStreamEvent,
    Thread,
    ThreadDeleted,
)
from openai.types.beta.threads import Message, MessageDeleted, MessageDeltaEvent, Run
from openai.types.beta.threads.runs import RunStep, RunStepDeltaEvent

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
)
from service.api.server import GrpcServer
from service.app import Application
from service.domain import ids, run_events
from service.http import _wire
from service.http._wire_events import run_event
from storage import Storage
from tests.conftest import new_client
from tests.fake_model import FakeModel, error, hang, length, text, tool_calls
from tests.helpers import Client
from tests.runs.support import TERMINAL, assistant, collect, function_tool, thread, wait_for_status

M = message_pb2
R = run_pb2
RS = run_service_pb2
S = run_step_pb2
TL = tools_pb2
EVENTS: pydantic.TypeAdapter[AssistantStreamEvent] = pydantic.TypeAdapter(AssistantStreamEvent)

# The nullable fields of the reference's tables (§3).
ASSISTANT_NULLABLE = ("name", "description", "instructions", "temperature", "top_p")
MESSAGE_NULLABLE = (
    "incomplete_details",
    "completed_at",
    "incomplete_at",
    "assistant_id",
    "run_id",
)
RUN_NULLABLE = (
    "required_action",
    "last_error",
    "expires_at",
    "started_at",
    "cancelled_at",
    "failed_at",
    "completed_at",
    "incomplete_details",
    "usage",
    "temperature",
    "top_p",
    "max_prompt_tokens",
    "max_completion_tokens",
    "truncation_strategy",
    "tool_choice",
    "response_format",
)
STEP_NULLABLE = ("last_error", "expired_at", "cancelled_at", "failed_at", "completed_at", "usage")


def valid(model: type[pydantic.BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """data, once the SDK model accepts it, its JSON text round-trips, and no field the model
    knows is missing: a nullable one must be there as null."""
    model.model_validate(data)
    assert json.loads(_wire.dumps(data)) == data
    fields = {f.alias or name for name, f in model.model_fields.items()}
    assert fields <= data.keys(), f"{model.__name__} misses {sorted(fields - data.keys())}"
    return data


def nulls(data: dict[str, Any], *keys: str) -> None:
    for key in keys:
        assert key in data and data[key] is None, f"{key} should be null, is {data.get(key)!r}"


def sse(events: list[run_event_pb2.RunEvent]) -> list[tuple[str, dict[str, Any]]]:
    """The events as (name, data), each accepted by the SDK's stream event union; done last."""
    out: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        name, data = run_event(event)
        assert "\n" not in data
        if name == "done":
            assert data == "[DONE]"
            continue
        payload = json.loads(data)
        EVENTS.validate_python({"event": name, "data": payload})
        out.append((name, payload))
    return out


def of(events: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [data for n, data in events if n == name]


def schema_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


PARAMETERS = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 1, "maximum": 10, "multipleOf": 0.5},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "flag": {"type": "boolean", "default": False},
        "nothing": {"type": "null", "default": None},
    },
    "required": ["n"],
    "additionalProperties": False,
}


async def _stream(client: Client, **fields: Any) -> list[run_event_pb2.RunEvent]:
    return await collect(client.runs.CreateRunStream(RS.CreateRunRequest(**fields)))


async def _steps(client: Client, run: dict[str, Any]) -> list[run_step_pb2.RunStep]:
    listed = await client.runs.ListRunSteps(
        RS.ListRunStepsRequest(thread_id=run["thread_id"], run_id=run["id"])
    )
    return list(listed.data)


# Assistants.


async def test_assistant_with_every_field(client: Client) -> None:
    file_id = (await client.upload(b"1,2,3\n", "data.csv")).id
    store_id = await client.new_store()
    tools = [
        TL.Tool(type=TL.TOOL_TYPE_CODE_INTERPRETER),
        TL.Tool(type=TL.TOOL_TYPE_FILE_SEARCH),
        TL.Tool(
            type=TL.TOOL_TYPE_FILE_SEARCH,
            file_search=TL.FileSearchOptions(
                max_num_results=7,
                ranking_options=TL.RankingOptions(
                    ranker=TL.RANKER_DEFAULT_2024_08_21, score_threshold=0.25
                ),
            ),
        ),
        TL.Tool(
            type=TL.TOOL_TYPE_FUNCTION,
            function=TL.FunctionDefinition(
                name="count",
                description="Counts.",
                parameters=schema_struct(PARAMETERS),
                strict=True,
            ),
        ),
        function_tool("get_weather"),
    ]
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(
            model="gpt-4o",
            name="Ann",
            description="Helps.",
            instructions="Be brief.",
            tools=tools,
            tool_resources=TL.ToolResources(
                code_interpreter=TL.CodeInterpreterResources(file_ids=[file_id]),
                file_search=TL.FileSearchResources(vector_store_ids=[store_id]),
            ),
            metadata={"team": "blue", "ü": "ö"},
            temperature=0.5,
            top_p=0.25,
            reasoning_effort=TL.REASONING_EFFORT_LOW,
        )
    )
    got = await client.assistants.GetAssistant(
        assistant_pb2.GetAssistantRequest(assistant_id=created.id)
    )
    data = valid(Assistant, _wire.assistant(got))
    assert data == {
        "id": created.id,
        "object": "assistant",
        "created_at": created.created_at,
        "name": "Ann",
        "description": "Helps.",
        "model": "gpt-4o",
        "instructions": "Be brief.",
        "tools": [
            {"type": "code_interpreter"},
            {"type": "file_search"},
            {
                "type": "file_search",
                "file_search": {
                    "max_num_results": 7,
                    "ranking_options": {"ranker": "default_2024_08_21", "score_threshold": 0.25},
                },
            },
            {
                "type": "function",
                "function": {
                    "name": "count",
                    "description": "Counts.",
                    "parameters": PARAMETERS,
                    "strict": True,
                },
            },
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": None,
                    "parameters": {
                        "type": "object",
                        "properties": {"location": {"type": "string"}},
                    },
                    "strict": False,
                },
            },
        ],
        "tool_resources": {
            "code_interpreter": {"file_ids": [file_id]},
            "file_search": {"vector_store_ids": [store_id]},
        },
        "metadata": {"team": "blue", "ü": "ö"},
        "temperature": 0.5,
        "top_p": 0.25,
        "response_format": "auto",
    }
    assert type(data["created_at"]) is int
    # Struct numbers are doubles: whole ones must come back as ints, in the JSON text too.
    n = data["tools"][3]["function"]["parameters"]["properties"]["n"]
    assert (type(n["minimum"]), type(n["maximum"]), type(n["multipleOf"])) == (int, int, float)
    text = _wire.dumps(data)
    assert re.search(r'"minimum":1[,}]', text) and re.search(r'"maximum":10[,}]', text)
    assert re.search(r'"multipleOf":0.5[,}]', text) and ".0," not in text
    assert "reasoning_effort" not in data
    assert '"ü":"ö"' in _wire.dumps(data)


async def test_minimal_assistant_has_nulls_and_defaults(client: Client) -> None:
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o")
    )
    data = valid(Assistant, _wire.assistant(created))
    nulls(data, "name", "description", "instructions")
    assert data["tools"] == [] and data["tool_resources"] == {} and data["metadata"] == {}
    assert (data["temperature"], data["top_p"], data["response_format"]) == (1.0, 1.0, "auto")
    # An update that lists a field without a value resets it: null, not the default.
    reset = await client.assistants.UpdateAssistant(
        assistant_pb2.UpdateAssistantRequest(
            assistant_id=created.id,
            update_mask={"paths": [*ASSISTANT_NULLABLE, "response_format", "tool_resources"]},
        )
    )
    data = valid(Assistant, _wire.assistant(reset))
    nulls(data, *ASSISTANT_NULLABLE, "response_format")
    assert data["tool_resources"] == {}


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        (TL.ResponseFormat(type=TL.RESPONSE_FORMAT_TYPE_AUTO), "auto"),
        (TL.ResponseFormat(type=TL.RESPONSE_FORMAT_TYPE_TEXT), {"type": "text"}),
        (TL.ResponseFormat(type=TL.RESPONSE_FORMAT_TYPE_JSON_OBJECT), {"type": "json_object"}),
        (
            TL.ResponseFormat(
                type=TL.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
                json_schema=TL.JsonSchemaFormat(name="answer"),
            ),
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "answer",
                    "description": None,
                    "schema": None,
                    "strict": False,
                },
            },
        ),
        (
            TL.ResponseFormat(
                type=TL.RESPONSE_FORMAT_TYPE_JSON_SCHEMA,
                json_schema=TL.JsonSchemaFormat(
                    name="answer",
                    description="An answer.",
                    schema=schema_struct(PARAMETERS),
                    strict=True,
                ),
            ),
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "answer",
                    "description": "An answer.",
                    "schema": PARAMETERS,
                    "strict": True,
                },
            },
        ),
    ],
)
async def test_response_format_shapes(
    client: Client, response_format: TL.ResponseFormat, expected: object
) -> None:
    created = await client.assistants.CreateAssistant(
        assistant_pb2.CreateAssistantRequest(model="gpt-4o", response_format=response_format)
    )
    data = valid(Assistant, _wire.assistant(created))
    assert data["response_format"] == expected


async def test_assistant_list_pages_and_delete(client: Client) -> None:
    empty = await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest())
    assert _wire.page(empty, _wire.assistant) == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }
    made = [await assistant(client, name=f"a{i}") for i in range(3)]
    listed = await client.assistants.ListAssistants(assistant_pb2.ListAssistantsRequest(limit=2))
    page = _wire.page(listed, _wire.assistant)
    assert list(page) == ["object", "data", "first_id", "last_id", "has_more"]
    assert [a["id"] for a in page["data"]] == [made[2].id, made[1].id]
    assert (page["first_id"], page["last_id"], page["has_more"]) == (made[2].id, made[1].id, True)
    for item in page["data"]:
        valid(Assistant, item)
    gone = await client.assistants.DeleteAssistant(
        assistant_pb2.DeleteAssistantRequest(assistant_id=made[0].id)
    )
    data = _wire.deleted(gone)
    AssistantDeleted.model_validate(data)
    assert data == {"id": made[0].id, "object": "assistant.deleted", "deleted": True}


# Threads and messages.


async def test_thread_and_its_messages(client: Client) -> None:
    file_id = (await client.upload(b"x,y\n1,2\n", "points.csv")).id
    image_id = ids.new_id(ids.FILE)
    store_id = await client.new_store()
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[
                M.MessageInput(
                    role=M.MESSAGE_ROLE_USER,
                    content=[
                        M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Look"),
                        M.MessageContentInput(
                            type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
                            image_file=M.ImageFile(file_id=image_id, detail=M.IMAGE_DETAIL_LOW),
                        ),
                        M.MessageContentInput(
                            type=M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
                            image_url=M.ImageUrl(url="https://example.com/a.png"),
                        ),
                    ],
                    attachments=[
                        M.Attachment(
                            file_id=file_id,
                            tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER)],
                        )
                    ],
                    metadata={"k": "v"},
                ),
                M.MessageInput(
                    role=M.MESSAGE_ROLE_ASSISTANT,
                    content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hm")],
                ),
            ],
            tool_resources=TL.ToolResources(
                file_search=TL.FileSearchResources(vector_store_ids=[store_id])
            ),
            metadata={"topic": "x"},
        )
    )
    data = valid(Thread, _wire.thread(created))
    assert data == {
        "id": created.id,
        "object": "thread",
        "created_at": created.created_at,
        "tool_resources": {
            "code_interpreter": {"file_ids": [file_id]},
            "file_search": {"vector_store_ids": [store_id]},
        },
        "metadata": {"topic": "x"},
    }
    listed = await client.messages.ListMessages(
        M.ListMessagesRequest(thread_id=created.id, order=1)
    )
    page = _wire.page(listed, _wire.message)
    first, second = (valid(Message, m) for m in page["data"])
    assert (page["first_id"], page["last_id"]) == (first["id"], second["id"])
    assert first == {
        "id": first["id"],
        "object": "thread.message",
        "created_at": created.created_at,
        "thread_id": created.id,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": created.created_at,
        "incomplete_at": None,
        "role": "user",
        "content": [
            {"type": "text", "text": {"value": "Look", "annotations": []}},
            {"type": "image_file", "image_file": {"file_id": image_id, "detail": "low"}},
            {
                "type": "image_url",
                "image_url": {"url": "https://example.com/a.png", "detail": "auto"},
            },
        ],
        "assistant_id": None,
        "run_id": None,
        "attachments": [{"file_id": file_id, "tools": [{"type": "code_interpreter"}]}],
        "metadata": {"k": "v"},
    }
    assert second["role"] == "assistant" and second["attachments"] == []
    nulls(second, "assistant_id", "run_id", "incomplete_details", "incomplete_at")

    gone = await client.messages.DeleteMessage(
        M.DeleteMessageRequest(thread_id=created.id, message_id=second["id"])
    )
    MessageDeleted.model_validate(_wire.deleted(gone))
    assert _wire.deleted(gone)["object"] == "thread.message.deleted"
    gone = await client.threads.DeleteThread(thread_pb2.DeleteThreadRequest(thread_id=created.id))
    ThreadDeleted.model_validate(_wire.deleted(gone))
    assert _wire.deleted(gone) == {"id": created.id, "object": "thread.deleted", "deleted": True}


async def test_thread_tool_resources_reset_to_null(client: Client) -> None:
    created = await client.threads.CreateThread(thread_pb2.CreateThreadRequest())
    assert valid(Thread, _wire.thread(created))["tool_resources"] == {}
    reset = await client.threads.UpdateThread(
        thread_pb2.UpdateThreadRequest(
            thread_id=created.id, update_mask={"paths": ["tool_resources"]}
        )
    )
    nulls(valid(Thread, _wire.thread(reset)), "tool_resources")


async def test_code_interpreter_attachment_adds_the_file_to_the_thread(client: Client) -> None:
    """Reference §9.1/§10: a code_interpreter attachment puts its file into the thread's
    tool_resources.code_interpreter.file_ids."""
    file_id = (await client.upload(b"print(1)\n", "script.py")).id
    created = await client.threads.CreateThread(
        thread_pb2.CreateThreadRequest(
            messages=[
                M.MessageInput(
                    role=M.MESSAGE_ROLE_USER,
                    content=[M.MessageContentInput(type=M.MESSAGE_CONTENT_TYPE_TEXT, text="Hi")],
                    attachments=[
                        M.Attachment(
                            file_id=file_id,
                            tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_CODE_INTERPRETER)],
                        )
                    ],
                )
            ]
        )
    )
    got = await client.threads.GetThread(thread_pb2.GetThreadRequest(thread_id=created.id))
    assert _wire.thread(got)["tool_resources"] == {"code_interpreter": {"file_ids": [file_id]}}


# Runs, steps and their streams.


async def test_completed_run_stream_objects(client: Client, model: FakeModel) -> None:
    model.script(text("Hello there, how are you today?", chunk_size=4, usage=(20, 11)))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))

    created = valid(Run, of(events, "thread.run.created")[0])
    assert created["status"] == "queued" and type(created["expires_at"]) is int
    nulls(created, "started_at", "usage", "required_action", "last_error", "completed_at")
    nulls(created, "max_prompt_tokens", "max_completion_tokens", "incomplete_details")
    assert created["truncation_strategy"] == {"type": "auto", "last_messages": None}
    assert (created["tool_choice"], created["response_format"]) == ("auto", "auto")
    assert (created["temperature"], created["top_p"], created["parallel_tool_calls"]) == (
        1.0,
        1.0,
        True,
    )
    assert type(of(events, "thread.run.in_progress")[0]["started_at"]) is int

    step = valid(RunStep, of(events, "thread.run.step.created")[0])
    nulls(step, *STEP_NULLABLE)
    opened = valid(Message, of(events, "thread.message.created")[0])
    assert step["step_details"] == {
        "type": "message_creation",
        "message_creation": {"message_id": opened["id"]},
    }
    assert (opened["status"], opened["content"], opened["role"]) == ("in_progress", [], "assistant")
    nulls(opened, "completed_at", "incomplete_at", "incomplete_details")
    assert (opened["assistant_id"], opened["run_id"]) == (a.id, created["id"])

    deltas = of(events, "thread.message.delta")
    for delta in deltas:
        MessageDeltaEvent.model_validate(delta)
    assert deltas[0] == {
        "id": opened["id"],
        "object": "thread.message.delta",
        "delta": {
            "content": [{"index": 0, "type": "text", "text": {"value": "Hell", "annotations": []}}]
        },
    }
    assert deltas[1]["delta"]["content"] == [
        {"index": 0, "type": "text", "text": {"value": "o th", "annotations": []}}
    ]

    done = valid(Message, of(events, "thread.message.completed")[0])
    assert done["content"] == [
        {"type": "text", "text": {"value": "Hello there, how are you today?", "annotations": []}}
    ]
    assert done["status"] == "completed" and type(done["completed_at"]) is int
    finished = valid(RunStep, of(events, "thread.run.step.completed")[0])
    usage = {"prompt_tokens": 20, "completion_tokens": 11, "total_tokens": 31}
    assert finished["usage"] == usage and type(finished["completed_at"]) is int
    run = valid(Run, of(events, "thread.run.completed")[0])
    assert run["usage"] == usage and run["status"] == "completed"
    nulls(run, "expires_at", "required_action", "last_error", "failed_at", "cancelled_at")
    assert type(run["completed_at"]) is int

    got = await client.runs.GetRun(RS.GetRunRequest(thread_id=t.id, run_id=run["id"]))
    assert _wire.run(got) == run
    listed = await client.runs.ListRuns(RS.ListRunsRequest(thread_id=t.id))
    assert _wire.page(listed, _wire.run)["data"] == [run]
    steps = await client.runs.ListRunSteps(RS.ListRunStepsRequest(thread_id=t.id, run_id=run["id"]))
    assert _wire.page(steps, _wire.run_step)["data"] == [finished]


async def test_run_overrides(client: Client, model: FakeModel) -> None:
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Hi")
    queued = await client.runs.CreateRun(
        RS.CreateRunRequest(
            thread_id=t.id,
            assistant_id=a.id,
            model="gpt-4o-mini",
            additional_instructions="Really.",
            metadata={"run": "1"},
            temperature=0.0,
            top_p=0.5,
            max_prompt_tokens=5000,
            max_completion_tokens=300,
            truncation_strategy=TL.TruncationStrategy(
                type=TL.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES, last_messages=3
            ),
            tool_choice=TL.ToolChoice(
                type=TL.TOOL_CHOICE_TYPE_FUNCTION,
                function=TL.ToolChoiceFunction(name="get_weather"),
            ),
            parallel_tool_calls=False,
            response_format=TL.ResponseFormat(type=TL.RESPONSE_FORMAT_TYPE_JSON_OBJECT),
        )
    )
    data = valid(Run, _wire.run(queued))
    overridden = (
        "model",
        "instructions",
        "tools",
        "metadata",
        "usage",
        "temperature",
        "top_p",
        "max_prompt_tokens",
        "max_completion_tokens",
        "truncation_strategy",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
    )
    assert {k: data[k] for k in overridden} == {
        "model": "gpt-4o-mini",
        "instructions": "You are terse. Really.",
        "tools": [_wire.tool(function_tool("get_weather"))],
        "metadata": {"run": "1"},
        "usage": None,
        "temperature": 0.0,
        "top_p": 0.5,
        "max_prompt_tokens": 5000,
        "max_completion_tokens": 300,
        "truncation_strategy": {"type": "last_messages", "last_messages": 3},
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": False,
        "response_format": {"type": "json_object"},
    }
    assert type(data["max_prompt_tokens"]) is int
    await wait_for_status(client, t.id, queued.id, TERMINAL | {R.RUN_STATUS_REQUIRES_ACTION})
    await _finish(client, queued)


async def _finish(client: Client, run: R.Run) -> None:
    current = await client.runs.GetRun(RS.GetRunRequest(thread_id=run.thread_id, run_id=run.id))
    if current.status not in TERMINAL:
        await client.runs.CancelRun(RS.CancelRunRequest(thread_id=run.thread_id, run_id=run.id))
    await wait_for_status(client, run.thread_id, run.id, TERMINAL)


async def test_function_call_requires_action_then_completes(
    client: Client, model: FakeModel
) -> None:
    call = tool_calls(("get_weather", '{"location": "Paris"}'), usage=(30, 7))
    model.script(call, text("It is 70F.", usage=(40, 5)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather in Paris?")
    first = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))

    step = valid(RunStep, of(first, "thread.run.step.created")[0])
    assert step["step_details"] == {"type": "tool_calls", "tool_calls": []}
    assert step["type"] == "tool_calls" and step["status"] == "in_progress"
    deltas = of(first, "thread.run.step.delta")
    for delta in deltas:
        RunStepDeltaEvent.model_validate(delta)
    assert deltas[0] == {
        "id": step["id"],
        "object": "thread.run.step.delta",
        "delta": {
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [
                    {
                        "index": 0,
                        "type": "function",
                        "id": call.ids[0],
                        "function": {"name": "get_weather", "arguments": "", "output": None},
                    }
                ],
            }
        },
    }
    assert deltas[1]["delta"]["step_details"]["tool_calls"] == [
        {"index": 0, "type": "function", "function": {"arguments": '{"lo'}}
    ]

    paused = valid(Run, of(first, "thread.run.requires_action")[0])
    assert paused["required_action"] == {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {
            "tool_calls": [
                {
                    "id": call.ids[0],
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                }
            ]
        },
    }
    assert paused["usage"] == {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}
    assert type(paused["expires_at"]) is int
    (waiting,) = await _steps(client, paused)
    tool_step = valid(RunStep, _wire.run_step(waiting))
    assert tool_step["status"] == "in_progress"
    nulls(tool_step, *STEP_NULLABLE)
    assert tool_step["step_details"]["tool_calls"] == [
        {
            "id": call.ids[0],
            "type": "function",
            "function": {
                "name": "get_weather",
                "arguments": '{"location": "Paris"}',
                "output": None,
            },
        }
    ]

    second = sse(
        await collect(
            client.runs.SubmitToolOutputsStream(
                RS.SubmitToolOutputsRequest(
                    thread_id=t.id,
                    run_id=paused["id"],
                    tool_outputs=[R.ToolOutput(tool_call_id=call.ids[0], output="70F")],
                )
            )
        )
    )
    answered = valid(RunStep, of(second, "thread.run.step.completed")[0])
    assert answered["step_details"]["tool_calls"][0]["function"]["output"] == "70F"
    assert answered["usage"] == paused["usage"]
    queued = valid(Run, of(second, "thread.run.queued")[0])
    nulls(queued, "required_action")
    run = valid(Run, of(second, "thread.run.completed")[0])
    assert run["usage"] == {"prompt_tokens": 70, "completion_tokens": 12, "total_tokens": 82}


async def test_failed_run(client: Client, model: FakeModel) -> None:
    model.script(error(500, times=5))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))
    run = valid(Run, of(events, "thread.run.failed")[0])
    assert run["status"] == "failed" and type(run["failed_at"]) is int
    assert run["last_error"]["code"] == "server_error"
    assert "500" in run["last_error"]["message"] and list(run["last_error"]) == ["code", "message"]
    nulls(run, "expires_at", "completed_at", "cancelled_at", "required_action")


async def test_failed_tool_step(client: Client, model: FakeModel) -> None:
    model.script(tool_calls(("launch_rockets", "{}"), usage=(30, 7)))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Go")
    events = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))
    step = valid(RunStep, of(events, "thread.run.step.failed")[0])
    run = valid(Run, of(events, "thread.run.failed")[0])
    assert step["last_error"] == run["last_error"]
    assert step["last_error"]["code"] == "server_error"
    assert (
        step["usage"]
        == run["usage"]
        == {
            "prompt_tokens": 30,
            "completion_tokens": 7,
            "total_tokens": 37,
        }
    )
    assert type(step["failed_at"]) is int
    nulls(step, "completed_at", "cancelled_at", "expired_at")
    nulls(run, "required_action")


def test_step_error_codes() -> None:
    """A run may fail with invalid_prompt; a step's codes are server_error and
    rate_limit_exceeded only (§3.5)."""
    for code, expected in [
        (common_pb2.ERROR_CODE_INVALID_PROMPT, "server_error"),
        (common_pb2.ERROR_CODE_SERVER_ERROR, "server_error"),
        (common_pb2.ERROR_CODE_RATE_LIMIT_EXCEEDED, "rate_limit_exceeded"),
    ]:
        error = common_pb2.LastError(code=code, message="m")
        step = S.RunStep(
            id="step_x",
            type=S.RUN_STEP_TYPE_MESSAGE_CREATION,
            status=S.RUN_STEP_STATUS_FAILED,
            step_details=S.StepDetails(type=S.RUN_STEP_TYPE_MESSAGE_CREATION),
            last_error=error,
        )
        data = valid(RunStep, _wire.run_step(step))
        assert data["last_error"] == {"code": expected, "message": "m"}
        assert _wire.run(_run(last_error=error))["last_error"]["code"] == _wire.ERROR_CODE[code]


async def test_invalid_prompt_failure(client: Client, model: FakeModel) -> None:
    model.script(error(400, message="This model's maximum context length is exceeded."))
    a = await assistant(client)
    t = await thread(client, "Hi")
    events = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))
    run = valid(Run, of(events, "thread.run.failed")[0])
    assert run["last_error"]["code"] == "invalid_prompt"


async def test_incomplete_run(client: Client, model: FakeModel) -> None:
    model.script(length("A long answer that was cut", usage=(20, 256)))
    a = await assistant(client)
    t = await thread(client, "Tell me everything.")
    events = sse(
        await _stream(client, thread_id=t.id, assistant_id=a.id, max_completion_tokens=256)
    )
    message = valid(Message, of(events, "thread.message.incomplete")[0])
    assert message["status"] == "incomplete"
    assert message["incomplete_details"] == {"reason": "max_tokens"}
    assert type(message["incomplete_at"]) is int
    nulls(message, "completed_at")
    run = valid(Run, of(events, "thread.run.incomplete")[0])
    assert run["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert run["max_completion_tokens"] == 256
    nulls(run, "expires_at", "last_error", "completed_at", "failed_at")


async def test_cancelled_run_mid_message(client: Client, model: FakeModel) -> None:
    model.script(hang(after_chunks="Partial answer"))
    a = await assistant(client)
    t = await thread(client, "Hi")
    stream = client.runs.CreateRunStream(RS.CreateRunRequest(thread_id=t.id, assistant_id=a.id))
    events: list[run_event_pb2.RunEvent] = []
    async with asyncio.timeout(10):
        async for event in stream:
            events.append(event)
            if event.event == "thread.message.delta" and len(events) == 8:
                run = events[0].run
                cancelling = await client.runs.CancelRun(
                    RS.CancelRunRequest(thread_id=t.id, run_id=run.id)
                )
                assert valid(Run, _wire.run(cancelling))["status"] == "cancelling"
    wire = sse(events)
    message = valid(Message, of(wire, "thread.message.incomplete")[0])
    assert message["incomplete_details"] == {"reason": "run_cancelled"}
    step = valid(RunStep, of(wire, "thread.run.step.cancelled")[0])
    assert step["status"] == "cancelled" and type(step["cancelled_at"]) is int
    nulls(step, "completed_at", "failed_at", "expired_at", "last_error")
    run_data = valid(Run, of(wire, "thread.run.cancelled")[0])
    assert type(run_data["cancelled_at"]) is int
    nulls(run_data, "expires_at", "completed_at", "failed_at")


SHORT_LIFETIME = 2


@pytest.fixture
async def short_client(storage: Storage, model: FakeModel) -> AsyncIterator[Client]:
    """A client of a second server whose runs expire after SHORT_LIFETIME seconds."""
    app = Application(storage, run_expires_seconds=SHORT_LIFETIME)
    server = await GrpcServer.start(app, "127.0.0.1", 0)
    c = await new_client(app, f"127.0.0.1:{server.port}")
    yield c
    await c.close()
    await server.stop(0)


async def test_expired_run(short_client: Client, model: FakeModel) -> None:
    client = short_client
    model.script(hang(after_chunks="Still thinking"))
    a = await assistant(client)
    t = await thread(client, "Hi")
    async with asyncio.timeout(SHORT_LIFETIME + 6):
        events = sse(await _stream(client, thread_id=t.id, assistant_id=a.id))
    message = valid(Message, of(events, "thread.message.incomplete")[0])
    assert message["incomplete_details"] == {"reason": "run_expired"}
    step = valid(RunStep, of(events, "thread.run.step.expired")[0])
    assert type(step["expired_at"]) is int
    run = valid(Run, of(events, "thread.run.expired")[0])
    assert run["status"] == "expired"
    nulls(run, "expires_at")


async def test_create_thread_and_run_opens_with_the_thread(
    client: Client, model: FakeModel
) -> None:
    model.script(text("Hi back."))
    a = await assistant(client)
    events = sse(
        await collect(
            client.runs.CreateThreadAndRunStream(
                RS.CreateThreadAndRunRequest(
                    assistant_id=a.id,
                    thread=thread_pb2.CreateThreadRequest(metadata={"via": "run"}),
                )
            )
        )
    )
    assert events[0][0] == "thread.created"
    created = valid(Thread, events[0][1])
    assert created["metadata"] == {"via": "run"}


# The SDK's own stream accumulation.


async def _recorded_runs(client: Client, model: FakeModel) -> list[run_event_pb2.RunEvent]:
    """A function call, then its resumed answer: both streams, as the SDK would see them."""
    call = tool_calls(("get_weather", '{"location": "Paris, France"}'), chunk_size=3)
    model.script(call, text("It is 70F and sunny in Paris today.", chunk_size=2))
    a = await assistant(client, tools=[function_tool("get_weather")])
    t = await thread(client, "Weather in Paris?")
    first = await _stream(client, thread_id=t.id, assistant_id=a.id)
    run = first[0].run
    second = await collect(
        client.runs.SubmitToolOutputsStream(
            RS.SubmitToolOutputsRequest(
                thread_id=t.id,
                run_id=run.id,
                tool_outputs=[R.ToolOutput(tool_call_id=call.ids[0], output="70F")],
            )
        )
    )
    return first + second


async def test_sdk_accumulator_rebuilds_message_and_tool_call(
    client: Client, model: FakeModel
) -> None:
    events = await _recorded_runs(client, model)
    snapshot: Message | None = None
    steps: dict[str, RunStep] = {}
    streamed = None
    for name, data in sse(events):
        event = EVENTS.validate_python({"event": name, "data": data})
        snapshot, _ = accumulate_event(event=event, current_message_snapshot=snapshot)
        accumulate_run_step(event=event, run_step_snapshots=steps)
        if name == "thread.run.requires_action":
            # The tool step is still open: its snapshot holds only what the deltas built.
            (tool_step,) = steps.values()
            streamed = tool_step.step_details
        if name == "thread.message.completed":
            final = Message.model_validate(data)
    assert snapshot is not None
    assert snapshot.content[0].type == "text" and final.content[0].type == "text"
    assert snapshot.content[0].text.value == final.content[0].text.value
    assert snapshot.content[0].text.value == "It is 70F and sunny in Paris today."
    assert snapshot.content[0].text.annotations == []
    assert streamed is not None and streamed.type == "tool_calls"
    (call,) = streamed.tool_calls
    assert call.type == "function"
    assert call.id.startswith("call_") and len(call.id) == 29  # not sent twice
    assert (call.function.name, call.function.arguments) == (
        "get_weather",
        '{"location": "Paris, France"}',
    )


def _sse_body(events: list[run_event_pb2.RunEvent]) -> bytes:
    frames = []
    for event in events:
        name, data = run_event(event)
        frames.append(f"event: {name}\ndata: {data}\n\n")
    return "".join(frames).encode()


@pytest.mark.filterwarnings("ignore:The Assistants API is deprecated:DeprecationWarning")
async def test_sdk_stream_client_reads_the_events(client: Client, model: FakeModel) -> None:
    """The SDK's whole streaming client (SSE parser, event handler, accumulators) on our events,
    served from memory: what a user's unchanged `runs.stream(...)` code would see."""
    events = await _recorded_runs(client, model)
    cut = next(i for i, e in enumerate(events) if e.event == "done") + 1
    bodies = [_sse_body(events[:cut]), _sse_body(events[cut:])]

    def respond(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=bodies.pop(0)
        )

    sdk = openai.OpenAI(
        api_key="k",
        base_url="http://wire.test/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(respond)),
    )

    class Handler(AssistantEventHandler):
        def __init__(self) -> None:
            super().__init__()
            self.text = ""
            self.calls: list[Any] = []

        def on_text_delta(self, delta: Any, snapshot: Any) -> None:
            self.text += delta.value or ""

        def on_tool_call_done(self, tool_call: Any) -> None:
            self.calls.append(tool_call)

        def on_exception(self, exception: Exception) -> None:
            raise exception

    run_id, thread_id = events[0].run.id, events[0].run.thread_id
    first = Handler()
    with sdk.beta.threads.runs.stream(
        thread_id=thread_id, assistant_id="asst_x", event_handler=first
    ) as stream:
        stream.until_done()
    assert first.get_final_run().status == "requires_action"
    (call,) = first.calls
    assert call.function.name == "get_weather"
    assert call.function.arguments == '{"location": "Paris, France"}'

    second = Handler()
    with sdk.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread_id,
        run_id=run_id,
        tool_outputs=[{"tool_call_id": call.id, "output": "70F"}],
        event_handler=second,
    ) as stream:
        stream.until_done()
    (message,) = second.get_final_messages()
    assert message.content[0].type == "text"
    assert second.text == message.content[0].text.value == "It is 70F and sunny in Paris today."
    assert second.get_final_run().status == "completed"


# Shapes of synthetic objects: what the engine does not produce yet.


def test_tool_choice_shapes() -> None:
    cases: list[tuple[TL.ToolChoice, object]] = [
        (TL.ToolChoice(type=TL.TOOL_CHOICE_TYPE_NONE), "none"),
        (TL.ToolChoice(type=TL.TOOL_CHOICE_TYPE_AUTO), "auto"),
        (TL.ToolChoice(type=TL.TOOL_CHOICE_TYPE_REQUIRED), "required"),
        (TL.ToolChoice(type=TL.TOOL_CHOICE_TYPE_FILE_SEARCH), {"type": "file_search"}),
        (TL.ToolChoice(type=TL.TOOL_CHOICE_TYPE_CODE_INTERPRETER), {"type": "code_interpreter"}),
        (
            TL.ToolChoice(
                type=TL.TOOL_CHOICE_TYPE_FUNCTION, function=TL.ToolChoiceFunction(name="f")
            ),
            {"type": "function", "function": {"name": "f"}},
        ),
    ]
    for choice, expected in cases:
        run = _run(tool_choice=choice)
        assert valid(Run, _wire.run(run))["tool_choice"] == expected


def _run(**fields: Any) -> R.Run:
    return R.Run(
        id=ids.new_id(ids.RUN),
        object="thread.run",
        created_at=1,
        thread_id=ids.new_id(ids.THREAD),
        assistant_id=ids.new_id(ids.ASSISTANT),
        status=R.RUN_STATUS_QUEUED,
        model="gpt-4o",
        **fields,
    )


def test_bare_run_is_all_nulls() -> None:
    data = valid(Run, _wire.run(_run()))
    nulls(data, *RUN_NULLABLE)
    assert (data["tools"], data["metadata"], data["instructions"]) == ([], {}, "")


def test_truncation_strategy_and_usage_shapes() -> None:
    data = _wire.run(
        _run(
            truncation_strategy=TL.TruncationStrategy(type=TL.TRUNCATION_STRATEGY_TYPE_AUTO),
            usage=common_pb2.Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0),
        )
    )
    assert data["truncation_strategy"] == {"type": "auto", "last_messages": None}
    assert data["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    assert _wire.run(_run())["usage"] is None


def test_message_content_and_annotations() -> None:
    text_part = M.MessageContent(
        type=M.MESSAGE_CONTENT_TYPE_TEXT,
        text=M.Text(
            value="See 【4:0†source】 and sandbox:/mnt/data/out.csv",
            annotations=[
                M.Annotation(
                    type=M.ANNOTATION_TYPE_FILE_CITATION,
                    text="【4:0†source】",
                    start_index=4,
                    end_index=16,
                    file_citation=M.FileCitation(file_id="file-a"),
                ),
                M.Annotation(
                    type=M.ANNOTATION_TYPE_FILE_PATH,
                    text="sandbox:/mnt/data/out.csv",
                    start_index=21,
                    end_index=46,
                    file_path=M.FilePath(file_id="file-b"),
                ),
            ],
        ),
    )
    message = M.Message(
        id="msg_x",
        object="thread.message",
        thread_id="thread_x",
        status=M.MESSAGE_STATUS_COMPLETED,
        role=M.MESSAGE_ROLE_ASSISTANT,
        content=[
            text_part,
            M.MessageContent(
                type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE, image_file=M.ImageFile(file_id="file-c")
            ),
            M.MessageContent(type=M.MESSAGE_CONTENT_TYPE_REFUSAL, refusal="No."),
        ],
        attachments=[
            M.Attachment(
                file_id="file-d", tools=[M.AttachmentTool(type=M.ATTACHMENT_TOOL_TYPE_FILE_SEARCH)]
            )
        ],
    )
    data = valid(Message, _wire.message(message))
    assert data["content"] == [
        {
            "type": "text",
            "text": {
                "value": "See 【4:0†source】 and sandbox:/mnt/data/out.csv",
                "annotations": [
                    {
                        "type": "file_citation",
                        "text": "【4:0†source】",
                        "start_index": 4,
                        "end_index": 16,
                        "file_citation": {"file_id": "file-a"},
                    },
                    {
                        "type": "file_path",
                        "text": "sandbox:/mnt/data/out.csv",
                        "start_index": 21,
                        "end_index": 46,
                        "file_path": {"file_id": "file-b"},
                    },
                ],
            },
        },
        {"type": "image_file", "image_file": {"file_id": "file-c", "detail": "auto"}},
        {"type": "refusal", "refusal": "No."},
    ]
    assert data["attachments"] == [{"file_id": "file-d", "tools": [{"type": "file_search"}]}]


def test_code_interpreter_and_file_search_steps() -> None:
    step = S.RunStep(
        id="step_x",
        object="thread.run.step",
        run_id="run_x",
        thread_id="thread_x",
        assistant_id="asst_x",
        type=S.RUN_STEP_TYPE_TOOL_CALLS,
        status=S.RUN_STEP_STATUS_FAILED,
        failed_at=5,
        last_error=common_pb2.LastError(
            code=common_pb2.ERROR_CODE_RATE_LIMIT_EXCEEDED, message="Slow down."
        ),
        step_details=S.StepDetails(
            type=S.RUN_STEP_TYPE_TOOL_CALLS,
            tool_calls=[
                S.ToolCall(
                    id="call_a",
                    type=TL.TOOL_TYPE_CODE_INTERPRETER,
                    code_interpreter=S.CodeInterpreterToolCall(
                        input="print(1)",
                        outputs=[
                            S.CodeInterpreterOutput(
                                type=S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS, logs="1\n"
                            ),
                            S.CodeInterpreterOutput(
                                type=S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE,
                                image=S.CodeInterpreterImage(file_id="file-i"),
                            ),
                        ],
                    ),
                ),
                S.ToolCall(
                    id="call_b",
                    type=TL.TOOL_TYPE_FILE_SEARCH,
                    file_search=S.FileSearchToolCall(
                        ranking_options=TL.RankingOptions(score_threshold=0.5),
                        results=[
                            S.FileSearchResult(file_id="file-r", file_name="r.txt", score=0.75),
                            S.FileSearchResult(
                                file_id="file-s",
                                file_name="s.txt",
                                score=1.0,
                                content=[
                                    S.FileSearchResultContent(
                                        type=S.FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT, text="hit"
                                    )
                                ],
                            ),
                        ],
                    ),
                ),
            ],
        ),
    )
    data = valid(RunStep, _wire.run_step(step))
    assert data["last_error"] == {"code": "rate_limit_exceeded", "message": "Slow down."}
    assert data["failed_at"] == 5
    assert data["step_details"]["tool_calls"] == [
        {
            "id": "call_a",
            "type": "code_interpreter",
            "code_interpreter": {
                "input": "print(1)",
                "outputs": [
                    {"type": "logs", "logs": "1\n"},
                    {"type": "image", "image": {"file_id": "file-i"}},
                ],
            },
        },
        {
            "id": "call_b",
            "type": "file_search",
            "file_search": {
                "ranking_options": {"ranker": "auto", "score_threshold": 0.5},
                "results": [
                    {"file_id": "file-r", "file_name": "r.txt", "score": 0.75},
                    {
                        "file_id": "file-s",
                        "file_name": "s.txt",
                        "score": 1.0,
                        "content": [{"type": "text", "text": "hit"}],
                    },
                ],
            },
        },
    ]


def _check_event(event: run_event_pb2.RunEvent) -> dict[str, Any]:
    ((_, data),) = sse([event])
    return data


def test_message_delta_fragments_of_every_part() -> None:
    event = run_event_pb2.RunEvent(event="thread.message.delta")
    d = event.message_delta
    d.id, d.object = "msg_x", "thread.message.delta"
    d.delta.role = M.MESSAGE_ROLE_ASSISTANT
    text_part = d.delta.content.add(index=0, type=M.MESSAGE_CONTENT_TYPE_TEXT)
    text_part.text.annotations.add(
        index=0,
        type=M.ANNOTATION_TYPE_FILE_CITATION,
        text="【1】",
        start_index=3,
        end_index=6,
        file_citation=M.FileCitation(file_id="file-a", quote="q"),
    )
    text_part.text.annotations.add(index=1, type=M.ANNOTATION_TYPE_FILE_PATH, end_index=9)
    d.delta.content.add(
        index=1, type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE, image_file=M.ImageFile(file_id="file-b")
    )
    d.delta.content.add(
        index=2,
        type=M.MESSAGE_CONTENT_TYPE_IMAGE_URL,
        image_url=M.ImageUrl(detail=M.IMAGE_DETAIL_HIGH),
    )
    d.delta.content.add(index=3, type=M.MESSAGE_CONTENT_TYPE_REFUSAL, refusal="No")
    d.delta.content.add(index=3, type=M.MESSAGE_CONTENT_TYPE_REFUSAL)
    data = _check_event(event)
    assert data["delta"] == {
        "role": "assistant",
        "content": [
            {
                "index": 0,
                "type": "text",
                "text": {
                    "annotations": [
                        {
                            "index": 0,
                            "type": "file_citation",
                            "text": "【1】",
                            "start_index": 3,
                            "end_index": 6,
                            "file_citation": {"file_id": "file-a", "quote": "q"},
                        },
                        {"index": 1, "type": "file_path", "end_index": 9},
                    ]
                },
            },
            {"index": 1, "type": "image_file", "image_file": {"file_id": "file-b"}},
            {"index": 2, "type": "image_url", "image_url": {"detail": "high"}},
            {"index": 3, "type": "refusal", "refusal": "No"},
            {"index": 3, "type": "refusal"},
        ],
    }


def test_engine_text_deltas() -> None:
    first = _check_event(run_events.text_delta("msg_x", 0, "Hel", first=True))
    later = _check_event(run_events.text_delta("msg_x", 0, "lo", first=False))
    assert first == {
        "id": "msg_x",
        "object": "thread.message.delta",
        "delta": {
            "content": [{"index": 0, "type": "text", "text": {"value": "Hel", "annotations": []}}]
        },
    }
    # The proto cannot tell the first fragment from later ones: all carry annotations [].
    assert later["delta"]["content"] == [
        {"index": 0, "type": "text", "text": {"value": "lo", "annotations": []}}
    ]


def test_engine_tool_call_deltas() -> None:
    opened = _check_event(run_events.tool_call_started("step_x", 1, "call_x", "f"))
    more = _check_event(run_events.tool_call_arguments("step_x", 1, '{"a":'))
    assert opened == {
        "id": "step_x",
        "object": "thread.run.step.delta",
        "delta": {
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [
                    {
                        "index": 1,
                        "type": "function",
                        "id": "call_x",
                        "function": {"name": "f", "arguments": "", "output": None},
                    }
                ],
            }
        },
    }
    assert more["delta"]["step_details"] == {
        "type": "tool_calls",
        "tool_calls": [{"index": 1, "type": "function", "function": {"arguments": '{"a":'}}],
    }


def test_other_step_deltas() -> None:
    event = run_event_pb2.RunEvent(event="thread.run.step.delta")
    d = event.run_step_delta
    d.id, d.object = "step_x", "thread.run.step.delta"
    details = d.delta.step_details
    details.type = S.RUN_STEP_TYPE_TOOL_CALLS
    details.tool_calls.add(
        index=0,
        id="call_c",
        type=TL.TOOL_TYPE_CODE_INTERPRETER,
        code_interpreter=S.CodeInterpreterToolCallDelta(input=""),
    )
    ci = details.tool_calls.add(index=0, type=TL.TOOL_TYPE_CODE_INTERPRETER).code_interpreter
    ci.outputs.add(index=0, type=S.CODE_INTERPRETER_OUTPUT_TYPE_LOGS, logs="out")
    ci.outputs.add(
        index=1,
        type=S.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE,
        image=S.CodeInterpreterImage(file_id="file-i"),
    )
    details.tool_calls.add(index=1, id="call_s", type=TL.TOOL_TYPE_FILE_SEARCH)
    assert _check_event(event)["delta"]["step_details"]["tool_calls"] == [
        {
            "index": 0,
            "type": "code_interpreter",
            "id": "call_c",
            "code_interpreter": {"input": "", "outputs": []},
        },
        {
            "index": 0,
            "type": "code_interpreter",
            "code_interpreter": {
                "outputs": [
                    {"index": 0, "type": "logs", "logs": "out"},
                    {"index": 1, "type": "image", "image": {"file_id": "file-i"}},
                ]
            },
        },
        {"index": 1, "type": "file_search", "id": "call_s", "file_search": {}},
    ]

    created = run_event_pb2.RunEvent(event="thread.run.step.delta")
    created.run_step_delta.id = "step_y"
    created.run_step_delta.object = "thread.run.step.delta"
    created.run_step_delta.delta.step_details.type = S.RUN_STEP_TYPE_MESSAGE_CREATION
    created.run_step_delta.delta.step_details.message_creation.message_id = "msg_y"
    assert _check_event(created)["delta"] == {
        "step_details": {"type": "message_creation", "message_creation": {"message_id": "msg_y"}}
    }


def test_error_and_done_events() -> None:
    name, data = run_event(run_events.error_event("The run's stream broke."))
    assert name == "error"
    payload = json.loads(data)
    EVENTS.validate_python({"event": name, "data": payload})
    assert payload == {
        "message": "The run's stream broke.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    full = run_event_pb2.RunEvent(
        event="error",
        error=common_pb2.ErrorObject(
            message="m", type="invalid_request_error", param="p", code="c"
        ),
    )
    assert json.loads(run_event(full)[1]) == {
        "message": "m",
        "type": "invalid_request_error",
        "param": "p",
        "code": "c",
    }
    assert run_event(run_events.done()) == ("done", "[DONE]")
    with pytest.raises(ValueError, match="carries no data"):
        run_event(run_event_pb2.RunEvent(event="thread.run.created"))
