"""Pure rules, without fixtures: ids, partial updates, token counts, list parameters."""

from __future__ import annotations

import pytest

from assistants.v1 import assistant_pb2, common_pb2, message_pb2, tools_pb2
from service.domain import ids, tokens
from service.domain.assistants import new_assistant, updated_assistant
from service.domain.pagination import list_params
from service.domain.validation import check_metadata
from service.errors import InvalidArgumentError


def test_ids_have_the_prefix_and_24_characters_and_sort_by_creation() -> None:
    made = [ids.new_id(ids.ASSISTANT) for _ in range(5_000)]
    assert all(i.startswith("asst_") and len(i) == len("asst_") + 24 for i in made)
    assert made == sorted(made), "ids must sort in creation order, byte-wise"
    assert len(set(made)) == len(made)


def test_update_without_mask_changes_only_present_fields_and_merges_metadata() -> None:
    current = new_assistant(
        assistant_pb2.CreateAssistantRequest(model="m", name="n", metadata={"a": "1"}), "asst_x", 1
    )
    updated = updated_assistant(
        current, assistant_pb2.UpdateAssistantRequest(assistant_id="asst_x", metadata={"b": "2"})
    )
    assert dict(updated.metadata) == {"a": "1", "b": "2"}
    assert updated.name == "n" and updated.model == "m"


def test_update_mask_resets_listed_fields_that_are_absent() -> None:
    tool = tools_pb2.Tool(type=tools_pb2.TOOL_TYPE_CODE_INTERPRETER)
    current = new_assistant(
        assistant_pb2.CreateAssistantRequest(model="m", name="n", tools=[tool]), "asst_x", 1
    )
    request = assistant_pb2.UpdateAssistantRequest(assistant_id="asst_x")
    request.update_mask.paths.extend(["name", "tools"])
    updated = updated_assistant(current, request)
    assert not updated.HasField("name")
    assert list(updated.tools) == []


def test_update_mask_rejects_unknown_paths() -> None:
    current = new_assistant(assistant_pb2.CreateAssistantRequest(model="m"), "asst_x", 1)
    request = assistant_pb2.UpdateAssistantRequest(assistant_id="asst_x")
    request.update_mask.paths.append("id")
    with pytest.raises(InvalidArgumentError) as caught:
        updated_assistant(current, request)
    assert caught.value.param == "update_mask"


def test_metadata_limits_use_the_openai_wording() -> None:
    check_metadata({str(i): "v" for i in range(16)})
    with pytest.raises(InvalidArgumentError) as caught:
        check_metadata({str(i): "v" for i in range(17)})
    assert caught.value.code == "object_above_max_properties"
    assert caught.value.message == (
        "Invalid 'metadata': too many properties. Expected an object with at most 16 "
        "properties, but got an object with 17 properties instead."
    )
    with pytest.raises(InvalidArgumentError) as caught:
        check_metadata({"k": "x" * 513})
    assert caught.value.param == "metadata.k"


def test_token_counts_are_o200k_plus_chat_overhead() -> None:
    assert tokens.count_text("Hello world") == 2
    text = message_pb2.MessageContent(type=message_pb2.MESSAGE_CONTENT_TYPE_TEXT)
    text.text.value = "Hello world"
    assert tokens.count_message([text]) == 2 + tokens.MESSAGE_OVERHEAD_TOKENS


@pytest.mark.parametrize(
    ("limit", "code"), [(0, "integer_below_min_value"), (101, "integer_above_max_value")]
)
def test_list_limit_bounds(limit: int, code: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        list_params(limit, common_pb2.LIST_ORDER_UNSPECIFIED, "", "", ids.ASSISTANT)
    assert (caught.value.param, caught.value.code) == ("limit", code)


def test_list_defaults_and_cursor_prefix() -> None:
    params = list_params(None, common_pb2.LIST_ORDER_UNSPECIFIED, "", "", ids.ASSISTANT)
    assert (params.limit, params.ascending) == (20, False)
    with pytest.raises(InvalidArgumentError) as caught:
        list_params(None, common_pb2.LIST_ORDER_ASC, "thread_abc", "", ids.ASSISTANT)
    assert caught.value.param == "after"
