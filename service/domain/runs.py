"""Run rules: a new run from its assistant and overrides, and the state machine (reference §5).

Every transition is a pure function from the current Run to the next one; the engine and the
commands decide when, these say what the run then looks like.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from assistants.v1 import (
    assistant_pb2,
    common_pb2,
    run_pb2,
    run_service_pb2,
    run_step_pb2,
    tools_pb2,
)
from service.domain import ids, limits
from service.domain.messages import check_message_input
from service.domain.tools import (
    check_reasoning_effort,
    check_response_format,
    check_tools,
    enum_name,
)
from service.domain.validation import (
    check_function_name,
    check_id,
    check_integer_range,
    check_max_items,
    check_max_length,
    check_metadata,
    check_number_range,
    invalid_value,
    missing,
)
from service.errors import FailedPreconditionError, InvalidArgumentError

R = run_pb2
OBJECT = "thread.run"
EXPIRES_AFTER_SECONDS = 600
ACTIVE = frozenset(
    {
        R.RUN_STATUS_QUEUED,
        R.RUN_STATUS_IN_PROGRESS,
        R.RUN_STATUS_REQUIRES_ACTION,
        R.RUN_STATUS_CANCELLING,
    }
)
FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


class RunOptions(Protocol):
    """The fields CreateRunRequest and CreateThreadAndRunRequest share."""

    assistant_id: str
    model: str
    instructions: str
    temperature: float
    top_p: float
    max_prompt_tokens: int
    max_completion_tokens: int
    truncation_strategy: tools_pb2.TruncationStrategy
    tool_choice: tools_pb2.ToolChoice
    parallel_tool_calls: bool
    response_format: tools_pb2.ResponseFormat

    @property
    def tools(self) -> Sequence[tools_pb2.Tool]: ...

    @property
    def metadata(self) -> Mapping[str, str]: ...

    def HasField(self, field_name: str) -> bool: ...


def status_name(status: int) -> str:
    """The OpenAI string of a RunStatus: "in_progress"."""
    return enum_name(R.RunStatus, status, "RUN_STATUS_")


def is_active(run: run_pb2.Run) -> bool:
    return run.status in ACTIVE


def is_moving(run: run_pb2.Run) -> bool:
    """Whether the server moves the run on by itself: active, and not waiting for the
    client's tool outputs."""
    return run.status in ACTIVE and run.status != R.RUN_STATUS_REQUIRES_ACTION


def check_run_options(request: RunOptions) -> None:
    """The checks both run-creating requests share. Raises InvalidArgumentError."""
    check_id(request.assistant_id, "assistant_id", ids.ASSISTANT)
    if request.HasField("model"):
        if not request.model:
            raise missing("model")
        check_max_length(request.model, "model", limits.MODEL_NAME_MAX)
    if request.HasField("instructions"):
        check_max_length(request.instructions, "instructions", limits.INSTRUCTIONS_MAX)
    check_max_items(request.tools, "tools", limits.RUN_TOOLS_MAX)
    check_tools(request.tools)
    check_metadata(request.metadata)
    if request.HasField("temperature"):
        check_number_range(request.temperature, "temperature", 0.0, limits.TEMPERATURE_MAX)
    if request.HasField("top_p"):
        check_number_range(request.top_p, "top_p", 0.0, limits.TOP_P_MAX)
    for name in ("max_prompt_tokens", "max_completion_tokens"):
        if request.HasField(name):
            check_integer_range(getattr(request, name), name, limits.RUN_TOKENS_MIN, None)
    if request.HasField("truncation_strategy"):
        _check_truncation(request.truncation_strategy)
    if request.HasField("tool_choice"):
        _check_tool_choice(request.tool_choice)


def check_create_run(request: run_service_pb2.CreateRunRequest) -> None:
    """The checks of CreateRun beyond the shared options. Raises InvalidArgumentError."""
    check_id(request.thread_id, "thread_id", ids.THREAD)
    check_run_options(request)
    if request.HasField("additional_instructions"):
        check_max_length(
            request.additional_instructions, "additional_instructions", limits.INSTRUCTIONS_MAX
        )
    check_max_items(request.additional_messages, "additional_messages", limits.THREAD_MESSAGES_MAX)
    for i, m in enumerate(request.additional_messages):
        check_message_input(
            m.role, m.content, m.attachments, m.metadata, prefix=f"additional_messages[{i}]."
        )
    if request.HasField("reasoning_effort"):
        check_reasoning_effort(request.reasoning_effort)
    check_include(request.include)


def check_include(include: Sequence[str]) -> None:
    for i, value in enumerate(include):
        if value != FILE_SEARCH_CONTENT:
            raise invalid_value(f"include[{i}]", value, [FILE_SEARCH_CONTENT])


def _check_truncation(strategy: tools_pb2.TruncationStrategy) -> None:
    param = "truncation_strategy"
    if strategy.type == tools_pb2.TRUNCATION_STRATEGY_TYPE_UNSPECIFIED:
        raise missing(f"{param}.type")
    if strategy.HasField("last_messages"):
        check_integer_range(strategy.last_messages, f"{param}.last_messages", 1, None)
    elif strategy.type == tools_pb2.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES:
        raise missing(f"{param}.last_messages")


def _check_tool_choice(choice: tools_pb2.ToolChoice) -> None:
    if choice.type == tools_pb2.TOOL_CHOICE_TYPE_UNSPECIFIED:
        raise missing("tool_choice.type")
    if choice.type == tools_pb2.TOOL_CHOICE_TYPE_FUNCTION:
        check_function_name(choice.function.name, "tool_choice.function.name")


def new_run(
    request: RunOptions,
    assistant: assistant_pb2.Assistant,
    *,
    run_id: str,
    thread_id: str,
    now: int,
    additional_instructions: str | None = None,
    reasoning_effort: int | None = None,
    expires_after: int = EXPIRES_AFTER_SECONDS,
) -> run_pb2.Run:
    """The queued run a request describes: its overrides over the assistant's values."""
    run = R.Run(
        id=run_id,
        object=OBJECT,
        created_at=now,
        thread_id=thread_id,
        assistant_id=assistant.id,
        status=R.RUN_STATUS_QUEUED,
        expires_at=now + expires_after,
        model=request.model if request.HasField("model") else assistant.model,
        instructions=_instructions(request, assistant, additional_instructions),
        parallel_tool_calls=(
            request.parallel_tool_calls if request.HasField("parallel_tool_calls") else True
        ),
    )
    run.tools.extend(request.tools or assistant.tools)
    run.metadata.update(request.metadata)
    for name in ("temperature", "top_p"):
        if request.HasField(name):
            setattr(run, name, getattr(request, name))
        elif assistant.HasField(name):
            setattr(run, name, getattr(assistant, name))
    for name in ("max_prompt_tokens", "max_completion_tokens"):
        if request.HasField(name):
            setattr(run, name, getattr(request, name))
    if request.HasField("truncation_strategy"):
        run.truncation_strategy.CopyFrom(request.truncation_strategy)
    else:
        run.truncation_strategy.type = tools_pb2.TRUNCATION_STRATEGY_TYPE_AUTO
    if request.HasField("tool_choice"):
        run.tool_choice.CopyFrom(request.tool_choice)
    else:
        run.tool_choice.type = tools_pb2.TOOL_CHOICE_TYPE_AUTO
    if request.HasField("response_format"):
        run.response_format.CopyFrom(request.response_format)
    elif assistant.HasField("response_format"):
        run.response_format.CopyFrom(assistant.response_format)
    else:
        run.response_format.type = tools_pb2.RESPONSE_FORMAT_TYPE_AUTO
    if reasoning_effort is not None:
        run.reasoning_effort = reasoning_effort  # type: ignore[assignment]
    elif assistant.HasField("reasoning_effort"):
        run.reasoning_effort = assistant.reasoning_effort
    _check_effective(run)
    return run


def _instructions(
    request: RunOptions, assistant: assistant_pb2.Assistant, additional: str | None
) -> str:
    base = request.instructions if request.HasField("instructions") else assistant.instructions
    if additional:
        return f"{base} {additional}" if base else additional
    return base


def _check_effective(run: run_pb2.Run) -> None:
    """The checks that need the tools in effect, the assistant's or the overrides."""
    if run.tool_choice.type == tools_pb2.TOOL_CHOICE_TYPE_FUNCTION:
        names = {t.function.name for t in run.tools if t.type == tools_pb2.TOOL_TYPE_FUNCTION}
        if run.tool_choice.function.name not in names:
            raise InvalidArgumentError(
                "tool_choice.function.name",
                f"Invalid 'tool_choice.function.name': no function tool named "
                f"'{run.tool_choice.function.name}' is available to this run.",
            )
    check_response_format(run.response_format, run.tools)


def check_no_active_run(thread_id: str, active_run_id: str | None) -> None:
    if active_run_id:
        raise FailedPreconditionError(
            f"Thread {thread_id} already has an active run {active_run_id}."
        )


def check_can_add_message(thread_id: str, active_run_id: str | None) -> None:
    if active_run_id:
        raise FailedPreconditionError(
            f"Can't add messages to {thread_id} while a run {active_run_id} is active."
        )


def check_cancellable(run: run_pb2.Run) -> None:
    if not is_active(run):
        raise FailedPreconditionError(f"Cannot cancel run with status '{status_name(run.status)}'.")


def check_tool_outputs(run: run_pb2.Run, outputs: Sequence[run_pb2.ToolOutput], now: int) -> None:
    """Every pending call answered once, in one request, while the run waits for them. A run
    past its deadline is expired, whether or not a worker has written so yet."""
    status = run.status
    if status == R.RUN_STATUS_REQUIRES_ACTION and run.expires_at <= now:
        status = R.RUN_STATUS_EXPIRED
    if status != R.RUN_STATUS_REQUIRES_ACTION:
        raise FailedPreconditionError(
            f'Runs in status "{status_name(status)}" do not accept tool outputs.'
        )
    expected = [c.id for c in run.required_action.submit_tool_outputs.tool_calls]
    got = [o.tool_call_id for o in outputs]
    if sorted(got) != sorted(expected):
        raise InvalidArgumentError(
            "tool_outputs", f"Expected tool outputs for call_ids {expected}, got {got}", None
        )


# Transitions. Each returns a new Run; the argument is left as it was.


def _next(run: run_pb2.Run, status: int) -> run_pb2.Run:
    result = R.Run()
    result.CopyFrom(run)
    result.status = status  # type: ignore[assignment]
    return result


def started(run: run_pb2.Run, now: int) -> run_pb2.Run:
    """queued -> in_progress. started_at keeps the first start (reference §13, decided)."""
    result = _next(run, R.RUN_STATUS_IN_PROGRESS)
    if not result.HasField("started_at"):
        result.started_at = now
    return result


def requires_action(
    run: run_pb2.Run, calls: Sequence[R.RequiredToolCall], usage: common_pb2.Usage
) -> run_pb2.Run:
    """in_progress -> requires_action, with usage so far (reference §13, decided)."""
    result = _next(run, R.RUN_STATUS_REQUIRES_ACTION)
    result.required_action.type = R.REQUIRED_ACTION_TYPE_SUBMIT_TOOL_OUTPUTS
    result.required_action.submit_tool_outputs.tool_calls.extend(calls)
    result.usage.CopyFrom(usage)
    return result


def resumed(run: run_pb2.Run) -> run_pb2.Run:
    """requires_action -> queued, on tool outputs."""
    result = _next(run, R.RUN_STATUS_QUEUED)
    result.ClearField("required_action")
    return result


def cancelling(run: run_pb2.Run) -> run_pb2.Run:
    return _next(run, R.RUN_STATUS_CANCELLING)


def finished(
    run: run_pb2.Run,
    status: int,
    now: int,
    usage: common_pb2.Usage | None,
    *,
    error: common_pb2.LastError | None = None,
    incomplete_reason: int | None = None,
) -> run_pb2.Run:
    """Any active status -> a terminal one, with its timestamp and the run's total usage."""
    result = _next(run, status)
    result.ClearField("required_action")
    result.ClearField("expires_at")
    stamp = _TERMINAL_STAMPS.get(status)
    if stamp is not None:
        setattr(result, stamp, now)
    if usage is not None:
        result.usage.CopyFrom(usage)
    if error is not None:
        result.last_error.CopyFrom(error)
    if incomplete_reason is not None:
        result.incomplete_details.reason = incomplete_reason  # type: ignore[assignment]
    return result


_TERMINAL_STAMPS: dict[int, str] = {
    R.RUN_STATUS_CANCELLED: "cancelled_at",
    R.RUN_STATUS_FAILED: "failed_at",
    R.RUN_STATUS_COMPLETED: "completed_at",
}


def last_error(code: int, message: str) -> common_pb2.LastError:
    return common_pb2.LastError(code=code, message=message)  # type: ignore[arg-type]


def add_usage(total: common_pb2.Usage, prompt: int, completion: int) -> common_pb2.Usage:
    return common_pb2.Usage(
        prompt_tokens=total.prompt_tokens + prompt,
        completion_tokens=total.completion_tokens + completion,
        total_tokens=total.total_tokens + prompt + completion,
    )


def unassigned_usage(
    run: run_pb2.Run, run_steps: Sequence[run_step_pb2.RunStep]
) -> common_pb2.Usage:
    """The run's usage not yet on a finished step: the completion that made the open step."""
    total = add_usage(run.usage, 0, 0)
    for step in run_steps:
        if step.status != run_step_pb2.RUN_STEP_STATUS_IN_PROGRESS:
            total = add_usage(total, -step.usage.prompt_tokens, -step.usage.completion_tokens)
    return total
