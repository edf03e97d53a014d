"""Which thread messages go into a run's prompt: the truncation policy.

A prompt is the assistant's instructions, the tool definitions, the run's own turns so far
(its assistant messages and tool calls, replayed on every completion) and a window of the
thread's messages from before the run. Only the window shrinks to fit; the rest is fixed.

The window's budget (`window_budget`) is the model context less the tokens reserved for the
completion, or the run's remaining `max_prompt_tokens` when that is smaller, less the fixed part.

`auto`: instructions are always kept. The most recent messages that fit the budget are kept and
the oldest are dropped first. OpenAI drops from the middle of the thread instead; a suffix is
what the messages projection reads cheaply (by running token totals), and the newest turns are
the ones the answer depends on.

`last_messages` N: the N most recent messages, and then fitted to the budget like `auto`, so a
window never exceeds the model context.

If not even the most recent message fits, the window is empty. When messages were there to send
and `WindowBudget.prompt_capped` is true, the caller ends the run `incomplete` with reason
`max_prompt_tokens`; otherwise the prompt cannot fit the model context at all.

Counts must be exact in the model's encoding (tokens.count_message_for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class WindowBudget:
    """Tokens left for thread messages, and which limit decided it."""

    tokens: int  # may be <= 0: then no message fits
    prompt_capped: bool  # the run's remaining max_prompt_tokens, not the context, is the limit


def window_budget(
    *,
    context_tokens: int,
    max_prompt_remaining: int | None,
    reserved_completion: int,
    fixed_tokens: int,
) -> WindowBudget:
    """The budget of the window; `fixed_tokens` is instructions, tools and the run's own turns."""
    room = context_tokens - reserved_completion
    capped = max_prompt_remaining is not None and max_prompt_remaining < room
    if max_prompt_remaining is not None:
        room = min(room, max_prompt_remaining)
    return WindowBudget(room - fixed_tokens, capped)


def prompt_budget(
    *,
    context_tokens: int,
    max_prompt_remaining: int | None,
    reserved_completion: int,
    fixed_tokens: int,
) -> int:
    """Tokens left for thread messages: window_budget(...).tokens."""
    return window_budget(
        context_tokens=context_tokens,
        max_prompt_remaining=max_prompt_remaining,
        reserved_completion=reserved_completion,
        fixed_tokens=fixed_tokens,
    ).tokens


def fit_window(
    messages: Sequence[T], counts: Sequence[int], budget: int, *, last_messages: int | None = None
) -> list[T]:
    """The longest suffix of `messages` (oldest first) whose counts sum to at most `budget`.

    With `last_messages`, the suffix is at most that long too. Raises ValueError when the
    sequences differ in length.
    """
    if len(messages) != len(counts):
        raise ValueError(f"{len(messages)} messages but {len(counts)} counts")
    limit = len(messages) if last_messages is None else max(0, min(last_messages, len(messages)))
    start, used = len(messages), 0
    while len(messages) - start < limit and used + counts[start - 1] <= budget:
        start -= 1
        used += counts[start]
    return list(messages[start:])
