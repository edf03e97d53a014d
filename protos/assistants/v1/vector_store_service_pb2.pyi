from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import tools_pb2 as _tools_pb2
from assistants.v1 import vector_store_pb2 as _vector_store_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FileContentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_CONTENT_TYPE_UNSPECIFIED: _ClassVar[FileContentType]
    FILE_CONTENT_TYPE_TEXT: _ClassVar[FileContentType]

class ComparisonType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPARISON_TYPE_UNSPECIFIED: _ClassVar[ComparisonType]
    COMPARISON_TYPE_EQ: _ClassVar[ComparisonType]
    COMPARISON_TYPE_NE: _ClassVar[ComparisonType]
    COMPARISON_TYPE_GT: _ClassVar[ComparisonType]
    COMPARISON_TYPE_GTE: _ClassVar[ComparisonType]
    COMPARISON_TYPE_LT: _ClassVar[ComparisonType]
    COMPARISON_TYPE_LTE: _ClassVar[ComparisonType]
    COMPARISON_TYPE_IN: _ClassVar[ComparisonType]
    COMPARISON_TYPE_NIN: _ClassVar[ComparisonType]

class CompoundType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPOUND_TYPE_UNSPECIFIED: _ClassVar[CompoundType]
    COMPOUND_TYPE_AND: _ClassVar[CompoundType]
    COMPOUND_TYPE_OR: _ClassVar[CompoundType]

class SearchRanker(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_RANKER_UNSPECIFIED: _ClassVar[SearchRanker]
    SEARCH_RANKER_NONE: _ClassVar[SearchRanker]
    SEARCH_RANKER_AUTO: _ClassVar[SearchRanker]
    SEARCH_RANKER_DEFAULT_2024_11_15: _ClassVar[SearchRanker]
FILE_CONTENT_TYPE_UNSPECIFIED: FileContentType
FILE_CONTENT_TYPE_TEXT: FileContentType
COMPARISON_TYPE_UNSPECIFIED: ComparisonType
COMPARISON_TYPE_EQ: ComparisonType
COMPARISON_TYPE_NE: ComparisonType
COMPARISON_TYPE_GT: ComparisonType
COMPARISON_TYPE_GTE: ComparisonType
COMPARISON_TYPE_LT: ComparisonType
COMPARISON_TYPE_LTE: ComparisonType
COMPARISON_TYPE_IN: ComparisonType
COMPARISON_TYPE_NIN: ComparisonType
COMPOUND_TYPE_UNSPECIFIED: CompoundType
COMPOUND_TYPE_AND: CompoundType
COMPOUND_TYPE_OR: CompoundType
SEARCH_RANKER_UNSPECIFIED: SearchRanker
SEARCH_RANKER_NONE: SearchRanker
SEARCH_RANKER_AUTO: SearchRanker
SEARCH_RANKER_DEFAULT_2024_11_15: SearchRanker

class CreateVectorStoreRequest(_message.Message):
    __slots__ = ("file_ids", "name", "description", "expires_after", "chunking_strategy", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FILE_IDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    file_ids: _containers.RepeatedScalarFieldContainer[str]
    name: str
    description: str
    expires_after: _vector_store_pb2.ExpiresAfter
    chunking_strategy: _tools_pb2.ChunkingStrategy
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, file_ids: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., expires_after: _Optional[_Union[_vector_store_pb2.ExpiresAfter, _Mapping]] = ..., chunking_strategy: _Optional[_Union[_tools_pb2.ChunkingStrategy, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetVectorStoreRequest(_message.Message):
    __slots__ = ("vector_store_id",)
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    def __init__(self, vector_store_id: _Optional[str] = ...) -> None: ...

class ListVectorStoresRequest(_message.Message):
    __slots__ = ("limit", "order", "after", "before")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    order: _common_pb2.ListOrder
    after: str
    before: str
    def __init__(self, limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ..., before: _Optional[str] = ...) -> None: ...

class ListVectorStoresResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[_vector_store_pb2.VectorStore]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[_vector_store_pb2.VectorStore, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...

class UpdateVectorStoreRequest(_message.Message):
    __slots__ = ("vector_store_id", "name", "expires_after", "metadata", "update_mask")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    name: str
    expires_after: _vector_store_pb2.ExpiresAfter
    metadata: _containers.ScalarMap[str, str]
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, vector_store_id: _Optional[str] = ..., name: _Optional[str] = ..., expires_after: _Optional[_Union[_vector_store_pb2.ExpiresAfter, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteVectorStoreRequest(_message.Message):
    __slots__ = ("vector_store_id",)
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    def __init__(self, vector_store_id: _Optional[str] = ...) -> None: ...

class CreateVectorStoreFileRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_id", "chunking_strategy", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    chunking_strategy: _tools_pb2.ChunkingStrategy
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ..., chunking_strategy: _Optional[_Union[_tools_pb2.ChunkingStrategy, _Mapping]] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class GetVectorStoreFileRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_id")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class ListVectorStoreFilesRequest(_message.Message):
    __slots__ = ("vector_store_id", "batch_id", "filter", "limit", "order", "after", "before")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    batch_id: str
    filter: _vector_store_pb2.VectorStoreFileStatus
    limit: int
    order: _common_pb2.ListOrder
    after: str
    before: str
    def __init__(self, vector_store_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., filter: _Optional[_Union[_vector_store_pb2.VectorStoreFileStatus, str]] = ..., limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ..., before: _Optional[str] = ...) -> None: ...

class ListVectorStoreFilesResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[_vector_store_pb2.VectorStoreFile]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[_vector_store_pb2.VectorStoreFile, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...

class UpdateVectorStoreFileRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_id", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class DeleteVectorStoreFileRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_id")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class GetVectorStoreFileContentRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_id", "page")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_id: str
    page: str
    def __init__(self, vector_store_id: _Optional[str] = ..., file_id: _Optional[str] = ..., page: _Optional[str] = ...) -> None: ...

class FileContent(_message.Message):
    __slots__ = ("type", "text")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    type: FileContentType
    text: str
    def __init__(self, type: _Optional[_Union[FileContentType, str]] = ..., text: _Optional[str] = ...) -> None: ...

class VectorStoreFileContentPage(_message.Message):
    __slots__ = ("object", "data", "has_more", "next_page")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[FileContent]
    has_more: bool
    next_page: str
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[FileContent, _Mapping]]] = ..., has_more: _Optional[bool] = ..., next_page: _Optional[str] = ...) -> None: ...

class FileBatchEntry(_message.Message):
    __slots__ = ("file_id", "attributes", "chunking_strategy")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    chunking_strategy: _tools_pb2.ChunkingStrategy
    def __init__(self, file_id: _Optional[str] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., chunking_strategy: _Optional[_Union[_tools_pb2.ChunkingStrategy, _Mapping]] = ...) -> None: ...

class CreateVectorStoreFileBatchRequest(_message.Message):
    __slots__ = ("vector_store_id", "file_ids", "files", "chunking_strategy", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_IDS_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    file_ids: _containers.RepeatedScalarFieldContainer[str]
    files: _containers.RepeatedCompositeFieldContainer[FileBatchEntry]
    chunking_strategy: _tools_pb2.ChunkingStrategy
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, vector_store_id: _Optional[str] = ..., file_ids: _Optional[_Iterable[str]] = ..., files: _Optional[_Iterable[_Union[FileBatchEntry, _Mapping]]] = ..., chunking_strategy: _Optional[_Union[_tools_pb2.ChunkingStrategy, _Mapping]] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class GetVectorStoreFileBatchRequest(_message.Message):
    __slots__ = ("vector_store_id", "batch_id")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    batch_id: str
    def __init__(self, vector_store_id: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class CancelVectorStoreFileBatchRequest(_message.Message):
    __slots__ = ("vector_store_id", "batch_id")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    batch_id: str
    def __init__(self, vector_store_id: _Optional[str] = ..., batch_id: _Optional[str] = ...) -> None: ...

class ComparisonFilter(_message.Message):
    __slots__ = ("key", "type", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    type: ComparisonType
    value: _struct_pb2.Value
    def __init__(self, key: _Optional[str] = ..., type: _Optional[_Union[ComparisonType, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CompoundFilter(_message.Message):
    __slots__ = ("type", "filters")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    type: CompoundType
    filters: _containers.RepeatedCompositeFieldContainer[AttributeFilter]
    def __init__(self, type: _Optional[_Union[CompoundType, str]] = ..., filters: _Optional[_Iterable[_Union[AttributeFilter, _Mapping]]] = ...) -> None: ...

class AttributeFilter(_message.Message):
    __slots__ = ("comparison", "compound")
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    COMPOUND_FIELD_NUMBER: _ClassVar[int]
    comparison: ComparisonFilter
    compound: CompoundFilter
    def __init__(self, comparison: _Optional[_Union[ComparisonFilter, _Mapping]] = ..., compound: _Optional[_Union[CompoundFilter, _Mapping]] = ...) -> None: ...

class SearchRankingOptions(_message.Message):
    __slots__ = ("ranker", "score_threshold")
    RANKER_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ranker: SearchRanker
    score_threshold: float
    def __init__(self, ranker: _Optional[_Union[SearchRanker, str]] = ..., score_threshold: _Optional[float] = ...) -> None: ...

class SearchVectorStoreRequest(_message.Message):
    __slots__ = ("vector_store_id", "query", "filters", "max_num_results", "ranking_options", "rewrite_query")
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    MAX_NUM_RESULTS_FIELD_NUMBER: _ClassVar[int]
    RANKING_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    REWRITE_QUERY_FIELD_NUMBER: _ClassVar[int]
    vector_store_id: str
    query: _containers.RepeatedScalarFieldContainer[str]
    filters: AttributeFilter
    max_num_results: int
    ranking_options: SearchRankingOptions
    rewrite_query: bool
    def __init__(self, vector_store_id: _Optional[str] = ..., query: _Optional[_Iterable[str]] = ..., filters: _Optional[_Union[AttributeFilter, _Mapping]] = ..., max_num_results: _Optional[int] = ..., ranking_options: _Optional[_Union[SearchRankingOptions, _Mapping]] = ..., rewrite_query: _Optional[bool] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("file_id", "filename", "score", "attributes", "content")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    filename: str
    score: float
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    content: _containers.RepeatedCompositeFieldContainer[FileContent]
    def __init__(self, file_id: _Optional[str] = ..., filename: _Optional[str] = ..., score: _Optional[float] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ..., content: _Optional[_Iterable[_Union[FileContent, _Mapping]]] = ...) -> None: ...

class SearchVectorStoreResponse(_message.Message):
    __slots__ = ("object", "search_query", "data", "has_more", "next_page")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    SEARCH_QUERY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_FIELD_NUMBER: _ClassVar[int]
    object: str
    search_query: _containers.RepeatedScalarFieldContainer[str]
    data: _containers.RepeatedCompositeFieldContainer[SearchResult]
    has_more: bool
    next_page: str
    def __init__(self, object: _Optional[str] = ..., search_query: _Optional[_Iterable[str]] = ..., data: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., has_more: _Optional[bool] = ..., next_page: _Optional[str] = ...) -> None: ...
