"""code_interpreter through the unchanged `openai` SDK: the Math Tutor quickstart, polled and
streamed with an event handler, a chart downloaded as a PNG, and a CSV attachment answered
with a file_path annotation.

Expected behaviour: reference §6, §7 order (c), §9.1; the quickstart is OpenAI's own.
"""

from __future__ import annotations

import openai
import pytest
from typing_extensions import override

from tests.code_interpreter.support import PNG
from tests.fake_model import FakeModel, text, tool_calls

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SOLVE = "import numpy as np\nx = np.linalg.solve([[3.0]], [14.0 - 11.0])[0]\nprint(f'x = {x:g}')"
QUESTION = "I need to solve the equation `3x + 11 = 14`. Can you help me?"


async def math_tutor(sdk: openai.AsyncOpenAI) -> str:
    assistant = await sdk.beta.assistants.create(
        name="Math Tutor",
        instructions="You are a personal math tutor. Write and run code to answer math questions.",
        tools=[{"type": "code_interpreter"}],
        model="gpt-4o",
    )
    return assistant.id


async def test_the_math_tutor_quickstart_polled(sdk: openai.AsyncOpenAI, model: FakeModel) -> None:
    assistant_id = await math_tutor(sdk)
    thread = await sdk.beta.threads.create()
    await sdk.beta.threads.messages.create(thread_id=thread.id, role="user", content=QUESTION)
    model.script(
        tool_calls(("code_interpreter", {"code": SOLVE})),
        text("The solution is x = 1, Jane Doe."),
    )
    run = await sdk.beta.threads.runs.create_and_poll(
        thread_id=thread.id,
        assistant_id=assistant_id,
        instructions="Please address the user as Jane Doe. The user has a premium account.",
        poll_interval_ms=100,
    )
    assert run.status == "completed", run.last_error
    messages = await sdk.beta.threads.messages.list(thread_id=thread.id)
    assert messages.data[0].role == "assistant"
    assert messages.data[0].content[0].text.value == "The solution is x = 1, Jane Doe."

    steps = await sdk.beta.threads.runs.steps.list(thread_id=thread.id, run_id=run.id, order="asc")
    tool_step = steps.data[0]
    assert tool_step.type == "tool_calls" and tool_step.status == "completed"
    (call,) = tool_step.step_details.tool_calls
    assert call.type == "code_interpreter"
    assert call.code_interpreter.input == SOLVE
    (output,) = call.code_interpreter.outputs
    assert output.type == "logs" and output.logs == "x = 1\n"
    # The step as JSON is exactly OpenAI's: no field of ours (the saved files) leaks in.
    raw = tool_step.model_dump()["step_details"]["tool_calls"][0]["code_interpreter"]
    assert set(raw) == {"input", "outputs"}


class Recorder(openai.AsyncAssistantEventHandler):
    """The quickstart's event handler, recording what it would print."""

    def __init__(self) -> None:
        super().__init__()
        self.printed: list[str] = []
        self.done: list[object] = []

    @override
    async def on_text_delta(self, delta, snapshot) -> None:  # type: ignore[no-untyped-def]
        self.printed.append(delta.value or "")

    @override
    async def on_tool_call_done(self, tool_call) -> None:  # type: ignore[no-untyped-def]
        self.done.append(tool_call)

    @override
    async def on_tool_call_delta(self, delta, snapshot) -> None:  # type: ignore[no-untyped-def]
        if delta.type == "code_interpreter" and delta.code_interpreter:
            if delta.code_interpreter.input:
                self.printed.append(delta.code_interpreter.input)
            for output in delta.code_interpreter.outputs or []:
                if output.type == "logs":
                    self.printed.append(f"\n{output.logs}")


async def test_the_math_tutor_quickstart_streamed(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    assistant_id = await math_tutor(sdk)
    thread = await sdk.beta.threads.create(messages=[{"role": "user", "content": QUESTION}])
    model.script(
        tool_calls(("code_interpreter", {"code": SOLVE}), chunk_size=6),
        text("So x = 1.", chunk_size=2),
    )
    handler = Recorder()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant_id, event_handler=handler
    ) as stream:
        await stream.until_done()
    assert "".join(handler.printed) == SOLVE + "\nx = 1\n" + "So x = 1."
    (run_step,) = [s for s in await _steps(sdk, thread.id) if s.type == "tool_calls"]
    (stored,) = run_step.step_details.tool_calls
    # The call the SDK put together from the deltas equals the stored one. (The SDK reports
    # the call done at the step's end and again at the run's.)
    accumulated = handler.done[0]
    assert accumulated.code_interpreter.input == stored.code_interpreter.input == SOLVE
    streamed_outputs = [
        o.model_dump(exclude={"index"}) for o in accumulated.code_interpreter.outputs
    ]
    assert streamed_outputs == [o.model_dump() for o in stored.code_interpreter.outputs]


async def _steps(sdk: openai.AsyncOpenAI, thread_id: str) -> list:  # type: ignore[type-arg]
    runs = await sdk.beta.threads.runs.list(thread_id=thread_id)
    listed = await sdk.beta.threads.runs.steps.list(thread_id=thread_id, run_id=runs.data[0].id)
    return list(listed.data)


async def test_a_chart_downloads_as_a_png_and_a_csv_is_linked(
    sdk: openai.AsyncOpenAI, model: FakeModel
) -> None:
    data = await sdk.files.create(
        file=("sales.csv", b"month,sales\n1,10\n2,14\n3,9\n", "text/csv"), purpose="assistants"
    )
    assistant_id = await math_tutor(sdk)
    program = (
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "df = pd.read_csv('/mnt/data/sales.csv')\n"
        "df.plot(x='month', y='sales')\n"
        "df.assign(double=df.sales * 2).to_csv('/mnt/data/doubled.csv', index=False)"
    )
    model.script(
        tool_calls(("code_interpreter", {"code": program})),
        text("Chart above; [the doubled table](sandbox:/mnt/data/doubled.csv)."),
    )
    run = await sdk.beta.threads.create_and_run_poll(
        assistant_id=assistant_id,
        thread={
            "messages": [
                {
                    "role": "user",
                    "content": "Chart my sales and double them.",
                    "attachments": [{"file_id": data.id, "tools": [{"type": "code_interpreter"}]}],
                }
            ]
        },
        poll_interval_ms=100,
    )
    assert run.status == "completed", run.last_error
    messages = await sdk.beta.threads.messages.list(thread_id=run.thread_id)
    image, body = messages.data[0].content
    assert image.type == "image_file"
    png = await sdk.files.content(image.image_file.file_id)
    assert png.content.startswith(PNG)
    info = await sdk.files.retrieve(image.image_file.file_id)
    assert info.purpose == "assistants_output" and info.bytes == len(png.content)

    assert body.type == "text"
    (link,) = body.text.annotations
    assert link.type == "file_path" and link.text == "sandbox:/mnt/data/doubled.csv"
    assert body.text.value[link.start_index : link.end_index] == link.text
    table = await sdk.files.content(link.file_path.file_id)
    assert table.content.decode().splitlines()[1] == "1,10,20"
