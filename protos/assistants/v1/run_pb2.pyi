from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import tools_pb2 as _tools_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATUS_UNSPECIFIED: _ClassVar[RunStatus]
    RUN_STATUS_QUEUED: _ClassVar[RunStatus]
    RUN_STATUS_IN_PROGRESS: _ClassVar[RunStatus]
    RUN_STATUS_REQUIRES_ACTION: _ClassVar[RunStatus]
    RUN_STATUS_CANCELLING: _ClassVar[RunStatus]
    RUN_STATUS_CANCELLED: _ClassVar[RunStatus]
    RUN_STATUS_FAILED: _ClassVar[RunStatus]
    RUN_STATUS_COMPLETED: _ClassVar[RunStatus]
    RUN_STATUS_INCOMPLETE: _ClassVar[RunStatus]
    RUN_STATUS_EXPIRED: _ClassVar[RunStatus]

class RunIncompleteReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_INCOMPLETE_REASON_UNSPECIFIED: _ClassVar[RunIncompleteReason]
    RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS: _ClassVar[RunIncompleteReason]
    RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS: _ClassVar[RunIncompleteReason]

class RequiredActionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUIRED_ACTION_TYPE_UNSPECIFIED: _ClassVar[RequiredActionType]
    REQUIRED_ACTION_TYPE_SUBMIT_TOOL_OUTPUTS: _ClassVar[RequiredActionType]
RUN_STATUS_UNSPECIFIED: RunStatus
RUN_STATUS_QUEUED: RunStatus
RUN_STATUS_IN_PROGRESS: RunStatus
RUN_STATUS_REQUIRES_ACTION: RunStatus
RUN_STATUS_CANCELLING: RunStatus
RUN_STATUS_CANCELLED: RunStatus
RUN_STATUS_FAILED: RunStatus
RUN_STATUS_COMPLETED: RunStatus
RUN_STATUS_INCOMPLETE: RunStatus
RUN_STATUS_EXPIRED: RunStatus
RUN_INCOMPLETE_REASON_UNSPECIFIED: RunIncompleteReason
RUN_INCOMPLETE_REASON_MAX_COMPLETION_TOKENS: RunIncompleteReason
RUN_INCOMPLETE_REASON_MAX_PROMPT_TOKENS: RunIncompleteReason
REQUIRED_ACTION_TYPE_UNSPECIFIED: RequiredActionType
REQUIRED_ACTION_TYPE_SUBMIT_TOOL_OUTPUTS: RequiredActionType

class RunIncompleteDetails(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: RunIncompleteReason
    def __init__(self, reason: _Optional[_Union[RunIncompleteReason, str]] = ...) -> None: ...

class RequiredAction(_message.Message):
    __slots__ = ("type", "submit_tool_outputs")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TOOL_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    type: RequiredActionType
    submit_tool_outputs: SubmitToolOutputsAction
    def __init__(self, type: _Optional[_Union[RequiredActionType, str]] = ..., submit_tool_outputs: _Optional[_Union[SubmitToolOutputsAction, _Mapping]] = ...) -> None: ...

class SubmitToolOutputsAction(_message.Message):
    __slots__ = ("tool_calls",)
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    tool_calls: _containers.RepeatedCompositeFieldContainer[RequiredToolCall]
    def __init__(self, tool_calls: _Optional[_Iterable[_Union[RequiredToolCall, _Mapping]]] = ...) -> None: ...

class RequiredToolCall(_message.Message):
    __slots__ = ("id", "type", "function")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: _tools_pb2.ToolType
    function: FunctionCall
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[_tools_pb2.ToolType, str]] = ..., function: _Optional[_Union[FunctionCall, _Mapping]] = ...) -> None: ...

class FunctionCall(_message.Message):
    __slots__ = ("name", "arguments")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    arguments: str
    def __init__(self, name: _Optional[str] = ..., arguments: _Optional[str] = ...) -> None: ...

class Run(_message.Message):
    __slots__ = ("id", "object", "created_at", "thread_id", "assistant_id", "status", "required_action", "last_error", "expires_at", "started_at", "cancelled_at", "failed_at", "completed_at", "incomplete_details", "model", "instructions", "tools", "metadata", "usage", "temperature", "top_p", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACTION_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    INCOMPLETE_DETAILS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INSTRUCTIONS_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHOICE_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    REASONING_EFFORT_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    thread_id: str
    assistant_id: str
    status: RunStatus
    required_action: RequiredAction
    last_error: _common_pb2.LastError
    expires_at: int
    started_at: int
    cancelled_at: int
    failed_at: int
    completed_at: int
    incomplete_details: RunIncompleteDetails
    model: str
    instructions: str
    tools: _containers.RepeatedCompositeFieldContainer[_tools_pb2.Tool]
    metadata: _containers.ScalarMap[str, str]
    usage: _common_pb2.Usage
    temperature: float
    top_p: float
    max_prompt_tokens: int
    max_completion_tokens: int
    truncation_strategy: _tools_pb2.TruncationStrategy
    tool_choice: _tools_pb2.ToolChoice
    parallel_tool_calls: bool
    response_format: _tools_pb2.ResponseFormat
    reasoning_effort: _tools_pb2.ReasoningEffort
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., thread_id: _Optional[str] = ..., assistant_id: _Optional[str] = ..., status: _Optional[_Union[RunStatus, str]] = ..., required_action: _Optional[_Union[RequiredAction, _Mapping]] = ..., last_error: _Optional[_Union[_common_pb2.LastError, _Mapping]] = ..., expires_at: _Optional[int] = ..., started_at: _Optional[int] = ..., cancelled_at: _Optional[int] = ..., failed_at: _Optional[int] = ..., completed_at: _Optional[int] = ..., incomplete_details: _Optional[_Union[RunIncompleteDetails, _Mapping]] = ..., model: _Optional[str] = ..., instructions: _Optional[str] = ..., tools: _Optional[_Iterable[_Union[_tools_pb2.Tool, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_prompt_tokens: _Optional[int] = ..., max_completion_tokens: _Optional[int] = ..., truncation_strategy: _Optional[_Union[_tools_pb2.TruncationStrategy, _Mapping]] = ..., tool_choice: _Optional[_Union[_tools_pb2.ToolChoice, _Mapping]] = ..., parallel_tool_calls: _Optional[bool] = ..., response_format: _Optional[_Union[_tools_pb2.ResponseFormat, _Mapping]] = ..., reasoning_effort: _Optional[_Union[_tools_pb2.ReasoningEffort, str]] = ...) -> None: ...

class ToolOutput(_message.Message):
    __slots__ = ("tool_call_id", "output")
    TOOL_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    tool_call_id: str
    output: str
    def __init__(self, tool_call_id: _Optional[str] = ..., output: _Optional[str] = ...) -> None: ...
