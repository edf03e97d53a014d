"""The truncation policy: budgets and the suffix that fits. Pure: no fixtures."""

from __future__ import annotations

import pytest

from service.domain.windows import WindowBudget, fit_window, prompt_budget, window_budget


def test_budget_is_the_context_less_the_completion_reserve_and_the_fixed_part() -> None:
    assert (
        prompt_budget(
            context_tokens=128_000,
            max_prompt_remaining=None,
            reserved_completion=4_000,
            fixed_tokens=1_000,
        )
        == 123_000
    )
    assert window_budget(
        context_tokens=128_000,
        max_prompt_remaining=None,
        reserved_completion=4_000,
        fixed_tokens=1_000,
    ) == WindowBudget(123_000, prompt_capped=False)


def test_a_smaller_prompt_budget_is_the_limit() -> None:
    assert window_budget(
        context_tokens=128_000,
        max_prompt_remaining=2_000,
        reserved_completion=4_000,
        fixed_tokens=500,
    ) == WindowBudget(1_500, prompt_capped=True)
    # A larger one changes nothing.
    assert window_budget(
        context_tokens=8_192,
        max_prompt_remaining=50_000,
        reserved_completion=1_000,
        fixed_tokens=192,
    ) == WindowBudget(7_000, prompt_capped=False)
    # Equal: the context is as binding, and it is the one named.
    assert not window_budget(
        context_tokens=8_192,
        max_prompt_remaining=7_192,
        reserved_completion=1_000,
        fixed_tokens=0,
    ).prompt_capped


def test_budget_may_be_negative() -> None:
    assert (
        prompt_budget(
            context_tokens=8_192,
            max_prompt_remaining=300,
            reserved_completion=1_000,
            fixed_tokens=800,
        )
        == -500
    )


def test_fit_window_keeps_the_newest_suffix_in_order() -> None:
    messages = ["a", "b", "c", "d", "e"]
    counts = [10, 50, 5, 20, 7]
    assert fit_window(messages, counts, 1_000) == messages
    assert fit_window(messages, counts, 92) == messages
    assert fit_window(messages, counts, 91) == ["b", "c", "d", "e"]
    assert fit_window(messages, counts, 82) == ["b", "c", "d", "e"]
    assert fit_window(messages, counts, 81) == ["c", "d", "e"]
    # A suffix: "a" would fit beside "c", "d", "e", but "b", newer than "a", does not.
    assert fit_window(messages, counts, 45) == ["c", "d", "e"]
    assert fit_window(messages, counts, 7) == ["e"]


def test_fit_window_is_empty_when_not_even_the_newest_fits() -> None:
    assert fit_window(["a", "b"], [3, 8], 7) == []
    assert fit_window(["a", "b"], [3, 8], 0) == []
    assert fit_window(["a", "b"], [3, 8], -5) == []
    assert fit_window([], [], 100) == []


def test_last_messages_then_the_budget() -> None:
    messages = ["a", "b", "c", "d"]
    counts = [1, 1, 1, 100]
    assert fit_window(messages, counts, 1_000, last_messages=2) == ["c", "d"]
    assert fit_window(messages, counts, 1_000, last_messages=10) == messages
    # last_messages never lets a window exceed the budget.
    assert fit_window(messages, counts, 50, last_messages=2) == []
    assert fit_window(messages, [1, 1, 1, 1], 3, last_messages=4) == ["b", "c", "d"]
    assert fit_window(messages, counts, 1_000, last_messages=0) == []


def test_fit_window_needs_a_count_per_message() -> None:
    with pytest.raises(ValueError):
        fit_window(["a"], [1, 2], 10)
