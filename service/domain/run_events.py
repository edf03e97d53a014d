"""Run events: the names and payloads of the stream a run sends (reference §7)."""

from __future__ import annotations

from collections.abc import Sequence

from assistants.v1 import (
    common_pb2,
    message_pb2,
    run_event_pb2,
    run_pb2,
    run_step_pb2,
    thread_pb2,
    tools_pb2,
)
from service.domain import runs, steps

DONE = "done"
_RUN = "thread.run."
_NOT_STATUS = ("thread.run.step.",)
ERROR = "error"
RunEvent = run_event_pb2.RunEvent


def thread_created(thread: thread_pb2.Thread) -> RunEvent:
    return RunEvent(event="thread.created", thread=thread)


def run_event(run: run_pb2.Run, name: str | None = None) -> RunEvent:
    """thread.run.<status>, or thread.run.<name> ("created")."""
    return RunEvent(event=f"thread.run.{name or runs.status_name(run.status)}", run=run)


def step_event(step: run_step_pb2.RunStep, name: str | None = None) -> RunEvent:
    return RunEvent(
        event=f"thread.run.step.{name or steps.status_name(step.status)}", run_step=step
    )


def message_event(message: message_pb2.Message, name: str) -> RunEvent:
    return RunEvent(event=f"thread.message.{name}", message=message)


def step_opened(step: run_step_pb2.RunStep) -> list[RunEvent]:
    return [step_event(step, "created"), step_event(step, "in_progress")]


def message_opened(message: message_pb2.Message) -> list[RunEvent]:
    return [message_event(message, "created"), message_event(message, "in_progress")]


def _message_delta(message_id: str) -> tuple[RunEvent, message_pb2.MessageDelta]:
    event = RunEvent(event="thread.message.delta")
    envelope = event.message_delta
    envelope.id = message_id
    envelope.object = "thread.message.delta"
    return event, envelope.delta


def text_delta(message_id: str, index: int, text: str, first: bool) -> RunEvent:
    """A message text delta. The first fragment of a part carries its full skeleton."""
    event, delta = _message_delta(message_id)
    part = delta.content.add(index=index, type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT)
    part.text.value = text
    if first:
        # An explicit empty list: the SDK's accumulator expects annotations on the first one.
        part.text.SetInParent()
    return event


def annotation_delta(
    message_id: str, part: int, index: int, annotation: message_pb2.Annotation
) -> RunEvent:
    """An annotation of a text part, whole in one fragment: each scalar is sent once."""
    event, delta = _message_delta(message_id)
    text = delta.content.add(index=part, type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT).text
    added = text.annotations.add(
        index=index,
        type=annotation.type,
        text=annotation.text,
        start_index=annotation.start_index,
        end_index=annotation.end_index,
    )
    if annotation.HasField("file_citation"):
        added.file_citation.file_id = annotation.file_citation.file_id
    if annotation.HasField("file_path"):
        added.file_path.file_id = annotation.file_path.file_id
    return event


def _step_delta(step_id: str) -> tuple[RunEvent, run_step_pb2.StepDetailsDelta]:
    event = RunEvent(event="thread.run.step.delta")
    event.run_step_delta.id = step_id
    event.run_step_delta.object = "thread.run.step.delta"
    details = event.run_step_delta.delta.step_details
    details.type = run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS
    return event, details


def tool_call_started(step_id: str, index: int, call_id: str, name: str) -> RunEvent:
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(index=index, id=call_id, type=tools_pb2.TOOL_TYPE_FUNCTION)
    call.function.name = name
    call.function.arguments = ""
    return event


def file_search_call_started(step_id: str, index: int, call_id: str) -> RunEvent:
    """The one delta of a file_search call: `{index, id, type, file_search: {}}`."""
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(index=index, id=call_id, type=tools_pb2.TOOL_TYPE_FILE_SEARCH)
    call.file_search.SetInParent()
    return event


def code_call_started(step_id: str, index: int, call_id: str) -> RunEvent:
    """The first delta of a code_interpreter call: `{index, id, type, code_interpreter:
    {input: "", outputs: []}}`."""
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(
        index=index, id=call_id, type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER
    )
    call.code_interpreter.input = ""
    return event


def code_input(step_id: str, index: int, fragment: str) -> RunEvent:
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(index=index, type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER)
    call.code_interpreter.input = fragment
    return event


def code_outputs(
    step_id: str, index: int, outputs: Sequence[run_step_pb2.CodeInterpreterOutput]
) -> RunEvent:
    """A call's outputs, whole, each under its index in the call's outputs."""
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(index=index, type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER)
    for i, output in enumerate(outputs):
        added = call.code_interpreter.outputs.add(index=i, type=output.type)
        if output.type == run_step_pb2.CODE_INTERPRETER_OUTPUT_TYPE_IMAGE:
            added.image.file_id = output.image.file_id
        else:
            added.logs = output.logs
    return event


def image_file_delta(message_id: str, index: int, file_id: str) -> RunEvent:
    """An image_file content part of a message, whole in one fragment."""
    event, delta = _message_delta(message_id)
    part = delta.content.add(index=index, type=message_pb2.MESSAGE_CONTENT_TYPE_IMAGE_FILE)
    part.image_file.file_id = file_id
    # Once, as the stored part has it: the SDK's snapshot then equals the stored message.
    part.image_file.detail = message_pb2.IMAGE_DETAIL_AUTO
    return event


def tool_call_arguments(step_id: str, index: int, fragment: str) -> RunEvent:
    event, details = _step_delta(step_id)
    call = details.tool_calls.add(index=index, type=tools_pb2.TOOL_TYPE_FUNCTION)
    call.function.arguments = fragment
    return event


def error_event(message: str) -> RunEvent:
    return RunEvent(event=ERROR, error=common_pb2.ErrorObject(message=message, type="server_error"))


def done() -> RunEvent:
    return RunEvent(event=DONE, done=run_event_pb2.Done())


def is_run_status(name: str) -> bool:
    """Whether a run event tells the run's status (thread.run.<status>), not a step's."""
    return name.startswith(_RUN) and not name.startswith(_NOT_STATUS)
