"""Run steps and the messages runs write: what each looks like when created and when it ends."""

from __future__ import annotations

from collections.abc import Sequence

from assistants.v1 import common_pb2, events_pb2, message_pb2, run_pb2, run_step_pb2, tools_pb2
from service.domain.messages import OBJECT as MESSAGE_OBJECT
from service.domain.runs import FILE_SEARCH_CONTENT
from service.domain.tokens import count_message
from service.domain.tools import enum_name

S = run_step_pb2
M = message_pb2
OBJECT = "thread.run.step"

_STEP_STAMPS: dict[int, str] = {
    S.RUN_STEP_STATUS_CANCELLED: "cancelled_at",
    S.RUN_STEP_STATUS_FAILED: "failed_at",
    S.RUN_STEP_STATUS_COMPLETED: "completed_at",
    S.RUN_STEP_STATUS_EXPIRED: "expired_at",
}
# The step status and message incomplete reason that mirror a run's end (reference §5).
STEP_STATUS_FOR_RUN: dict[int, int] = {
    run_pb2.RUN_STATUS_CANCELLED: S.RUN_STEP_STATUS_CANCELLED,
    run_pb2.RUN_STATUS_FAILED: S.RUN_STEP_STATUS_FAILED,
    run_pb2.RUN_STATUS_EXPIRED: S.RUN_STEP_STATUS_EXPIRED,
    run_pb2.RUN_STATUS_INCOMPLETE: S.RUN_STEP_STATUS_COMPLETED,
    run_pb2.RUN_STATUS_COMPLETED: S.RUN_STEP_STATUS_COMPLETED,
}
MESSAGE_REASON_FOR_RUN: dict[int, int] = {
    run_pb2.RUN_STATUS_CANCELLED: M.MESSAGE_INCOMPLETE_REASON_RUN_CANCELLED,
    run_pb2.RUN_STATUS_FAILED: M.MESSAGE_INCOMPLETE_REASON_RUN_FAILED,
    run_pb2.RUN_STATUS_EXPIRED: M.MESSAGE_INCOMPLETE_REASON_RUN_EXPIRED,
    run_pb2.RUN_STATUS_INCOMPLETE: M.MESSAGE_INCOMPLETE_REASON_MAX_TOKENS,
}


def status_name(status: int) -> str:
    return enum_name(S.RunStepStatus, status, "RUN_STEP_STATUS_")


def open_step(run_steps: Sequence[S.RunStep]) -> S.RunStep | None:
    """The run's step in progress, if any: at most one is open at a time."""
    return next((s for s in run_steps if s.status == S.RUN_STEP_STATUS_IN_PROGRESS), None)


def _new_step(step_id: str, run: run_pb2.Run, now: int, kind: int) -> run_step_pb2.RunStep:
    return S.RunStep(
        id=step_id,
        object=OBJECT,
        created_at=now,
        run_id=run.id,
        thread_id=run.thread_id,
        assistant_id=run.assistant_id,
        type=kind,  # type: ignore[arg-type]
        status=S.RUN_STEP_STATUS_IN_PROGRESS,
        step_details=S.StepDetails(type=kind),  # type: ignore[arg-type]
    )


def message_step(step_id: str, run: run_pb2.Run, message_id: str, now: int) -> S.RunStep:
    step = _new_step(step_id, run, now, S.RUN_STEP_TYPE_MESSAGE_CREATION)
    step.step_details.message_creation.message_id = message_id
    return step


def tool_step(step_id: str, run: run_pb2.Run, now: int) -> S.RunStep:
    return _new_step(step_id, run, now, S.RUN_STEP_TYPE_TOOL_CALLS)


def function_call(call_id: str, name: str, arguments: str) -> S.ToolCall:
    return S.ToolCall(
        id=call_id,
        type=tools_pb2.TOOL_TYPE_FUNCTION,
        function=S.FunctionToolCall(name=name, arguments=arguments),
    )


def step_finished(
    step: S.RunStep,
    status: int,
    now: int,
    usage: common_pb2.Usage | None = None,
    error: common_pb2.LastError | None = None,
) -> S.RunStep:
    result = S.RunStep()
    result.CopyFrom(step)
    result.status = status  # type: ignore[assignment]
    setattr(result, _STEP_STAMPS[status], now)
    if usage is not None:
        result.usage.CopyFrom(usage)
    if error is not None:
        result.last_error.CopyFrom(error)
    return result


def with_outputs(step: S.RunStep, outputs: dict[str, str]) -> S.RunStep:
    """The tool-call step with each function call's submitted output filled in."""
    result = S.RunStep()
    result.CopyFrom(step)
    for call in result.step_details.tool_calls:
        if call.id in outputs:
            call.function.output = outputs[call.id]
    return result


def as_included(step: S.RunStep, include: Sequence[str]) -> S.RunStep:
    """The step as a read returns it: file_search results keep their text only when include
    names FILE_SEARCH_CONTENT (the log keeps it always)."""
    if FILE_SEARCH_CONTENT in include or not any(
        call.file_search.results for call in step.step_details.tool_calls
    ):
        return step
    result = S.RunStep()
    result.CopyFrom(step)
    for call in result.step_details.tool_calls:
        for found in call.file_search.results:
            del found.content[:]
    return result


def run_message(message_id: str, run: run_pb2.Run, now: int) -> M.Message:
    """The empty assistant message a run starts writing."""
    return M.Message(
        id=message_id,
        object=MESSAGE_OBJECT,
        created_at=now,
        thread_id=run.thread_id,
        status=M.MESSAGE_STATUS_IN_PROGRESS,
        role=M.MESSAGE_ROLE_ASSISTANT,
        assistant_id=run.assistant_id,
        run_id=run.id,
    )


def message_with_text(
    message: M.Message,
    text: str,
    annotations: Sequence[M.Annotation] = (),
    images: Sequence[str] = (),
) -> M.Message:
    """The message with its content: an image_file part per image, then the text part."""
    result = M.Message()
    result.CopyFrom(message)
    for file_id in images:
        result.content.add(
            type=M.MESSAGE_CONTENT_TYPE_IMAGE_FILE,
            image_file=M.ImageFile(file_id=file_id, detail=M.IMAGE_DETAIL_AUTO),
        )
    if text:
        part = result.content.add(type=M.MESSAGE_CONTENT_TYPE_TEXT)
        part.text.value = text
        part.text.annotations.extend(annotations)
    return result


def message_completed(message: M.Message, now: int) -> events_pb2.MessageCompleted:
    result = M.Message()
    result.CopyFrom(message)
    result.status = M.MESSAGE_STATUS_COMPLETED
    result.completed_at = now
    return events_pb2.MessageCompleted(message=result, token_count=count_message(result.content))


def message_incomplete(message: M.Message, now: int, reason: int) -> events_pb2.MessageIncomplete:
    result = M.Message()
    result.CopyFrom(message)
    result.status = M.MESSAGE_STATUS_INCOMPLETE
    result.incomplete_at = now
    result.incomplete_details.reason = reason  # type: ignore[assignment]
    return events_pb2.MessageIncomplete(message=result, token_count=count_message(result.content))
