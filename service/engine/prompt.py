"""The chat request of a run's next model call: instructions, tools, the run's own turns, and
the window of thread messages that fits (service.domain.windows has the policy)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import tiktoken

from assistants.v1 import message_pb2, run_pb2, run_step_pb2, tools_pb2
from service.domain import tokens, windows
from service.engine import code_interpreter, file_search
from service.engine.chat import chat_messages, chat_response_format, chat_tool_choice, chat_tools
from service.engine.model import ChatRequest
from service.engine.settings import EngineSettings
from storage import Storage

Turns = Sequence[tuple[run_step_pb2.RunStep, message_pb2.Message | None]]
# Stored counts are o200k_base; a model of another encoding reads this much more, then recounts.
_OTHER_ENCODING_HEADROOM = 2
_EFFORTS = {
    tools_pb2.REASONING_EFFORT_NONE: "none",
    tools_pb2.REASONING_EFFORT_MINIMAL: "minimal",
    tools_pb2.REASONING_EFFORT_LOW: "low",
    tools_pb2.REASONING_EFFORT_MEDIUM: "medium",
    tools_pb2.REASONING_EFFORT_HIGH: "high",
    tools_pb2.REASONING_EFFORT_XHIGH: "xhigh",
    tools_pb2.REASONING_EFFORT_MAX: "max",
}


class PromptTooLong(Exception):
    """The run's budget leaves no room for a model call: the run ends incomplete."""

    def __init__(self, reason: int) -> None:
        super().__init__(run_pb2.RunIncompleteReason.Name(reason))
        self.reason = reason


class PromptBuilder:
    def __init__(self, storage: Storage, settings: EngineSettings) -> None:
        self._windows = storage.windows
        self._settings = settings

    async def build(
        self,
        project_id: str,
        run: run_pb2.Run,
        thread_seq: int,
        turns: Turns,
        server_tools: Sequence[Mapping[str, object]] = (),
        tool_outputs: Mapping[str, tuple[str, str]] | None = None,
    ) -> ChatRequest:
        """Raises PromptTooLong when a budget is spent. server_tools: the definitions of the
        server's own tools offered; tool_outputs: the (arguments, output) of each of their
        finished calls, by call id."""
        used = run.usage
        completion_left = _left(run, "max_completion_tokens", used.completion_tokens)
        prompt_left = _left(run, "max_prompt_tokens", used.prompt_tokens)
        if completion_left is not None and completion_left <= 0:
            raise PromptTooLong(run_pb2.RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS)
        if prompt_left is not None and prompt_left <= 0:
            raise PromptTooLong(run_pb2.RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS)
        tools = chat_tools(run.tools) + [dict(tool) for tool in server_tools]
        own = chat_messages(run.instructions, [], turns, tool_outputs)
        fixed = tokens.count_text(json.dumps(own), self._encoding(run)) + (
            tokens.count_text(json.dumps(tools), self._encoding(run)) if tools else 0
        )
        context = tokens.context_window_tokens(run.model, self._settings.default_context_tokens)
        budget = windows.window_budget(
            context_tokens=context,
            max_prompt_remaining=prompt_left,
            reserved_completion=min(
                completion_left or self._settings.reserved_completion_tokens, context // 2
            ),
            fixed_tokens=fixed,
        )
        history = await self._window(project_id, run, thread_seq, budget)
        return ChatRequest(
            model=run.model,
            messages=chat_messages(run.instructions, history, turns, tool_outputs),
            tools=tools,
            tool_choice=_tool_choice(run, turns) if tools else None,
            parallel_tool_calls=run.parallel_tool_calls if tools else None,
            temperature=run.temperature if run.HasField("temperature") else None,
            top_p=run.top_p if run.HasField("top_p") else None,
            max_completion_tokens=completion_left,
            response_format=chat_response_format(run.response_format),
            reasoning_effort=(
                _EFFORTS.get(run.reasoning_effort) if run.HasField("reasoning_effort") else None
            ),
        )

    async def _window(
        self, project_id: str, run: run_pb2.Run, thread_seq: int, budget: windows.WindowBudget
    ) -> list[message_pb2.Message]:
        """The thread's messages before the run that fit. Raises PromptTooLong when not even
        the newest one does: a run never answers a thread it cannot see."""
        strategy = run.truncation_strategy
        last = (
            strategy.last_messages
            if strategy.type == tools_pb2.TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES
            else None
        )
        exact = tokens.encoding_name_for_model(run.model) == tokens.O200K_BASE
        read = await self._windows.read(
            project_id,
            run.thread_id,
            before_seq=thread_seq,
            max_tokens=max(budget.tokens, 0) * (1 if exact else _OTHER_ENCODING_HEADROOM),
            last_messages=last,
        )
        counts = (
            [m.token_count for m in read]
            if exact
            else [tokens.count_message_for(run.model, m.message.content) for m in read]
        )
        history = windows.fit_window([m.message for m in read], counts, budget.tokens)
        if not history:
            newest = await self._windows.read(
                project_id, run.thread_id, before_seq=thread_seq, max_tokens=None, last_messages=1
            )
            if newest:
                raise PromptTooLong(run_pb2.RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS)
        return history

    def _encoding(self, run: run_pb2.Run) -> tiktoken.Encoding:
        return tokens.encoding_for_model(run.model)


# Choices that make the model call a tool rather than answer.
_FORCING = {
    tools_pb2.TOOL_CHOICE_TYPE_REQUIRED,
    tools_pb2.TOOL_CHOICE_TYPE_FUNCTION,
    tools_pb2.TOOL_CHOICE_TYPE_FILE_SEARCH,
    tools_pb2.TOOL_CHOICE_TYPE_CODE_INTERPRETER,
}


def _tool_choice(run: run_pb2.Run, turns: Turns) -> str | dict[str, object] | None:
    """The chat tool_choice; a choice of a server tool names the function it is offered as.

    A forcing choice holds until the run has called a tool ("must call one or more tools
    before responding to the user"); then the model may answer. Forced on every turn, a
    server tool would be called again and again until the run expired."""
    choice = run.tool_choice.type
    if choice in _FORCING and any(
        s.type == run_step_pb2.RUN_STEP_TYPE_TOOL_CALLS for s, _ in turns
    ):
        return "auto"
    if choice == tools_pb2.TOOL_CHOICE_TYPE_FILE_SEARCH and file_search.offered(run):
        return {"type": "function", "function": {"name": file_search.TOOL_NAME}}
    if choice == tools_pb2.TOOL_CHOICE_TYPE_CODE_INTERPRETER and code_interpreter.offered(run):
        return {"type": "function", "function": {"name": code_interpreter.TOOL_NAME}}
    return chat_tool_choice(run.tool_choice)


def _left(run: run_pb2.Run, field: str, used: int) -> int | None:
    return int(getattr(run, field)) - used if run.HasField(field) else None
