"""Review of code_interpreter through the unchanged `openai` SDK and the raw HTTP JSON: run
steps, step deltas, messages with image_file parts and file_path annotations, and message
deltas, each validated strictly against the SDK's pydantic models; the SDK's streamed
snapshots against the stored objects; files in and out.

Expected behaviour: reference §3.6, §6, §7 order (c) and the client merge rules, §9.1, §10.
The bugs this review found were pinned as strict xfails and are fixed; their tests now pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

import aiohttp
import openai
import pydantic
import pytest
from openai.lib.streaming._deltas import accumulate_delta
from openai.types.beta.threads import (
    FilePathAnnotation,
    ImageFileContentBlock,
    Message,
    MessageDeltaEvent,
)
from openai.types.beta.threads.runs import CodeInterpreterToolCall, RunStep, RunStepDeltaEvent
from typing_extensions import override

from service.app import IssuedKey
from tests.code_interpreter.support import PNG, code
from tests.fake_model import FakeModel, text, tool_calls
from tests.http.test_retrieval_conformance import a_list, body, conform

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

Model = TypeVar("Model", bound=pydantic.BaseModel)
CONTENT_INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
PROGRAM = (
    "import matplotlib.pyplot as plt\n"
    "print('drawing')\n"
    "plt.figure(); plt.plot([1, 2, 3])\n"
    "plt.figure(); plt.bar([1, 2], [3, 4])\n"
    "_ = open('/mnt/data/table.csv', 'w').write('a,b\\n1,2\\n')"
)
REPLY = "Two charts, and [the table](sandbox:/mnt/data/table.csv)."


def no_extras(model: type[Model], data: Any) -> Model:
    """A delta validated strictly as `model`, with no field the model does not know at any
    depth (a delta may leave any field out)."""
    parsed = model.model_validate(data, strict=True)
    problems: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, pydantic.BaseModel):
            if value.model_extra:
                problems.append(f"{path}: unknown {sorted(value.model_extra)}")
            for name in type(value).model_fields:
                walk(getattr(value, name), f"{path}.{name}")
        elif isinstance(value, list):
            for item in value:
                walk(item, path + "[]")

    walk(parsed, "")
    assert not problems, (model.__name__, problems, data)
    return parsed


async def code_assistant(sdk: openai.AsyncOpenAI, **fields: Any) -> str:
    assistant = await sdk.beta.assistants.create(
        model="gpt-4o", tools=[{"type": "code_interpreter"}], **fields
    )
    return assistant.id


async def sse(http_url: str, key: IssuedKey, path: str, payload: dict[str, Any]) -> list[Any]:
    """(event, data) of a streamed POST, data parsed as JSON (None for [DONE])."""
    headers = {"Authorization": f"Bearer {key.secret}", "OpenAI-Beta": "assistants=v2"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{http_url}{path}", json=payload, headers=headers) as response,
    ):
        raw = (await response.read()).decode()
        assert response.status == 200, raw
    frames = []
    for block in raw.split("\n\n")[:-1]:
        event, data = block.split("\n")
        payload_text = data.removeprefix("data: ")
        frames.append(
            (
                event.removeprefix("event: "),
                None if payload_text == "[DONE]" else json.loads(payload_text),
            )
        )
    return frames


def accumulated(frames: Iterable[Any], delta_event: str, object_id: str) -> dict[str, Any]:
    """What the SDK's merge rules (accumulate_delta) make of an object's deltas."""
    snapshot: dict[str, Any] = {}
    for name, data in frames:
        if name == delta_event and data["id"] == object_id:
            accumulate_delta(snapshot, data["delta"])
    return snapshot


# The JSON of a code_interpreter run.


async def test_the_step_message_and_deltas_of_a_code_run_conform(
    sdk: openai.AsyncOpenAI, model: FakeModel, http_url: str, key: IssuedKey
) -> None:
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Chart it."}])
    model.script(tool_calls(code(PROGRAM), chunk_size=7), text(REPLY, chunk_size=4))
    frames = await sse(
        http_url,
        key,
        f"/threads/{thread.id}/runs",
        {"assistant_id": assistant_id, "stream": True},
    )
    assert frames[-1] == ("done", None)
    (run,) = [d for n, d in frames if n == "thread.run.completed"]
    run_id = run["id"]

    # Every object event and delta in the stream conforms.
    for name, data in frames[:-1]:
        if name == "thread.run.step.delta":
            no_extras(RunStepDeltaEvent, data)
        elif name == "thread.message.delta":
            no_extras(MessageDeltaEvent, data)
        elif name.startswith("thread.run.step."):
            conform(RunStep, data)
        elif name.startswith("thread.message."):
            conform(Message, data)

    # The stored step, listed (with and without include[]) and retrieved.
    listed = body(
        await sdk.beta.threads.runs.steps.with_raw_response.list(
            thread_id=thread.id, run_id=run_id, order="asc"
        )
    )
    tool_step, message_step = a_list(listed, RunStep)
    with_include = body(
        await sdk.beta.threads.runs.steps.with_raw_response.list(
            thread_id=thread.id, run_id=run_id, order="asc", include=[CONTENT_INCLUDE]
        )
    )
    assert with_include == listed
    retrieved = body(
        await sdk.beta.threads.runs.steps.with_raw_response.retrieve(
            tool_step.id, thread_id=thread.id, run_id=run_id, include=[CONTENT_INCLUDE]
        )
    )
    assert retrieved == listed["data"][0]
    raw_call = retrieved["step_details"]["tool_calls"][0]
    call = conform(CodeInterpreterToolCall, raw_call)
    assert call.code_interpreter.input == PROGRAM
    kinds = [o.type for o in call.code_interpreter.outputs]
    assert kinds == ["logs", "image", "image"]
    assert raw_call["code_interpreter"]["outputs"][0] == {"type": "logs", "logs": "drawing\n"}
    images = [o.image.file_id for o in call.code_interpreter.outputs if o.type == "image"]

    # The stored message: two image_file parts, then the text with its file_path annotation.
    messages = body(await sdk.beta.threads.messages.with_raw_response.list(thread_id=thread.id))
    stored = a_list(messages, Message)[0]
    raw_message = messages["data"][0]
    first, second, third = raw_message["content"]
    assert [conform(ImageFileContentBlock, p).image_file.file_id for p in (first, second)] == images
    (raw_link,) = third["text"]["annotations"]
    link = conform(FilePathAnnotation, raw_link)
    assert third["text"]["value"][link.start_index : link.end_index] == link.text
    assert link.text == "sandbox:/mnt/data/table.csv"

    # The stream, merged as the SDK merges it, rebuilds the stored message and step.
    merged = accumulated(frames, "thread.message.delta", stored.id)
    parts = [{k: v for k, v in p.items() if k != "index"} for p in merged["content"]]
    for part in parts:
        for a in part.get("text", {}).get("annotations", []):
            a.pop("index")
    assert parts == raw_message["content"]
    step_delta = accumulated(frames, "thread.run.step.delta", tool_step.id)
    (streamed_call,) = step_delta["step_details"]["tool_calls"]
    assert streamed_call["id"] == raw_call["id"]
    assert streamed_call["code_interpreter"]["input"] == PROGRAM
    outputs = [
        {k: v for k, v in o.items() if k != "index"}
        for o in streamed_call["code_interpreter"]["outputs"]
    ]
    assert outputs == raw_call["code_interpreter"]["outputs"]
    assert message_step.type == "message_creation"

    # The files: the images are PNGs of purpose assistants_output, named image.png; the
    # table is named after itself; all download.
    for file_id, name in [(images[0], "image.png"), (link.file_path.file_id, "table.csv")]:
        info = await sdk.files.retrieve(file_id)
        assert (info.filename, info.purpose) == (name, "assistants_output")
        content = (await sdk.files.content(file_id)).content
        assert info.bytes == len(content)
    assert (await sdk.files.content(images[1])).content.startswith(PNG)
    assert (await sdk.files.content(link.file_path.file_id)).content == b"a,b\n1,2\n"


class Snapshots(openai.AsyncAssistantEventHandler):
    """The SDK's accumulated message at its last delta, by message id."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: dict[str, Any] = {}

    @override
    async def on_message_delta(self, delta, snapshot) -> None:  # type: ignore[no-untyped-def]
        self.messages[snapshot.id] = snapshot.model_copy(deep=True)


async def test_the_sdk_stream_snapshot_equals_the_stored_message(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Chart it."}])
    model.script(tool_calls(code(PROGRAM)), text(REPLY, chunk_size=5))
    handler = Snapshots()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant_id, event_handler=handler
    ) as stream:
        await stream.until_done()
        (final,) = await stream.get_final_messages()
    stored = await sdk.beta.threads.messages.retrieve(final.id, thread_id=thread.id)
    assert final == stored
    snapshot = handler.messages[final.id]
    streamed = [p.model_dump(exclude_none=True, exclude={"index"}) for p in snapshot.content]
    for part in streamed:
        for a in part.get("text", {}).get("annotations", []):
            a.pop("index")
    stored_parts = [p.model_dump(exclude_none=True) for p in stored.content]
    assert [p["type"] for p in stored_parts] == ["image_file", "image_file", "text"]
    assert streamed == stored_parts


async def test_a_streamed_image_file_part_has_the_stored_detail(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Chart it."}])
    model.script(tool_calls(code("import matplotlib.pyplot as plt\nplt.plot([1])")), text("ok"))
    handler = Snapshots()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant_id, event_handler=handler
    ) as stream:
        await stream.until_done()
        (final,) = await stream.get_final_messages()
    image = handler.messages[final.id].content[0]
    assert image.type == "image_file" and final.content[0].type == "image_file"
    assert image.image_file.detail == final.content[0].image_file.detail == "auto"


# Files in.

SHOW = (
    "import os\n"
    "for name in sorted(os.listdir('/mnt/data')):\n"
    "    print(name, repr(open('/mnt/data/' + name).read()))"
)


async def attach(sdk: openai.AsyncOpenAI, thread_id: str, file_id: str) -> None:
    await sdk.beta.threads.messages.create(
        thread_id,
        role="user",
        content="Use this.",
        attachments=[{"file_id": file_id, "tools": [{"type": "code_interpreter"}]}],
    )


async def run_code(
    sdk: openai.AsyncOpenAI, model: FakeModel, thread_id: str, assistant_id: str, source: str
) -> tuple[str, str]:
    """Runs the thread with one code call; (the call's logs, the tool description)."""
    model.script(tool_calls(code(source)), text("ok"))
    run = await sdk.beta.threads.runs.create_and_poll(
        thread_id=thread_id, assistant_id=assistant_id, poll_interval_ms=50
    )
    assert run.status == "completed", run.last_error
    steps = await sdk.beta.threads.runs.steps.list(thread_id=thread_id, run_id=run.id, order="asc")
    (call,) = steps.data[0].step_details.tool_calls  # type: ignore[union-attr]
    assert call.type == "code_interpreter"
    (output,) = call.code_interpreter.outputs
    assert output.type == "logs"
    description = model.requests[-2]["tools"][0]["function"]["description"]
    return output.logs, description


async def test_attachments_added_after_the_thread_reach_the_code(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    """Files attached by messages created after the thread: the same file twice counts once;
    two files of the same name both arrive, the second under a name made unique."""
    one = await sdk.files.create(file=("data.csv", b"a\n1\n"), purpose="assistants")
    two = await sdk.files.create(file=("data.csv", b"a\n2\n"), purpose="assistants")
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi."}])
    for file in (one, one, two):
        await attach(sdk, thread.id, file.id)
    resources = (await sdk.beta.threads.retrieve(thread.id)).tool_resources
    assert resources is not None and resources.code_interpreter is not None
    assert resources.code_interpreter.file_ids == [one.id, two.id]

    logs, description = await run_code(sdk, model, thread.id, assistant_id, SHOW)
    unique = f"data-{two.id}.csv"
    assert logs == f"{unique} 'a\\n2\\n'\ndata.csv 'a\\n1\\n'\n"
    assert description.endswith(f"The user's files: /mnt/data/data.csv, /mnt/data/{unique}.")


async def test_after_a_delete_the_named_files_hold_the_user_files(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    one = await sdk.files.create(file=("data.csv", b"a\n1\n"), purpose="assistants")
    two = await sdk.files.create(file=("data.csv", b"a\n2\n"), purpose="assistants")
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi."}])
    for file in (one, two):
        await attach(sdk, thread.id, file.id)
    await run_code(sdk, model, thread.id, assistant_id, "1")

    await sdk.files.delete(one.id)
    read = "print(repr(open('/mnt/data/data.csv').read()))"
    logs, description = await run_code(sdk, model, thread.id, assistant_id, read)
    assert description.endswith("The user's files: /mnt/data/data.csv.")
    # The file the model is told about is the user's remaining file, not the deleted one.
    assert logs == "'a\\n2\\n'\n"


async def test_a_five_megabyte_csv_is_read_by_the_code(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    rows = b"x,y\n" + b"".join(b"%d,%d\n" % (i, i * 2) for i in range(400_000))
    assert len(rows) > 5_000_000
    big = await sdk.files.create(file=("big.csv", rows), purpose="assistants")
    assistant_id = await code_assistant(
        sdk, tool_resources={"code_interpreter": {"file_ids": [big.id]}}
    )
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Sum."}])
    program = (
        "import pandas as pd\ndf = pd.read_csv('/mnt/data/big.csv')\nprint(len(df), df.y.sum())"
    )
    logs, description = await run_code(sdk, model, thread.id, assistant_id, program)
    assert logs == f"400000 {sum(i * 2 for i in range(400_000))}\n"
    assert description.endswith("The user's files: /mnt/data/big.csv.")


async def test_a_forced_code_interpreter_holds_for_the_first_turn_only(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    assistant_id = await code_assistant(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Hi."}])
    model.script(tool_calls(code("1")), tool_calls(code("2")), text("ok"))
    run = await sdk.beta.threads.runs.create_and_poll(
        thread_id=thread.id,
        assistant_id=assistant_id,
        tool_choice={"type": "code_interpreter"},
        poll_interval_ms=50,
    )
    assert run.status == "completed", run.last_error
    assert run.tool_choice is not None and run.tool_choice.type == "code_interpreter"  # type: ignore[union-attr]
    assert [r["tool_choice"] for r in model.requests[-3:]] == [
        {"type": "function", "function": {"name": "code_interpreter"}},
        "auto",
        "auto",
    ]


# Citations and file paths in one answer.

CATS = b"Cats purr when content and kittens chase mice at night in the barn."
MARKER = "\u30100:0\u2020cats.txt\u3011"


async def test_citations_and_file_paths_are_numbered_together(
    sdk: openai.AsyncOpenAI,
    model: FakeModel,
    http_url: str,
    key: IssuedKey,
    ingestion: object,
) -> None:
    """file_search and code_interpreter in one run: the answer's file_citation and file_path
    annotations are stored in text order and streamed numbered 0, 1, 2 in that order."""
    store = await sdk.vector_stores.create(name="pets")
    cats = await sdk.files.create(file=("cats.txt", CATS), purpose="assistants")
    await sdk.vector_stores.files.create_and_poll(
        file_id=cats.id, vector_store_id=store.id, poll_interval_ms=50
    )
    assistant = await sdk.beta.assistants.create(
        model="gpt-4o",
        tools=[{"type": "file_search"}, {"type": "code_interpreter"}],
        tool_resources={"file_search": {"vector_store_ids": [store.id]}},
    )
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": "Cats?"}])
    reply = f"Cats purr{MARKER}; see [the list](sandbox:/mnt/data/cats.csv), again{MARKER}."
    model.script(
        tool_calls(("file_search", {"queries": ["cats purr"]})),
        tool_calls(code("_ = open('/mnt/data/cats.csv', 'w').write('purr')")),
        text(reply, chunk_size=3),
    )
    frames = await sse(
        http_url,
        key,
        f"/threads/{thread.id}/runs",
        {"assistant_id": assistant.id, "stream": True},
    )
    (completed,) = [d for n, d in frames if n == "thread.message.completed"]
    stored = conform(Message, completed)
    assert stored.content[0].type == "text"
    annotations = stored.content[0].text.annotations
    assert [a.type for a in annotations] == ["file_citation", "file_path", "file_citation"]
    for a in annotations:
        assert reply[a.start_index : a.end_index] == a.text
    merged = accumulated(frames, "thread.message.delta", stored.id)
    (part,) = merged["content"]
    assert part["text"]["value"] == reply
    streamed = part["text"]["annotations"]
    assert [a["index"] for a in streamed] == [0, 1, 2]
    assert [{k: v for k, v in a.items() if k != "index"} for a in streamed] == [
        a.model_dump(exclude_none=True) for a in annotations
    ]
