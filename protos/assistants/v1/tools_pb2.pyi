from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ToolType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_TYPE_UNSPECIFIED: _ClassVar[ToolType]
    TOOL_TYPE_CODE_INTERPRETER: _ClassVar[ToolType]
    TOOL_TYPE_FILE_SEARCH: _ClassVar[ToolType]
    TOOL_TYPE_FUNCTION: _ClassVar[ToolType]

class Ranker(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RANKER_UNSPECIFIED: _ClassVar[Ranker]
    RANKER_AUTO: _ClassVar[Ranker]
    RANKER_DEFAULT_2024_08_21: _ClassVar[Ranker]

class ChunkingStrategyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHUNKING_STRATEGY_TYPE_UNSPECIFIED: _ClassVar[ChunkingStrategyType]
    CHUNKING_STRATEGY_TYPE_AUTO: _ClassVar[ChunkingStrategyType]
    CHUNKING_STRATEGY_TYPE_STATIC: _ClassVar[ChunkingStrategyType]
    CHUNKING_STRATEGY_TYPE_OTHER: _ClassVar[ChunkingStrategyType]

class ResponseFormatType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESPONSE_FORMAT_TYPE_UNSPECIFIED: _ClassVar[ResponseFormatType]
    RESPONSE_FORMAT_TYPE_AUTO: _ClassVar[ResponseFormatType]
    RESPONSE_FORMAT_TYPE_TEXT: _ClassVar[ResponseFormatType]
    RESPONSE_FORMAT_TYPE_JSON_OBJECT: _ClassVar[ResponseFormatType]
    RESPONSE_FORMAT_TYPE_JSON_SCHEMA: _ClassVar[ResponseFormatType]

class ToolChoiceType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOOL_CHOICE_TYPE_UNSPECIFIED: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_NONE: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_AUTO: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_REQUIRED: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_FUNCTION: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_FILE_SEARCH: _ClassVar[ToolChoiceType]
    TOOL_CHOICE_TYPE_CODE_INTERPRETER: _ClassVar[ToolChoiceType]

class TruncationStrategyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRUNCATION_STRATEGY_TYPE_UNSPECIFIED: _ClassVar[TruncationStrategyType]
    TRUNCATION_STRATEGY_TYPE_AUTO: _ClassVar[TruncationStrategyType]
    TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES: _ClassVar[TruncationStrategyType]

class ReasoningEffort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASONING_EFFORT_UNSPECIFIED: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_NONE: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_MINIMAL: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_LOW: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_MEDIUM: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_HIGH: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_XHIGH: _ClassVar[ReasoningEffort]
    REASONING_EFFORT_MAX: _ClassVar[ReasoningEffort]
TOOL_TYPE_UNSPECIFIED: ToolType
TOOL_TYPE_CODE_INTERPRETER: ToolType
TOOL_TYPE_FILE_SEARCH: ToolType
TOOL_TYPE_FUNCTION: ToolType
RANKER_UNSPECIFIED: Ranker
RANKER_AUTO: Ranker
RANKER_DEFAULT_2024_08_21: Ranker
CHUNKING_STRATEGY_TYPE_UNSPECIFIED: ChunkingStrategyType
CHUNKING_STRATEGY_TYPE_AUTO: ChunkingStrategyType
CHUNKING_STRATEGY_TYPE_STATIC: ChunkingStrategyType
CHUNKING_STRATEGY_TYPE_OTHER: ChunkingStrategyType
RESPONSE_FORMAT_TYPE_UNSPECIFIED: ResponseFormatType
RESPONSE_FORMAT_TYPE_AUTO: ResponseFormatType
RESPONSE_FORMAT_TYPE_TEXT: ResponseFormatType
RESPONSE_FORMAT_TYPE_JSON_OBJECT: ResponseFormatType
RESPONSE_FORMAT_TYPE_JSON_SCHEMA: ResponseFormatType
TOOL_CHOICE_TYPE_UNSPECIFIED: ToolChoiceType
TOOL_CHOICE_TYPE_NONE: ToolChoiceType
TOOL_CHOICE_TYPE_AUTO: ToolChoiceType
TOOL_CHOICE_TYPE_REQUIRED: ToolChoiceType
TOOL_CHOICE_TYPE_FUNCTION: ToolChoiceType
TOOL_CHOICE_TYPE_FILE_SEARCH: ToolChoiceType
TOOL_CHOICE_TYPE_CODE_INTERPRETER: ToolChoiceType
TRUNCATION_STRATEGY_TYPE_UNSPECIFIED: TruncationStrategyType
TRUNCATION_STRATEGY_TYPE_AUTO: TruncationStrategyType
TRUNCATION_STRATEGY_TYPE_LAST_MESSAGES: TruncationStrategyType
REASONING_EFFORT_UNSPECIFIED: ReasoningEffort
REASONING_EFFORT_NONE: ReasoningEffort
REASONING_EFFORT_MINIMAL: ReasoningEffort
REASONING_EFFORT_LOW: ReasoningEffort
REASONING_EFFORT_MEDIUM: ReasoningEffort
REASONING_EFFORT_HIGH: ReasoningEffort
REASONING_EFFORT_XHIGH: ReasoningEffort
REASONING_EFFORT_MAX: ReasoningEffort

class Tool(_message.Message):
    __slots__ = ("type", "file_search", "function")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_SEARCH_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    type: ToolType
    file_search: FileSearchOptions
    function: FunctionDefinition
    def __init__(self, type: _Optional[_Union[ToolType, str]] = ..., file_search: _Optional[_Union[FileSearchOptions, _Mapping]] = ..., function: _Optional[_Union[FunctionDefinition, _Mapping]] = ...) -> None: ...

class FileSearchOptions(_message.Message):
    __slots__ = ("max_num_results", "ranking_options")
    MAX_NUM_RESULTS_FIELD_NUMBER: _ClassVar[int]
    RANKING_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    max_num_results: int
    ranking_options: RankingOptions
    def __init__(self, max_num_results: _Optional[int] = ..., ranking_options: _Optional[_Union[RankingOptions, _Mapping]] = ...) -> None: ...

class RankingOptions(_message.Message):
    __slots__ = ("ranker", "score_threshold")
    RANKER_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ranker: Ranker
    score_threshold: float
    def __init__(self, ranker: _Optional[_Union[Ranker, str]] = ..., score_threshold: _Optional[float] = ...) -> None: ...

class FunctionDefinition(_message.Message):
    __slots__ = ("name", "description", "parameters", "strict")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    parameters: _struct_pb2.Struct
    strict: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., strict: _Optional[bool] = ...) -> None: ...

class ToolResources(_message.Message):
    __slots__ = ("code_interpreter", "file_search")
    CODE_INTERPRETER_FIELD_NUMBER: _ClassVar[int]
    FILE_SEARCH_FIELD_NUMBER: _ClassVar[int]
    code_interpreter: CodeInterpreterResources
    file_search: FileSearchResources
    def __init__(self, code_interpreter: _Optional[_Union[CodeInterpreterResources, _Mapping]] = ..., file_search: _Optional[_Union[FileSearchResources, _Mapping]] = ...) -> None: ...

class CodeInterpreterResources(_message.Message):
    __slots__ = ("file_ids",)
    FILE_IDS_FIELD_NUMBER: _ClassVar[int]
    file_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, file_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FileSearchResources(_message.Message):
    __slots__ = ("vector_store_ids", "vector_stores")
    VECTOR_STORE_IDS_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORES_FIELD_NUMBER: _ClassVar[int]
    vector_store_ids: _containers.RepeatedScalarFieldContainer[str]
    vector_stores: _containers.RepeatedCompositeFieldContainer[VectorStoreSpec]
    def __init__(self, vector_store_ids: _Optional[_Iterable[str]] = ..., vector_stores: _Optional[_Iterable[_Union[VectorStoreSpec, _Mapping]]] = ...) -> None: ...

class VectorStoreSpec(_message.Message):
    __slots__ = ("file_ids", "chunking_strategy", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FILE_IDS_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    file_ids: _containers.RepeatedScalarFieldContainer[str]
    chunking_strategy: ChunkingStrategy
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, file_ids: _Optional[_Iterable[str]] = ..., chunking_strategy: _Optional[_Union[ChunkingStrategy, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ChunkingStrategy(_message.Message):
    __slots__ = ("type", "static")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATIC_FIELD_NUMBER: _ClassVar[int]
    type: ChunkingStrategyType
    static: StaticChunking
    def __init__(self, type: _Optional[_Union[ChunkingStrategyType, str]] = ..., static: _Optional[_Union[StaticChunking, _Mapping]] = ...) -> None: ...

class StaticChunking(_message.Message):
    __slots__ = ("max_chunk_size_tokens", "chunk_overlap_tokens")
    MAX_CHUNK_SIZE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_OVERLAP_TOKENS_FIELD_NUMBER: _ClassVar[int]
    max_chunk_size_tokens: int
    chunk_overlap_tokens: int
    def __init__(self, max_chunk_size_tokens: _Optional[int] = ..., chunk_overlap_tokens: _Optional[int] = ...) -> None: ...

class ResponseFormat(_message.Message):
    __slots__ = ("type", "json_schema")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    type: ResponseFormatType
    json_schema: JsonSchemaFormat
    def __init__(self, type: _Optional[_Union[ResponseFormatType, str]] = ..., json_schema: _Optional[_Union[JsonSchemaFormat, _Mapping]] = ...) -> None: ...

class JsonSchemaFormat(_message.Message):
    __slots__ = ("name", "description", "schema", "strict")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    schema: _struct_pb2.Struct
    strict: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., strict: _Optional[bool] = ...) -> None: ...

class ToolChoice(_message.Message):
    __slots__ = ("type", "function")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    type: ToolChoiceType
    function: ToolChoiceFunction
    def __init__(self, type: _Optional[_Union[ToolChoiceType, str]] = ..., function: _Optional[_Union[ToolChoiceFunction, _Mapping]] = ...) -> None: ...

class ToolChoiceFunction(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TruncationStrategy(_message.Message):
    __slots__ = ("type", "last_messages")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    type: TruncationStrategyType
    last_messages: int
    def __init__(self, type: _Optional[_Union[TruncationStrategyType, str]] = ..., last_messages: _Optional[int] = ...) -> None: ...
