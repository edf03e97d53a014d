from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import message_pb2 as _message_pb2
from assistants.v1 import run_pb2 as _run_pb2
from assistants.v1 import run_event_pb2 as _run_event_pb2
from assistants.v1 import run_step_pb2 as _run_step_pb2
from assistants.v1 import thread_pb2 as _thread_pb2
from assistants.v1 import tools_pb2 as _tools_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateRunRequest(_message.Message):
    __slots__ = ("thread_id", "assistant_id", "model", "instructions", "additional_instructions", "additional_messages", "tools", "metadata", "temperature", "top_p", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort", "include")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHOICE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REASONING_EFFORT_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    assistant_id: str
    model: str
    instructions: str
    additional_instructions: str
    additional_messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.MessageInput]
    tools: _containers.RepeatedCompositeFieldContainer[_tools_pb2.Tool]
    metadata: _containers.ScalarMap[str, str]
    temperature: float
    top_p: float
    max_prompt_tokens: int
    max_completion_tokens: int
    truncation_strategy: _tools_pb2.TruncationStrategy
    tool_choice: _tools_pb2.ToolChoice
    parallel_tool_calls: bool
    response_format: _tools_pb2.ResponseFormat
    reasoning_effort: _tools_pb2.ReasoningEffort
    include: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, thread_id: _Optional[str] = ..., assistant_id: _Optional[str] = ..., model: _Optional[str] = ..., instructions: _Optional[str] = ..., additional_instructions: _Optional[str] = ..., additional_messages: _Optional[_Iterable[_Union[_message_pb2.MessageInput, _Mapping]]] = ..., tools: _Optional[_Iterable[_Union[_tools_pb2.Tool, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_prompt_tokens: _Optional[int] = ..., max_completion_tokens: _Optional[int] = ..., truncation_strategy: _Optional[_Union[_tools_pb2.TruncationStrategy, _Mapping]] = ..., tool_choice: _Optional[_Union[_tools_pb2.ToolChoice, _Mapping]] = ..., parallel_tool_calls: _Optional[bool] = ..., response_format: _Optional[_Union[_tools_pb2.ResponseFormat, _Mapping]] = ..., reasoning_effort: _Optional[_Union[_tools_pb2.ReasoningEffort, str]] = ..., include: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateThreadAndRunRequest(_message.Message):
    __slots__ = ("assistant_id", "thread", "model", "instructions", "tools", "tool_resources", "metadata", "temperature", "top_p", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    TOOL_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHOICE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    thread: _thread_pb2.CreateThreadRequest
    model: str
    instructions: str
    tools: _containers.RepeatedCompositeFieldContainer[_tools_pb2.Tool]
    tool_resources: _tools_pb2.ToolResources
    metadata: _containers.ScalarMap[str, str]
    temperature: float
    top_p: float
    max_prompt_tokens: int
    max_completion_tokens: int
    truncation_strategy: _tools_pb2.TruncationStrategy
    tool_choice: _tools_pb2.ToolChoice
    parallel_tool_calls: bool
    response_format: _tools_pb2.ResponseFormat
    def __init__(self, assistant_id: _Optional[str] = ..., thread: _Optional[_Union[_thread_pb2.CreateThreadRequest, _Mapping]] = ..., model: _Optional[str] = ..., instructions: _Optional[str] = ..., tools: _Optional[_Iterable[_Union[_tools_pb2.Tool, _Mapping]]] = ..., tool_resources: _Optional[_Union[_tools_pb2.ToolResources, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_prompt_tokens: _Optional[int] = ..., max_completion_tokens: _Optional[int] = ..., truncation_strategy: _Optional[_Union[_tools_pb2.TruncationStrategy, _Mapping]] = ..., tool_choice: _Optional[_Union[_tools_pb2.ToolChoice, _Mapping]] = ..., parallel_tool_calls: _Optional[bool] = ..., response_format: _Optional[_Union[_tools_pb2.ResponseFormat, _Mapping]] = ...) -> None: ...

class GetRunRequest(_message.Message):
    __slots__ = ("thread_id", "run_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class ListRunsRequest(_message.Message):
    __slots__ = ("thread_id", "limit", "order", "after", "before")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    limit: int
    order: _common_pb2.ListOrder
    after: str
    before: str
    def __init__(self, thread_id: _Optional[str] = ..., limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ..., before: _Optional[str] = ...) -> None: ...

class ListRunsResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[_run_pb2.Run]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[_run_pb2.Run, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...

class UpdateRunRequest(_message.Message):
    __slots__ = ("thread_id", "run_id", "metadata", "update_mask")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    metadata: _containers.ScalarMap[str, str]
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class CancelRunRequest(_message.Message):
    __slots__ = ("thread_id", "run_id")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...

class SubmitToolOutputsRequest(_message.Message):
    __slots__ = ("thread_id", "run_id", "tool_outputs")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    tool_outputs: _containers.RepeatedCompositeFieldContainer[_run_pb2.ToolOutput]
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ..., tool_outputs: _Optional[_Iterable[_Union[_run_pb2.ToolOutput, _Mapping]]] = ...) -> None: ...

class StreamRunRequest(_message.Message):
    __slots__ = ("thread_id", "run_id", "after_sequence_number")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    after_sequence_number: int
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ..., after_sequence_number: _Optional[int] = ...) -> None: ...

class GetRunStepRequest(_message.Message):
    __slots__ = ("thread_id", "run_id", "step_id", "include")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    step_id: str
    include: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ..., step_id: _Optional[str] = ..., include: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRunStepsRequest(_message.Message):
    __slots__ = ("thread_id", "run_id", "limit", "order", "after", "before", "include")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    run_id: str
    limit: int
    order: _common_pb2.ListOrder
    after: str
    before: str
    include: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, thread_id: _Optional[str] = ..., run_id: _Optional[str] = ..., limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ..., before: _Optional[str] = ..., include: _Optional[_Iterable[str]] = ...) -> None: ...

class ListRunStepsResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[_run_step_pb2.RunStep]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[_run_step_pb2.RunStep, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...
