from assistants.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FileStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_STATUS_UNSPECIFIED: _ClassVar[FileStatus]
    FILE_STATUS_UPLOADED: _ClassVar[FileStatus]
    FILE_STATUS_PROCESSED: _ClassVar[FileStatus]
    FILE_STATUS_ERROR: _ClassVar[FileStatus]

class FileExpiresAfterAnchor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILE_EXPIRES_AFTER_ANCHOR_UNSPECIFIED: _ClassVar[FileExpiresAfterAnchor]
    FILE_EXPIRES_AFTER_ANCHOR_CREATED_AT: _ClassVar[FileExpiresAfterAnchor]
FILE_STATUS_UNSPECIFIED: FileStatus
FILE_STATUS_UPLOADED: FileStatus
FILE_STATUS_PROCESSED: FileStatus
FILE_STATUS_ERROR: FileStatus
FILE_EXPIRES_AFTER_ANCHOR_UNSPECIFIED: FileExpiresAfterAnchor
FILE_EXPIRES_AFTER_ANCHOR_CREATED_AT: FileExpiresAfterAnchor

class File(_message.Message):
    __slots__ = ("id", "object", "bytes", "created_at", "expires_at", "filename", "purpose", "status", "status_details")
    ID_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: str
    object: str
    bytes: int
    created_at: int
    expires_at: int
    filename: str
    purpose: str
    status: FileStatus
    status_details: str
    def __init__(self, id: _Optional[str] = ..., object: _Optional[str] = ..., bytes: _Optional[int] = ..., created_at: _Optional[int] = ..., expires_at: _Optional[int] = ..., filename: _Optional[str] = ..., purpose: _Optional[str] = ..., status: _Optional[_Union[FileStatus, str]] = ..., status_details: _Optional[str] = ...) -> None: ...

class FileExpiresAfter(_message.Message):
    __slots__ = ("anchor", "seconds")
    ANCHOR_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    anchor: FileExpiresAfterAnchor
    seconds: int
    def __init__(self, anchor: _Optional[_Union[FileExpiresAfterAnchor, str]] = ..., seconds: _Optional[int] = ...) -> None: ...

class FileUploadHeader(_message.Message):
    __slots__ = ("filename", "purpose", "expires_after")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AFTER_FIELD_NUMBER: _ClassVar[int]
    filename: str
    purpose: str
    expires_after: FileExpiresAfter
    def __init__(self, filename: _Optional[str] = ..., purpose: _Optional[str] = ..., expires_after: _Optional[_Union[FileExpiresAfter, _Mapping]] = ...) -> None: ...

class UploadFileRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: FileUploadHeader
    chunk: bytes
    def __init__(self, header: _Optional[_Union[FileUploadHeader, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class GetFileRequest(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class ListFilesRequest(_message.Message):
    __slots__ = ("purpose", "limit", "order", "after")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    limit: int
    order: _common_pb2.ListOrder
    after: str
    def __init__(self, purpose: _Optional[str] = ..., limit: _Optional[int] = ..., order: _Optional[_Union[_common_pb2.ListOrder, str]] = ..., after: _Optional[str] = ...) -> None: ...

class ListFilesResponse(_message.Message):
    __slots__ = ("object", "data", "first_id", "last_id", "has_more")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FIRST_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    object: str
    data: _containers.RepeatedCompositeFieldContainer[File]
    first_id: str
    last_id: str
    has_more: bool
    def __init__(self, object: _Optional[str] = ..., data: _Optional[_Iterable[_Union[File, _Mapping]]] = ..., first_id: _Optional[str] = ..., last_id: _Optional[str] = ..., has_more: _Optional[bool] = ...) -> None: ...

class DeleteFileRequest(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class DownloadFileRequest(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class DownloadFileResponse(_message.Message):
    __slots__ = ("file", "chunk")
    FILE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    file: File
    chunk: bytes
    def __init__(self, file: _Optional[_Union[File, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...
