from assistants.v1 import common_pb2 as _common_pb2
from assistants.v1 import tools_pb2 as _tools_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VectorStoreStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VECTOR_STORE_STATUS_UNSPECIFIED: _ClassVar[VectorStoreStatus]
    VECTOR_STORE_STATUS_EXPIRED: _ClassVar[VectorStoreStatus]
    VECTOR_STORE_STATUS_IN_PROGRESS: _ClassVar[VectorStoreStatus]
    VECTOR_STORE_STATUS_COMPLETED: _ClassVar[VectorStoreStatus]

class ExpiresAfterAnchor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXPIRES_AFTER_ANCHOR_UNSPECIFIED: _ClassVar[ExpiresAfterAnchor]
    EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT: _ClassVar[ExpiresAfterAnchor]
    EXPIRES_AFTER_ANCHOR_CREATED_AT: _ClassVar[ExpiresAfterAnchor]

class VectorStoreFileStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VECTOR_STORE_FILE_STATUS_UNSPECIFIED: _ClassVar[VectorStoreFileStatus]
    VECTOR_STORE_FILE_STATUS_IN_PROGRESS: _ClassVar[VectorStoreFileStatus]
    VECTOR_STORE_FILE_STATUS_COMPLETED: _ClassVar[VectorStoreFileStatus]
    VECTOR_STORE_FILE_STATUS_CANCELLED: _ClassVar[VectorStoreFileStatus]
    VECTOR_STORE_FILE_STATUS_FAILED: _ClassVar[VectorStoreFileStatus]
VECTOR_STORE_STATUS_UNSPECIFIED: VectorStoreStatus
VECTOR_STORE_STATUS_EXPIRED: VectorStoreStatus
VECTOR_STORE_STATUS_IN_PROGRESS: VectorStoreStatus
VECTOR_STORE_STATUS_COMPLETED: VectorStoreStatus
EXPIRES_AFTER_ANCHOR_UNSPECIFIED: ExpiresAfterAnchor
EXPIRES_AFTER_ANCHOR_LAST_ACTIVE_AT: ExpiresAfterAnchor
EXPIRES_AFTER_ANCHOR_CREATED_AT: ExpiresAfterAnchor
VECTOR_STORE_FILE_STATUS_UNSPECIFIED: VectorStoreFileStatus
VECTOR_STORE_FILE_STATUS_IN_PROGRESS: VectorStoreFileStatus
VECTOR_STORE_FILE_STATUS_COMPLETED: VectorStoreFileStatus
VECTOR_STORE_FILE_STATUS_CANCELLED: VectorStoreFileStatus
VECTOR_STORE_FILE_STATUS_FAILED: VectorStoreFileStatus

class FileCounts(_message.Message):
    __slots__ = ("in_progress", "completed", "failed", "cancelled", "total")
    IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    in_progress: int
    completed: int
    failed: int
    cancelled: int
    total: int
    def __init__(self, in_progress: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., cancelled: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class ExpiresAfter(_message.Message):
    __slots__ = ("anchor", "days")
    ANCHOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    anchor: ExpiresAfterAnchor
    days: int
    def __init__(self, anchor: _Optional[_Union[ExpiresAfterAnchor, str]] = ..., days: _Optional[int] = ...) -> None: ...

class VectorStore(_message.Message):
    __slots__ = ("id", "object", "created_at", "name", "usage_bytes", "file_counts", "status", "expires_after", "expires_at", "last_active_at", "metadata", "description")
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
    NAME_FIELD_NUMBER: _ClassVar[int]
    USAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    name: str
    usage_bytes: int
    file_counts: FileCounts
    status: VectorStoreStatus
    expires_after: ExpiresAfter
    expires_at: int
    last_active_at: int
    metadata: _containers.ScalarMap[str, str]
    description: str
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., name: _Optional[str] = ..., usage_bytes: _Optional[int] = ..., file_counts: _Optional[_Union[FileCounts, _Mapping]] = ..., status: _Optional[_Union[VectorStoreStatus, str]] = ..., expires_after: _Optional[_Union[ExpiresAfter, _Mapping]] = ..., expires_at: _Optional[int] = ..., last_active_at: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., description: _Optional[str] = ...) -> None: ...

class VectorStoreFile(_message.Message):
    __slots__ = ("id", "object", "created_at", "vector_store_id", "usage_bytes", "status", "last_error", "chunking_strategy", "attributes")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    USAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    vector_store_id: str
    usage_bytes: int
    status: VectorStoreFileStatus
    last_error: _common_pb2.LastError
    chunking_strategy: _tools_pb2.ChunkingStrategy
    attributes: _containers.MessageMap[str, _struct_pb2.Value]
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., vector_store_id: _Optional[str] = ..., usage_bytes: _Optional[int] = ..., status: _Optional[_Union[VectorStoreFileStatus, str]] = ..., last_error: _Optional[_Union[_common_pb2.LastError, _Mapping]] = ..., chunking_strategy: _Optional[_Union[_tools_pb2.ChunkingStrategy, _Mapping]] = ..., attributes: _Optional[_Mapping[str, _struct_pb2.Value]] = ...) -> None: ...

class VectorStoreFileBatch(_message.Message):
    __slots__ = ("id", "object", "created_at", "vector_store_id", "status", "file_counts")
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_STORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FILE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    created_at: int
    vector_store_id: str
    status: VectorStoreFileStatus
    file_counts: FileCounts
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., created_at: _Optional[int] = ..., vector_store_id: _Optional[str] = ..., status: _Optional[_Union[VectorStoreFileStatus, str]] = ..., file_counts: _Optional[_Union[FileCounts, _Mapping]] = ...) -> None: ...
