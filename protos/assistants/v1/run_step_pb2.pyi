from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import tools_pb2 as _tools_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RunStepType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STEP_TYPE_UNSPECIFIED: _ClassVar[RunStepType]
    RUN_STEP_TYPE_MESSAGE_CREATION: _ClassVar[RunStepType]
    RUN_STEP_TYPE_TOOL_CALLS: _ClassVar[RunStepType]

class RunStepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STEP_STATUS_UNSPECIFIED: _ClassVar[RunStepStatus]
    RUN_STEP_STATUS_IN_PROGRESS: _ClassVar[RunStepStatus]
    RUN_STEP_STATUS_CANCELLED: _ClassVar[RunStepStatus]
    RUN_STEP_STATUS_FAILED: _ClassVar[RunStepStatus]
    RUN_STEP_STATUS_COMPLETED: _ClassVar[RunStepStatus]
    RUN_STEP_STATUS_EXPIRED: _ClassVar[RunStepStatus]

class CodeInterpreterOutputType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODE_INTERPRETER_OUTPUT_TYPE_UNSPECIFIED: _ClassVar[CodeInterpreterOutputType]
    CODE_INTERPRETER_OUTPUT_TYPE_LOGS: _ClassVar[CodeInterpreterOutputType]
    CODE_INTERPRETER_OUTPUT_TYPE_IMAGE: _ClassVar[CodeInterpreterOutputType]

class FileSearchResultContentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_SEARCH_RESULT_CONTENT_TYPE_UNSPECIFIED: _ClassVar[FileSearchResultContentType]
    FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT: _ClassVar[FileSearchResultContentType]
RUN_STEP_TYPE_UNSPECIFIED: RunStepType
RUN_STEP_TYPE_MESSAGE_CREATION: RunStepType
RUN_STEP_TYPE_TOOL_CALLS: RunStepType
RUN_STEP_STATUS_UNSPECIFIED: RunStepStatus
RUN_STEP_STATUS_IN_PROGRESS: RunStepStatus
RUN_STEP_STATUS_CANCELLED: RunStepStatus
RUN_STEP_STATUS_FAILED: RunStepStatus
RUN_STEP_STATUS_COMPLETED: RunStepStatus
RUN_STEP_STATUS_EXPIRED: RunStepStatus
CODE_INTERPRETER_OUTPUT_TYPE_UNSPECIFIED: CodeInterpreterOutputType
CODE_INTERPRETER_OUTPUT_TYPE_LOGS: CodeInterpreterOutputType
CODE_INTERPRETER_OUTPUT_TYPE_IMAGE: CodeInterpreterOutputType
FILE_SEARCH_RESULT_CONTENT_TYPE_UNSPECIFIED: FileSearchResultContentType
FILE_SEARCH_RESULT_CONTENT_TYPE_TEXT: FileSearchResultContentType

class RunStep(_message.Message):
    __slots__ = ("id", "object", "created_at", "run_id", "thread_id", "assistant_id", "type", "status", "step_details", "last_error", "expired_at", "cancelled_at", "failed_at", "completed_at", "metadata", "usage")
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
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STEP_DETAILS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    run_id: str
    thread_id: str
    assistant_id: str
    type: RunStepType
    status: RunStepStatus
    step_details: StepDetails
    last_error: _common_pb2.LastError
    expired_at: int
    cancelled_at: int
    failed_at: int
    completed_at: int
    metadata: _containers.ScalarMap[str, str]
    usage: _common_pb2.Usage
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., run_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., assistant_id: _Optional[str] = ..., type: _Optional[_Union[RunStepType, str]] = ..., status: _Optional[_Union[RunStepStatus, str]] = ..., step_details: _Optional[_Union[StepDetails, _Mapping]] = ..., last_error: _Optional[_Union[_common_pb2.LastError, _Mapping]] = ..., expired_at: _Optional[int] = ..., cancelled_at: _Optional[int] = ..., failed_at: _Optional[int] = ..., completed_at: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ...) -> None: ...

class StepDetails(_message.Message):
    __slots__ = ("type", "message_creation", "tool_calls")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CREATION_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    type: RunStepType
    message_creation: MessageCreation
    tool_calls: _containers.RepeatedCompositeFieldContainer[ToolCall]
    def __init__(self, type: _Optional[_Union[RunStepType, str]] = ..., message_creation: _Optional[_Union[MessageCreation, _Mapping]] = ..., tool_calls: _Optional[_Iterable[_Union[ToolCall, _Mapping]]] = ...) -> None: ...

class MessageCreation(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class ToolCall(_message.Message):
    __slots__ = ("id", "type", "function", "code_interpreter", "file_search")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    CODE_INTERPRETER_FIELD_NUMBER: _ClassVar[int]
    FILE_SEARCH_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: _tools_pb2.ToolType
    function: FunctionToolCall
    code_interpreter: CodeInterpreterToolCall
    file_search: FileSearchToolCall
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[_tools_pb2.ToolType, str]] = ..., function: _Optional[_Union[FunctionToolCall, _Mapping]] = ..., code_interpreter: _Optional[_Union[CodeInterpreterToolCall, _Mapping]] = ..., file_search: _Optional[_Union[FileSearchToolCall, _Mapping]] = ...) -> None: ...

class FunctionToolCall(_message.Message):
    __slots__ = ("name", "arguments", "output")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    name: str
    arguments: str
    output: str
    def __init__(self, name: _Optional[str] = ..., arguments: _Optional[str] = ..., output: _Optional[str] = ...) -> None: ...

class CodeInterpreterToolCall(_message.Message):
    __slots__ = ("input", "outputs", "files")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    input: str
    outputs: _containers.RepeatedCompositeFieldContainer[CodeInterpreterOutput]
    files: _containers.RepeatedCompositeFieldContainer[CodeInterpreterFile]
    def __init__(self, input: _Optional[str] = ..., outputs: _Optional[_Iterable[_Union[CodeInterpreterOutput, _Mapping]]] = ..., files: _Optional[_Iterable[_Union[CodeInterpreterFile, _Mapping]]] = ...) -> None: ...

class CodeInterpreterFile(_message.Message):
    __slots__ = ("path", "file_id")
    PATH_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    path: str
    file_id: str
    def __init__(self, path: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class CodeInterpreterOutput(_message.Message):
    __slots__ = ("type", "logs", "image")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    type: CodeInterpreterOutputType
    logs: str
    image: CodeInterpreterImage
    def __init__(self, type: _Optional[_Union[CodeInterpreterOutputType, str]] = ..., logs: _Optional[str] = ..., image: _Optional[_Union[CodeInterpreterImage, _Mapping]] = ...) -> None: ...

class CodeInterpreterImage(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class FileSearchToolCall(_message.Message):
    __slots__ = ("ranking_options", "results", "queries")
    RANKING_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    ranking_options: _tools_pb2.RankingOptions
    results: _containers.RepeatedCompositeFieldContainer[FileSearchResult]
    queries: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ranking_options: _Optional[_Union[_tools_pb2.RankingOptions, _Mapping]] = ..., results: _Optional[_Iterable[_Union[FileSearchResult, _Mapping]]] = ..., queries: _Optional[_Iterable[str]] = ...) -> None: ...

class FileSearchResult(_message.Message):
    __slots__ = ("file_id", "file_name", "score", "content")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    file_name: str
    score: float
    content: _containers.RepeatedCompositeFieldContainer[FileSearchResultContent]
    def __init__(self, file_id: _Optional[str] = ..., file_name: _Optional[str] = ..., score: _Optional[float] = ..., content: _Optional[_Iterable[_Union[FileSearchResultContent, _Mapping]]] = ...) -> None: ...

class FileSearchResultContent(_message.Message):
    __slots__ = ("type", "text")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    type: FileSearchResultContentType
    text: str
    def __init__(self, type: _Optional[_Union[FileSearchResultContentType, str]] = ..., text: _Optional[str] = ...) -> None: ...

class RunStepDeltaEvent(_message.Message):
    __slots__ = ("id", "object", "delta")
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    delta: RunStepDelta
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., delta: _Optional[_Union[RunStepDelta, _Mapping]] = ...) -> None: ...

class RunStepDelta(_message.Message):
    __slots__ = ("step_details",)
    STEP_DETAILS_FIELD_NUMBER: _ClassVar[int]
    step_details: StepDetailsDelta
    def __init__(self, step_details: _Optional[_Union[StepDetailsDelta, _Mapping]] = ...) -> None: ...

class StepDetailsDelta(_message.Message):
    __slots__ = ("type", "message_creation", "tool_calls")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_CREATION_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    type: RunStepType
    message_creation: MessageCreationDelta
    tool_calls: _containers.RepeatedCompositeFieldContainer[ToolCallDelta]
    def __init__(self, type: _Optional[_Union[RunStepType, str]] = ..., message_creation: _Optional[_Union[MessageCreationDelta, _Mapping]] = ..., tool_calls: _Optional[_Iterable[_Union[ToolCallDelta, _Mapping]]] = ...) -> None: ...

class MessageCreationDelta(_message.Message):
    __slots__ = ("message_id",)
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class ToolCallDelta(_message.Message):
    __slots__ = ("index", "id", "type", "function", "code_interpreter", "file_search")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    CODE_INTERPRETER_FIELD_NUMBER: _ClassVar[int]
    FILE_SEARCH_FIELD_NUMBER: _ClassVar[int]
    index: int
    id: str
    type: _tools_pb2.ToolType
    function: FunctionToolCallDelta
    code_interpreter: CodeInterpreterToolCallDelta
    file_search: FileSearchToolCall
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., type: _Optional[_Union[_tools_pb2.ToolType, str]] = ..., function: _Optional[_Union[FunctionToolCallDelta, _Mapping]] = ..., code_interpreter: _Optional[_Union[CodeInterpreterToolCallDelta, _Mapping]] = ..., file_search: _Optional[_Union[FileSearchToolCall, _Mapping]] = ...) -> None: ...

class FunctionToolCallDelta(_message.Message):
    __slots__ = ("name", "arguments", "output")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ARGUMENTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    name: str
    arguments: str
    output: str
    def __init__(self, name: _Optional[str] = ..., arguments: _Optional[str] = ..., output: _Optional[str] = ...) -> None: ...

class CodeInterpreterToolCallDelta(_message.Message):
    __slots__ = ("input", "outputs")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    input: str
    outputs: _containers.RepeatedCompositeFieldContainer[CodeInterpreterOutputDelta]
    def __init__(self, input: _Optional[str] = ..., outputs: _Optional[_Iterable[_Union[CodeInterpreterOutputDelta, _Mapping]]] = ...) -> None: ...

class CodeInterpreterOutputDelta(_message.Message):
    __slots__ = ("index", "type", "logs", "image")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    type: CodeInterpreterOutputType
    logs: str
    image: CodeInterpreterImage
    def __init__(self, index: _Optional[int] = ..., type: _Optional[_Union[CodeInterpreterOutputType, str]] = ..., logs: _Optional[str] = ..., image: _Optional[_Union[CodeInterpreterImage, _Mapping]] = ...) -> None: ...
